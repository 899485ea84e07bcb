"""How a command ends: its exit code, and the errors it reports to the admin without a
traceback."""

from enum import IntEnum


class ExitCode(IntEnum):
    """What scripts can rely on (docs/admin.md, "Exit codes")."""

    # The command did what it was asked.
    DONE = 0
    # It tried and something failed, or found a problem (doctor): see what it printed.
    FAILED = 1
    # Bad input, or a change not confirmed: nothing was changed. argparse uses it too.
    REFUSED = 2
    # Stopped by Ctrl-C after finishing the work in hand; running it again goes on.
    INTERRUPTED = 130


class CommandError(Exception):
    """A problem with what the admin asked for, which they can fix; nothing was changed."""

    exit_code = ExitCode.REFUSED


class CommandFailed(Exception):
    """The command could not do its job (Kustomer or AWS refused or failed)."""

    exit_code = ExitCode.FAILED
