"""Powertools batch processing that also tells operators which record failed and why."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, FailureResponse
from aws_lambda_powertools.utilities.batch.exceptions import ExceptionInfo

from surveys.adapters.kustomer.errors import KustomerBusyError
from surveys.observability import MetricName, logger, metrics


class ReportingBatchProcessor(BatchProcessor):
    """Powertools reports a failed record back to Lambda for retry but does not log it; an
    operator needs the exception and the record's id to act."""

    def failure_handler(self, record: Any, exception: ExceptionInfo) -> FailureResponse:
        record_id = getattr(record, "message_id", None) or getattr(
            getattr(record, "dynamodb", None), "sequence_number", None
        )
        if isinstance(exception[1], KustomerBusyError):
            # Not a failure: Kustomer's rate-limit window is spent, and the record is handed
            # back to wait for the next one.
            logger.info(
                "Record waits for Kustomer's rate limit; it will be retried",
                extra={"record_id": record_id, "retry_after": exception[1].retry_after},
            )
            return super().failure_handler(record, exception)
        logger.error(
            "Record failed; it will be retried",
            exc_info=exception[1],
            extra={"record_id": record_id},
        )
        metrics.add_metric(MetricName.RECORDS_FAILED, MetricUnit.Count, 1)
        return super().failure_handler(record, exception)
