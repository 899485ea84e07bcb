"""Entry point of `surveys`, the admin's command line tool."""

# PYTHON_ARGCOMPLETE_OK: tab completion runs this module up to `autocomplete`, so the parser is
# built from light modules only; each command imports the shared layer when it runs.

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import argcomplete

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
from cli.errors import CommandError, CommandFailed, ExitCode
from cli.stack import (
    DEFAULT_LOCAL_STACK_FILE,
    LOCAL_STACK_FILE_VARIABLE,
    Stack,
    StackNotFoundError,
    local_stack_file,
)

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

EPILOG = """\
exit codes: 0 done; 1 failed (or, for doctor, something blocks sending); 2 refused: bad input,
or a change not confirmed, and nothing was changed; 130 stopped by Ctrl-C after the work in
hand, and running the command again goes on.

Commands that change production say what they are about to do and ask first; --yes goes ahead
without asking, and is needed where there is no terminal to ask on.
"""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="surveys",
        description="Set up and run Kustomer surveys on a deployed stack or the local runtime.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = root.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", metavar="NAME", help="the deployed CloudFormation stack")
    target.add_argument(
        "--local",
        action="store_true",
        help="the running local runtime (`make serve`), through the file it writes: "
        f"${LOCAL_STACK_FILE_VARIABLE}, else {DEFAULT_LOCAL_STACK_FILE.parent.name}/"
        f"{DEFAULT_LOCAL_STACK_FILE.name} in the repository",
    )
    target.add_argument(
        "--local-file",
        metavar="FILE",
        type=Path,
        help="the local runtime a file describes (as --local, with another file)",
    )
    root.add_argument("--region", help="AWS region of --stack (default: your AWS configuration)")
    subcommands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subcommands)
    return root


def resolve_stack(arguments: argparse.Namespace) -> Stack:
    if arguments.local_file is not None:
        return Stack.from_local_file(arguments.local_file)
    if arguments.local:
        return Stack.from_local_file(local_stack_file())
    return Stack.from_cloudformation(arguments.stack, arguments.region)


def main(argv: list[str] | None = None) -> int:
    root = parser()
    argcomplete.autocomplete(root)
    arguments = root.parse_args(argv)
    run: Callable[[Stack, argparse.Namespace], int] = arguments.run
    try:
        return run(resolve_stack(arguments), arguments)
    except (CommandError, CommandFailed) as error:
        print(f"surveys: {error}", file=sys.stderr)
        return error.exit_code
    except StackNotFoundError as error:
        print(f"surveys: {error}", file=sys.stderr)
        return ExitCode.REFUSED
    except KeyboardInterrupt:
        print(
            "\nsurveys: stopped at once by Ctrl-C; run the command again to go on",
            file=sys.stderr,
        )
        return ExitCode.INTERRUPTED
    except Exception as error:
        if not _failed_outside(error):
            raise
        print(f"surveys: failed: {error}", file=sys.stderr)
        return ExitCode.FAILED


def _failed_outside(error: Exception) -> bool:
    """AWS or Kustomer refused or failed: one line says which call and why; a traceback would
    only hide it. Anything else is a bug, and keeps its traceback."""
    from botocore.exceptions import BotoCoreError, ClientError

    from surveys.adapters.kustomer.errors import (
        KustomerBusyError,
        KustomerError,
        KustomerUnavailableError,
    )

    return isinstance(
        error,
        BotoCoreError | ClientError | KustomerError | KustomerUnavailableError | KustomerBusyError,
    )


if __name__ == "__main__":
    sys.exit(main())
