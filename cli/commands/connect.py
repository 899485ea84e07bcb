"""`surveys connect [--org-url URL]`: check the Kustomer API key, store it, prepare Kustomer."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cli.commands.agents import print_sync, sync_json
from cli.errors import CommandError
from cli.interaction import add_output_option, emit
from cli.stack import Stack

if TYPE_CHECKING:
    from surveys.usecases.connect import ConnectReport


def register(subcommands: Any) -> None:
    command = subcommands.add_parser(
        "connect",
        help="check and store the Kustomer API key, create the attributes, import the agents",
        description=(
            "Asks for the Kustomer API key without echoing it, or reads it from standard input "
            "when that is not a terminal (e.g. `pass kustomer | surveys --stack NAME connect`), "
            "so the key never lands in the shell history. Checks that the key may make every "
            "call the surveys need, stores it in the stack's secret, creates the conversation "
            "custom attributes the answers are written to, and imports the Kustomer users as "
            "agents. Safe to run again, and it asks for no confirmation: the key is the "
            "admin's answer, and a key that fails a check changes nothing."
        ),
    )
    add_output_option(command)
    command.add_argument(
        "--org-url",
        metavar="URL",
        help="your Kustomer org as in the browser, e.g. acme.kustomerapp.com; it must be the "
        "stack's KustomerOrgUrl (the default)",
    )
    command.set_defaults(run=run)


def read_api_key() -> str:
    if sys.stdin.isatty():
        key = getpass.getpass("Kustomer API key (not shown): ")
    else:
        key = sys.stdin.readline()
    if not key.strip():
        raise CommandError("no Kustomer API key given")
    return key.strip()


def _print(report: ConnectReport) -> None:
    key = f' "{report.key.name}"' if report.key and report.key.name else ""
    print(f"Kustomer {report.api_base}: API key{key} accepted")
    if report.key:
        print(f"  roles: {', '.join(report.key.roles) or '-'}")
    print(f"  may make every call the surveys need ({len(report.checked)} checked)")
    print("Conversation custom attributes:")
    for name, kind in report.attributes_created.items():
        print(f"  created  {name} ({kind or 'type from suffix'})")
    for name, kind in report.attributes_present.items():
        print(f"  present  {name} ({kind or 'type from suffix'})")
    stored = "stored in" if report.key_stored else "already in"
    print(f"API key {stored} secret {report.secret_id}")
    print_sync(report.agents)


def _json(report: ConnectReport) -> dict[str, Any]:
    return {
        "api_base": report.api_base,
        "key": report.key,
        "calls_checked": [check.call for check in report.checked],
        "attributes_created": report.attributes_created,
        "attributes_present": report.attributes_present,
        "secret_id": report.secret_id,
        "key_stored": report.key_stored,
        "agents": sync_json(report.agents),
    }


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    from surveys.usecases.connect import ConnectError, connect

    api_key = read_api_key()
    with stack.as_admin():
        try:
            report = connect(api_key, arguments.org_url, datetime.now(UTC))
        except ConnectError as error:
            raise CommandError(f"not connected: {error}") from None
    emit(arguments, _json(report), lambda: _print(report))
    return 0
