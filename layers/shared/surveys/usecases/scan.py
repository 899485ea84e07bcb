"""Scan: find conversations that are due a survey and queue one survey each.

A scan reads the conversations last updated within a window of time: from where the last scan
stopped (the watermark) to now minus the quiet period. Kustomer pages search results, and does
not promise their order: the reference says only customer attributes sort
(developer.kustomer.com search reference). So every window is read whole before the watermark
moves past it:

- results that come oldest first, with the order checked on every page and across the first two
  pages of a window, are read as a sort allows: from the newest result seen, restarting at page
  1, so results that leave the window meanwhile cannot make others slip past a page boundary;
- otherwise the window is read by page number, backwards from its last page: results only ever
  leave a window of the past (a conversation updated now is no longer in it), which moves later
  results to earlier pages, ones not read yet. A window needing more pages than a query may
  have (100) is split in two, until each part fits.

Progress is saved after every request, so a run short of time (or of rate limit) stops cleanly
and the next one resumes where it stopped. A survey id is derived from the conversation and
metric, so a conversation read twice, or by two programs, is queued once.

Each program scans on its own watermark. The programs of a run take turns, one request each
(`scan_programs`): a program with a long backlog gets no more of the run's time, nor of the
Kustomer rate-limit share, than any other that has work too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from surveys.adapters.kustomer.errors import KustomerBusyError, KustomerUnavailableError
from surveys.adapters.kustomer.queries import due_conversations_query
from surveys.adapters.kustomer.resources import ConversationPage
from surveys.adapters.store.programs import (
    ScanStateItem,
    find_scan_state,
    new_scan_state,
    save_scan_progress,
    scan_plan,
)
from surveys.domain.scan_window import (
    MILLISECOND,
    ORDER_PROOF,
    ScanWindow,
    first_watermark,
    in_ascending_order,
    oldest_first,
    scan_lag,
    split_in_two,
)
from surveys.domain.triggers import TriggerSettings
from surveys.observability import logger
from surveys.usecases.scan_report import ScanReport
from surveys.usecases.survey_requests import SurveyQueue, queue_surveys_for

# The most results a search page holds (developer.kustomer.com/docs/concepts/search): the fewest
# requests per conversation.
DEFAULT_PAGE_SIZE = 500
# Kustomer serves no page of a query past this one; connectors report about 10,000 results at
# most per query (developer.kustomer.com search reference, AWS Glue's Kustomer connector notes).
LAST_SEARCH_PAGE = 100
# Enough for one search page, its DynamoDB look-ups and SQS batches, with room to save state.
SECONDS_NEEDED_PER_PAGE = 30.0
# Doubling up to the last page and halving back takes 14 probes at most.
MAX_PROBES = 30


# One request of a scan: the run pauses before it (so programs take turns), and gets its result.
Step = Generator[None, None, ConversationPage]


class ConversationSearch(Protocol):
    def search_conversations(
        self, query: dict[str, Any], page: int, page_size: int
    ) -> ConversationPage: ...


class _Stop(Exception):
    """The scan stops here; the next one resumes from the saved progress."""


class _Scan:
    """One run of a program's scan: the windows left to read, read one request at a time."""

    def __init__(
        self,
        trigger: TriggerSettings,
        competing: Sequence[TriggerSettings],
        state: ScanStateItem,
        *,
        kustomer: ConversationSearch,
        queue: SurveyQueue,
        now: datetime,
        time_left: Callable[[], float],
        page_size: int,
        last_page: int,
    ) -> None:
        self._program, self._competing = trigger, competing
        self._metric, self._rules = trigger.metric_definition, trigger.rules
        self._state = state
        self._kustomer, self._queue = kustomer, queue
        self._now, self._time_left, self._page_size = now, time_left, page_size
        self._page_cap = last_page
        self.until = now - self._rules.quiet_period
        self.reverse_page = int(state.reverse_page or 0)
        self.plan = _extended(
            scan_plan(state), state.watermark, self.until, reading_backwards=self.reverse_page > 0
        )
        self.report = ScanReport(
            metric=self._metric.key, program=trigger.name, since=state.watermark, until=self.until
        )
        # Whether the order was checked across two pages yet, in this run.
        self._order_confirmed = False

    def steps(self) -> Iterator[None]:
        """The run, paused before every request; the report is complete when it ends."""
        try:
            while self.plan:
                yield from self._read(self.plan[0])
            self._state.last_complete_at = self._now
            self.report.complete = True
        except _Stop:
            pass
        self._state.last_scan_at = self._now
        self._save()
        self.report.lag_seconds = scan_lag(
            self._state.watermark, self._now, self._rules.quiet_period
        ).total_seconds()

    # --- reading a window ------------------------------------------------------------------

    def _read(self, window: ScanWindow) -> Generator[None, None, None]:
        if self.reverse_page:
            yield from self._read_backwards(window, self.reverse_page)
            return
        first = yield from self._search(window, 1)
        if not first.has_next:
            self._done(window)
            return
        if (yield from self._in_order(window, first)):
            newest = max(conversation.updated_at for conversation in first.conversations)
            if window.since < newest <= window.until:
                self._advance(window, newest)
                return
        yield from self._read_whole(window, first)

    def _in_order(self, window: ScanWindow, first: ConversationPage) -> Generator[None, None, bool]:
        """Whether the results come oldest first: this page in itself and, once a run when the
        page is short, the second page after it (a short page can look ordered by chance)."""
        in_order = in_ascending_order([c.updated_at for c in first.conversations])
        if in_order and len(first.conversations) >= ORDER_PROOF:
            self._order_confirmed = True
        if in_order and not self._order_confirmed:
            second = yield from self._search(window, 2)
            newest_first = max(c.updated_at for c in first.conversations)
            following = [newest_first, *(c.updated_at for c in second.conversations)]
            in_order = oldest_first(following) if len(following) > 1 else None
            self._order_confirmed = bool(in_order)
        if in_order is False and self.report.results_in_order is not False:
            logger.warning(
                "Kustomer returned search results out of updatedAt order: reading windows whole",
                extra={"metric": self._metric.key},
            )
        if in_order is not None and self.report.results_in_order is not False:
            self.report.results_in_order = in_order
        return bool(in_order)

    def _read_whole(
        self, window: ScanWindow, first: ConversationPage
    ) -> Generator[None, None, None]:
        """Find the window's last page, then read back to the first; split the window when it
        has more pages than a query may."""
        last, sample = yield from self._find_last_page(window, first)
        if last is None:
            if window.since == window.until:
                self.report.stopped_because = (
                    f"more than {self._page_cap} pages of conversations updated at "
                    f"{window.since.isoformat()}: this moment cannot be read whole"
                )
                logger.error("Scan cannot read a window whole", extra=self.report.as_json())
                raise _Stop
            self.plan[0:1] = split_in_two(window, sample)
            self.report.windows_split += 1
            self._save()
            return
        yield from self._read_backwards(window, last - 1)

    def _find_last_page(
        self, window: ScanWindow, first: ConversationPage
    ) -> Generator[None, None, tuple[int | None, list[datetime]]]:
        """The window's last page, read (None when there are more than a query may have), and
        the updatedAt of every result seen on the way, for a split. Pages are probed doubling,
        then halving the gap: the fewest requests before reading back from the last."""
        sample = [c.updated_at for c in first.conversations]
        with_next, past_end = 1, self._page_cap + 1
        for _ in range(MAX_PROBES):
            page_number = (
                min(with_next * 2, self._page_cap)
                if past_end > self._page_cap
                else (with_next + past_end) // 2
            )
            if page_number <= with_next:
                # The results shrank under us: the last page with a next now has none.
                page_number = with_next
            page = yield from self._search(window, page_number)
            sample += [c.updated_at for c in page.conversations]
            full = len(page.conversations) + len(page.unreadable) >= self._page_size
            if page.has_next or (page_number == self._page_cap and full):
                # Kustomer's last page has no next link even when results go on past it.
                if page_number == self._page_cap:
                    return None, sample
                if page_number == with_next:
                    # Results came in meanwhile: look further up again.
                    past_end = self._page_cap + 1
                with_next = page_number
            elif page.conversations or page.unreadable or page_number == 1:
                return page_number, sample
            else:
                past_end = page_number
        # The results would not hold still: read the window as two smaller ones.
        return None, sample

    def _read_backwards(self, window: ScanWindow, from_page: int) -> Generator[None, None, None]:
        """Pages `from_page` down to 1 of the window, right after its last page was read."""
        for page_number in range(from_page, 0, -1):
            self.reverse_page = page_number
            self._save()
            yield from self._search(window, page_number)
        self.reverse_page = 0
        self._done(window)

    def _advance(self, window: ScanWindow, newest: datetime) -> None:
        """Everything before `newest` was read: the window goes on from there."""
        self.plan[0] = ScanWindow(newest, window.until)
        self._save()

    def _done(self, window: ScanWindow) -> None:
        self.plan.pop(0)
        if not self.plan:
            self._state.watermark = window.until
        self._save()

    def _save(self) -> None:
        save_scan_progress(self._state, self.plan, self.reverse_page)

    # --- one request -------------------------------------------------------------------------

    def _search(self, window: ScanWindow, page_number: int) -> Step:
        yield
        if self._time_left() < SECONDS_NEEDED_PER_PAGE:
            self.report.stopped_because = "running out of time; the next scan resumes here"
            raise _Stop
        try:
            page = self._kustomer.search_conversations(
                due_conversations_query(window, self._rules), page_number, self._page_size
            )
        except KustomerBusyError as busy:
            self.report.stopped_because = f"paced: {busy}"
            raise _Stop from None
        except KustomerUnavailableError as error:
            self.report.stopped_because = f"Kustomer unavailable: {error}"
            self.report.failed = True
            raise _Stop from None
        self.report.pages += 1
        self.report.conversations_seen += len(page.conversations)
        for result, reason in page.unreadable:
            # Skipped with its reason, not fatal: the rest of the page is queued, the scan goes on.
            self.report.not_eligible[reason] += 1
            logger.warning("Search result skipped", extra={"result": result, "reason": reason})
        queued = queue_surveys_for(
            page.conversations, self._program, self._competing, self._queue, self._now
        )
        self.report.queued += queued.queued
        self.report.already_surveyed += queued.already_surveyed
        self.report.not_eligible.update(queued.not_eligible)
        return page


def _extended(
    plan: list[ScanWindow], watermark: datetime, until: datetime, *, reading_backwards: bool
) -> list[ScanWindow]:
    """The windows left, and what became due since: the last window grows to `until`, unless
    it is the one being read backwards, whose pages must stay those of its query."""
    if not plan:
        return [ScanWindow(watermark, until)] if watermark <= until else []
    last = plan[-1]
    if until <= last.until:
        return plan
    if reading_backwards and len(plan) == 1:
        return [last, ScanWindow(last.until + MILLISECOND, until)]
    return [*plan[:-1], ScanWindow(last.since, until)]


def _load_or_start(trigger: TriggerSettings) -> ScanStateItem:
    state = find_scan_state(trigger.name)
    if state is None:
        activated_at = trigger.activated_at or datetime.now(UTC)
        state = new_scan_state(
            trigger.name,
            activated_at,
            first_watermark(activated_at, trigger.delay, trigger.backfill),
        )
        logger.info(
            "Scanning activated",
            extra={"program": trigger.name, "watermark": state.watermark.isoformat()},
        )
    return state


def scan_programs(
    programs: Sequence[TriggerSettings],
    *,
    kustomer: ConversationSearch,
    queue: SurveyQueue,
    now: datetime,
    time_left: Callable[[], float],
    page_size: int = DEFAULT_PAGE_SIZE,
    last_page: int = LAST_SEARCH_PAGE,
) -> list[ScanReport]:
    """Queue a survey for every conversation that became due since each program's last scan.
    `programs` are the active ones in the admin's order; they take turns, a request each, until
    each is done or out of time. `page_size` and `last_page` are Kustomer's search limits (tests
    lower them)."""
    scans = [
        _Scan(
            program,
            [other for other in programs if other.metric == program.metric],
            _load_or_start(program),
            kustomer=kustomer,
            queue=queue,
            now=now,
            time_left=time_left,
            page_size=page_size,
            last_page=last_page,
        )
        for program in programs
    ]
    turns = deque(scan.steps() for scan in scans)
    while turns:
        steps = turns.popleft()
        if next(steps, _FINISHED) is not _FINISHED:
            turns.append(steps)
    return [scan.report for scan in scans]


_FINISHED = object()


def scan_for_due_surveys(
    trigger: TriggerSettings,
    *,
    kustomer: ConversationSearch,
    queue: SurveyQueue,
    now: datetime,
    time_left: Callable[[], float],
    page_size: int = DEFAULT_PAGE_SIZE,
    last_page: int = LAST_SEARCH_PAGE,
) -> ScanReport:
    """One program's scan, alone (as if no other program were active)."""
    (report,) = scan_programs(
        [trigger],
        kustomer=kustomer,
        queue=queue,
        now=now,
        time_left=time_left,
        page_size=page_size,
        last_page=last_page,
    )
    return report
