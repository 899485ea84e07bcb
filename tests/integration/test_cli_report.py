"""`surveys report` against the local runtime, its numbers recomputed from the raw tables."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean
from typing import Any

import pytest

from cli.main import main
from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime
from surveys.adapters.store.ratings import RatingItem
from tests.conftest import function_environment
from tests.integration.helpers import add_due_conversation

NOW = datetime.now(UTC).replace(microsecond=0)
# Conversation per agent: its assigned team (None: no team) and the score its customer gave
# (None: never answered).
ANSWERS = {
    "Maya Patel": [("Billing", 7), ("Orders", 6), ("Billing", None), ("Orders", 2)],
    "Jonas Becker": [("Orders", 4), (None, None)],
}
TEAMS = ("Billing", "Orders")


@pytest.fixture
def local_stack(runtime: LocalRuntime, tmp_path: Path) -> list[str]:
    path = tmp_path / "stack.json"
    runtime.stack().write_local_file(path)
    return ["--local-file", str(path)]


@pytest.fixture
def answered(runtime: LocalRuntime, simulator: KustomerSimulator) -> None:
    """Six surveys sent, four answered; each agent's and team's name imported as `surveys
    connect` does. The Orders team is renamed after the surveys were sent."""
    scores = {}
    team_ids = {name: simulator.add_team(name) for name in TEAMS}
    for name, answers in ANSWERS.items():
        agent = simulator.add_user(name, f"{name.split()[0].lower()}@acme.example.com")
        for team, score in answers:
            conversation = add_due_conversation(
                simulator,
                NOW,
                assigned_user_ids=[agent],
                assigned_team_ids=[team_ids[team]] if team else [],
            )
            scores[f"ces-{conversation}"] = score
    runtime.import_agents()
    runtime.scan(NOW)
    runtime.deliver()
    simulator.rename_team(team_ids["Orders"], "Orders & Delivery")
    runtime.import_agents()
    with function_environment(runtime, "RatingWebhookFunction"):
        for survey_id, score in scores.items():
            if score is not None:
                conversation = survey_id.removeprefix("ces-")
                RatingItem(
                    survey_id,
                    conversation_id=conversation,
                    metric="ces",
                    score=score,
                    rated_at=NOW,
                    updated_at=NOW,
                ).save()


def _run(local_stack: list[str], capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    assert main([*local_stack, "report", *arguments]) == 0
    return capsys.readouterr().out


def _recomputed(
    runtime: LocalRuntime, attribute: str | None = None, value: str | None = None
) -> dict[str, Any]:
    """The report's numbers, worked out here from the tables' raw items: of every survey sent,
    or of those whose `attribute` (agent_name, team_name) is `value`."""
    sent = [
        survey
        for survey in runtime.table_items("SurveysTable")
        if survey["status"] == "sent" and (attribute is None or survey.get(attribute) == value)
    ]
    ratings = {
        item["survey_id"]: int(item["score"]) for item in runtime.table_items("RatingsTable")
    }
    scores = [ratings[survey["survey_id"]] for survey in sent if survey["survey_id"] in ratings]
    return {
        "sent": len(sent),
        "rated": len(scores),
        "response_rate_pct": round(100 * len(scores) / len(sent), 2),
        "score": round(mean(scores), 2),
        "positive_pct": round(100 * sum(score >= 5 for score in scores) / len(scores), 2),
        "negative_pct": round(100 * sum(score <= 3 for score in scores) / len(scores), 2),
        "distribution": {str(score): scores.count(score) for score in range(1, 8)},
    }


def _picked(summary: dict[str, Any]) -> dict[str, Any]:
    keys = ("sent", "rated", "response_rate_pct", "score", "positive_pct", "negative_pct")
    return {key: summary[key] for key in (*keys, "distribution")}


def test_json_export_matches_the_raw_ratings_overall_and_per_agent(
    runtime: LocalRuntime,
    answered: None,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = json.loads(_run(local_stack, capsys, "--by", "agent", "--format", "json"))

    assert report["metric"] == "ces"
    assert _picked(report["overall"]) == _recomputed(runtime)
    assert report["overall"]["rated"] == 4 and report["overall"]["sent"] == 6
    groups = {group["group"]: group for group in report["groups"]}
    assert set(groups) == set(ANSWERS)
    for agent, group in groups.items():
        assert _picked(group) == _recomputed(runtime, "agent_name", agent)


def test_json_export_per_team_matches_the_raw_ratings_with_names_kept_from_sending(
    runtime: LocalRuntime,
    answered: None,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = json.loads(_run(local_stack, capsys, "--by", "team", "--format", "json"))

    assert report["by"] == "team"
    groups = {group["group"]: group for group in report["groups"]}
    # Orders was renamed in Kustomer after its surveys were sent: they keep the old name.
    assert list(groups) == ["Billing", "Orders", "(no team)"]
    for team in TEAMS:
        assert _picked(groups[team]) == _recomputed(runtime, "team_name", team)
    assert (groups["Billing"]["sent"], groups["Billing"]["rated"]) == (2, 1)
    assert (groups["Orders"]["sent"], groups["Orders"]["rated"]) == (3, 3)
    assert groups["Orders"]["score"] == 4.0  # 6, 2 and 4
    no_team = groups["(no team)"]
    assert (no_team["sent"], no_team["rated"], no_team["score"]) == (1, 0, None)


def test_text_and_csv_reports_by_team_have_a_row_per_team(
    answered: None, local_stack: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = _run(local_stack, capsys, "--by", "team")
    rows = list(
        csv.DictReader(io.StringIO(_run(local_stack, capsys, "--by", "team", "--format", "csv")))
    )

    assert "\nBy team\n" in text
    billing = next(line for line in text.splitlines() if line.startswith("Billing"))
    # Billing: 7 rated, one unanswered: 2 sent, 1 rated, 50%, CES 7.00, 100% positive.
    assert billing.split() == ["Billing", "2", "1", "50%", "7.00", "100%", "0%", "0%"]
    assert [(row["group"], row["sent"], row["rated"]) for row in rows] == [
        ("all", "6", "4"),
        ("Billing", "2", "1"),
        ("Orders", "3", "3"),
        ("(no team)", "1", "0"),
    ]


def test_text_report_gives_score_n_response_rate_and_distribution(
    answered: None, local_stack: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = _run(local_stack, capsys, "--metric", "ces", "--since", "30d", "--by", "agent")

    # Scores 7, 6, 2, 4: mean 4.75, two of four positive (5-7), one negative (1-3).
    assert "Score: 4.75   CES (mean, 1-7)" in text
    assert "Positive (5-7): 50%   Neutral (4): 25%   Negative (1-3): 25%" in text
    assert "n: 4 ratings" in text
    assert "Response rate: 67% (4 rated of 6 sent)" in text
    assert "   7  Strongly agree                  1    25%  #####" in text
    assert "   3  Somewhat disagree               0     0%" in text
    maya = next(line for line in text.splitlines() if line.startswith("Maya Patel"))
    assert maya.split() == ["Maya", "Patel", "4", "3", "75%", "5.00", "67%", "0%", "33%"]


def test_csv_export_has_a_row_for_all_and_one_per_week(
    answered: None, local_stack: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(
        csv.DictReader(io.StringIO(_run(local_stack, capsys, "--by", "week", "--format", "csv")))
    )

    assert rows[0]["group"] == "all"
    assert (rows[0]["sent"], rows[0]["rated"], rows[0]["score"]) == ("6", "4", "4.75")
    assert [rows[0][f"score_{score}"] for score in range(1, 8)] == list("0101011")
    weeks = rows[1:]
    assert len(weeks) in (5, 6)  # 30 days touch five or six weeks
    assert sum(int(row["sent"]) for row in weeks) == 6
    assert weeks[-1]["rated"] == "4"


def test_an_nps_report_without_surveys_says_so_rather_than_scoring(
    answered: None, local_stack: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = _run(local_stack, capsys, "--metric", "nps")

    assert "Net Promoter Score (NPS)" in text
    assert "Score: -   NPS (% promoters 9-10 minus % detractors 0-6)" in text
    assert "Response rate: - (0 rated of 0 sent)" in text


def test_a_period_it_cannot_read_is_explained(
    local_stack: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*local_stack, "report", "--since", "last month"]) == 2

    assert "give 48h, 30d, 12w or a date such as 2025-01-31" in capsys.readouterr().err


def test_the_html_report_is_one_file_that_loads_nothing_from_elsewhere(
    answered: None, local_stack: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "reports" / "ces.html"

    out = _run(local_stack, capsys, "--by", "agent", "--format", "json", "--html", str(path))

    assert json.loads(out)["overall"]["rated"] == 4  # the export stays clean on stdout
    html = path.read_text(encoding="utf-8")
    assert '<div class="value" id="score">4.75</div>' in html
    assert "Maya Patel" in html and "Jonas Becker" in html
    teams = html.split('<table id="teams">', 1)[1].split("</table>", 1)[0]
    assert [row.split("</td>", 1)[0] for row in teams.split("<td>")[1::6]] == [
        "Billing",
        "Orders",
        "(no team)",
    ]
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html
