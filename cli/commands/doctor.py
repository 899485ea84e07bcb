"""`surveys doctor`: whether the stack's surveys can reach the inbox, and what to fix."""

from __future__ import annotations

import argparse
import textwrap
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cli.commands.sending import sender_limits
from cli.interaction import add_output_option, emit
from cli.stack import Stack
from surveys.config import settings

if TYPE_CHECKING:
    from surveys.usecases.doctor.email_checks import DnsRecords
    from surveys.usecases.doctor.findings import Finding
    from surveys.usecases.doctor.operation_checks import QueueDepth

# The dead-letter queues, and what to do when one holds messages.
DEAD_LETTER_QUEUES = {
    "SurveyDeadLetterQueue": (
        "Survey dead letters",
        "surveys redrive surveys (docs/runbook.md, survey-dead-letters)",
    ),
    "WritebackDeadLetterQueue": (
        "Writeback dead letters",
        "surveys redrive writebacks (docs/runbook.md, writeback-dead-letters)",
    ),
    "SesEventsDeadLetterQueue": (
        "SES event dead letters",
        "docs/runbook.md, ses-event-dead-letters",
    ),
}
WIDTH = 100


def register(subcommands: Any) -> None:
    command = subcommands.add_parser(
        "doctor",
        help="check that surveys can reach the inbox: SES, DNS, Kustomer, triggers, queues",
        description=(
            "Checks the SES identity, DKIM and MAIL FROM, the account's sandbox status and "
            "quota, DMARC and SPF in DNS, the stored Kustomer key's roles, the triggers, the "
            "sender's reputation pause and the queues, and prints what is right and what to "
            "fix. Exits 1 if anything blocks sending (FAIL), 0 otherwise."
        ),
    )
    add_output_option(command)
    command.set_defaults(run=run)


def _queue_depth(sqs: Any, url: str, name: str, fix: str = "") -> QueueDepth:
    from surveys.usecases.doctor.operation_checks import QueueDepth

    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return QueueDepth(
        name,
        waiting=int(attributes.get("ApproximateNumberOfMessages", 0)),
        delayed=int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
        in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        dead_letter_fix=fix,
    )


def print_findings(findings: list[Finding]) -> None:
    from surveys.usecases.doctor.findings import Verdict

    print(f"{'check':<24}{'status':<8}finding")
    for finding in findings:
        lines = textwrap.wrap(finding.detail, WIDTH - 32) or [""]
        if finding.fix:
            lines += textwrap.wrap(f"fix: {finding.fix}", WIDTH - 32)
        print(f"{finding.check:<24}{finding.verdict.value:<8}{lines[0]}")
        for line in lines[1:]:
            print(f"{'':<32}{line}")
    failed = sum(finding.verdict is Verdict.FAIL for finding in findings)
    warned = sum(finding.verdict is Verdict.WARN for finding in findings)
    if failed:
        print(f"\n{failed} problem(s) block sending; {warned} warning(s)")
    else:
        print(f"\nNothing blocks sending; {warned} warning(s)")


def run(stack: Stack, arguments: argparse.Namespace, dns: DnsRecords | None = None) -> int:
    from cli.dns_records import DnsPythonRecords
    from surveys import bootstrap
    from surveys.adapters.ses_reputation import CloudWatchReputation
    from surveys.usecases.doctor.findings import Verdict
    from surveys.usecases.doctor.run import StackToCheck, doctor
    from surveys.usecases.sending_guard import sending_status

    now = datetime.now(UTC)
    with stack.as_admin():
        current = settings()
        sqs = stack.client("sqs")

        def queues() -> list[QueueDepth]:
            return [
                _queue_depth(sqs, current.need("survey_queue_url"), "Survey queue"),
                *(
                    _queue_depth(sqs, stack.resources[logical_id], name, fix)
                    for logical_id, (name, fix) in DEAD_LETTER_QUEUES.items()
                ),
            ]

        findings = doctor(
            StackToCheck(
                region=stack.region,
                sender_address=current.need("sender_address"),
                sesv2=stack.client("sesv2"),
                dns=dns or DnsPythonRecords(),
                reputation=CloudWatchReputation(stack.client("cloudwatch")),
                limits=sender_limits(),
                sending_status=sending_status,
                kustomer=bootstrap.kustomer_client,
                queues=queues,
                link_keys=bootstrap.link_signing_keys,
            ),
            now,
        )
    blocked = any(finding.verdict is Verdict.FAIL for finding in findings)

    def text() -> None:
        print(f"Stack {stack.name} ({stack.region}), survey emails from {current.sender_address}\n")
        print_findings(findings)

    emit(
        arguments,
        {
            "stack": stack.name,
            "region": stack.region,
            "sender_address": current.sender_address,
            "blocks_sending": blocked,
            "findings": findings,
        },
        text,
    )
    return 1 if blocked else 0
