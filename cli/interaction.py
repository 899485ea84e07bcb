"""What every `surveys` command shares with the admin who runs it: output as text or JSON,
confirmation before production changes, progress on long runs, and a Ctrl-C that stops cleanly.

The conventions (docs/admin.md, "The command line"):

- stdout carries the command's data only: text, or one JSON document with `--output json`.
  Everything said to the admin (what is about to change, prompts, progress, Ctrl-C notices) goes
  to stderr, so `surveys ... --output json | jq` always reads clean JSON.
- Exit codes are `cli.errors.ExitCode`: 0 done, 1 failed, 2 refused (bad input, or a change not
  confirmed: nothing was changed), 130 interrupted (the work in hand was finished; a rerun goes
  on). Raise `CommandError` for exit 2 and `CommandFailed` for exit 1; `cli.main` prints them.
- A command that changes production says first what it will do, with counts, then asks on a
  terminal; `--yes` goes ahead without asking; with no terminal and no `--yes` it refuses.

A command uses it like this:

    def register(subcommands):
        command = subcommands.add_parser("forget", help=...)
        add_output_option(command)
        add_yes_option(command)
        command.set_defaults(run=run)

    def run(stack, arguments):
        confirm(arguments, [f"{len(items)} surveys will be deleted"], action="forget")
        with interruptible() as stop, Progress("Forgetting", len(items), "surveys") as progress:
            for item in items:
                if stop.requested:
                    break
                ...
                progress.advance()
        emit(arguments, {"deleted": done}, text=lambda: print(f"{done} surveys deleted"))
        return ExitCode.INTERRUPTED if stop.requested else ExitCode.DONE

`stop` is also a predicate (`stop()` is `stop.requested`), for use cases that take one.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, TextIO

from cli.errors import CommandError
from surveys.domain.validated import Validated

# --- output ---------------------------------------------------------------------------------------

FORMATS = {"text": "for people (the default)", "json": "for scripts", "csv": "for spreadsheets"}


def add_output_option(
    parser: argparse.ArgumentParser,
    formats: Sequence[str] = ("text", "json"),
    aliases: Sequence[str] = (),
) -> None:
    """`--output text|json` (and any other formats, or other names for the option)."""
    described = ", ".join(f"{name} {FORMATS.get(name, '')}".strip() for name in formats)
    parser.add_argument(
        "--output",
        *aliases,
        dest="output",
        choices=list(formats),
        default="text",
        help=f"{described}; messages go to stderr",
    )


def wants_json(arguments: argparse.Namespace) -> bool:
    return getattr(arguments, "output", "text") == "json"


def emit(arguments: argparse.Namespace, data: Any, text: Callable[[], None]) -> None:
    """Print the command's result: `data` as JSON with `--output json`, else what `text`
    prints."""
    if wants_json(arguments):
        print_json(data)
    else:
        text()


def print_json(data: Any) -> None:
    """One JSON document on stdout. Dataclasses (validated records as they are stored), datetimes
    (ISO 8601), enums, sets and paths are converted."""
    print(json.dumps(data, indent=2, ensure_ascii=False, default=jsonable))


def jsonable(value: Any) -> Any:
    if isinstance(value, Validated):
        return value.as_json_dict()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def tell(*lines: str) -> None:
    """Say something to the admin, on stderr: stdout carries only the command's data."""
    for line in lines:
        print(line, file=sys.stderr)
    sys.stderr.flush()


# --- confirmation ---------------------------------------------------------------------------------


class NotConfirmed(CommandError):
    """The admin said no, or could not be asked: nothing was changed (exit 2)."""


def add_yes_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--yes",
        "-y",
        action="store_true",
        help="go ahead without asking for confirmation (needed where there is no terminal)",
    )


def on_terminal() -> bool:
    """Whether someone can be asked: a confirmation is read from standard input."""
    return sys.stdin.isatty()


def confirm(arguments: argparse.Namespace, plan: Sequence[str], *, action: str) -> None:
    """Say what is about to change (`plan`, with counts), then ask on a terminal. Returns to go
    ahead; raises NotConfirmed when the admin does not answer yes, or when there is no terminal
    to ask on and no `--yes`."""
    tell(*plan)
    if getattr(arguments, "yes", False):
        return
    if not on_terminal():
        raise NotConfirmed(
            f"{action} changes production, so it asks first, and there is no terminal to ask "
            "on: add --yes to go ahead without asking. Nothing was changed."
        )
    sys.stderr.write("Go ahead? [y/N] ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise NotConfirmed(f"{action} not confirmed. Nothing was changed.")


# --- progress -------------------------------------------------------------------------------------


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


class Progress:
    """Progress of a long run, on stderr. On a terminal a bar redrawn in place, with the counts,
    the share done and an estimate of the time left; elsewhere (CI, a log file) a plain line
    every `LINE_SECONDS`. A run over before `SHOW_AFTER_SECONDS` (or `LINE_SECONDS`) shows
    nothing; one that showed progress ends with a line of what was done.

    `total` may be an estimate (an approximate queue depth, a table's item count): it grows to
    what is done if that is more, and may be None when unknown (then counts only).
    """

    BAR_WIDTH = 24
    SHOW_AFTER_SECONDS = 1.0
    REDRAW_SECONDS = 0.1
    LINE_SECONDS = 10.0

    def __init__(
        self,
        label: str,
        total: int | None = None,
        unit: str = "",
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self._stream = stream or sys.stderr
        self._clock = clock
        self._terminal = self._stream.isatty()
        self._started = self._drawn = 0.0
        self._shown = False

    def __enter__(self) -> Progress:
        self._started = self._drawn = self._clock()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if not self._shown:
            return
        if self._terminal:
            self._draw(force=True)
            self._stream.write("\n")
        else:
            elapsed = duration(self._clock() - self._started)
            self._stream.write(f"{self.label}: {self._counts()} in {elapsed}\n")
        self._stream.flush()

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        self._draw()

    def advance(self, by: int = 1) -> None:
        self.update(self.done + by)

    def next_stage(self, label: str, total: int | None, unit: str | None = None) -> None:
        """Go on with another part of the work, counted from 0 (and timed from now)."""
        self.label, self.total, self.done = label, total, 0
        self.unit = self.unit if unit is None else unit
        self._started = self._clock()

    def _counts(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.total is None:
            return f"{self.done}{unit}"
        return f"{self.done}/{max(self.total, self.done)}{unit}"

    def describe(self) -> str:
        """The counts, the share done and the estimate: '12/30 surveys, 40 %, about 8 s left'."""
        parts = [self._counts()]
        total = None if self.total is None else max(self.total, self.done)
        if total:
            parts.append(f"{100 * self.done / total:.0f} %")
            elapsed = self._clock() - self._started
            if 0 < self.done < total and elapsed >= 1:
                parts.append(f"about {duration(elapsed / self.done * (total - self.done))} left")
        return ", ".join(parts)

    def _due(self, now: float) -> bool:
        if not self._terminal:
            return now - self._drawn >= self.LINE_SECONDS
        if self._shown:
            return now - self._drawn >= self.REDRAW_SECONDS
        return now - self._started >= self.SHOW_AFTER_SECONDS

    def _draw(self, force: bool = False) -> None:
        now = self._clock()
        if not (force or self._due(now)):
            return
        self._drawn, self._shown = now, True
        if not self._terminal:
            self._stream.write(f"{self.label}: {self.describe()}\n")
            self._stream.flush()
            return
        bar = ""
        if self.total:
            filled = round(self.BAR_WIDTH * min(1.0, self.done / max(self.total, self.done)))
            bar = f" [{'#' * filled}{'.' * (self.BAR_WIDTH - filled)}]"
        line = f"{self.label}{bar} {self.describe()}"
        width = _terminal_width(self._stream)
        # \r goes back to the start of the line, \x1b[K clears what a longer line left there.
        self._stream.write(f"\r{line[: width - 1]}\x1b[K")
        self._stream.flush()


def _terminal_width(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError):
        return 80


# --- Ctrl-C ---------------------------------------------------------------------------------------


class Interruption:
    """Whether the admin pressed Ctrl-C; calling it answers the same (a predicate for use
    cases that take one)."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self) -> bool:
        return self.requested


@contextmanager
def interruptible() -> Iterator[Interruption]:
    """Inside the block the first Ctrl-C only asks the work to stop: the loop checks
    `requested` between items, finishes the one in hand and stops, and the command says what
    was done and what was not. A second Ctrl-C stops at once (KeyboardInterrupt)."""
    interruption = Interruption()

    def ask_to_stop(signal_number: int, frame: FrameType | None) -> None:
        if interruption.requested:
            raise KeyboardInterrupt
        interruption.requested = True
        tell("", "Ctrl-C: stopping after the work in hand (press it again to stop at once)")

    try:
        previous = signal.signal(signal.SIGINT, ask_to_stop)
    except ValueError:
        # Not the main thread, where Python handles signals: Ctrl-C keeps its default.
        yield interruption
        return
    try:
        yield interruption
    finally:
        signal.signal(signal.SIGINT, previous)
