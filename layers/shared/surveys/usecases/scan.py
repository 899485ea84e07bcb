"""Scan: find conversations that are due a survey and queue one survey each.

The scan walks Kustomer's search results in updatedAt order from a per-metric watermark, so each
run costs in proportion to what changed since the last one. Progress is saved after every page:
a run that is short of time stops cleanly and the next one resumes where it stopped. A survey id
is derived from the conversation and metric, so overlapping or repeated scans cannot queue two.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from surveys.adapters.kustomer.errors import KustomerUnavailableError
from surveys.adapters.kustomer.resources import ConversationPage
from surveys.adapters.store.state import (
    ScanStateItem,
    find_scan_state,
    new_scan_state,
    save_scan_state,
)
from surveys.adapters.store.surveys import existing_survey_ids, record_queued_survey
from surveys.domain.conversations import (
    Conversation,
    TriggerRules,
    survey_eligibility,
    survey_id_for,
)
from surveys.domain.metrics import Metric
from surveys.domain.scan_window import first_watermark, scan_lag, scan_window
from surveys.domain.survey_request import SurveyRequest
from surveys.domain.triggers import TriggerSettings
from surveys.observability import logger

DEFAULT_PAGE_SIZE = 100
# Enough for one search page, its DynamoDB look-ups and one SQS batch, with room to save state.
SECONDS_NEEDED_PER_PAGE = 15.0


class ConversationSearch(Protocol):
    def search_conversations(
        self, query: dict[str, Any], page: int, page_size: int
    ) -> ConversationPage: ...


class SurveyQueue(Protocol):
    def send(self, requests: list[SurveyRequest]) -> None: ...


@dataclass
class ScanReport:
    metric: str
    since: datetime
    until: datetime
    pages: int = 0
    conversations_seen: int = 0
    queued: int = 0
    already_surveyed: int = 0
    not_eligible: Counter[str] = field(default_factory=Counter)
    complete: bool = False
    stopped_because: str | None = None
    # Where the scan stopped, as the age of the oldest due conversation it has not reached.
    lag_seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """The report as Lambda can return it and a log line can hold it: times as ISO text.
        `not_eligible` is copied as a plain dict: asdict rebuilds a Counter from its items, which
        counts (reason, n) pairs as keys that JSON cannot hold, and the log line was lost."""
        return {
            **asdict(self),
            "not_eligible": dict(self.not_eligible),
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
        }


def _kustomer_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _any_of(attribute: str, values: frozenset[str]) -> dict[str, Any]:
    criteria = [{attribute: {"equals": value}} for value in sorted(values)]
    return criteria[0] if len(criteria) == 1 else {"or": criteria}


def due_conversations_query(
    since: datetime, until: datetime, rules: TriggerRules
) -> dict[str, Any]:
    """Kustomer search criteria (developer.kustomer.com/docs/concepts/search): a status and a
    channel that match, updatedAt within the window, oldest first so the watermark can advance."""
    return {
        "and": [
            _any_of("conversation_status", rules.statuses),
            _any_of("conversation_channels", rules.channels),
            {"conversation_updated_at": {"gte": _kustomer_time(since)}},
            {"conversation_updated_at": {"lte": _kustomer_time(until)}},
        ],
        "sort": [{"conversation_updated_at": "asc"}],
    }


def _load_or_start(trigger: TriggerSettings) -> ScanStateItem:
    metric = trigger.metric_definition
    state = find_scan_state(metric.key)
    if state is None:
        activated_at = trigger.activated_at or datetime.now(UTC)
        state = new_scan_state(
            metric.key, activated_at, first_watermark(activated_at, trigger.delay, trigger.backfill)
        )
        logger.info(
            "Scanning activated",
            extra={"metric": metric.key, "watermark": state.watermark.isoformat()},
        )
    return state


def _survey_requests(
    metric: Metric,
    conversations: list[Conversation],
    now: datetime,
    rules: TriggerRules,
    report: ScanReport,
) -> list[SurveyRequest]:
    requests = []
    for conversation in conversations:
        decision = survey_eligibility(conversation, now, rules)
        if not decision.eligible or conversation.customer_id is None:
            report.not_eligible[decision.reason] += 1
            continue
        requests.append(
            SurveyRequest(
                survey_id=survey_id_for(conversation.id, metric.key),
                conversation_id=conversation.id,
                customer_id=conversation.customer_id,
                metric=metric.key,
                assigned_user_id=next(iter(conversation.assigned_user_ids), None),
                assigned_team_id=next(iter(conversation.assigned_team_ids), None),
            )
        )
    return requests


def _queue_new_surveys(
    requests: list[SurveyRequest], queue: SurveyQueue, now: datetime, report: ScanReport
) -> None:
    existing = existing_survey_ids([request.survey_id for request in requests])
    fresh = [request for request in requests if request.survey_id not in existing]
    report.already_surveyed += len(requests) - len(fresh)
    # Queue first, record second: a crash in between leaves no record, so the next scan queues
    # the survey again and the sender's idempotency drops the extra message. Nothing is lost.
    queue.send(fresh)
    for request in fresh:
        record_queued_survey(request, now)
        logger.info(
            "Survey queued",
            extra={"survey_id": request.survey_id, "conversation_id": request.conversation_id},
        )
    report.queued += len(fresh)


def scan_for_due_surveys(
    trigger: TriggerSettings,
    *,
    kustomer: ConversationSearch,
    queue: SurveyQueue,
    now: datetime,
    time_left: Callable[[], float],
    page_size: int = DEFAULT_PAGE_SIZE,
) -> ScanReport:
    metric, rules = trigger.metric_definition, trigger.rules
    state = _load_or_start(trigger)
    window = scan_window(state.watermark, now, rules.quiet_period)
    report = ScanReport(metric=metric.key, since=window.since, until=window.until)
    state.last_scan_at = now
    if window.is_empty:
        report.complete = True
        save_scan_state(state)
        return report

    while True:
        if time_left() < SECONDS_NEEDED_PER_PAGE:
            report.stopped_because = "running out of time; the next scan resumes here"
            break
        query = due_conversations_query(state.watermark, window.until, rules)
        try:
            page = kustomer.search_conversations(query, int(state.tie_page), page_size)
        except KustomerUnavailableError as error:
            report.stopped_because = f"Kustomer unavailable: {error}"
            break
        report.pages += 1
        report.conversations_seen += len(page.conversations)
        for result, reason in page.unreadable:
            # Skipped with its reason, not fatal: the rest of the page is queued, the scan goes on.
            report.not_eligible[reason] += 1
            logger.warning("Search result skipped", extra={"result": result, "reason": reason})
        _queue_new_surveys(
            _survey_requests(metric, page.conversations, now, rules, report), queue, now, report
        )
        if not page.has_next or not (page.conversations or page.unreadable):
            state.watermark, state.tie_page = window.until, 1
            state.last_complete_at = now
            report.complete = True
            break
        # Never past the window: a result dated later (bad data) must not make every later scan
        # start beyond conversations not yet seen.
        newest = min(
            max((conversation.updated_at for conversation in page.conversations), default=None)
            or state.watermark,
            window.until,
        )
        if newest > state.watermark:
            # Restart from page 1 at the newest updatedAt seen: conversations leaving the result
            # set (updated meanwhile) cannot shift unseen ones past a page boundary.
            state.watermark, state.tie_page = newest, 1
        else:
            # A whole page shares the watermark's updatedAt: step through that tie by page.
            state.tie_page += 1
        save_scan_state(state)
    save_scan_state(state)
    report.lag_seconds = scan_lag(state.watermark, now, rules.quiet_period).total_seconds()
    return report
