"""Mails every negative answer: a rule on the survey event bus invokes it for each one."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from surveys.bootstrap import alert_topic
from surveys.observability import correlated, logger, tracer
from surveys.usecases.alerts import alert_negative_answer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=EventBridgeModel)
def lambda_handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    detail = dict(event.detail) if isinstance(event.detail, dict) else {}
    with correlated(str(detail.get("survey")), str(detail.get("conversation"))):
        return asdict(alert_negative_answer(detail, notifier=alert_topic()))
