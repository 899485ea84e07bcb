"""`surveys trigger ...` against the local runtime, as an admin types it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from local.runtime.runtime import LocalRuntime


@pytest.fixture
def local_stack(runtime: LocalRuntime, tmp_path: Path) -> list[str]:
    path = tmp_path / "stack.json"
    runtime.stack().write_local_file(path)
    return ["--local-file", str(path)]


def _show(local_stack: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main([*local_stack, "trigger", "show", "csat", "--output", "json"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_show_prints_the_defaults_from_the_deploy_parameters(
    local_stack: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    shown = _show(local_stack, capsys)

    assert shown["metric"] == "csat"
    assert shown["active"] is False
    assert shown["delay_hours"] == 48
    assert shown["backfill_hours"] == 720  # the runtime fixture's BackfillHours parameter


def test_set_activate_and_deactivate(
    local_stack: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                *local_stack,
                "trigger",
                "set",
                "csat",
                "delay_hours=24",
                "channels=email,chat",
                "exclude_tags=spam,no-survey",
                "send_window=09:00-17:30@Europe/Berlin",
                "sender_name=Acme Care",
            ]
        )
        == 0
    )
    assert "csat program updated (inactive)" in capsys.readouterr().out
    assert main([*local_stack, "trigger", "activate", "csat", "--yes"]) == 0
    assert "csat program activated (active)" in capsys.readouterr().out

    shown = _show(local_stack, capsys)
    assert shown["active"] is True
    assert shown["delay_hours"] == 24
    assert shown["channels"] == ["email", "chat"]
    assert shown["exclude_tags"] == ["spam", "no-survey"]
    assert shown["send_window"] == {
        "start": "09:00:00",
        "end": "17:30:00",
        "timezone": "Europe/Berlin",
    }
    assert shown["sender_name"] == "Acme Care"

    assert main([*local_stack, "trigger", "set", "csat", "sender_name=", "--yes"]) == 0
    assert main([*local_stack, "trigger", "deactivate", "csat", "--yes"]) == 0
    capsys.readouterr()
    shown = _show(local_stack, capsys)
    assert shown["active"] is False
    assert shown["sender_name"] is None
    assert shown["delay_hours"] == 24


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("delay_hours=0", "delay_hours: Input should be greater than or equal to 1"),
        ("colour=blue", "unknown setting 'colour'"),
        ("delay_hours", "is not NAME=VALUE"),
        ("send_window=9-", "send_window"),
        ("active=true", "unknown setting 'active'"),
    ],
)
def test_bad_settings_are_explained_and_change_nothing(
    local_stack: list[str], capsys: pytest.CaptureFixture[str], setting: str, message: str
) -> None:
    assert main([*local_stack, "trigger", "set", "csat", setting]) == 2
    assert message in capsys.readouterr().err
    assert _show(local_stack, capsys)["delay_hours"] == 48


def test_a_missing_local_runtime_is_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--local-file", str(tmp_path / "nothing.json"), "trigger", "show", "ces"]) == 2
    assert "no local runtime is running" in capsys.readouterr().err
