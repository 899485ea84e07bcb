"""Reasons for a low score: the trigger's list, what a form may send, how reports count them."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from surveys.domain.metrics import CES, NPS
from surveys.domain.reasons import DEFAULT_REASONS, labels, parse_reasons, sort_chosen
from surveys.domain.triggers import TriggerSettings
from surveys.usecases.report import SentSurvey, build_report

UNTIL = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)


def test_a_trigger_offers_the_five_default_reasons_with_stable_ids():
    trigger = TriggerSettings(metric="ces")
    assert [reason.id for reason in trigger.reason_options] == list(DEFAULT_REASONS)
    assert trigger.reason_options[0].label_in("de") == "Es hat zu lange gedauert"
    assert trigger.reason_options[0].label_in("en") == "It took too long"
    assert trigger.reason_attribute_name() == "cesReasonStr"


def test_a_trigger_may_pick_built_in_reasons_and_add_its_own_shown_as_written():
    trigger = TriggerSettings(metric="csat", reasons=("not_solved", "billing=Billing was wrong"))
    own = trigger.reason_options[1]
    assert (own.id, own.label_in("fr"), own.built_in) == ("billing", "Billing was wrong", False)


@pytest.mark.parametrize(
    ("reasons", "problem"),
    [
        (("too_long", "too_long"), "listed twice"),
        (("Too Long",), "lower case"),
        (("slow",), "no built-in reason"),
        (("slow=",), "label"),
        (("slow=<b>slow</b>",), "label"),
        (tuple(f"r{index}=R {index}" for index in range(11)), "at most 10"),
    ],
)
def test_reason_settings_that_cannot_work_are_refused_with_the_reason(reasons, problem):
    with pytest.raises(ValueError, match=problem):
        TriggerSettings(metric="ces", reasons=reasons)


def test_a_form_keeps_offered_reasons_in_the_offered_order_and_names_the_others():
    offered = parse_reasons(DEFAULT_REASONS)
    assert sort_chosen(offered, ["other", "too_long", "other"]) == (("too_long", "other"), [])
    assert sort_chosen(offered, ["too_long", "forged", "<script>"]) == (
        ("too_long",),
        ["<script>", "forged"],
    )
    assert labels(offered, ("too_long", "gone"), "es") == ["Tardó demasiado"]


def _rated(agent, score, reasons=(), team="Support"):
    return SentSurvey(f"ces-{agent}-{score}-{len(reasons)}", UNTIL, agent, team, score, reasons)


def test_reports_count_the_reasons_of_negative_ratings_overall_and_per_agent():
    surveys = [
        _rated("Maya", 2, ("too_long", "repeated")),
        _rated("Maya", 3, ("too_long",)),
        _rated("Jonas", 1, ()),
        _rated("Jonas", 1, ("retired",)),
        # A reason never counts without a negative score.
        _rated("Jonas", 6, ("too_long",)),
    ]
    offered = tuple((reason.id, reason.label) for reason in parse_reasons(DEFAULT_REASONS))
    report = build_report(CES, UNTIL - timedelta(days=1), UNTIL, surveys, offered)

    assert report.reasons_overall.negative == 4
    assert report.reasons_overall.counts == {"too_long": 2, "repeated": 1, "retired": 1}
    # A reason the trigger no longer offers still shows, under its id.
    assert report.reasons[-1] == ("retired", "retired")
    by_agent = {row.label: row for row in report.reasons_by_agent}
    assert (by_agent["Maya"].negative, by_agent["Maya"].counts["too_long"]) == (2, 2)
    assert (by_agent["Jonas"].negative, by_agent["Jonas"].counts) == (2, {"retired": 1})
    assert [row.label for row in report.reasons_by_team] == ["Support"]


def test_reports_count_the_answers_that_came_after_the_reminder():
    reminded = UNTIL - timedelta(hours=5)
    base = SentSurvey("nps-a", UNTIL - timedelta(days=4), "Maya", "Support", 9)
    surveys = [
        replace(base, reminded_at=reminded, rated_at=reminded + timedelta(hours=1)),
        replace(base, survey_id="nps-b", reminded_at=reminded, rated_at=reminded - timedelta(1)),
        replace(base, survey_id="nps-c", score=None, reminded_at=reminded),
        replace(base, survey_id="nps-d", rated_at=reminded),
    ]
    report = build_report(NPS, UNTIL - timedelta(days=10), UNTIL, surveys)
    assert (report.reminders.sent, report.reminders.answered_after) == (3, 1)
