"""`surveys forget --email ADDRESS | --conversation ID`: erase everything held about a person
(an erasure request), after saying what, and leave an audit record of the run."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cli.errors import CommandError, ExitCode
from cli.interaction import add_output_option, add_yes_option, confirm, emit
from cli.stack import Stack

if TYPE_CHECKING:
    from surveys.usecases.forget import ErasureReport
    from surveys.usecases.person_data import PersonData, PersonQuery, QueueToSearch

# The queues whose messages may carry a person's data: survey requests (survey, conversation
# and customer ids) and SES's bounce and complaint notices (the address, the email's headers).
SEARCHED_QUEUES = {
    "SurveyQueue": "survey queue",
    "SurveyDeadLetterQueue": "survey dead-letter queue",
    "SesEventsDeadLetterQueue": "SES events dead-letter queue",
}


def add_person_arguments(command: Any) -> None:
    named = command.add_mutually_exclusive_group(required=True)
    named.add_argument("--email", metavar="ADDRESS", help="the person's email address")
    named.add_argument(
        "--conversation",
        metavar="ID",
        help="a Kustomer conversation of theirs: the person its surveys went to",
    )


def register(subcommands: Any) -> None:
    command = subcommands.add_parser(
        "forget",
        help="erase everything held about a person (an erasure request)",
        description=(
            "Finds the person's surveys, ratings and comments, votes, idempotency records, "
            "survey-fatigue claim, suppression and queued survey requests (what `surveys "
            "export` shows), says how much there is, and erases it after you confirm. A person "
            "who unsubscribed, bounced or complained stays suppressed under a keyed hash of the "
            "address. Kustomer's copy is not touched: the conversations holding it are listed. "
            "Each run is recorded (when, by whom, how much; never whose data), and `surveys "
            "doctor` shows it. Running it again erases what is left, if anything."
        ),
    )
    add_person_arguments(command)
    add_output_option(command)
    add_yes_option(command)
    command.set_defaults(run=run)


def person_query(arguments: argparse.Namespace) -> PersonQuery:
    from surveys.usecases.person_data import PersonQuery

    if arguments.email is not None:
        if "@" not in arguments.email:
            raise CommandError(f"--email takes an email address, not {arguments.email!r}")
        return PersonQuery(addresses=frozenset({arguments.email}))
    if not arguments.conversation.strip():
        raise CommandError("--conversation takes a Kustomer conversation id")
    return PersonQuery(conversation_ids=frozenset({arguments.conversation.strip()}))


def searched_queues(stack: Stack) -> list[QueueToSearch]:
    from surveys.adapters.dead_letter_queue import SqsDeadLetterQueue
    from surveys.usecases.person_data import QueueToSearch

    sqs = stack.client("sqs")
    return [
        QueueToSearch(name, SqsDeadLetterQueue(sqs, stack.resources[logical_id]))
        for logical_id, name in SEARCHED_QUEUES.items()
    ]


def who_is_running(stack: Stack) -> str:
    """The operator's AWS identity, for the audit."""
    return str(stack.client("sts").get_caller_identity()["Arn"])


def _person_line(data: PersonData) -> str:
    from surveys.observability import mask_email

    addresses = ", ".join(mask_email(address) for address in sorted(data.addresses)) or "none"
    return (
        f"The person: {len(data.addresses)} address(es) ({addresses}), "
        f"{len(data.customer_ids)} Kustomer customer(s), {len(data.surveys)} survey(s)"
    )


def _held_lines(data: PersonData) -> list[str]:
    from surveys.usecases.person_data import KEPT_IN

    return [
        _person_line(data),
        f"{'held':<26}{'count':>6}  kept in",
        *(f"{kind:<26}{count:>6}  {KEPT_IN[kind]}" for kind, count in data.counts().items()),
        "All of it will be erased for good.",
    ]


def _report_lines(person: str, report: ErasureReport, erased_by: str) -> list[str]:
    erased = ", ".join(f"{count} {kind}" for kind, count in report.erased.items() if count)
    lines = [person, f"Erased: {erased or 'nothing was held'}"]
    if report.still_suppressed:
        lines.append(
            f"Still suppressed ({', '.join(report.still_suppressed)}): kept as a keyed hash of "
            "the address, so no survey is sent to it again"
        )
    if report.kustomer_conversations:
        lines.append(
            "Kustomer keeps its own copy, which this command leaves alone; erase it in Kustomer "
            "on these conversations:"
        )
        lines += [
            f"  {conversation_id}  {'; '.join(held)}"
            for conversation_id, held in report.kustomer_conversations.items()
        ]
    if report.unseen_messages:
        lines.append(
            f"{report.unseen_messages} queued message(s) were delayed or being handled: none is "
            "sent for a forgotten survey, but run the same command again in 15 minutes to erase "
            "what they may have recorded"
        )
    lines.append(f"Recorded in the erasure audit (`surveys doctor` shows it) as run by {erased_by}")
    return lines


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    query = person_query(arguments)
    with stack.as_admin():
        from surveys.bootstrap import address_hash_key
        from surveys.usecases.forget import forget_person
        from surveys.usecases.person_data import person_data

        erased_by = who_is_running(stack)
        key = address_hash_key()
        with person_data(query, key, searched_queues(stack)) as data:
            if any(data.counts().values()):
                confirm(arguments, _held_lines(data), action="forget")
            person = _person_line(data)
            report = forget_person(
                data,
                address_hash_key=key,
                now=datetime.now(UTC),
                erased_by=erased_by,
                named_by=query.named_by,
            )
    emit(
        arguments,
        {
            "erased": report.erased,
            "still_suppressed": report.still_suppressed,
            "kustomer_conversations": report.kustomer_conversations,
            "unseen_messages": report.unseen_messages,
            "erased_by": erased_by,
        },
        lambda: print("\n".join(_report_lines(person, report, erased_by))),
    )
    return ExitCode.DONE
