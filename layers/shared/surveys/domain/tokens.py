"""Signed, expiring survey links: a link names its survey and cannot be forged or extended.

A token is signed for one purpose: an unsubscribe link lives far longer than a rating link, so
it must not open the rating page (and a rating link must not unsubscribe anyone). It is signed
with the current key of the link-signing ring (surveys/domain/link_keys.py) and names that key,
so links keep working after a rotation; the stack's first key, `k0`, signs tokens naming no key,
as every link did before keys were rotated.

An unsubscribe link also carries the keyed hash of the address it was sent to, so that it still
unsubscribes once its survey is gone (forgotten, or past its retention).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from surveys.domain.address_hash import is_address_hash
from surveys.domain.link_keys import KEY_ID, LEGACY_KEY_ID, LinkKeys

# The payload's last field, on unsubscribe links: the address's keyed hash.
_ADDRESS_FIELD = "a="


class TokenPurpose(StrEnum):
    # Rating links carry no purpose in their signature, so links sent before purposes existed
    # keep working.
    RATE = ""
    UNSUBSCRIBE = "unsubscribe"


@dataclass(frozen=True)
class SignedLink:
    survey_id: str
    # The keyed hash of the address the link was sent to (surveys/domain/address_hash.py).
    address_hash: str | None = None


class InvalidTokenError(ValueError):
    """The token was not made by this system (tampered, truncated or signed with another key)."""


class RetiredKeyError(ValueError):
    """The token names a key that was retired: every link it signed is closed."""

    def __init__(self, key_id: str, retired_at: datetime) -> None:
        super().__init__(f"survey link signed with key {key_id}, retired {retired_at.isoformat()}")
        self.key_id = key_id


class ExpiredTokenError(ValueError):
    def __init__(self, survey_id: str, expired_at: datetime) -> None:
        super().__init__(f"survey link for {survey_id} expired at {expired_at.isoformat()}")
        self.survey_id = survey_id
        self.expired_at = expired_at


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, key: bytes, purpose: TokenPurpose, key_id: str) -> bytes:
    if key_id != LEGACY_KEY_ID:
        signed = f"{key_id}|{purpose.value}|{payload}"
    else:
        signed = f"{purpose.value}|{payload}" if purpose.value else payload
    return hmac.new(key, signed.encode("utf-8"), hashlib.sha256).digest()


def sign_survey_token(
    survey_id: str,
    expires_at: datetime,
    keys: LinkKeys,
    purpose: TokenPurpose = TokenPurpose.RATE,
    address_hash: str | None = None,
) -> str:
    key = keys.current
    payload = f"{survey_id}|{int(expires_at.timestamp())}"
    if address_hash is not None:
        payload += f"|{_ADDRESS_FIELD}{address_hash}"
    signature = _signature(payload, key.secret, purpose, key.key_id)
    token = f"{_b64encode(payload.encode('utf-8'))}.{_b64encode(signature)}"
    return token if key.key_id == LEGACY_KEY_ID else f"{key.key_id}.{token}"


def token_key_id(token: str) -> str:
    """The key a token says it was signed with, before anything is verified."""
    named, _, _ = token.partition(".")
    if token.count(".") == 2 and KEY_ID.fullmatch(named) and named != LEGACY_KEY_ID:
        return named
    return LEGACY_KEY_ID


def verify_survey_token(
    token: str, keys: LinkKeys, now: datetime, purpose: TokenPurpose = TokenPurpose.RATE
) -> str:
    """Return the survey id a token names, or raise why it cannot be trusted."""
    return verify_survey_link(token, keys, now, purpose).survey_id


def verify_survey_link(
    token: str, keys: LinkKeys, now: datetime, purpose: TokenPurpose = TokenPurpose.RATE
) -> SignedLink:
    """What a token names, or raise why it cannot be trusted."""
    key_id = token_key_id(token)
    signed = token.partition(".")[2] if key_id != LEGACY_KEY_ID else token
    retired_at = keys.retired_at(key_id)
    if retired_at is not None:
        raise RetiredKeyError(key_id, retired_at)
    key = keys.key(key_id)
    if key is None:
        raise InvalidTokenError(f"survey token names a key this stack does not have: {key_id}")
    encoded_payload, _, encoded_signature = signed.partition(".")
    try:
        raw_payload = _b64decode(encoded_payload)
        payload = raw_payload.decode("utf-8")
        signature = _b64decode(encoded_signature)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidTokenError("malformed survey token") from error
    # base64 skips characters outside its alphabet and the spare bits of a last character, so
    # several spellings decode alike: only the one this module writes is accepted.
    if _b64encode(raw_payload) != encoded_payload or _b64encode(signature) != encoded_signature:
        raise InvalidTokenError("survey token is not in its canonical form")
    if not encoded_signature or not hmac.compare_digest(
        signature, _signature(payload, key.secret, purpose, key_id)
    ):
        raise InvalidTokenError("survey token signature does not match")
    address_hash = None
    rest, _, last = payload.rpartition("|")
    if last.startswith(_ADDRESS_FIELD):
        payload, address_hash = rest, last.removeprefix(_ADDRESS_FIELD)
        if not is_address_hash(address_hash):
            raise InvalidTokenError("survey token payload is malformed")
    survey_id, _, expires = payload.rpartition("|")
    if not survey_id or not expires.isdigit():
        raise InvalidTokenError("survey token payload is malformed")
    expires_at = datetime.fromtimestamp(int(expires), tz=UTC)
    if now >= expires_at:
        raise ExpiredTokenError(survey_id, expires_at)
    return SignedLink(survey_id, address_hash)
