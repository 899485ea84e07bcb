"""Errors a command reports to the admin without a traceback."""


class CommandError(Exception):
    """A problem the admin can fix."""
