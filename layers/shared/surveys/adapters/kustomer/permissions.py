"""Every call the system makes to Kustomer, what for, and the roles Kustomer accepts for it:
what `connect` checks a key against, and how errors name a missing role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from surveys.adapters.kustomer import endpoints


@dataclass(frozen=True)
class AccessCheck:
    """A call the system makes, what for, and the roles Kustomer accepts for it (any one)."""

    purpose: str
    method: str
    path: str
    roles: tuple[str, ...]
    body: dict[str, Any] | list[Any] | None = None
    params: dict[str, Any] | None = None
    # False for a call the surveys do without when refused (reports then lack what it gives).
    needed: bool = True

    @property
    def call(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def required_roles(self) -> str:
        """E.g. "org.user.note.write (part of org.user.write) or org.permission.note.create". That
        a broad legacy role covers the narrow ones beneath it is assumed, as in the simulator."""
        described = []
        for role in self.roles:
            parts = role.split(".")
            if len(parts) == 4 and parts[1] in ("user", "admin"):
                described.append(f"{role} (part of org.{parts[1]}.{parts[3]})")
            else:
                described.append(role)
        return " or ".join(described)


# Kustomer ids are 24 hex digits; no object has this one, so a probe with it finds nothing.
PROBE_OBJECT_ID = "0" * 24

LIST_USERS = AccessCheck(
    "import the agents",
    "GET",
    endpoints.USERS,
    ("org.user.user.read", "org.permission.user.read"),
    params={"pageSize": 1},
)
# A key without the team role gets 403 (developer.kustomer.com teams reference): agents still
# import, and reports by team stay empty.
LIST_TEAMS = AccessCheck(
    "import the teams, for reports by team",
    "GET",
    endpoints.TEAMS,
    ("org.user.team.read", "org.permission.team.read"),
    params={"pageSize": 1},
    needed=False,
)
# Every call the system makes, probed by `connect` in a form that changes nothing. Roles are the
# legacy role, then its permission-set equivalent. Confirmed at the source: search
# (reference/customersearch), notes create (create-note), customers read (Kustomer's OpenAPI,
# "Get customer by email"), metadata read and update (updatecustomattributemetadata), teams read
# (the teams reference). Assumed from the same pattern: notes read, conversation update, users
# read.
ACCESS_CHECKS = (
    AccessCheck(
        "find conversations due a survey",
        "POST",
        endpoints.SEARCH,
        ("org.user.search.read", "org.permission.search.create"),
        body={"queryContext": "conversation", "and": [{"conversation_status": {"equals": "done"}}]},
        params={"pageSize": 1},
    ),
    AccessCheck(
        "read the customer's email address",
        "GET",
        endpoints.CUSTOMER,
        ("org.user.customer.read", "org.permission.customer.read"),
    ),
    AccessCheck(
        "post each rating as a note",
        "POST",
        endpoints.NOTES,
        ("org.user.note.write", "org.permission.note.create"),
        body={},
    ),
    AccessCheck(
        "find notes already posted",
        "GET",
        endpoints.CONVERSATION_NOTES,
        ("org.user.note.read", "org.permission.note.read"),
    ),
    AccessCheck(
        "set the rating's custom attributes",
        "PATCH",
        endpoints.CONVERSATION,
        ("org.user.conversation.write", "org.permission.conversation.update"),
        body={"custom": {}},
    ),
    AccessCheck(
        "tag the conversation of a negative answer (a trigger's negative_tag)",
        "POST",
        endpoints.CONVERSATION_TAGS,
        ("org.user.conversation.write", "org.permission.conversation.update"),
        body=[],
    ),
    LIST_USERS,
    LIST_TEAMS,
    AccessCheck(
        "read the conversation custom attributes",
        "GET",
        endpoints.CONVERSATION_METADATA,
        ("org.user.metadata.read", "org.permission.metadata.read"),
    ),
)
# Made only when an attribute is missing, so not probed.
DEFINE_CUSTOM_ATTRIBUTES = AccessCheck(
    "create the survey's custom attributes",
    "PUT",
    endpoints.CONVERSATION_METADATA,
    ("org.admin.metadata.write", "org.permission.metadata.update"),
)
