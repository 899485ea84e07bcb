"""An SQS queue read whole: a dead-letter queue as the redrive command empties it, or any of the
survey queues as forget and export search them for a person's messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SQS_BATCH_LIMIT = 10
# Long polling asks every SQS server, so an empty answer means the queue is empty; short
# polling may answer empty while a few messages remain.
RECEIVE_WAIT_SECONDS = 1


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    body: str
    receipt_handle: str


def _batches(letters: Sequence[DeadLetter]) -> list[Sequence[DeadLetter]]:
    return [letters[i : i + SQS_BATCH_LIMIT] for i in range(0, len(letters), SQS_BATCH_LIMIT)]


class SqsDeadLetterQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._queue_url = queue_url

    def take(self, hide_for_seconds: int) -> list[DeadLetter]:
        """Up to a batch of the messages now in the queue, hidden from other readers for
        `hide_for_seconds`; none when the queue is empty."""
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=SQS_BATCH_LIMIT,
            WaitTimeSeconds=RECEIVE_WAIT_SECONDS,
            VisibilityTimeout=hide_for_seconds,
        ).get("Messages", [])
        return [
            DeadLetter(message["MessageId"], message["Body"], message["ReceiptHandle"])
            for message in messages
        ]

    def take_all(self, hide_for_seconds: int) -> list[DeadLetter]:
        """Every message now in the queue, hidden from other readers for `hide_for_seconds`."""
        taken: list[DeadLetter] = []
        while batch := self.take(hide_for_seconds):
            taken += batch
        return taken

    def waiting(self) -> int:
        """How many messages wait to be taken (SQS's approximate count)."""
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self._queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0))

    def not_visible(self) -> int:
        """Messages no reader sees now: delayed, or being handled."""
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self._queue_url,
            AttributeNames=[
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())

    def delete(self, letters: Sequence[DeadLetter]) -> None:
        for batch in _batches(letters):
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": letter.receipt_handle}
                    for index, letter in enumerate(batch)
                ],
            )

    def release(self, letters: Sequence[DeadLetter]) -> None:
        """Make taken messages visible again, for the next redrive."""
        for batch in _batches(letters):
            self._sqs.change_message_visibility_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {
                        "Id": str(index),
                        "ReceiptHandle": letter.receipt_handle,
                        "VisibilityTimeout": 0,
                    }
                    for index, letter in enumerate(batch)
                ],
            )

    def move_to(self, queue_url: str, letters: Sequence[DeadLetter]) -> int:
        """Send the messages to `queue_url` and delete those SQS accepted; returns how many
        moved. A message is deleted only once sent, so a failure leaves it here, never lost."""
        moved = 0
        for batch in _batches(letters):
            response = self._sqs.send_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(index), "MessageBody": letter.body}
                    for index, letter in enumerate(batch)
                ],
            )
            sent = [batch[int(entry["Id"])] for entry in response.get("Successful", [])]
            self.delete(sent)
            moved += len(sent)
        return moved
