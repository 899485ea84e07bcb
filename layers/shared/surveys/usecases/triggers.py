"""Trigger settings: show, change, activate and deactivate a metric's trigger.

Unset triggers start from the deploy parameters (QuietHours, BackfillHours, LinkExpiryDays), so
the template stays the one source of defaults.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from surveys.adapters.store.state import (
    TriggerItem,
    all_triggers,
    find_trigger,
    forget_scan_state,
    save_trigger,
)
from surveys.config import settings
from surveys.domain.metrics import metric_by_key
from surveys.domain.triggers import TriggerSettings
from surveys.observability import logger


class TriggerSettingsError(ValueError):
    """Settings that do not validate; the message lists every problem."""


def _readable(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "settings"
        problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)


def default_trigger(metric_key: str) -> TriggerSettings:
    deployed = settings()
    return TriggerSettings(
        metric=metric_by_key(metric_key).key,
        delay_hours=deployed.quiet_hours,
        backfill_hours=deployed.backfill_hours,
        link_expiry_days=int(deployed.link_expiry_days),
    )


def _parse(item: TriggerItem) -> TriggerSettings:
    return TriggerSettings.model_validate_json(item.settings)


def trigger_settings(metric_key: str) -> TriggerSettings:
    item = find_trigger(metric_by_key(metric_key).key)
    return _parse(item) if item else default_trigger(metric_key)


def active_triggers() -> list[TriggerSettings]:
    return [trigger for trigger in map(_parse, all_triggers()) if trigger.active]


def _applied(current: TriggerSettings, change: dict[str, Any]) -> TriggerSettings:
    try:
        return TriggerSettings.model_validate({**current.model_dump(), **change})
    except ValidationError as error:
        raise TriggerSettingsError(_readable(error)) from None


def _store(metric_key: str, change: dict[str, Any]) -> TriggerSettings:
    for _ in range(3):
        item = find_trigger(metric_key)
        updated = _applied(_parse(item) if item else default_trigger(metric_key), change)
        if save_trigger(metric_key, updated.model_dump_json(), item):
            return updated
        # Changed by someone else meanwhile: read again and apply the change on top.
    raise TriggerSettingsError(f"the {metric_key} trigger keeps changing; try again")


def _settable(change: dict[str, Any]) -> None:
    protected = {"metric", "active", "activated_at"} & set(change)
    if protected:
        raise TriggerSettingsError(
            f"{', '.join(sorted(protected))} cannot be set; use activate or deactivate"
        )


def preview_trigger_change(
    metric_key: str, change: dict[str, Any]
) -> tuple[TriggerSettings, TriggerSettings]:
    """The trigger as it is and as `change` would leave it, validated; nothing is stored."""
    _settable(change)
    current = trigger_settings(metric_key)
    return current, _applied(current, change)


def change_trigger(metric_key: str, change: dict[str, Any]) -> TriggerSettings:
    metric = metric_by_key(metric_key).key
    _settable(change)
    updated = _store(metric, change)
    logger.info("Trigger settings changed", extra={"metric": metric, "changed": sorted(change)})
    return updated


def activate_trigger(metric_key: str, now: datetime) -> TriggerSettings:
    """Start surveying: only conversations going quiet from now on, plus the backfill. The scan
    state restarts, so a trigger that was off for a while does not flood the gap."""
    metric = metric_by_key(metric_key).key
    updated = _store(metric, {"active": True, "activated_at": now})
    forget_scan_state(metric)
    logger.info("Trigger activated", extra={"metric": metric, "activated_at": now.isoformat()})
    return updated


def deactivate_trigger(metric_key: str) -> TriggerSettings:
    """Stop sending; surveys, ratings and settings stay, queued surveys are skipped unsent."""
    metric = metric_by_key(metric_key).key
    updated = _store(metric, {"active": False})
    logger.info("Trigger deactivated", extra={"metric": metric})
    return updated
