"""How the simulated Kustomer behaves where its documentation leaves a client room to go wrong.

`Contract()` is Kustomer as documented; `Contract.legacy()` is what the simulator did before it
modelled the documented rate-limit headers and search limits. Each `Mode` changes one documented
but client-unfriendly detail, so that tests and `local.demo` can run the pipeline under it:

    KustomerSimulator(contract=Contract().with_modes("unsorted", "teams-403"))

    @pytest.mark.parametrize("mode", UNFRIENDLY_MODES, ids=str)
    def test_...(mode: Mode) -> None:
        simulator = KustomerSimulator(contract=mode.contract)

A simulator's contract can also be changed while it runs (`simulator.contract = ...`).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

# Kustomer: "API keys may make at most 100 search requests a minute", on top of the org's limit
# (developer.kustomer.com/kustomer-api-docs/reference/rate-limiting and the search reference).
SEARCHES_PER_KEY_PER_MINUTE = 100
# Older search reference pages: a query cannot be paged past page 100, and
# developer.kustomer.com/docs/guides/search-recipes describes "exporting beyond the 100-page
# limit" with narrower queries; connectors report about 10,000 records at most per query
# (docs.aws.amazon.com/glue/latest/dg/kustomer-connection-limitations.html).
SEARCH_PAGE_CAP = 100


class ResetHeader(enum.StrEnum):
    """How `x-ratelimit-reset` is written."""

    # Kustomer's rate-limit page shows the reset as "now + 60s", a point in time, and
    # singer-io/tap-kustomer (tap_kustomer/client.py), run against real orgs, reads it as UTC
    # epoch seconds (developer.kustomer.com/docs/concepts/rate-limits).
    EPOCH_SECONDS = "epoch-seconds"
    # Whether every endpoint writes seconds and not milliseconds is not documented.
    EPOCH_MILLIS = "epoch-millis"
    # What the simulator wrote before: seconds until the window resets.
    SECONDS_TO_WAIT = "seconds-to-wait"

    def render(self, resets_at: datetime, seconds_to_wait: int) -> str:
        if self is ResetHeader.EPOCH_SECONDS:
            return str(math.ceil(resets_at.timestamp()))
        if self is ResetHeader.EPOCH_MILLIS:
            return str(math.ceil(resets_at.timestamp() * 1000))
        return str(seconds_to_wait)


class TeamsEndpoint(enum.StrEnum):
    """How `GET /v1/teams` answers."""

    OK = "ok"
    # What a key without org.permission.team.read gets (developer.kustomer.com API reference,
    # GET /v1/teams).
    FORBIDDEN = "forbidden"
    # An org or region without the endpoint, or a Kustomer-compatible API that lacks it.
    MISSING = "missing"


@dataclass(frozen=True)
class Contract:
    """Every switch, with Kustomer's documented behaviour as the default value."""

    reset_header: ResetHeader = ResetHeader.EPOCH_SECONDS
    # No Retry-After header is documented; the legacy simulator sent one on every 429.
    retry_after: bool = False
    # The search reference promises sorting for customer_* attributes only; sorting by
    # conversation_updated_at is used by both open taps and appears to work (Kustomer "Core
    # Resources" OpenAPI search schema). False: `sort` is checked, then ignored, and results come
    # in a stable order unrelated to any attribute.
    honour_sort: bool = True
    # Search requests a minute per API key; None for no limit beyond the org's.
    search_limit_per_key: int | None = SEARCHES_PER_KEY_PER_MINUTE
    # The last page a search query may be paged to.
    search_page_cap: int = SEARCH_PAGE_CAP
    teams_endpoint: TeamsEndpoint = TeamsEndpoint.OK

    def __post_init__(self) -> None:
        # Plain strings are accepted, as a command line or a test parameter gives them.
        object.__setattr__(self, "reset_header", ResetHeader(self.reset_header))
        object.__setattr__(self, "teams_endpoint", TeamsEndpoint(self.teams_endpoint))
        if self.search_limit_per_key is not None and self.search_limit_per_key < 1:
            raise ValueError("search_limit_per_key allows at least one search a minute, or None")
        if self.search_page_cap < 1:
            raise ValueError("search_page_cap is at least 1")

    @classmethod
    def documented(cls) -> Contract:
        return cls()

    @classmethod
    def legacy(cls) -> Contract:
        """The simulator before it followed the documented contract: the reset as seconds to
        wait, Retry-After on every 429, no search limit per key."""
        return cls(
            reset_header=ResetHeader.SECONDS_TO_WAIT, retry_after=True, search_limit_per_key=None
        )

    def with_modes(self, *names: str) -> Contract:
        contract = self
        for name in names:
            contract = mode(name).apply(contract)
        return contract

    def describe(self) -> str:
        """One line for a person watching a run."""
        reset = f"x-ratelimit-reset as {self.reset_header}"
        searches = (
            f"{self.search_limit_per_key} searches a minute per key"
            if self.search_limit_per_key is not None
            else "no search limit per key"
        )
        return ", ".join(
            (
                reset + (" with Retry-After on 429s" if self.retry_after else ", no Retry-After"),
                "search sort honoured" if self.honour_sort else "search sort ignored",
                searches,
                f"searches paged to page {self.search_page_cap} at most",
                f"teams {self.teams_endpoint}",
            )
        )


@dataclass(frozen=True)
class Mode:
    """A named change to a contract: one client-unfriendly behaviour Kustomer may show."""

    name: str
    summary: str
    changes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.changes) - {switch.name for switch in fields(Contract)}
        if unknown:
            raise ValueError(f"mode {self.name} names no switch of Contract: {sorted(unknown)}")

    def apply(self, contract: Contract) -> Contract:
        return replace(contract, **self.changes)

    @property
    def contract(self) -> Contract:
        """The documented contract with this mode's change."""
        return self.apply(Contract())

    def __str__(self) -> str:
        return self.name


# The whole contract at once; named so a command line can ask for either.
BASE_CONTRACTS = {
    "documented": (
        Contract(),
        "Kustomer as documented: x-ratelimit-reset an epoch second, no Retry-After, "
        f"{SEARCHES_PER_KEY_PER_MINUTE} searches a minute per key, {SEARCH_PAGE_CAP} pages a "
        "query, sort honoured, teams readable",
    ),
    "legacy": (
        Contract.legacy(),
        "the simulator before it followed the documented contract: x-ratelimit-reset in seconds "
        "to wait, Retry-After on 429s, no search limit per key",
    ),
}

UNFRIENDLY_MODES = (
    Mode(
        "unsorted",
        "search ignores `sort`: results come in a stable order unrelated to updatedAt",
        {"honour_sort": False},
    ),
    Mode(
        "reset-millis",
        "x-ratelimit-reset as the epoch milliseconds the window resets, no Retry-After",
        {"reset_header": ResetHeader.EPOCH_MILLIS, "retry_after": False},
    ),
    Mode(
        "reset-seconds-to-wait",
        "x-ratelimit-reset as seconds until the window resets, no Retry-After",
        {"reset_header": ResetHeader.SECONDS_TO_WAIT, "retry_after": False},
    ),
    Mode(
        "teams-403",
        "GET /v1/teams answers 403, as to a key without org.permission.team.read",
        {"teams_endpoint": TeamsEndpoint.FORBIDDEN},
    ),
    Mode(
        "teams-404",
        "GET /v1/teams answers 404, as where the endpoint does not exist",
        {"teams_endpoint": TeamsEndpoint.MISSING},
    ),
)
# Documented behaviour the legacy contract lacks, to add one at a time to it.
DOCUMENTED_MODES = (
    Mode(
        "epoch-reset",
        "x-ratelimit-reset as the epoch second the window resets, no Retry-After",
        {"reset_header": ResetHeader.EPOCH_SECONDS, "retry_after": False},
    ),
    Mode(
        "search-limit",
        f"{SEARCHES_PER_KEY_PER_MINUTE} search requests a minute per API key, beyond which 429",
        {"search_limit_per_key": SEARCHES_PER_KEY_PER_MINUTE},
    ),
)
MODES = {mode.name: mode for mode in (*UNFRIENDLY_MODES, *DOCUMENTED_MODES)}


def mode(name: str) -> Mode:
    try:
        return MODES[name]
    except KeyError:
        raise ValueError(f"unknown mode {name!r}; known: {', '.join(MODES)}") from None


def contract_for(names: Sequence[str], default: Contract) -> Contract:
    """The contract a command line names: at most one base contract ("documented", "legacy"),
    else `default`, with every mode named applied to it, in order."""
    bases = list(dict.fromkeys(name for name in names if name in BASE_CONTRACTS))
    if len(bases) > 1:
        raise ValueError(f"choose one of {' or '.join(bases)}, not both")
    contract = BASE_CONTRACTS[bases[0]][0] if bases else default
    return contract.with_modes(*(name for name in names if name not in BASE_CONTRACTS))
