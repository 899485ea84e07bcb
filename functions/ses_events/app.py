"""SES bounces and complaints, delivered by SNS: suppress the address for every future survey."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import SnsModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from surveys.adapters.clock import utcnow
from surveys.bootstrap import event_bus
from surveys.observability import logger, tracer
from surveys.usecases.delivery_feedback import record_delivery_feedback


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=SnsModel)
def lambda_handler(event: SnsModel, context: LambdaContext) -> dict[str, Any]:
    outcomes = [
        asdict(record_delivery_feedback(str(record.Sns.Message), utcnow(), event_bus()))
        for record in event.Records
    ]
    return {"outcomes": outcomes}
