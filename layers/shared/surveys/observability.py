"""One Logger, Tracer and Metrics for the whole layer; service names come from the environment."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from surveys.config import settings

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

Handler = TypeVar("Handler", bound=Callable[..., Any])

_EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def mask_email(address: str) -> str:
    """Keep enough of an address to tell two apart in logs, never the whole of it."""
    local, at, domain = address.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_emails(text: str) -> str:
    """Every email address in `text` masked, for error messages that may name one."""
    return _EMAIL_ADDRESS.sub(lambda match: mask_email(match.group(0)), text)


class EmailMaskingFormatter(LambdaPowertoolsFormatter):
    """Masks every email address in a log line. Code masks the addresses it logs on purpose, but
    others arrive inside error messages (SES names a recipient it rejects, Kustomer may echo a
    customer's), and a customer's address must never reach the logs whole."""

    def serialize(self, log: Any) -> str:
        return mask_emails(super().serialize(log))


class MetricName(StrEnum):
    """Every metric the functions publish (namespace KustomerSurveys/<stack>), as the dashboard
    and the alarms in template.yaml read them."""

    CONVERSATIONS_SCANNED = "ConversationsScanned"
    SURVEYS_QUEUED = "SurveysQueued"
    SCAN_LAG = "ScanLag"
    SURVEYS_SENT = "SurveysSent"
    SURVEYS_SKIPPED = "SurveysSkipped"
    SURVEYS_SUPPRESSED = "SurveysSuppressed"
    SURVEYS_DEFERRED = "SurveysDeferred"
    REMINDERS_QUEUED = "RemindersQueued"
    REMINDERS_SENT = "RemindersSent"
    REMINDERS_NOT_SENT = "RemindersNotSent"
    # One per survey put back on the queue because the sender is paused for its reputation.
    SENDING_PAUSED = "SendingPaused"
    RATINGS_RECORDED = "RatingsRecorded"
    RATINGS_CHANGED = "RatingsChanged"
    RATING_SCORE = "RatingScore"
    SUSPECT_VOTES_DROPPED = "SuspectVotesDropped"
    WRITEBACKS_DONE = "WritebacksDone"
    WRITEBACKS_NOT_WRITABLE = "WritebacksNotWritable"
    WRITEBACKS_RECONCILED = "WritebacksReconciled"
    WRITEBACKS_STILL_FAILING = "WritebacksStillFailing"
    RECORDS_FAILED = "RecordsFailed"
    KUSTOMER_THROTTLED = "KustomerThrottled"
    # A call that stopped because waiting for the rate limit's next window would overrun the
    # time left: the work resumes later, nothing failed.
    KUSTOMER_PACED = "KustomerPaced"
    KUSTOMER_ERRORS = "KustomerErrors"
    KUSTOMER_AUTH_FAILURES = "KustomerAuthFailures"


class SurveyMetrics:
    """EMF metrics whose dimensions change within one invocation, published when it ends.

    A scan covers every active trigger and a sender batch mixes metrics, so a count such as
    SurveysSent carries its own survey_metric (and reason). An EMF document has one set of
    dimensions, so each set gets its own Powertools EphemeralMetrics, made when its first value
    comes: it reads the function's namespace and service name then, not at import."""

    def __init__(self) -> None:
        self._by_dimensions: dict[tuple[tuple[str, str], ...], EphemeralMetrics] = {}

    def add_metric(self, name: str, unit: MetricUnit, value: float, **dimensions: str) -> None:
        key = tuple(sorted(dimensions.items()))
        emf = self._by_dimensions.get(key)
        if emf is None:
            emf = self._by_dimensions[key] = EphemeralMetrics()
            for dimension, dimension_value in key:
                emf.add_dimension(name=dimension, value=dimension_value)
        emf.add_metric(name=name, unit=unit, value=value)

    def flush_metrics(self) -> None:
        published, self._by_dimensions = self._by_dimensions, {}
        for emf in published.values():
            emf.flush_metrics()

    def log_metrics(self, handler: Handler) -> Handler:
        """Publish what the handler added when it returns or fails."""

        @functools.wraps(handler)
        def publishing(*args: Any, **kwargs: Any) -> Any:
            try:
                return handler(*args, **kwargs)
            finally:
                self.flush_metrics()

        return cast(Handler, publishing)


def traced_libraries() -> tuple[str, ...]:
    """What the X-Ray SDK patches so each call is a subsegment: the AWS SDK everywhere, requests
    only in a function that calls Kustomer (the template gives those alone the key's secret).
    The SDK's default, every library it supports, imports requests to patch it: about 40 ms of
    the rating webhook's first answer, for a library it never uses."""
    libraries = ("botocore", "pynamodb")
    return (*libraries, "requests") if settings().kustomer_api_key_secret else libraries


class LazyTracer:
    """Powertools' Tracer, made when a function first traces something rather than at import.

    Making it imports the X-Ray SDK and patches boto3 (and requests), which costs about as much as
    importing boto3 (the SDK builds a botocore client for its sampling rules): a cold start
    should not pay that before it can answer. Every function is traced by Lambda itself
    (`Tracing: Active`); what the SDK adds, subsegments for each AWS and Kustomer call and the
    survey annotations, starts with the first invocation of a function whose handler is
    captured, and with the first survey annotated in the rating webhook, whose pages do
    without it."""

    def __init__(self) -> None:
        self._tracer: Tracer | None = None

    def _loaded(self) -> Tracer:
        if self._tracer is None:
            from aws_lambda_powertools import Tracer

            self._tracer = Tracer(patch_modules=traced_libraries())
        return self._tracer

    def capture_lambda_handler(self, handler: Handler) -> Handler:
        captured: list[Callable[..., Any]] = []

        @functools.wraps(handler)
        def traced(event: Any, context: Any) -> Any:
            if not captured:
                captured.append(self._loaded().capture_lambda_handler(handler))
            return captured[0](event, context)

        return cast(Handler, traced)

    @contextmanager
    def in_subsegment(self, name: str) -> Iterator[Any]:
        with self._loaded().provider.in_subsegment(name) as subsegment:
            yield subsegment


logger = Logger(logger_formatter=EmailMaskingFormatter())
tracer = LazyTracer()
metrics = SurveyMetrics()


@contextmanager
def correlated(survey_id: str, conversation_id: str | None = None) -> Iterator[None]:
    """Tag the work on one survey: its log lines carry the survey and conversation ids, and its
    X-Ray subsegment is annotated with them, so `annotation.survey_id = "ces-..."` finds the
    sender, rating and writeback traces of one survey. The keys go when the work is done: the
    next record of a batch, or locally the next function, must not inherit them."""
    keys = {"survey_id": survey_id}
    if conversation_id:
        keys["conversation_id"] = conversation_id
    with (
        logger.append_context_keys(**keys),
        tracer.in_subsegment("## survey") as subsegment,
    ):
        for name, value in keys.items():
            subsegment.put_annotation(name, value)
        yield
