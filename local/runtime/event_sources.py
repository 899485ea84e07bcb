"""Event sources as AWS runs them: SQS batches and DynamoDB stream batches into functions, SNS
notifications and EventBridge rules invoking them asynchronously."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from local.runtime.aws import ACCOUNT_ID, REGION, MotoEndpoint
from local.runtime.events import dynamodb_stream_event, sns_event, sqs_event
from local.runtime.functions import LocalFunction


def _failed_ids(response: Any) -> list[str]:
    if not isinstance(response, dict):
        return []
    return [str(item["itemIdentifier"]) for item in response.get("batchItemFailures") or []]


@dataclass
class SqsSource:
    """Polls a queue into a function, deleting what succeeded and reporting partial failures.
    It reads and deletes with the function's role, as Lambda's event source mapping does.

    A failed message is made visible again at once instead of after the visibility timeout, so
    a local cycle sees retries now; the queue's redrive policy still moves it to the DLQ. That
    shortcut is the runtime's own, not Lambda's, so it is made with the admin's rights.
    """

    moto: MotoEndpoint
    function: LocalFunction
    queue_arn: str
    batch_size: int = 10

    def __post_init__(self) -> None:
        self._runtime_sqs = self.moto.client("sqs")
        self._sqs = self.moto.client("sqs", self.function.credentials)
        queue_name = self.queue_arn.rsplit(":", 1)[1]
        self._queue_url = self._runtime_sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]

    def drain(self, max_batches: int = 1000) -> tuple[int, int]:
        """Deliver until the queue is empty; returns (messages handled, failures reported)."""
        handled = failures = 0
        for _ in range(max_batches):
            messages = self._sqs.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=self.batch_size,
                AttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not messages:
                break
            try:
                failed = set(_failed_ids(self.function.invoke(sqs_event(messages, self.queue_arn))))
            except Exception:
                failed = {message["MessageId"] for message in messages}
            for message in messages:
                if message["MessageId"] in failed:
                    self._runtime_sqs.change_message_visibility(
                        QueueUrl=self._queue_url,
                        ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=0,
                    )
                else:
                    self._sqs.delete_message(
                        QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
            handled += len(messages) - len(failed)
            failures += len(failed)
        return handled, failures


@dataclass
class DynamoDBStreamSource:
    """Reads a table's stream in order, retrying from the first reported failure; after the
    retry limit the batch's description goes to the on-failure destination, as Lambda does.
    Reading the stream and sending to the destination take the function's role, as in Lambda."""

    moto: MotoEndpoint
    function: LocalFunction
    stream_arn: str
    batch_size: int
    maximum_retry_attempts: int
    on_failure_queue_arn: str | None
    event_names: frozenset[str] = frozenset({"INSERT", "MODIFY", "REMOVE"})
    _iterators: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._streams = self.moto.client("dynamodbstreams", self.function.credentials)
        self._sqs = self.moto.client("sqs", self.function.credentials)

    def _shard_iterators(self) -> dict[str, str]:
        shards = self._streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"][
            "Shards"
        ]
        for shard in shards:
            if shard["ShardId"] not in self._iterators:
                self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                    StreamArn=self.stream_arn,
                    ShardId=shard["ShardId"],
                    ShardIteratorType="TRIM_HORIZON",
                )["ShardIterator"]
        return self._iterators

    def _send_to_on_failure(self, batch: list[dict[str, Any]], reason: str) -> None:
        if not self.on_failure_queue_arn:
            return
        queue_name = self.on_failure_queue_arn.rsplit(":", 1)[1]
        # Lambda knows the queue from its ARN; the runtime looks its URL up as the admin.
        url = self.moto.client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"]
        first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]
        self._sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(
                {
                    "requestContext": {"condition": reason, "functionArn": self.function.arn},
                    "DDBStreamBatchInfo": {
                        "streamArn": self.stream_arn,
                        "startSequenceNumber": first["SequenceNumber"],
                        "endSequenceNumber": last["SequenceNumber"],
                        "batchSize": len(batch),
                    },
                }
            ),
        )

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        pending = batch
        for _ in range(self.maximum_retry_attempts + 1):
            try:
                failed = _failed_ids(
                    self.function.invoke(dynamodb_stream_event(pending, self.stream_arn))
                )
            except Exception:
                failed = [pending[0]["dynamodb"]["SequenceNumber"]]
            if not failed:
                return
            # Lambda checkpoints at the first reported failure and retries from there.
            first_failed = min(failed, key=int)
            pending = [
                r for r in pending if int(r["dynamodb"]["SequenceNumber"]) >= int(first_failed)
            ]
        self._send_to_on_failure(pending, "RetryAttemptsExhausted")

    def poll(self) -> int:
        """Deliver every record now in the stream; returns how many were read."""
        read = 0
        for shard_id, iterator in list(self._shard_iterators().items()):
            while iterator:
                response = self._streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
                records = response.get("Records", [])
                next_iterator = response.get("NextShardIterator")
                if records:
                    wanted = [r for r in records if r["eventName"] in self.event_names]
                    if wanted:
                        self._deliver(wanted)
                    read += len(records)
                if next_iterator:
                    self._iterators[shard_id] = next_iterator
                if not records:
                    break
                iterator = next_iterator
        return read


# Lambda retries a failed asynchronous invocation (SNS invokes that way) twice.
ASYNC_RETRY_ATTEMPTS = 2


def invoke_asynchronously(
    moto: MotoEndpoint,
    function: LocalFunction,
    event: dict[str, Any],
    dead_letter_queue_arn: str | None,
) -> bool:
    """What Lambda does with an asynchronous event (SNS, EventBridge): two retries, then the
    function's dead-letter queue, if it has one. False when the event did not get through."""
    for _ in range(ASYNC_RETRY_ATTEMPTS + 1):
        try:
            function.invoke(event)
        except Exception:
            logging.getLogger(__name__).exception(
                "%s failed on an asynchronous event", function.logical_id
            )
            continue
        return True
    if dead_letter_queue_arn:
        # Lambda sends to a function's dead-letter queue with the function's role.
        sqs = moto.client("sqs", function.credentials)
        queue_name = dead_letter_queue_arn.rsplit(":", 1)[1]
        url = moto.client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    return False


@dataclass
class SnsSubscription:
    """A topic's Lambda subscription. SNS invokes the function asynchronously, so Lambda retries
    a failed event twice and then sends it to the function's dead-letter queue, if it has one."""

    moto: MotoEndpoint
    function: LocalFunction
    topic_arn: str
    dead_letter_queue_arn: str | None

    def deliver(self, message: str, subject: str | None = None) -> bool:
        """Deliver one notification; False when it ended in the dead-letter queue (or, without
        one, was lost as Lambda would lose it)."""
        event = sns_event(self.topic_arn, message, subject)
        return invoke_asynchronously(self.moto, self.function, event, self.dead_letter_queue_arn)


def _capture_queue(moto: MotoEndpoint, name: str) -> tuple[str, str]:
    """A queue of the local runtime's own that an EventBridge rule targets: (url, arn)."""
    sqs = moto.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def _drain(moto: MotoEndpoint, url: str) -> list[dict[str, Any]]:
    sqs = moto.client("sqs")
    events: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            return events
        for message in messages:
            event = json.loads(message["Body"])
            # What EventBridge always sends, and moto's queue target may leave out.
            for name, value in (
                ("version", "0"),
                ("account", ACCOUNT_ID),
                ("region", REGION),
                ("resources", []),
            ):
                event.setdefault(name, value)
            event.pop("ingestion-time", None)
            events.append(event)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@dataclass
class EventBridgeRule:
    """A function's EventBridgeRule event: the rule exists in moto on the template's bus with
    the template's pattern, so moto matches events as EventBridge does; its target is a queue of
    ours, from which `deliver` invokes the function asynchronously."""

    moto: MotoEndpoint
    function: LocalFunction
    name: str
    bus_name: str
    pattern: dict[str, Any]
    dead_letter_queue_arn: str | None

    def __post_init__(self) -> None:
        self._queue_url, queue_arn = _capture_queue(self.moto, f"{self.name}-target")
        events = self.moto.client("events")
        events.put_rule(
            Name=self.name, EventBusName=self.bus_name, EventPattern=json.dumps(self.pattern)
        )
        events.put_targets(
            Rule=self.name,
            EventBusName=self.bus_name,
            Targets=[{"Id": self.function.logical_id, "Arn": queue_arn}],
        )

    def deliver(self) -> int:
        """Invoke the function with every event matched since; returns how many."""
        matched = _drain(self.moto, self._queue_url)
        for event in matched:
            invoke_asynchronously(self.moto, self.function, event, self.dead_letter_queue_arn)
        return len(matched)


@dataclass
class EventLog:
    """Every event put on a bus, as a catch-all rule of the runtime's own sees it: what the demo
    and the tests read to show and check the events."""

    moto: MotoEndpoint
    bus_name: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._queue_url, queue_arn = _capture_queue(self.moto, f"local-log-{self.bus_name}")
        events = self.moto.client("events")
        rule = f"local-log-{self.bus_name}"
        # Every event of this account: a pattern must match on something.
        events.put_rule(
            Name=rule,
            EventBusName=self.bus_name,
            EventPattern=json.dumps({"account": [ACCOUNT_ID]}),
        )
        events.put_targets(
            Rule=rule, EventBusName=self.bus_name, Targets=[{"Id": "log", "Arn": queue_arn}]
        )

    def read(self) -> list[dict[str, Any]]:
        self.events += _drain(self.moto, self._queue_url)
        return list(self.events)
