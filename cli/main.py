"""Entry point of `surveys`, the admin's command line tool."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from cli.commands import (
    agents,
    apply_retention,
    connect,
    doctor,
    export,
    forget,
    redrive,
    report,
    rotate_link_key,
    sending,
    trigger,
)
from cli.errors import CommandError
from cli.stack import LOCAL_STACK_FILE, Stack, StackNotFoundError

COMMANDS = [
    connect,
    doctor,
    trigger,
    sending,
    agents,
    redrive,
    report,
    forget,
    export,
    rotate_link_key,
    apply_retention,
]


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="surveys",
        description="Set up and run Kustomer surveys on a deployed stack or the local runtime.",
    )
    target = root.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="name of the deployed CloudFormation stack")
    target.add_argument(
        "--local",
        nargs="?",
        const=str(LOCAL_STACK_FILE),
        metavar="FILE",
        help=f"the running local runtime (`make serve`); its file defaults to {LOCAL_STACK_FILE}",
    )
    root.add_argument("--region", help="AWS region of --stack (default: your AWS configuration)")
    subcommands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subcommands)
    return root


def resolve_stack(arguments: argparse.Namespace) -> Stack:
    if arguments.local:
        return Stack.from_local_file(Path(arguments.local))
    return Stack.from_cloudformation(arguments.stack, arguments.region)


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    run: Callable[[Stack, argparse.Namespace], int] = arguments.run
    try:
        return run(resolve_stack(arguments), arguments)
    except (CommandError, StackNotFoundError) as error:
        print(f"surveys: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
