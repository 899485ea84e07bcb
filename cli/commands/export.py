"""`surveys export --email ADDRESS | --conversation ID`: everything held about a person, as
JSON on standard output, to answer an access request."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from cli.commands.forget import add_person_arguments, person_query, searched_queues
from cli.errors import ExitCode
from cli.interaction import print_json
from cli.stack import Stack


def register(subcommands: Any) -> None:
    command = subcommands.add_parser(
        "export",
        help="everything held about a person, as JSON (an access request)",
        description=(
            "Prints, as JSON, every stored attribute of the person's surveys, ratings (every "
            "version and comment), votes, idempotency records, survey-fatigue claim, "
            "suppression and queued survey requests: what `surveys forget` would erase. It "
            "lists the Kustomer conversations that hold Kustomer's own copy. Changes nothing; "
            "queued messages are read and released, which counts as one more receive."
        ),
    )
    add_person_arguments(command)
    command.set_defaults(run=run)


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    query = person_query(arguments)
    with stack.as_admin():
        from surveys.bootstrap import address_hash_key
        from surveys.usecases.export import export_person
        from surveys.usecases.person_data import person_data

        with person_data(query, address_hash_key(), searched_queues(stack)) as data:
            document = export_person(query, data, datetime.now(UTC))
    print_json(document)
    return ExitCode.DONE
