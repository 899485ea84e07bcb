"""Survey programs: create, show, change, activate, deactivate, order and delete them.

Every metric has a program of its own name (`ces`, `csat`, `nps`), there from the start with the
deploy parameters' defaults (QuietHours, BackfillHours, LinkExpiryDays), so the template stays
the one source of defaults; the admin creates others for their own audiences. An earlier
version's one trigger per metric is that metric's program: same settings, scan progress and
surveys, read where that version stored them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from surveys.adapters.store.programs import (
    TriggerItem,
    find_program_order,
    find_trigger,
    forget_scan_state,
    save_program_order,
    save_trigger,
    triggers_named,
)
from surveys.config import settings
from surveys.domain.metrics import METRICS, metric_by_key
from surveys.domain.programs import MOST_PROGRAMS, ordered
from surveys.domain.triggers import FIXED_FIELDS, TriggerSettings
from surveys.domain.validated import InvalidInput
from surveys.observability import logger


class TriggerSettingsError(ValueError):
    """Settings that do not validate, or a program that cannot be changed so; the message says
    every problem."""


class ProgramNotFoundError(TriggerSettingsError):
    """No program of that name."""


def default_trigger(metric_key: str, name: str | None = None) -> TriggerSettings:
    deployed = settings()
    metric = metric_by_key(metric_key).key
    try:
        return TriggerSettings(
            name=name or metric,
            metric=metric,
            delay_hours=deployed.quiet_hours,
            backfill_hours=deployed.backfill_hours,
            link_expiry_days=int(deployed.link_expiry_days),
        )
    except InvalidInput as error:
        raise TriggerSettingsError(str(error)) from None


def _parse(item: TriggerItem) -> TriggerSettings:
    return TriggerSettings.from_json(item.settings)


def program_names() -> list[str]:
    """Every program, in the admin's order."""
    order = find_program_order()
    return list(order.names) if order else list(METRICS)


def trigger_settings(name: str) -> TriggerSettings:
    """A program's settings, also those of a deleted program whose surveys are still answered.
    A metric's own program has its defaults until changed."""
    item = find_trigger(name)
    if item is not None:
        return _parse(item)
    if name in METRICS:
        return default_trigger(name)
    raise ProgramNotFoundError(f"no program named {name!r}; `surveys trigger list` lists them")


def all_programs() -> list[TriggerSettings]:
    """Every program, in the admin's order."""
    names = program_names()
    stored = triggers_named(names)
    programs = [
        _parse(stored[name]) if name in stored else default_trigger(name)
        for name in names
        if name in stored or name in METRICS
    ]
    return ordered(programs, names)


def active_triggers() -> list[TriggerSettings]:
    """The programs that survey, in the admin's order."""
    return [program for program in all_programs() if program.active]


def reason_labels(metric_key: str) -> dict[str, str]:
    """Every reason the metric's programs offer, by id, with its English label (the first
    program's, in the admin's order, where two label one id differently)."""
    labels: dict[str, str] = {}
    for program in all_programs():
        if program.metric == metric_key:
            for reason in program.reason_options:
                labels.setdefault(reason.id, reason.label)
    return labels


def _applied(current: TriggerSettings, change: dict[str, Any]) -> TriggerSettings:
    try:
        return current.changed(**change)
    except InvalidInput as error:
        raise TriggerSettingsError(str(error)) from None


def _existing(name: str) -> None:
    if name not in program_names():
        raise ProgramNotFoundError(f"no program named {name!r}; `surveys trigger list` lists them")


def _store(name: str, change: dict[str, Any]) -> TriggerSettings:
    _existing(name)
    for _ in range(3):
        item = find_trigger(name)
        current = _parse(item) if item else default_trigger(name)
        updated = _applied(current, change)
        if save_trigger(name, updated.to_json(), item):
            return updated
        # Changed by someone else meanwhile: read again and apply the change on top.
    raise TriggerSettingsError(f"the {name} program keeps changing; try again")


def _settable(change: dict[str, Any]) -> None:
    protected = FIXED_FIELDS & set(change)
    if protected:
        raise TriggerSettingsError(
            f"{', '.join(sorted(protected))} cannot be set (a program's name and metric are "
            "fixed when it is created); to start or stop it, use activate or deactivate"
        )


def _reorder(reordered: Callable[[list[str]], list[str]]) -> list[str]:
    for _ in range(3):
        previous = find_program_order()
        names = reordered(list(previous.names) if previous else list(METRICS))
        if save_program_order(names, previous):
            return list(names)
    raise TriggerSettingsError("the programs' order keeps changing; try again")


def preview_new_program(name: str, metric_key: str, change: dict[str, Any]) -> TriggerSettings:
    """The program `create` would store, validated; nothing is stored."""
    _settable(change)
    names = program_names()
    if name in names:
        raise TriggerSettingsError(f"a program named {name!r} exists already")
    if len(names) >= MOST_PROGRAMS:
        raise TriggerSettingsError(f"there are {MOST_PROGRAMS} programs, the most there may be")
    return _applied(default_trigger(metric_key, name), change)


def create_program(name: str, metric_key: str, change: dict[str, Any]) -> TriggerSettings:
    """A new, inactive program, last in the order. A deleted program's name may be taken
    again: the new settings replace the old ones."""
    program = preview_new_program(name, metric_key, change)
    deleted = find_trigger(name)
    if deleted is not None and _parse(deleted).metric != program.metric:
        raise TriggerSettingsError(
            f"{name} was the name of a deleted {_parse(deleted).metric} program, whose surveys "
            "are still answered with its settings: choose another name"
        )
    if not save_trigger(name, program.to_json(), deleted):
        raise TriggerSettingsError(f"the {name} program changed meanwhile; try again")

    def appended(names: list[str]) -> list[str]:
        if name in names:
            raise TriggerSettingsError(f"a program named {name!r} exists already")
        return [*names, name]

    _reorder(appended)
    logger.info("Program created", extra={"program": name, "metric": program.metric})
    return program


def preview_trigger_change(
    name: str, change: dict[str, Any]
) -> tuple[TriggerSettings, TriggerSettings]:
    """The program as it is and as `change` would leave it, validated; nothing is stored."""
    _settable(change)
    _existing(name)
    current = trigger_settings(name)
    return current, _applied(current, change)


def change_trigger(name: str, change: dict[str, Any]) -> TriggerSettings:
    _settable(change)
    updated = _store(name, change)
    logger.info("Trigger settings changed", extra={"program": name, "changed": sorted(change)})
    return updated


def activate_trigger(name: str, now: datetime) -> TriggerSettings:
    """Start surveying: only conversations going quiet from now on, plus the backfill. The scan
    state restarts, so a program that was off for a while does not flood the gap."""
    updated = _store(name, {"active": True, "activated_at": now})
    forget_scan_state(name)
    logger.info("Trigger activated", extra={"program": name, "activated_at": now.isoformat()})
    return updated


def deactivate_trigger(name: str) -> TriggerSettings:
    """Stop sending; surveys, ratings and settings stay, queued surveys are skipped unsent."""
    updated = _store(name, {"active": False})
    logger.info("Trigger deactivated", extra={"program": name})
    return updated


def delete_program(name: str) -> None:
    """Take an inactive program out of the list. Its settings stay stored for the answers to
    the surveys it sent; its scan progress goes."""
    if name in METRICS:
        raise TriggerSettingsError(
            f"{name} is the {name} metric's own program: it cannot be deleted; deactivate it"
        )
    if trigger_settings(name).active:
        raise TriggerSettingsError(f"the {name} program is active: deactivate it first")

    def without(names: list[str]) -> list[str]:
        if name not in names:
            raise ProgramNotFoundError(f"no program named {name!r}")
        return [other for other in names if other != name]

    _reorder(without)
    forget_scan_state(name)
    logger.info("Program deleted", extra={"program": name})


def order_programs(first: list[str]) -> list[str]:
    """Put `first` at the top of the order, as given; the others follow as they were."""
    if len(set(first)) != len(first):
        raise TriggerSettingsError("a program is named twice")

    def reordered(names: list[str]) -> list[str]:
        unknown = [name for name in first if name not in names]
        if unknown:
            raise ProgramNotFoundError(f"no program named {', '.join(unknown)}")
        return [*first, *(name for name in names if name not in first)]

    order = _reorder(reordered)
    logger.info("Programs reordered", extra={"order": order})
    return order
