"""The SQS survey queue, fed in batches of ten."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from surveys.domain.survey_request import SurveyRequest

SQS_BATCH_LIMIT = 10
# SQS delays a message by at most 15 minutes; longer waits are several deferrals.
SQS_MAX_DELAY_SECONDS = 900


class QueueSendError(RuntimeError):
    pass


class SqsSurveyQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._queue_url = queue_url

    def send(self, requests: Sequence[SurveyRequest]) -> None:
        for start in range(0, len(requests), SQS_BATCH_LIMIT):
            batch = {
                str(index): request
                for index, request in enumerate(requests[start : start + SQS_BATCH_LIMIT])
            }
            self._send_batch(batch)

    def send_later(self, request: SurveyRequest, delay_seconds: float) -> None:
        self._sqs.send_message(
            QueueUrl=self._queue_url,
            MessageBody=request.to_json(),
            DelaySeconds=max(0, min(SQS_MAX_DELAY_SECONDS, int(delay_seconds))),
        )

    def _send_batch(self, batch: dict[str, SurveyRequest]) -> None:
        pending = batch
        # A failed entry is usually a passing SQS hiccup: one more try, then the scan stops and
        # the conversation is found again by the next scan (its survey is not recorded yet).
        for _ in range(2):
            response = self._sqs.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": entry_id, "MessageBody": request.to_json()}
                    for entry_id, request in pending.items()
                ],
            )
            failed = {entry["Id"] for entry in response.get("Failed", [])}
            pending = {entry_id: pending[entry_id] for entry_id in failed}
            if not pending:
                return
        names = ", ".join(request.survey_id for request in pending.values())
        raise QueueSendError(f"SQS refused survey requests: {names}")
