"""Settings, the one path configuration takes into the code: template.yaml gives each function
the environment variables it uses, and every module reads them through `settings()`.

A plain dataclass read by hand, not a pydantic model: every function reads it on its first
request, and pydantic's import alone would add about a third of boto3's to each cold start."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import timedelta
from functools import lru_cache
from typing import Any

from surveys.domain.reputation import ReputationLimits


class ConfigurationError(RuntimeError):
    pass


def _name(variable: str) -> Any:
    """A resource name or text; empty when this function is not given it."""
    return field(default="", metadata={"variable": variable, "parse": str})


def _number(
    variable: str,
    default: float | None,
    *,
    above: float | None = None,
    at_least: float | None = None,
    below: float | None = None,
    at_most: float | None = None,
    whole: bool = False,
) -> Any:
    def parse(text: str) -> float | int:
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            raise ValueError(f"is not {'a whole number' if whole else 'a number'}") from None
        if not math.isfinite(value):
            raise ValueError("is not a finite number")
        for limit, holds, words in (
            (above, lambda limit: value > limit, "above"),
            (at_least, lambda limit: value >= limit, "at least"),
            (below, lambda limit: value < limit, "below"),
            (at_most, lambda limit: value <= limit, "at most"),
        ):
            if limit is not None and not holds(limit):
                raise ValueError(f"must be {words} {limit:g}")
        return value

    return field(default=default, metadata={"variable": variable, "parse": parse})


@dataclass(frozen=True)
class Settings:
    """Resource names and deploy parameters. A function is given only what it uses, so the
    names default to empty and are read with `need`, which says which variable is missing."""

    surveys_table: str = _name("SURVEYS_TABLE")
    ratings_table: str = _name("RATINGS_TABLE")
    state_table: str = _name("STATE_TABLE")
    idempotency_table: str = _name("IDEMPOTENCY_TABLE")
    votes_table: str = _name("VOTES_TABLE")
    suppressions_table: str = _name("SUPPRESSIONS_TABLE")
    ses_configuration_set: str = _name("SES_CONFIGURATION_SET")
    event_bus_name: str = _name("EVENT_BUS_NAME")
    alert_topic_arn: str = _name("ALERT_TOPIC_ARN")
    survey_queue_url: str = _name("SURVEY_QUEUE_URL")
    kustomer_org_url: str = _name("KUSTOMER_ORG_URL")
    kustomer_api_key_secret: str = _name("KUSTOMER_API_KEY_SECRET")
    link_signing_key_secret: str = _name("LINK_SIGNING_KEY_SECRET")
    address_hash_key_secret: str = _name("ADDRESS_HASH_KEY_SECRET")
    sender_address: str = _name("SENDER_ADDRESS")
    sender_name: str = _name("SENDER_NAME")
    company_name: str = _name("COMPANY_NAME")
    # Empty for the rating webhook: it links relative to the request it answers.
    public_base_url: str = _name("PUBLIC_BASE_URL")
    # The defaults are template.yaml's parameter defaults.
    quiet_hours: float = _number("QUIET_HOURS", 48, above=0)
    backfill_hours: float = _number("BACKFILL_HOURS", 0, at_least=0)
    link_expiry_days: float = _number("LINK_EXPIRY_DAYS", 30, above=0)
    kustomer_rate_limit_share: float = _number("KUSTOMER_RATE_LIMIT_SHARE", 0.5, above=0, at_most=1)
    kustomer_search_limit: int = _number("KUSTOMER_SEARCH_LIMIT", 100, at_least=1, whole=True)
    reconcile_grace_minutes: float = _number("RECONCILE_GRACE_MINUTES", 60, at_least=0)
    retention_days: float = _number("RETENTION_DAYS", 730, above=0)
    # Percent; the sender pauses itself at these SES reputation rates.
    pause_at_bounce_rate: float | None = _number("PAUSE_AT_BOUNCE_RATE", None, above=0, below=100)
    pause_at_complaint_rate: float | None = _number(
        "PAUSE_AT_COMPLAINT_RATE", None, above=0, below=100
    )

    @property
    def reconcile_grace(self) -> timedelta:
        return timedelta(minutes=self.reconcile_grace_minutes)

    @property
    def retention(self) -> timedelta:
        """How long a survey, its rating and its votes are kept after it was queued."""
        return timedelta(days=self.retention_days)

    def reputation_limits(self) -> ReputationLimits:
        """The rates, as fractions, at which the sender pauses itself."""
        return ReputationLimits(
            bounce_rate=float(self.need("pause_at_bounce_rate")) / 100,
            complaint_rate=float(self.need("pause_at_complaint_rate")) / 100,
        )

    def need(self, name: str) -> str:
        """A setting this code cannot do without; names the variable when it is not set."""
        value = getattr(self, name)
        if not value:
            raise _missing(VARIABLES[name])
        return str(value)


# Each setting's environment variable, by setting name.
VARIABLES: dict[str, str] = {
    setting.name: setting.metadata["variable"] for setting in fields(Settings)
}
_PARSERS: dict[str, Callable[[str], Any]] = {
    setting.name: setting.metadata["parse"] for setting in fields(Settings)
}


def _missing(variable: str) -> ConfigurationError:
    return ConfigurationError(
        f"{variable} is not in this function's environment: template.yaml gives it only to the "
        "functions that use it"
    )


def settings() -> Settings:
    """The settings of the environment as it is now: in Lambda that never changes, while the
    local runtime and the admin's commands run several functions' environments in one process."""
    return _settings_of(tuple(os.environ.get(variable) for variable in VARIABLES.values()))


def needed_name(name: str) -> str:
    """One resource name `need` would give, read alone: DynamoDB models ask for their table's
    name on every operation, where reading every setting would cost more than the call."""
    value = os.environ.get(VARIABLES[name])
    if not value:
        raise _missing(VARIABLES[name])
    return value


@lru_cache(maxsize=16)
def _settings_of(values: tuple[str | None, ...]) -> Settings:
    parsed: dict[str, Any] = {}
    problems = []
    for (name, variable), value in zip(VARIABLES.items(), values, strict=True):
        if not value:
            continue
        try:
            parsed[name] = _PARSERS[name](value)
        except ValueError as problem:
            problems.append(f"{variable}={value!r} {problem}")
    if problems:
        raise ConfigurationError(f"invalid function environment: {'; '.join(problems)}")
    return Settings(**parsed)
