"""Writes each new or changed rating back into Kustomer as a note and custom attributes."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.batch import EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from surveys.adapters.clock import utcnow
from surveys.batch import ReportingBatchProcessor
from surveys.bootstrap import event_bus, kustomer_client
from surveys.observability import correlated, logger, metrics, tracer
from surveys.telemetry import record_writeback
from surveys.usecases.write_back import write_back_rating

processor = ReportingBatchProcessor(event_type=EventType.DynamoDBStreams)


def handle_record(record: DynamoDBRecord, lambda_context: LambdaContext) -> dict[str, Any]:
    """A record only says which survey to write back: the use case reads the rating's versions
    from the table, so replayed and out-of-order records do no harm."""
    if record.event_name is DynamoDBRecordEventName.REMOVE or record.dynamodb is None:
        return {"result": "ignored"}
    survey_id = str(record.dynamodb.keys["survey_id"])
    with correlated(survey_id):
        outcome = write_back_rating(
            survey_id,
            kustomer=kustomer_client(),
            events=event_bus(),
            now=utcnow(),
            lease=timedelta(milliseconds=lambda_context.get_remaining_time_in_millis()),
        )
    record_writeback(outcome)
    return asdict(outcome)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    kustomer_client().set_time_left(lambda: context.get_remaining_time_in_millis() / 1000)
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
