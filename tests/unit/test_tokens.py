"""Survey links cannot be forged, altered, or used after they expire."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from surveys.domain.address_hash import address_hash
from surveys.domain.link_keys import LinkKeys
from surveys.domain.tokens import (
    ExpiredTokenError,
    InvalidTokenError,
    SignedLink,
    TokenPurpose,
    sign_survey_token,
    verify_survey_link,
    verify_survey_token,
)

KEY = LinkKeys.single(b"k" * 32)
OTHER_KEY = LinkKeys.single(b"o" * 32)
EXPIRES = datetime(2024, 6, 9, 12, 0, tzinfo=UTC)
BEFORE = EXPIRES - timedelta(days=29)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def signed(payload: str, key: bytes = KEY.current.secret) -> str:
    """A token with a genuine signature over an arbitrary payload (only the key holder can)."""
    signature = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return f"{b64(payload.encode())}.{b64(signature)}"


@pytest.mark.parametrize("survey_id", ["ces-c1", "nps-5f1a9c", "csat-ünï", "ces-a|b", "a|b|c"])
def test_round_trip_returns_the_survey_id(survey_id):
    token = sign_survey_token(survey_id, EXPIRES, KEY)
    assert verify_survey_token(token, KEY, BEFORE) == survey_id


def test_token_is_url_safe():
    token = sign_survey_token("ces-c1", EXPIRES, KEY)
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert set(token) <= allowed


def test_payload_swapped_for_another_survey_is_refused():
    token = sign_survey_token("ces-c1", EXPIRES, KEY)
    _, signature = token.split(".")
    forged = f"{b64(f'ces-c2|{int(EXPIRES.timestamp())}'.encode())}.{signature}"
    with pytest.raises(InvalidTokenError):
        verify_survey_token(forged, KEY, BEFORE)


def test_expiry_cannot_be_extended_by_editing_the_payload():
    token = sign_survey_token("ces-c1", EXPIRES, KEY)
    _, signature = token.split(".")
    later = int((EXPIRES + timedelta(days=365)).timestamp())
    forged = f"{b64(f'ces-c1|{later}'.encode())}.{signature}"
    with pytest.raises(InvalidTokenError):
        verify_survey_token(forged, KEY, EXPIRES + timedelta(days=1))


def test_altered_signature_is_refused():
    token = sign_survey_token("ces-c1", EXPIRES, KEY)
    payload, signature = token.split(".")
    altered = ("B" if signature[0] == "A" else "A") + signature[1:]
    with pytest.raises(InvalidTokenError):
        verify_survey_token(f"{payload}.{altered}", KEY, BEFORE)


def _truncations(token: str) -> list[str]:
    payload, _ = token.split(".")
    return [token[:-1], token[:-6], token[: len(payload) + 1], payload, token[:5], token[1:]]


@pytest.mark.parametrize("index", range(6))
def test_truncated_token_is_refused(index):
    token = sign_survey_token("ces-c1", EXPIRES, KEY)
    with pytest.raises(InvalidTokenError):
        verify_survey_token(_truncations(token)[index], KEY, BEFORE)


def test_token_signed_with_another_key_is_refused():
    token = sign_survey_token("ces-c1", EXPIRES, OTHER_KEY)
    with pytest.raises(InvalidTokenError):
        verify_survey_token(token, KEY, BEFORE)


@pytest.mark.parametrize(
    "garbage",
    ["", ".", "..", "not-a-token", "abc.def", "%%%.%%%", "é.é", "x" * 500, "a.b.c", " "],
)
def test_garbage_is_refused_as_invalid(garbage):
    with pytest.raises(InvalidTokenError):
        verify_survey_token(garbage, KEY, BEFORE)


@pytest.mark.parametrize("payload", ["ces-c1", "ces-c1|", "|1717934400", "ces-c1|soon", "\xff"])
def test_correctly_signed_but_malformed_payload_is_refused_as_invalid(payload):
    with pytest.raises(InvalidTokenError):
        verify_survey_token(signed(payload), KEY, BEFORE)


def test_link_works_until_the_last_second_before_expiry():
    token = sign_survey_token("ces-c1", EXPIRES, KEY)
    assert verify_survey_token(token, KEY, EXPIRES - timedelta(seconds=1)) == "ces-c1"


@pytest.mark.parametrize(
    "now", [EXPIRES, EXPIRES + timedelta(seconds=1), EXPIRES + timedelta(days=400)]
)
def test_link_is_expired_from_its_expiry_instant_on(now):
    token = sign_survey_token("ces-c1", EXPIRES, KEY)
    with pytest.raises(ExpiredTokenError) as raised:
        verify_survey_token(token, KEY, now)
    assert raised.value.survey_id == "ces-c1"
    assert raised.value.expired_at == EXPIRES
    assert "ces-c1" in str(raised.value)


def test_expired_error_names_a_survey_id_containing_the_separator():
    token = sign_survey_token("ces-a|b", EXPIRES, KEY)
    with pytest.raises(ExpiredTokenError) as raised:
        verify_survey_token(token, KEY, EXPIRES)
    assert raised.value.survey_id == "ces-a|b"


def test_expired_is_not_mistaken_for_invalid():
    token = sign_survey_token("ces-c1", EXPIRES, KEY)
    with pytest.raises(ExpiredTokenError):
        verify_survey_token(token, KEY, EXPIRES)
    assert not issubclass(ExpiredTokenError, InvalidTokenError)


def test_expired_token_with_wrong_key_is_invalid_not_expired():
    token = sign_survey_token("ces-c1", EXPIRES, OTHER_KEY)
    with pytest.raises(InvalidTokenError):
        verify_survey_token(token, KEY, EXPIRES + timedelta(days=1))


def test_a_token_works_only_for_the_purpose_it_was_signed_for():
    unsubscribe = sign_survey_token("ces-c1", EXPIRES, KEY, TokenPurpose.UNSUBSCRIBE)
    rate = sign_survey_token("ces-c1", EXPIRES, KEY)
    assert verify_survey_token(unsubscribe, KEY, BEFORE, TokenPurpose.UNSUBSCRIBE) == "ces-c1"
    with pytest.raises(InvalidTokenError):
        verify_survey_token(unsubscribe, KEY, BEFORE)
    with pytest.raises(InvalidTokenError):
        verify_survey_token(rate, KEY, BEFORE, TokenPurpose.UNSUBSCRIBE)


def test_an_unsubscribe_link_carries_the_keyed_hash_of_its_address():
    hashed = address_hash("Jane@Example.com", b"hash-key")
    token = sign_survey_token("ces-a|b", EXPIRES, KEY, TokenPurpose.UNSUBSCRIBE, hashed)

    link = verify_survey_link(token, KEY, BEFORE, TokenPurpose.UNSUBSCRIBE)

    assert link == SignedLink("ces-a|b", hashed)
    assert hashed == address_hash(" jane@example.COM", b"hash-key")
    assert "jane" not in base64.urlsafe_b64decode(token.split(".")[0] + "==").decode().lower()
    assert verify_survey_link(sign_survey_token("ces-c1", EXPIRES, KEY), KEY, BEFORE) == (
        SignedLink("ces-c1")
    )


@pytest.mark.parametrize("field", ["a=", "a=not-a-hash", "a=sha256:00"])
def test_a_signed_payload_with_a_malformed_address_field_is_refused(field):
    with pytest.raises(InvalidTokenError):
        verify_survey_token(signed(f"ces-c1|{int(EXPIRES.timestamp())}|{field}"), KEY, BEFORE)
