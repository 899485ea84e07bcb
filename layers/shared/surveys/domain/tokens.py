"""Signed, expiring survey links: a link names its survey and cannot be forged or extended.

A token is signed for one purpose: an unsubscribe link lives far longer than a rating link, so
it must not open the rating page (and a rating link must not unsubscribe anyone).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime
from enum import StrEnum


class TokenPurpose(StrEnum):
    # Rating links carry no purpose in their signature, so links sent before purposes existed
    # keep working.
    RATE = ""
    UNSUBSCRIBE = "unsubscribe"


class InvalidTokenError(ValueError):
    """The token was not made by this system (tampered, truncated or signed with another key)."""


class ExpiredTokenError(ValueError):
    def __init__(self, survey_id: str, expired_at: datetime) -> None:
        super().__init__(f"survey link for {survey_id} expired at {expired_at.isoformat()}")
        self.survey_id = survey_id
        self.expired_at = expired_at


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, key: bytes, purpose: TokenPurpose) -> bytes:
    signed = f"{purpose.value}|{payload}" if purpose.value else payload
    return hmac.new(key, signed.encode("utf-8"), hashlib.sha256).digest()


def sign_survey_token(
    survey_id: str, expires_at: datetime, key: bytes, purpose: TokenPurpose = TokenPurpose.RATE
) -> str:
    payload = f"{survey_id}|{int(expires_at.timestamp())}"
    signature = _signature(payload, key, purpose)
    return f"{_b64encode(payload.encode('utf-8'))}.{_b64encode(signature)}"


def verify_survey_token(
    token: str, key: bytes, now: datetime, purpose: TokenPurpose = TokenPurpose.RATE
) -> str:
    """Return the survey id a token names, or raise why it cannot be trusted."""
    encoded_payload, _, encoded_signature = token.partition(".")
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
        signature, _signature(payload, key, purpose)
    ):
        raise InvalidTokenError("survey token signature does not match")
    survey_id, _, expires = payload.rpartition("|")
    if not survey_id or not expires.isdigit():
        raise InvalidTokenError("survey token payload is malformed")
    expires_at = datetime.fromtimestamp(int(expires), tz=UTC)
    if now >= expires_at:
        raise ExpiredTokenError(survey_id, expires_at)
    return survey_id
