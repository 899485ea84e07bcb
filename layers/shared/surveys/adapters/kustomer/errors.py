"""How the Kustomer client fails: refusals a retry cannot fix, answers it cannot read, and
Kustomer being away."""

from __future__ import annotations


def request_name(method: str, path: str, conversation_id: str | None) -> str:
    """How errors name a request: a note's POST carries its conversation in the body, not the
    path, so an operator reading the error would not otherwise know which conversation failed."""
    name = f"{method} {path}"
    if conversation_id and conversation_id not in path:
        return f"{name} for conversation {conversation_id}"
    return name


class KustomerError(Exception):
    """Kustomer refused a request in a way a retry cannot fix (bad key, missing role, bad data)."""

    def __init__(
        self,
        status: int,
        method: str,
        path: str,
        detail: str,
        conversation_id: str | None = None,
    ) -> None:
        super().__init__(
            f"Kustomer answered {status} to {request_name(method, path, conversation_id)}: {detail}"
        )
        self.status = status
        self.path = path
        self.detail = detail
        self.conversation_id = conversation_id


class KustomerAuthError(KustomerError):
    pass


class KustomerNotFoundError(KustomerError):
    pass


class KustomerResponseError(KustomerError):
    """Kustomer answered with a body that is not the documented shape (not JSON, or a part
    missing or of another type); nothing is guessed from it."""


class KustomerUnavailableError(Exception):
    """Kustomer kept failing, or waiting for it would overrun the time left; try again later."""


class KustomerOutcomeUnknownError(KustomerUnavailableError):
    """A request that must not run twice (creating a note) failed in a way that leaves open
    whether Kustomer carried it out; the caller checks before trying again."""


class KustomerBusyError(Exception):
    """This system's share of Kustomer's rate limit is spent for now and waiting for the window
    to reset would overrun the time left. Nothing failed: the caller stops cleanly and the work
    resumes `retry_after` seconds from now, or on its next run."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
