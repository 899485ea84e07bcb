"""Survey programs in the state table: each program's settings, the admin's order of them, and
each program's scan progress.

A program's settings live under `trigger#<name>` and its scan progress under `scan#<name>`: the
keys the one trigger per metric had before there were programs, so the `ces`, `csat` and `nps`
triggers an earlier version stored are the programs of those names, as they were.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from surveys.adapters.store.tables import TableName, get_or_none, is_condition_failure, region
from surveys.domain.scan_window import ScanWindow

PROGRAM_ORDER_KEY = "programs#order"


class WindowEntry(MapAttribute[str, object]):
    since = UTCDateTimeAttribute()
    until = UTCDateTimeAttribute()


class ScanStateItem(Model):
    """Per program: when scanning started and how far through history it has come."""

    class Meta:
        table_name = TableName("state_table")
        region = region()

    key = UnicodeAttribute(hash_key=True)
    activated_at = UTCDateTimeAttribute()
    # Every conversation last updated before it has been read; the scan goes on from here.
    watermark = UTCDateTimeAttribute()
    # The windows of updatedAt still to be read whole, oldest first, the first starting at the
    # watermark: a window too big for one query is split in parts.
    windows = ListAttribute(of=WindowEntry, null=True)
    # Reading the first window back to front, page by page: the next page to read; 0 when not.
    reverse_page = NumberAttribute(default=0)
    last_scan_at = UTCDateTimeAttribute(null=True)
    last_complete_at = UTCDateTimeAttribute(null=True)


class TriggerItem(Model):
    """A program's settings, as validated JSON; `version` refuses lost updates. A deleted
    program's item stays (out of the order): answers to the surveys it sent still need its
    texts, reasons and attribute names."""

    class Meta:
        table_name = TableName("state_table")
        region = region()

    key = UnicodeAttribute(hash_key=True)
    settings = UnicodeAttribute()
    version = VersionAttribute()


class ProgramOrderItem(Model):
    """The programs there are, in the admin's order: it breaks ties between programs equally
    specific. Absent until a program is created: then the metrics' own programs are all."""

    class Meta:
        table_name = TableName("state_table")
        region = region()

    key = UnicodeAttribute(hash_key=True)
    names = ListAttribute[str]()
    version = VersionAttribute()


# --- scan progress -------------------------------------------------------------------------------


def _scan_state_key(program: str) -> str:
    return f"scan#{program}"


def find_scan_state(program: str) -> ScanStateItem | None:
    return get_or_none(ScanStateItem, _scan_state_key(program))


def new_scan_state(program: str, activated_at: datetime, watermark: datetime) -> ScanStateItem:
    """A program's scan from its start; saved with its first progress."""
    return ScanStateItem(_scan_state_key(program), activated_at=activated_at, watermark=watermark)


def scan_plan(state: ScanStateItem) -> list[ScanWindow]:
    """The windows the last scan left to read, oldest first."""
    return [ScanWindow(entry.since, entry.until) for entry in state.windows or []]


def save_scan_progress(state: ScanStateItem, plan: list[ScanWindow], reverse_page: int) -> None:
    """What is left to read: the watermark moves to the start of the first window left (past a
    window only once it was read whole)."""
    if plan:
        state.watermark = plan[0].since
    state.windows = [WindowEntry(since=window.since, until=window.until) for window in plan]
    state.reverse_page = reverse_page
    state.save()


def forget_scan_state(program: str) -> None:
    """The next scan of the program starts afresh, from its activation."""
    state = find_scan_state(program)
    if state is not None:
        state.delete()


# --- settings and order ----------------------------------------------------------------------

_TRIGGER_PREFIX = "trigger#"


def _trigger_key(program: str) -> str:
    return f"{_TRIGGER_PREFIX}{program}"


def program_name_of(item: TriggerItem) -> str:
    return item.key.removeprefix(_TRIGGER_PREFIX)


def find_trigger(program: str) -> TriggerItem | None:
    return get_or_none(TriggerItem, _trigger_key(program))


def triggers_named(programs: Collection[str]) -> dict[str, TriggerItem]:
    """The stored settings of these programs, by name; a program never changed has none."""
    if not programs:
        return {}
    found = TriggerItem.batch_get(
        {_trigger_key(program) for program in programs}, consistent_read=True
    )
    return {program_name_of(item): item for item in found}


def save_trigger(program: str, settings_json: str, previous: TriggerItem | None) -> bool:
    """Store a program's settings over those read as `previous` (None: there were none); False
    when someone changed them since, so the caller reads again and applies its change on top."""
    item = previous or TriggerItem(_trigger_key(program), settings="")
    item.settings = settings_json
    return _saved_unless_changed(item)


def find_program_order() -> ProgramOrderItem | None:
    return get_or_none(ProgramOrderItem, PROGRAM_ORDER_KEY)


def save_program_order(names: list[str], previous: ProgramOrderItem | None) -> bool:
    """Store the order over the one read as `previous` (None: there was none); False when
    someone changed it since."""
    item = previous or ProgramOrderItem(PROGRAM_ORDER_KEY, names=[])
    item.names = names
    return _saved_unless_changed(item)


def _saved_unless_changed(item: TriggerItem | ProgramOrderItem) -> bool:
    """Save a versioned item; False when its version moved on since it was read."""
    try:
        item.save()
    except PutError as error:
        if is_condition_failure(error):
            return False
        raise
    return True
