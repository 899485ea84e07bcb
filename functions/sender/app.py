"""Sends the queued surveys; a duplicate delivery of a message sends nothing."""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from surveys.adapters.clock import utcnow
from surveys.adapters.ses_reputation import CloudWatchReputation
from surveys.adapters.store.idempotency import SENDER_IDEMPOTENCY_KEY
from surveys.batch import ReportingBatchProcessor
from surveys.bootstrap import (
    address_hash_key,
    aws_client,
    branding,
    event_bus,
    kustomer_client,
    link_signing_keys,
    mailer,
    survey_queue,
)
from surveys.config import settings
from surveys.domain.survey_request import SurveyRequest
from surveys.observability import correlated, logger, metrics, tracer
from surveys.telemetry import record_send
from surveys.usecases.send_reminder import send_reminder
from surveys.usecases.send_survey import send_survey
from surveys.usecases.sending_guard import SendingGuard
from surveys.usecases.triggers import trigger_settings

processor = ReportingBatchProcessor(event_type=EventType.SQS)
# A survey waiting for its send window comes back as a new delivery with one more deferral; a
# reminder is a delivery of its own. An hour is enough for a duplicate delivery, and the record
# (which names the survey) goes: later duplicates find the survey sent or skipped.
idempotency = IdempotencyConfig(
    event_key_jmespath=SENDER_IDEMPOTENCY_KEY, expires_after_seconds=3600
)
# On the container's one session: Powertools would make a session of its own, which loads
# botocore's endpoint rules and the DynamoDB model a second time on every cold start.
persistence = DynamoDBPersistenceLayer(
    table_name=settings().need("idempotency_table"), boto3_client=aws_client("dynamodb")
)


@cache
def sending_guard() -> SendingGuard:
    """One per container, so its caches of the pause and of SES's reputation live as long."""
    return SendingGuard(
        CloudWatchReputation(aws_client("cloudwatch")),
        settings().reputation_limits(),
    )


@idempotent_function(
    data_keyword_argument="request", config=idempotency, persistence_store=persistence
)
def send_once(request: SurveyRequest) -> dict[str, Any]:
    trigger = trigger_settings(request.program_name)
    common: dict[str, Any] = {
        "customers": kustomer_client(),
        "mailer": mailer(),
        "later": survey_queue(),
        "guard": sending_guard(),
        "branding": branding(),
        "link_keys": link_signing_keys(),
        "address_hash_key": address_hash_key(),
        "now": utcnow(),
    }
    if request.kind == "reminder":
        outcome = send_reminder(request, trigger, events=event_bus(), **common)
    else:
        outcome = send_survey(request, trigger, **common)
    record_send(outcome, request.metric)
    return asdict(outcome)


def handle_record(record: SQSRecord) -> dict[str, Any]:
    request = SurveyRequest.from_json(record.body)
    with correlated(request.survey_id, request.conversation_id):
        return send_once(request=request)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    idempotency.register_lambda_context(context)
    kustomer_client().set_time_left(lambda: context.get_remaining_time_in_millis() / 1000)
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
