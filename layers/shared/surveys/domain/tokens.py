"""Signed, expiring survey links: a link names its survey and cannot be forged or extended."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime


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


def _signature(payload: str, key: bytes) -> bytes:
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).digest()


def sign_survey_token(survey_id: str, expires_at: datetime, key: bytes) -> str:
    payload = f"{survey_id}|{int(expires_at.timestamp())}"
    return f"{_b64encode(payload.encode('utf-8'))}.{_b64encode(_signature(payload, key))}"


def verify_survey_token(token: str, key: bytes, now: datetime) -> str:
    """Return the survey id a token names, or raise why it cannot be trusted."""
    encoded_payload, _, encoded_signature = token.partition(".")
    try:
        payload = _b64decode(encoded_payload).decode("utf-8")
        signature = _b64decode(encoded_signature)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidTokenError("malformed survey token") from error
    if not encoded_signature or not hmac.compare_digest(signature, _signature(payload, key)):
        raise InvalidTokenError("survey token signature does not match")
    survey_id, _, expires = payload.rpartition("|")
    if not survey_id or not expires.isdigit():
        raise InvalidTokenError("survey token payload is malformed")
    expires_at = datetime.fromtimestamp(int(expires), tz=UTC)
    if now >= expires_at:
        raise ExpiredTokenError(survey_id, expires_at)
    return survey_id
