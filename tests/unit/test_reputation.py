"""When SES's bounce and complaint rates pause the sender."""

from __future__ import annotations

import pytest

from surveys.domain.reputation import Reputation, ReputationLimits, pause_reason

LIMITS = ReputationLimits(bounce_rate=0.04, complaint_rate=0.0008)


@pytest.mark.parametrize(
    "reputation",
    [
        Reputation(None, None),
        Reputation(0.0, 0.0),
        Reputation(0.0399, 0.00079),
    ],
    ids=["nothing-published", "zero", "just-under"],
)
def test_rates_under_the_limits_let_the_sender_send(reputation: Reputation) -> None:
    assert pause_reason(reputation, LIMITS) is None


def test_a_bounce_rate_at_the_limit_pauses_and_says_so_in_percent() -> None:
    reason = pause_reason(Reputation(0.04, None), LIMITS)

    assert reason == (
        "SES's bounce rate for the account is 4 %, at or over the 4 % at which the sender "
        "pauses (SES reviews accounts at 5 %)"
    )


def test_both_rates_over_are_both_named() -> None:
    reason = pause_reason(Reputation(0.052, 0.0012), LIMITS)

    assert reason is not None
    assert "bounce rate for the account is 5.2 %" in reason
    assert "complaint rate for the account is 0.12 %, at or over the 0.08 %" in reason
    assert "(SES reviews accounts at 0.1 %)" in reason


def test_rates_an_admin_accepted_pause_again_only_once_they_rise() -> None:
    accepted = Reputation(0.045, 0.0009)

    assert pause_reason(Reputation(0.045, 0.0009), LIMITS, accepted) is None
    assert pause_reason(Reputation(0.043, 0.0009), LIMITS, accepted) is None
    assert pause_reason(Reputation(0.046, 0.0009), LIMITS, accepted) is not None
    assert pause_reason(Reputation(0.045, 0.001), LIMITS, accepted) is not None
