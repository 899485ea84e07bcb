"""Kustomer's timestamp format: UTC ISO 8601 with milliseconds and a Z suffix."""

from __future__ import annotations

from datetime import UTC, datetime


def to_millis(moment: datetime) -> datetime:
    """Normalise to UTC at millisecond precision, the precision Kustomer stores and returns.

    Keeping stored times at the rendered precision means a timestamp read from a response
    and sent back in a search criterion compares equal to the stored value.
    """
    if moment.tzinfo is None:
        raise ValueError(f"timestamp must be timezone-aware: {moment!r}")
    utc = moment.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def format_timestamp(moment: datetime) -> str:
    utc = to_millis(moment)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
