"""Scheduled scan: queue a survey for every conversation that has become due, each active
program on its own watermark, and the reminder of every survey that has waited long enough for an
answer."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from surveys.bootstrap import kustomer_client, survey_queue
from surveys.observability import logger, metrics, tracer
from surveys.telemetry import record_reminder_sweep, record_scan
from surveys.usecases.reminders import queue_due_reminders
from surveys.usecases.scan import scan_programs
from surveys.usecases.triggers import active_triggers


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=EventBridgeModel)
def lambda_handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    kustomer = kustomer_client()
    kustomer.set_time_left(lambda: context.get_remaining_time_in_millis() / 1000)
    programs = active_triggers()
    reports, reminders = [], []
    for report in scan_programs(
        programs,
        kustomer=kustomer,
        queue=survey_queue(),
        now=event.time,
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    ):
        record_scan(report)
        logger.info("Scan finished", extra={"report": report.as_json()})
        reports.append(report.as_json())
    for trigger in programs:
        sweep = queue_due_reminders(
            trigger,
            queue=survey_queue(),
            now=event.time,
            time_left=lambda: context.get_remaining_time_in_millis() / 1000,
        )
        record_reminder_sweep(sweep)
        reminders.append(asdict(sweep))
    return {"reports": reports, "reminders": reminders}
