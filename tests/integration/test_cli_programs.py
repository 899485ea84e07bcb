"""`surveys trigger create|list|order|delete` and `surveys report --by program|--program`, as an
admin types them, against the local runtime."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.main import main
from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime
from tests.integration.helpers import add_due_conversation

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def local_stack(runtime: LocalRuntime, tmp_path: Path) -> list[str]:
    path = tmp_path / "stack.json"
    runtime.stack().write_local_file(path)
    return ["--local-file", str(path)]


def _json(local_stack: list[str], capsys: pytest.CaptureFixture[str], *arguments: str) -> object:
    capsys.readouterr()
    assert main([*local_stack, *arguments, "--output", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _listed(local_stack: list[str], capsys: pytest.CaptureFixture[str]) -> list[tuple[str, ...]]:
    listing = _json(local_stack, capsys, "trigger", "list")
    assert isinstance(listing, dict)
    return [
        (row["program"], row["metric"], "active" if row["active"] else "-", row["audience"])
        for row in listing["programs"]
    ]


def test_create_list_order_and_delete_programs(
    local_stack: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    created = [
        *local_stack,
        "trigger",
        "create",
        "ces-globex",
        "--metric",
        "ces",
        "include_brands=globex",
        "company_name=Globex",
    ]
    assert main(created) == 0
    assert "ces-globex program created (inactive)" in capsys.readouterr().out
    assert main([*local_stack, "trigger", "create", "csat-vip", "--metric", "csat"]) == 0
    assert main([*local_stack, "trigger", "activate", "ces-globex", "--yes"]) == 0
    capsys.readouterr()

    assert _listed(local_stack, capsys) == [
        ("ces", "ces", "active", "all"),
        ("csat", "csat", "-", "all"),
        ("nps", "nps", "-", "all"),
        ("ces-globex", "ces", "active", "brands globex"),
        ("csat-vip", "csat", "-", "all"),
    ]
    assert main([*local_stack, "trigger", "list"]) == 0
    text = capsys.readouterr().out
    assert " 4  ces-globex  ces     yes     brands globex" in text

    assert main([*local_stack, "trigger", "order", "csat-vip", "ces-globex", "--yes"]) == 0
    assert "Order: csat-vip, ces-globex, ces, csat, nps" in capsys.readouterr().out
    assert main([*local_stack, "trigger", "delete", "ces-globex", "--yes"]) == 2
    assert "active: deactivate it first" in capsys.readouterr().err
    assert main([*local_stack, "trigger", "delete", "csat-vip", "--yes"]) == 0
    assert main([*local_stack, "trigger", "delete", "nps", "--yes"]) == 2
    assert "cannot be deleted" in capsys.readouterr().err
    assert [row[0] for row in _listed(local_stack, capsys)] == ["ces-globex", "ces", "csat", "nps"]
    # A deleted program's surveys are still answered with its settings: its name comes back
    # only for its metric.
    assert main([*local_stack, "trigger", "create", "csat-vip", "--metric", "ces"]) == 2
    assert "deleted csat program" in capsys.readouterr().err
    assert main([*local_stack, "trigger", "create", "csat-vip", "--metric", "csat"]) == 0
    assert [row[0] for row in _listed(local_stack, capsys)][-1] == "csat-vip"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["create", "ces", "--metric", "ces"], "a program named 'ces' exists already"),
        (["create", "Globex!", "--metric", "ces"], "program name 'Globex!'"),
        (["create", "ces-x", "--metric", "ces", "delay_hours=0"], "delay_hours"),
        (["create", "nps", "--metric", "ces"], "exists already"),
        (["show", "nothing"], "no program named 'nothing'"),
        (["set", "nothing", "delay_hours=5"], "no program named 'nothing'"),
        (["order", "nothing"], "no program named nothing"),
    ],
)
def test_bad_program_commands_are_explained_and_change_nothing(
    local_stack: list[str], capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert main([*local_stack, "trigger", *arguments]) == 2
    assert message in capsys.readouterr().err
    assert [row[0] for row in _listed(local_stack, capsys)] == ["ces", "csat", "nps"]


def test_a_change_to_an_active_program_needs_confirmation(
    local_stack: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*local_stack, "trigger", "create", "ces-b", "--metric", "ces"]) == 0
    assert main([*local_stack, "trigger", "activate", "ces-b"]) == 2
    assert "no terminal to ask on" in capsys.readouterr().err
    assert main([*local_stack, "trigger", "order", "ces-b"]) == 2
    assert ("ces-b", "ces", "-", "all") in _listed(local_stack, capsys)


def test_report_by_program_and_for_one_program(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    runtime.set_trigger("ces-globex", metric="ces", include_brands=["globex"])
    for index, brand in enumerate(("acme", "globex", "globex")):
        add_due_conversation(simulator, NOW, brand_id=brand, emails=(f"c{index}@example.com",))
    runtime.scan(NOW)
    runtime.deliver()

    by_program = _json(local_stack, capsys, "report", "--by", "program")
    assert isinstance(by_program, dict)
    assert [(group["group"], group["sent"]) for group in by_program["groups"]] == [
        ("ces", 1),
        ("ces-globex", 2),
    ]
    one = _json(local_stack, capsys, "report", "--program", "ces-globex")
    assert isinstance(one, dict)
    assert (one["program"], one["metric"], one["overall"]["sent"]) == ("ces-globex", "ces", 2)
    assert main([*local_stack, "report", "--by", "program", "--output", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(row["group"], row["sent"]) for row in rows] == [
        ("all", "3"),
        ("ces", "1"),
        ("ces-globex", "2"),
    ]
    html = tmp_path / "report.html"
    assert main([*local_stack, "report", "--program", "ces-globex", "--html", str(html)]) == 0
    text = capsys.readouterr().out
    assert "Customer Effort Score (CES), program ces-globex" in text
    page = html.read_text()
    assert "program ces-globex</h1>" in page and '<table id="programs">' in page
    assert main([*local_stack, "report", "--program", "ces-globex", "--metric", "nps"]) == 2
    assert "surveys ces, not nps" in capsys.readouterr().err
