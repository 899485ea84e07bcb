"""`surveys redrive [surveys|writebacks]`: after an outage, empty the dead-letter queues."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from cli.stack import Stack
from surveys.adapters.dead_letter_queue import SqsDeadLetterQueue
from surveys.bootstrap import event_bus, kustomer_client
from surveys.usecases.redrive import (
    SurveyRedriveReport,
    WritebackRedriveReport,
    redrive_surveys,
    redrive_writebacks,
)


def register(subcommands: Any) -> None:
    redrive = subcommands.add_parser(
        "redrive",
        help="after an outage, resend failed surveys and write back every pending rating",
        description=(
            "surveys: move the survey dead-letter queue back to the survey queue. "
            "writebacks: write every pending rating back to Kustomer now, then clear the "
            "writeback dead-letter queue if nothing is left pending. Default: both."
        ),
    )
    redrive.add_argument(
        "queue", nargs="?", choices=["surveys", "writebacks", "all"], default="all"
    )
    redrive.set_defaults(run=run)


def _print_surveys(report: SurveyRedriveReport) -> None:
    print(f"Survey dead-letter queue: {report.moved} surveys moved back to the survey queue")
    if report.not_moved:
        print(f"  {report.not_moved} refused by SQS; they stay in the dead-letter queue")


def _print_writebacks(report: WritebackRedriveReport) -> None:
    sweep = report.sweep
    print(
        f"Pending writebacks: {sweep.written} written back, {sweep.already_written} already "
        f"done, {sweep.not_writable} not writable (conversation deleted), "
        f"{sweep.failed + sweep.busy} still failing"
    )
    if report.dead_letters_kept:
        reason = sweep.stopped_because or "some writebacks still fail"
        print(
            f"Writeback dead-letter queue: {report.dead_letters_kept} kept ({reason}); "
            "run `surveys redrive writebacks` again once Kustomer answers"
        )
    else:
        print(f"Writeback dead-letter queue: {report.dead_letters_cleared} cleared")


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    settled = True
    with stack.as_admin():
        sqs = stack.client("sqs")
        if arguments.queue in ("surveys", "all"):
            surveys = redrive_surveys(
                SqsDeadLetterQueue(sqs, stack.resources["SurveyDeadLetterQueue"]),
                stack.resources["SurveyQueue"],
            )
            _print_surveys(surveys)
            settled = settled and not surveys.not_moved
        if arguments.queue in ("writebacks", "all"):
            writebacks = redrive_writebacks(
                SqsDeadLetterQueue(sqs, stack.resources["WritebackDeadLetterQueue"]),
                kustomer=kustomer_client(),
                events=event_bus(),
                now=datetime.now(UTC),
                # An operator's run has no Lambda deadline; Ctrl-C stops it, and a rerun
                # goes on from where it stopped.
                time_left=lambda: float("inf"),
            )
            _print_writebacks(writebacks)
            settled = settled and writebacks.sweep.complete
    return 0 if settled else 1
