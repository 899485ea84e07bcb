"""Scheduled reconcile: finish every rating writeback the ratings stream could not."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from surveys.bootstrap import event_bus, kustomer_client
from surveys.config import settings
from surveys.observability import logger, metrics, tracer
from surveys.telemetry import record_reconcile
from surveys.usecases.reconcile import reconcile_writebacks


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=EventBridgeModel)
def lambda_handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    def time_left() -> float:
        return context.get_remaining_time_in_millis() / 1000

    kustomer = kustomer_client()
    kustomer.set_time_left(time_left)
    report = reconcile_writebacks(
        kustomer=kustomer,
        events=event_bus(),
        now=event.time,
        grace=settings().reconcile_grace,
        time_left=time_left,
    )
    record_reconcile(report)
    logger.info("Reconcile finished", extra={"report": asdict(report)})
    return asdict(report)
