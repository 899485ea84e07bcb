"""`surveys apply-retention`: give what was stored before retention existed its deletion date."""

from __future__ import annotations

import argparse
import os
from typing import Any

from cli.errors import CommandError
from cli.stack import Stack
from surveys.config import settings
from surveys.usecases.retention import apply_retention


def register(subcommands: Any) -> None:
    command = subcommands.add_parser(
        "apply-retention",
        help="give surveys stored before retention existed their deletion date",
        description=(
            "Surveys, ratings, votes and survey-fatigue claims stored by a version without "
            "RetentionDays have no deletion date and would be kept for good. This gives each "
            "the date it would have had (RetentionDays after its survey was queued); DynamoDB "
            "deletes those already past it within days. Run it once after upgrading; running it "
            "again changes nothing. It scans the surveys table and the state table."
        ),
    )
    command.set_defaults(run=run)


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    with stack.as_admin():
        if "RETENTION_DAYS" not in os.environ:
            raise CommandError(
                "this stack's functions have no RetentionDays: deploy this version of "
                "template.yaml first, which also turns on the tables' TTL"
            )
        days = settings().retention_days
        report = apply_retention(settings().retention)
    print(
        f"Deletion date set, {days:g} days after each survey was queued: {report.surveys} "
        f"surveys, {report.ratings} ratings, {report.votes} votes, "
        f"{report.survey_fatigue_claims} survey-fatigue claims"
    )
    return 0
