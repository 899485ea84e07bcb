"""`surveys apply-retention`: give what was stored before retention existed its deletion date."""

from __future__ import annotations

import argparse
import os
from typing import Any

from cli.errors import CommandError, ExitCode
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


def register(subcommands: Any) -> None:
    command = subcommands.add_parser(
        "apply-retention",
        help="give surveys stored before retention existed their deletion date",
        description=(
            "Surveys, ratings, votes and survey-fatigue claims stored by a version without "
            "RetentionDays have no deletion date and would be kept for good. This gives each "
            "the date it would have had (RetentionDays after its survey was queued); DynamoDB "
            "deletes those already past it within days. Run it once after upgrading; running it "
            "again changes nothing. It scans the surveys table and the state table, and asks "
            "first."
        ),
    )
    add_output_option(command)
    add_yes_option(command)
    command.set_defaults(run=run)


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    with stack.as_admin():
        from surveys.config import settings
        from surveys.usecases.retention import RetentionReport, apply_retention

        if "RETENTION_DAYS" not in os.environ:
            raise CommandError(
                "this stack's functions have no RetentionDays: deploy this version of "
                "template.yaml first, which also turns on the tables' TTL"
            )
        days = settings().retention_days
        confirm(
            arguments,
            [
                f"Surveys, ratings, votes and survey-fatigue claims without a deletion date get "
                f"one, {days:g} days after their survey was queued; DynamoDB deletes those "
                "already past it within days."
            ],
            action="apply-retention",
        )
        with interruptible() as stop, Progress("Dating", None, "items") as progress:

            def counted(so_far: RetentionReport) -> None:
                progress.update(so_far.surveys + so_far.survey_fatigue_claims)

            report = apply_retention(settings().retention, counted, stop)
    emit(
        arguments,
        {"retention_days": days, "interrupted": stop.requested, **vars(report)},
        lambda: print(
            f"Deletion date set, {days:g} days after each survey was queued: {report.surveys} "
            f"surveys, {report.ratings} ratings, {report.votes} votes, "
            f"{report.survey_fatigue_claims} survey-fatigue claims"
        ),
    )
    if stop.requested:
        tell("Stopped before the end: run apply-retention again to date the rest")
        return ExitCode.INTERRUPTED
    return ExitCode.DONE
