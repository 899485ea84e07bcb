"""Settings, the one path configuration takes into the code: template.yaml gives each function
the environment variables it uses, and every module reads them through `settings()`."""

from __future__ import annotations

import os
from datetime import timedelta
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from surveys.domain.reputation import ReputationLimits


class ConfigurationError(RuntimeError):
    pass


class Settings(BaseModel):
    """Resource names and deploy parameters. A function is given only what it uses, so the
    names default to empty and are read with `need`, which says which variable is missing."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    surveys_table: str = Field(alias="SURVEYS_TABLE", default="")
    ratings_table: str = Field(alias="RATINGS_TABLE", default="")
    state_table: str = Field(alias="STATE_TABLE", default="")
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", default="")
    votes_table: str = Field(alias="VOTES_TABLE", default="")
    suppressions_table: str = Field(alias="SUPPRESSIONS_TABLE", default="")
    ses_configuration_set: str = Field(alias="SES_CONFIGURATION_SET", default="")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", default="")
    alert_topic_arn: str = Field(alias="ALERT_TOPIC_ARN", default="")
    survey_queue_url: str = Field(alias="SURVEY_QUEUE_URL", default="")
    kustomer_org_url: str = Field(alias="KUSTOMER_ORG_URL", default="")
    kustomer_api_key_secret: str = Field(alias="KUSTOMER_API_KEY_SECRET", default="")
    link_signing_key_secret: str = Field(alias="LINK_SIGNING_KEY_SECRET", default="")
    address_hash_key_secret: str = Field(alias="ADDRESS_HASH_KEY_SECRET", default="")
    sender_address: str = Field(alias="SENDER_ADDRESS", default="")
    sender_name: str = Field(alias="SENDER_NAME", default="")
    company_name: str = Field(alias="COMPANY_NAME", default="")
    # Empty for the rating webhook: it links relative to the request it answers.
    public_base_url: str = Field(alias="PUBLIC_BASE_URL", default="")
    # The defaults are template.yaml's parameter defaults.
    quiet_hours: float = Field(alias="QUIET_HOURS", default=48, gt=0)
    backfill_hours: float = Field(alias="BACKFILL_HOURS", default=0, ge=0)
    link_expiry_days: float = Field(alias="LINK_EXPIRY_DAYS", default=30, gt=0)
    kustomer_rate_limit_share: float = Field(
        alias="KUSTOMER_RATE_LIMIT_SHARE", default=0.5, gt=0, le=1
    )
    kustomer_search_limit: int = Field(alias="KUSTOMER_SEARCH_LIMIT", default=100, ge=1)
    reconcile_grace_minutes: float = Field(alias="RECONCILE_GRACE_MINUTES", default=60, ge=0)
    retention_days: float = Field(alias="RETENTION_DAYS", default=730, gt=0)
    # Percent; the sender pauses itself at these SES reputation rates.
    pause_at_bounce_rate: float | None = Field(
        alias="PAUSE_AT_BOUNCE_RATE", default=None, gt=0, lt=100
    )
    pause_at_complaint_rate: float | None = Field(
        alias="PAUSE_AT_COMPLAINT_RATE", default=None, gt=0, lt=100
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
            variable = type(self).model_fields[name].alias
            raise ConfigurationError(
                f"{variable} is not in this function's environment: template.yaml gives it only "
                "to the functions that use it"
            )
        return str(value)


_VARIABLES = tuple(sorted(field.alias for field in Settings.model_fields.values() if field.alias))


def settings() -> Settings:
    """The settings of the environment as it is now: in Lambda that never changes, while the
    local runtime and the admin's commands run several functions' environments in one process."""
    return _settings_of(tuple(os.environ.get(name) for name in _VARIABLES))


@lru_cache(maxsize=16)
def _settings_of(values: tuple[str | None, ...]) -> Settings:
    given = {name: value for name, value in zip(_VARIABLES, values, strict=True) if value}
    try:
        return Settings.model_validate(given)
    except ValidationError as error:
        raise ConfigurationError(f"invalid function environment: {error}") from error
