"""The link-signing key ring: a rotation makes a new key sign while links signed before keep
working until they expire; a retired key's links are refused; tokens sent before keys had names
keep working."""

from datetime import UTC, datetime, timedelta

import pytest

from surveys.domain.link_keys import LONGEST_LINK_LIFETIME, LinkKeyRingError, LinkKeys
from surveys.domain.tokens import (
    InvalidTokenError,
    RetiredKeyError,
    TokenPurpose,
    sign_survey_token,
    token_key_id,
    verify_survey_token,
)

DEPLOYED = LinkKeys.single(b"deployed-key")
ROTATED_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LINK_EXPIRES = ROTATED_AT + timedelta(days=30)


def test_a_stack_never_rotated_signs_as_before_keys_had_names() -> None:
    token = sign_survey_token("ces-c1", LINK_EXPIRES, DEPLOYED)

    assert token.count(".") == 1
    assert token_key_id(token) == "k0"
    assert LinkKeys.from_secret("deployed-key") == DEPLOYED


def test_a_rotation_signs_with_a_named_new_key_and_keeps_the_old_one_for_its_links() -> None:
    before = sign_survey_token("ces-c1", LINK_EXPIRES, DEPLOYED)

    ring = DEPLOYED.rotated(b"second-key", ROTATED_AT)
    after = sign_survey_token("ces-c2", LINK_EXPIRES, ring)

    assert after.startswith("k1.")
    assert verify_survey_token(before, ring, ROTATED_AT) == "ces-c1"
    assert verify_survey_token(after, ring, ROTATED_AT) == "ces-c2"
    old = ring.key("k0")
    assert old is not None
    assert old.kept_until == ROTATED_AT + LONGEST_LINK_LIFETIME
    assert timedelta(days=365 + 3650) == LONGEST_LINK_LIFETIME


def test_the_ring_survives_its_secret() -> None:
    ring = DEPLOYED.rotated(b"second-key", ROTATED_AT).rotated(b"third-key", ROTATED_AT)
    ring = ring.retiring(["k0"], ROTATED_AT)

    assert LinkKeys.from_secret(ring.to_secret()) == ring
    assert ring.current_id == "k2"


def test_an_unsubscribe_link_of_the_old_key_works_for_ten_years_then_its_key_retires() -> None:
    unsubscribe = sign_survey_token(
        "ces-c1", LINK_EXPIRES + timedelta(days=3650), DEPLOYED, TokenPurpose.UNSUBSCRIBE
    )
    ring = DEPLOYED.rotated(b"second-key", ROTATED_AT)
    nine_years_on = ROTATED_AT + timedelta(days=9 * 365)

    assert verify_survey_token(unsubscribe, ring, nine_years_on, TokenPurpose.UNSUBSCRIBE)

    # The next rotation after the last link it can have signed retires it.
    later = ring.rotated(b"third-key", ROTATED_AT + LONGEST_LINK_LIFETIME)
    assert later.key("k0") is None
    assert later.retired_at("k0") == ROTATED_AT + LONGEST_LINK_LIFETIME
    assert later.key("k1") is not None


def test_a_link_signed_with_a_retired_key_is_refused() -> None:
    before = sign_survey_token("ces-c1", LINK_EXPIRES, DEPLOYED)
    ring = DEPLOYED.rotated(b"second-key", ROTATED_AT).retiring(["k0"], ROTATED_AT)

    with pytest.raises(RetiredKeyError) as refused:
        verify_survey_token(before, ring, ROTATED_AT)
    assert refused.value.key_id == "k0"
    assert "k0" not in [key.key_id for key in ring.keys]


def test_the_current_key_cannot_be_retired() -> None:
    with pytest.raises(LinkKeyRingError):
        DEPLOYED.retiring(["k0"], ROTATED_AT)


def test_a_token_cannot_borrow_another_keys_name() -> None:
    ring = DEPLOYED.rotated(b"second-key", ROTATED_AT).rotated(b"third-key", ROTATED_AT)
    token = sign_survey_token("ces-c1", LINK_EXPIRES, ring)
    renamed = "k1." + token.partition(".")[2]

    assert token.startswith("k2.")
    with pytest.raises(InvalidTokenError):
        verify_survey_token(renamed, ring, ROTATED_AT)


@pytest.mark.parametrize("named", ["k0", "k9", "kx", "K1"])
def test_a_key_name_the_ring_does_not_have_is_invalid(named: str) -> None:
    ring = DEPLOYED.rotated(b"second-key", ROTATED_AT)
    token = sign_survey_token("ces-c1", LINK_EXPIRES, ring)

    with pytest.raises(InvalidTokenError):
        verify_survey_token(f"{named}.{token.partition('.')[2]}", ring, ROTATED_AT)


@pytest.mark.parametrize(
    "secret",
    ['{"current": "k1", "keys": []}', '{"keys": []}', "{not json", '{"current": "x", "keys": []}'],
)
def test_a_secret_that_is_no_ring_is_refused(secret: str) -> None:
    with pytest.raises(LinkKeyRingError):
        LinkKeys.from_secret(secret)
