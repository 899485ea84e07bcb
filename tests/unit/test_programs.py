"""Which program surveys a conversation that several programs of one metric cover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from surveys.domain.conversations import Conversation
from surveys.domain.programs import audience, covers, ordered, specificity, winning_program
from surveys.domain.triggers import TriggerSettings
from surveys.domain.validated import InvalidInput

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
ACTIVATED = NOW - timedelta(days=1)


def _program(name: str, **settings: Any) -> TriggerSettings:
    return TriggerSettings(name=name, metric="ces", active=True, activated_at=ACTIVATED, **settings)


def _conversation(**attributes: Any) -> Conversation:
    defaults: dict[str, Any] = {
        "id": "c1",
        "status": "done",
        "channels": frozenset({"email"}),
        "updated_at": NOW - timedelta(hours=60),
        "customer_id": "cust1",
        "brand_id": "acme",
        "queue_id": "support",
    }
    return Conversation(**{**defaults, **attributes})


ALL = _program("ces")
ACME = _program("ces-acme", include_brands=("acme",))
ACME_SUPPORT = _program("ces-acme-support", include_brands=("acme",), include_queues=("support",))
SUPPORT = _program("ces-support", include_queues=("support",))


def test_a_program_naming_its_brand_beats_one_for_all_whatever_the_order() -> None:
    assert winning_program(_conversation(), [ALL, ACME]) == ACME
    assert winning_program(_conversation(), [ACME, ALL]) == ACME


def test_naming_brand_and_queue_beats_naming_one_of_them() -> None:
    assert winning_program(_conversation(), [ACME, SUPPORT, ACME_SUPPORT]) == ACME_SUPPORT


def test_equally_specific_programs_go_to_the_first_in_the_admins_order() -> None:
    assert winning_program(_conversation(), [ACME, SUPPORT]) == ACME
    assert winning_program(_conversation(), [SUPPORT, ACME]) == SUPPORT


def test_excluding_is_not_naming_an_audience() -> None:
    not_globex = _program("ces-not-globex", exclude_brands=("globex",))

    assert specificity(not_globex) == 0
    assert winning_program(_conversation(), [not_globex, ALL]) == not_globex
    assert audience(not_globex) == "not brands globex"


def test_a_program_whose_audience_leaves_the_conversation_out_never_wins_it() -> None:
    globex = _program("ces-globex", include_brands=("globex",))
    chat = _program("ces-chat", channels=("chat",), include_brands=("acme",))

    assert winning_program(_conversation(), [globex, chat, ALL]) == ALL
    assert winning_program(_conversation(), [globex, chat]) is None


def test_the_quiet_period_does_not_decide_the_winner() -> None:
    """A program with a shorter delay reads the conversation first; the winner is the same."""
    fast_all = _program("ces", delay_hours=24)
    slow_acme = _program("ces-acme", include_brands=("acme",), delay_hours=200)
    just_quiet = _conversation(updated_at=NOW - timedelta(hours=30))

    assert winning_program(just_quiet, [fast_all, slow_acme]) == slow_acme


def test_inactive_programs_and_those_activated_after_it_went_quiet_cover_nothing() -> None:
    inactive = TriggerSettings(name="ces-acme", metric="ces", include_brands=("acme",))
    late = _program("ces-acme", include_brands=("acme",)).changed(
        activated_at=NOW + timedelta(days=30)
    )
    backfilled = late.changed(backfill_hours=24 * 40)

    assert not covers(inactive, _conversation())
    assert winning_program(_conversation(), [inactive, ALL]) == ALL
    assert winning_program(_conversation(), [late, ALL]) == ALL
    assert winning_program(_conversation(), [backfilled, ALL]) == backfilled


def test_programs_are_listed_in_the_admins_order_unknown_ones_last() -> None:
    assert ordered([ALL, ACME, SUPPORT], ["ces-support", "ces"]) == [SUPPORT, ALL, ACME]


def test_settings_stored_before_programs_existed_are_the_metrics_own_program() -> None:
    stored = '{"metric": "nps", "active": false, "delay_hours": 24}'

    program = TriggerSettings.from_json(stored)

    assert program.name == "nps" and program.delay_hours == 24


@pytest.mark.parametrize(
    ("name", "metric", "problem"),
    [
        ("Ces Brand", "ces", "lowercase letters"),
        ("-ces", "ces", "starting with a letter"),
        ("x" * 41, "ces", "1 to 40"),
        ("csat", "ces", "the program named csat surveys csat, not ces"),
    ],
)
def test_program_names_are_checked(name: str, metric: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        TriggerSettings(name=name, metric=metric)
