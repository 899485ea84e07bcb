"""Settings read once from the environment that template.yaml gives every function."""

from __future__ import annotations

import os
from datetime import timedelta
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ConfigurationError(RuntimeError):
    pass


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    surveys_table: str = Field(alias="SURVEYS_TABLE")
    ratings_table: str = Field(alias="RATINGS_TABLE")
    state_table: str = Field(alias="STATE_TABLE")
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE")
    votes_table: str = Field(alias="VOTES_TABLE")
    suppressions_table: str = Field(alias="SUPPRESSIONS_TABLE")
    ses_configuration_set: str = Field(alias="SES_CONFIGURATION_SET")
    survey_queue_url: str = Field(alias="SURVEY_QUEUE_URL")
    kustomer_org_url: str = Field(alias="KUSTOMER_ORG_URL", min_length=1)
    kustomer_api_key_secret: str = Field(alias="KUSTOMER_API_KEY_SECRET")
    link_signing_key_secret: str = Field(alias="LINK_SIGNING_KEY_SECRET")
    sender_address: str = Field(alias="SENDER_ADDRESS")
    sender_name: str = Field(alias="SENDER_NAME")
    company_name: str = Field(alias="COMPANY_NAME")
    # Empty for the rating webhook: it links relative to the request it answers.
    public_base_url: str = Field(alias="PUBLIC_BASE_URL", default="")
    quiet_hours: float = Field(alias="QUIET_HOURS", default=48, gt=0)
    backfill_hours: float = Field(alias="BACKFILL_HOURS", default=0, ge=0)
    link_expiry_days: float = Field(alias="LINK_EXPIRY_DAYS", default=30, gt=0)
    kustomer_rate_limit_share: float = Field(
        alias="KUSTOMER_RATE_LIMIT_SHARE", default=0.5, gt=0, le=1
    )
    reconcile_grace_minutes: float = Field(alias="RECONCILE_GRACE_MINUTES", default=60, ge=0)

    @property
    def reconcile_grace(self) -> timedelta:
        return timedelta(minutes=self.reconcile_grace_minutes)


@cache
def settings() -> Settings:
    names = {field.alias for field in Settings.model_fields.values() if field.alias}
    try:
        return Settings.model_validate({k: v for k, v in os.environ.items() if k in names})
    except ValidationError as error:
        raise ConfigurationError(f"invalid function environment: {error}") from error
