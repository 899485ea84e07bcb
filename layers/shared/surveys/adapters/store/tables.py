"""What every table shares: its name from the settings, the region, one connection for
transactions, and reading the few DynamoDB answers the operations act on."""

from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache
from typing import TypeVar

import pynamodb.connection.base
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.models import Model

from surveys.adapters.aws_session import botocore_session
from surveys.adapters.clock import utcnow
from surveys.config import needed_name, settings

# PynamoDB gives every model's connection a botocore session of its own, which loads botocore's
# data again for each table a cold request touches: they take the container's shared one.
pynamodb.connection.base.get_session = botocore_session  # type: ignore[assignment]

Item = TypeVar("Item", bound=Model)


class TableName:
    """A model's table name, read when it is used, not at import: the name is a setting, and
    PynamoDB reconnects when the name it sees changes."""

    def __init__(self, setting: str) -> None:
        self._setting = setting

    def __get__(self, instance: object, owner: type) -> str:
        return needed_name(self._setting)


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def transaction_connection() -> Connection:
    """One connection for transactions per container, as the models keep theirs: a new one
    builds a botocore client, about 0.1 s of CPU on every rating recorded."""
    return _connection(region(), os.environ.get("AWS_ENDPOINT_URL"))


@lru_cache(maxsize=4)
def _connection(region: str, endpoint: str | None) -> Connection:
    return Connection(region=region)


def get_or_none(model: type[Item], hash_key: str, *, consistent_read: bool = True) -> Item | None:
    """The item with this key, or None."""
    try:
        return model.get(hash_key, consistent_read=consistent_read)
    except DoesNotExist:
        return None


def is_condition_failure(error: Exception) -> bool:
    """A write refused because its condition did not hold: someone else got there first."""
    if isinstance(error, TransactWriteError):
        return any(
            reason is not None and reason.code == "ConditionalCheckFailed"
            for reason in error.cancellation_reasons
        )
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def retention_deadline(now: datetime) -> datetime:
    """When an item made now for a new survey is deleted (its TTL attribute, retain_until)."""
    return now + settings().retention


def is_expired(retain_until: datetime | None) -> bool:
    """Past its retention: DynamoDB deletes such an item within days, not at once, and until
    then every reader but forget and export treats it as gone."""
    return retain_until is not None and retain_until <= utcnow()
