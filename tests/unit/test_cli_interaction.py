"""The command line's shared conventions: progress as a terminal and a log show it, the
confirmation that guards production, JSON output and Ctrl-C."""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import pytest

from cli.errors import ExitCode
from cli.interaction import (
    NotConfirmed,
    Progress,
    add_output_option,
    confirm,
    interruptible,
    print_json,
)
from surveys.domain.triggers import TriggerSettings


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Answers(io.StringIO):
    """Standard input on a terminal, where the admin types `text`."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_is_redrawn_in_place_with_counts_share_and_time_left() -> None:
    clock, screen = FakeClock(), Terminal()
    with Progress("Writebacks", 40, "ratings", stream=screen, clock=clock) as progress:
        clock.now += 2
        progress.update(10)
        clock.now += 2
        progress.update(20)

    drawn = screen.getvalue()
    assert "\r" in drawn and "\n" not in drawn.rstrip("\n")
    assert "Writebacks [######..................] 10/40 ratings, 25 %, about 6 s left" in drawn
    assert "Writebacks [############............] 20/40 ratings, 50 %, about 4 s left" in drawn
    assert drawn.endswith("\n")


def test_a_run_over_within_a_second_draws_nothing() -> None:
    clock, screen = FakeClock(), Terminal()
    with Progress("Surveys read", 5, "surveys", stream=screen, clock=clock) as progress:
        clock.now += 0.3
        progress.update(5)

    assert screen.getvalue() == ""


def test_without_a_terminal_a_plain_line_every_ten_seconds_then_what_was_done() -> None:
    clock, log = FakeClock(), io.StringIO()
    with Progress("Surveys moved", 300, "surveys", stream=log, clock=clock) as progress:
        for done in range(10, 310, 10):
            clock.now += 1
            progress.update(done)

    lines = log.getvalue().splitlines()
    assert lines == [
        "Surveys moved: 100/300 surveys, 33 %, about 20 s left",
        "Surveys moved: 200/300 surveys, 67 %, about 10 s left",
        "Surveys moved: 300/300 surveys, 100 %",
        "Surveys moved: 300/300 surveys in 30 s",
    ]
    assert "\r" not in log.getvalue()


def test_an_estimated_total_grows_to_what_was_done_and_an_unknown_one_shows_counts() -> None:
    clock, log = FakeClock(), io.StringIO()
    with Progress("Surveys read", 10, "surveys", stream=log, clock=clock) as estimated:
        clock.now += 11
        estimated.update(15)
    with Progress("Notes", None, "notes", stream=log, clock=clock) as unknown:
        clock.now += 11
        unknown.update(3)

    assert log.getvalue().splitlines() == [
        "Surveys read: 15/15 surveys, 100 %",
        "Surveys read: 15/15 surveys in 11 s",
        "Notes: 3 notes",
        "Notes: 3 notes in 11 s",
    ]


def test_a_next_stage_counts_and_times_from_zero() -> None:
    clock, screen = FakeClock(), Terminal()
    with Progress("Surveys read", 1000, "surveys", stream=screen, clock=clock) as progress:
        clock.now += 30
        progress.update(1000)
        progress.next_stage("Ratings read", 200)
        clock.now += 2
        progress.update(100)

    assert "Surveys read [########################] 1000/1000 surveys, 100 %" in screen.getvalue()
    assert "Ratings read [############............] 100/200 surveys, 50 %, about 2 s left" in (
        screen.getvalue()
    )


def _asked(answer: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.setattr("sys.stdin", Answers(answer))
    confirm(argparse.Namespace(yes=False), ["3 surveys will be retried"], action="redrive")
    return capsys.readouterr().err


@pytest.mark.parametrize("answer", ["y\n", "yes\n", "Y\n"])
def test_a_yes_on_the_terminal_goes_ahead_after_saying_what_will_change(
    answer: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    said = _asked(answer, monkeypatch, capsys)

    assert said == "3 surveys will be retried\nGo ahead? [y/N] "


@pytest.mark.parametrize("answer", ["\n", "n\n", "no\n", "yess\n", ""])
def test_anything_but_yes_is_a_no(
    answer: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(
        NotConfirmed, match=r"redrive not confirmed\. Nothing was changed\."
    ) as error:
        _asked(answer, monkeypatch, capsys)

    assert error.value.exit_code == ExitCode.REFUSED


def test_without_a_terminal_it_refuses_unless_told_yes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))

    with pytest.raises(NotConfirmed, match="no terminal to ask on: add --yes"):
        confirm(argparse.Namespace(yes=False), ["1 writebacks will be retried"], action="redrive")
    confirm(argparse.Namespace(yes=True), ["1 writebacks will be retried"], action="redrive")

    assert capsys.readouterr().err.count("1 writebacks will be retried") == 2


class Colour(StrEnum):
    RED = "red"


@dataclass(frozen=True)
class Item:
    at: datetime
    colour: Colour
    tags: frozenset[str]


def test_json_output_converts_dataclasses_times_and_enums(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_json(
        {"item": Item(datetime(2025, 1, 31, 9, 30, tzinfo=UTC), Colour.RED, frozenset("ba"))}
    )

    assert json.loads(capsys.readouterr().out) == {
        "item": {"at": "2025-01-31T09:30:00+00:00", "colour": "red", "tags": ["a", "b"]}
    }


def test_json_output_shows_trigger_settings_as_they_are_stored(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = TriggerSettings(
        metric="ces",
        active=True,
        activated_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
        send_window={"start": "09:00", "end": "17:30", "timezone": "Europe/Berlin"},
    )

    print_json({"trigger": settings})

    shown = json.loads(capsys.readouterr().out)["trigger"]
    assert list(shown) == list(json.loads(settings.to_json()))
    assert shown["activated_at"] == "2026-12-01T10:00:00Z"
    assert shown["send_window"] == {
        "start": "09:00:00",
        "end": "17:30:00",
        "timezone": "Europe/Berlin",
    }
    assert shown["channels"] == ["email"]


def test_the_output_option_takes_other_formats_and_names() -> None:
    parser = argparse.ArgumentParser()
    add_output_option(parser, formats=("text", "csv", "json"), aliases=("--format",))

    assert parser.parse_args(["--format", "csv"]).output == "csv"
    assert parser.parse_args(["--output", "json"]).output == "json"
    assert parser.parse_args([]).output == "text"


def test_a_first_ctrl_c_asks_to_stop_a_second_stops_at_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with interruptible() as stop:
        assert not stop()
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.requested and stop()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)

    assert "stopping after the work in hand" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
