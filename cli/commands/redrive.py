"""`surveys redrive [surveys|writebacks]`: after an outage, empty the dead-letter queues."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cli.errors import ExitCode
from cli.interaction import (
    Progress,
    add_output_option,
    add_yes_option,
    confirm,
    emit,
    interruptible,
    tell,
)
from cli.stack import Stack

if TYPE_CHECKING:
    from surveys.usecases.redrive import (
        RedrivePlan,
        SurveyRedriveReport,
        WritebackRedriveReport,
    )


def register(subcommands: Any) -> None:
    redrive = subcommands.add_parser(
        "redrive",
        help="after an outage, resend failed surveys and write back every pending rating",
        description=(
            "surveys: move the survey dead-letter queue back to the survey queue. "
            "writebacks: write every pending rating back to Kustomer now (the hourly reconcile "
            "sweep, run at once and without its grace period), then clear the writeback "
            "dead-letter queue if nothing is left pending. Default: both. It says how many "
            "surveys and writebacks it will retry and asks first. Ctrl-C stops it after the "
            "survey in hand; running it again goes on."
        ),
    )
    redrive.add_argument(
        "queue", nargs="?", choices=["surveys", "writebacks", "all"], default="all"
    )
    add_output_option(redrive)
    add_yes_option(redrive)
    redrive.set_defaults(run=run)


def _plan_lines(plan: RedrivePlan) -> list[str]:
    lines = [f"{plan.surveys} surveys and {plan.writebacks} writebacks will be retried:"]
    if plan.surveys:
        lines.append(
            f"  {plan.surveys} surveys go from the survey dead-letter queue back to the survey "
            "queue (the sender still sends each survey once)"
        )
    if plan.writebacks:
        lines.append(f"  {plan.writebacks} ratings are written back to Kustomer now")
    if plan.suppression_notes:
        lines.append(
            f"  {plan.suppression_notes} notes of unsubscribes, bounces or complaints are "
            "posted to Kustomer"
        )
    if plan.writeback_dead_letters:
        lines.append(
            f"  the writeback dead-letter queue's {plan.writeback_dead_letters} messages are "
            "cleared once every rating is written back"
        )
    return lines


def _print_surveys(report: SurveyRedriveReport) -> None:
    print(f"Survey dead-letter queue: {report.moved} surveys moved back to the survey queue")
    if report.not_moved:
        print(f"  {report.not_moved} refused by SQS; they stay in the dead-letter queue")
    if report.interrupted:
        print("  interrupted: the rest stay in the dead-letter queue")


def _print_writebacks(report: WritebackRedriveReport) -> None:
    sweep = report.sweep
    print(
        f"Pending writebacks: {sweep.written} written back, {sweep.already_written} already "
        f"done, {sweep.not_writable} not writable (conversation deleted), "
        f"{sweep.failed + sweep.busy} still failing"
    )
    if sweep.suppression_notes:
        print(f"Notes of unsubscribes, bounces and complaints: {sweep.suppression_notes} posted")
    if report.dead_letters_kept:
        reason = sweep.stopped_because or "some writebacks still fail"
        print(
            f"Writeback dead-letter queue: {report.dead_letters_kept} kept ({reason}); "
            "run `surveys redrive writebacks` again once Kustomer answers"
        )
    else:
        print(f"Writeback dead-letter queue: {report.dead_letters_cleared} cleared")


def _writebacks_json(report: WritebackRedriveReport) -> dict[str, Any]:
    sweep = report.sweep
    return {
        "tried": sweep.tried,
        "written": sweep.written,
        "already_written": sweep.already_written,
        "not_writable": sweep.not_writable,
        "still_failing": sweep.failed + sweep.busy,
        "suppression_notes": sweep.suppression_notes,
        "stopped_because": sweep.stopped_because,
        "complete": sweep.complete,
        "dead_letters_cleared": report.dead_letters_cleared,
        "dead_letters_kept": report.dead_letters_kept,
    }


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    from surveys.adapters.dead_letter_queue import SqsDeadLetterQueue
    from surveys.bootstrap import event_bus, kustomer_client
    from surveys.usecases.redrive import redrive_plan, redrive_surveys, redrive_writebacks

    now = datetime.now(UTC)
    surveys: SurveyRedriveReport | None = None
    writebacks: WritebackRedriveReport | None = None
    with stack.as_admin():
        sqs = stack.client("sqs")
        survey_letters = writeback_letters = None
        if arguments.queue in ("surveys", "all"):
            survey_letters = SqsDeadLetterQueue(sqs, stack.resources["SurveyDeadLetterQueue"])
        if arguments.queue in ("writebacks", "all"):
            writeback_letters = SqsDeadLetterQueue(sqs, stack.resources["WritebackDeadLetterQueue"])
        plan = redrive_plan(survey_letters, writeback_letters, now)
        if plan.empty:
            tell("Nothing to redrive: no dead letters, and no rating waits for its writeback.")
        else:
            confirm(arguments, _plan_lines(plan), action="redrive")
        with interruptible() as stop:
            if survey_letters is not None and plan.surveys:
                with Progress("Surveys moved", plan.surveys, "surveys") as progress:
                    surveys = redrive_surveys(
                        survey_letters,
                        stack.resources["SurveyQueue"],
                        progress=progress.update,
                        interrupted=stop,
                    )
            if writeback_letters is not None and plan.writeback_work and not stop.requested:
                with Progress(
                    "Writebacks", plan.writebacks + plan.suppression_notes, "ratings and notes"
                ) as progress:
                    writebacks = redrive_writebacks(
                        writeback_letters,
                        kustomer=kustomer_client(),
                        events=event_bus(),
                        now=now,
                        # An operator's run has no Lambda deadline; Ctrl-C stops it instead.
                        time_left=lambda: float("inf"),
                        progress=progress.advance,
                        interrupted=stop,
                    )

    def text() -> None:
        if surveys is not None:
            _print_surveys(surveys)
        if writebacks is not None:
            _print_writebacks(writebacks)
        if stop.requested:
            if writeback_letters is not None and plan.writeback_work and writebacks is None:
                print("Pending writebacks: not started")
            print(
                "Interrupted by Ctrl-C after the work in hand: nothing is half done. "
                "Run the same command again to go on."
            )

    emit(
        arguments,
        {
            "plan": plan,
            "surveys": surveys,
            "writebacks": _writebacks_json(writebacks) if writebacks else None,
            "interrupted": stop.requested,
        },
        text,
    )
    if stop.requested:
        return ExitCode.INTERRUPTED
    settled = (surveys is None or not surveys.not_moved) and (
        writebacks is None or writebacks.sweep.complete
    )
    return ExitCode.DONE if settled else ExitCode.FAILED
