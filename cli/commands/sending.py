"""`surveys sending show|resume`: whether the sender paused itself for SES's reputation, and
resuming it."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cli.errors import CommandError, ExitCode
from cli.interaction import add_output_option, add_yes_option, confirm, emit
from cli.stack import Stack
from surveys.config import ConfigurationError, settings
from surveys.domain.reputation import (
    SES_REVIEW_BOUNCE_RATE,
    SES_REVIEW_COMPLAINT_RATE,
    Reputation,
    ReputationLimits,
    percent,
)

if TYPE_CHECKING:
    from surveys.usecases.sending_guard import ResumeReport, SendingStatus


def register(subcommands: Any) -> None:
    sending = subcommands.add_parser(
        "sending",
        help="whether the sender paused itself for SES's bounce or complaint rate; resume it",
        description=(
            "The sender pauses itself when SES's bounce or complaint rate for the account "
            "reaches PauseAtBounceRate or PauseAtComplaintRate; surveys wait on their queue. "
            "show: the pause, SES's rates and the limits. resume: send again."
        ),
    )
    actions = sending.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="whether sending is paused, why, and SES's rates")
    resume = actions.add_parser(
        "resume",
        help="send again (says how many surveys wait, then asks)",
        description=(
            "Sends again within a minute. SES's rates fall only as new mail dilutes the old: "
            "while one is still over its limit, resume refuses unless --accept-current-rates, "
            "which accepts them as they are; the sender then pauses again only if one rises."
        ),
    )
    resume.add_argument(
        "--accept-current-rates",
        action="store_true",
        help="resume although a rate is still over its limit",
    )
    add_output_option(show)
    add_output_option(resume)
    add_yes_option(resume)
    sending.set_defaults(run=run)


def pause_lines(status: SendingStatus, stack: Stack) -> list[str]:
    """What `trigger show` and `sending show` say about a pause."""
    if not status.paused or status.paused_at is None:
        return []
    target = "--local" if stack.endpoint_url else f"--stack {stack.name}"
    return [
        f"Sending is paused since {status.paused_at:%Y-%m-%d %H:%M} UTC: surveys wait on "
        "their queue",
        f"  why: {status.reason}",
        f"  `surveys {target} sending resume` sends again",
    ]


def reputation_lines(reputation: Reputation, limits: ReputationLimits) -> list[str]:
    measured = (
        f"published {reputation.measured_at:%Y-%m-%d %H:%M} UTC"
        if reputation.measured_at
        else "none published in the last 24 hours"
    )
    return [
        f"SES reputation of the account ({measured}):",
        f"  bounce rate     {percent(reputation.bounce_rate):<16} sender pauses at "
        f"{percent(limits.bounce_rate)}, SES reviews at {percent(SES_REVIEW_BOUNCE_RATE)}",
        f"  complaint rate  {percent(reputation.complaint_rate):<16} sender pauses at "
        f"{percent(limits.complaint_rate)}, SES reviews at {percent(SES_REVIEW_COMPLAINT_RATE)}",
    ]


def sender_limits() -> ReputationLimits:
    try:
        return settings().reputation_limits()
    except ConfigurationError as error:
        raise CommandError(
            f"{error}: this stack's sender has no reputation limits; deploy this version of "
            "template.yaml first"
        ) from None


def _show(
    arguments: argparse.Namespace,
    stack: Stack,
    status: SendingStatus,
    reputation: Reputation,
    limits: ReputationLimits,
) -> int:
    lines = pause_lines(status, stack) or ["Sending is not paused"]
    emit(
        arguments,
        {
            "paused": status.paused,
            "paused_at": status.paused_at,
            "reason": status.reason,
            "resumed_at": status.resumed_at,
            "reputation": reputation,
            "limits": limits,
        },
        lambda: print("\n".join(lines + reputation_lines(reputation, limits))),
    )
    return ExitCode.DONE


def _print_resume(report: ResumeReport) -> None:
    if not report.was_paused:
        print("Sending was not paused; nothing changed")
    elif not report.resumed:
        print(
            f"Not resumed: {report.still_over_limit}.\nFind the cause first (docs/runbook.md, "
            "sending-paused); SES's rates fall as new mail dilutes the old. To send again now, "
            "run `surveys sending resume --accept-current-rates`: the sender then pauses again "
            "only if a rate rises above its value now."
        )
    elif report.still_over_limit:
        print(
            "Sending resumed, with the rates accepted as they are now: the sender sends again "
            "within a minute, and pauses again if a rate rises above its value now"
        )
    else:
        print("Sending resumed: the sender sends again within a minute")
    print("\n".join(reputation_lines(report.reputation, report.limits)))


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    from surveys.adapters.ses_reputation import CloudWatchReputation
    from surveys.domain.reputation import pause_reason
    from surveys.usecases.sending_guard import resume_sending, sending_status

    now = datetime.now(UTC)
    with stack.as_admin():
        limits = sender_limits()
        source = CloudWatchReputation(stack.client("cloudwatch"))
        status = sending_status()
        if arguments.action == "show":
            return _show(arguments, stack, status, source.current(now), limits)
        over_limit = pause_reason(source.current(now), limits)
        if status.paused and (over_limit is None or arguments.accept_current_rates):
            accepted = f", with the rates accepted as they are ({over_limit})" if over_limit else ""
            confirm(
                arguments,
                [
                    f"Sending will resume{accepted}: the {stack.messages_in('SurveyQueue')} "
                    "surveys waiting on the survey queue go out within a minute."
                ],
                action="sending resume",
            )
        report = resume_sending(source, limits, now, arguments.accept_current_rates)
    emit(
        arguments,
        {
            "was_paused": report.was_paused,
            "resumed": report.resumed,
            "still_over_limit": report.still_over_limit,
            "reputation": report.reputation,
            "limits": report.limits,
        },
        lambda: _print_resume(report),
    )
    return ExitCode.DONE if report.resumed or not report.was_paused else ExitCode.FAILED
