"""The SNS topic negative answers are mailed through (AlertEmail subscribes an address)."""

from __future__ import annotations

from typing import Any

# SNS takes a subject of up to 100 printable ASCII characters, for email subscriptions.
SUBJECT_LIMIT = 100


class SnsAlertTopic:
    def __init__(self, sns_client: Any, topic_arn: str) -> None:
        self._sns = sns_client
        self._topic_arn = topic_arn

    def notify(self, subject: str, message: str) -> str:
        ascii_subject = subject.encode("ascii", "replace").decode("ascii")[:SUBJECT_LIMIT]
        response = self._sns.publish(
            TopicArn=self._topic_arn, Subject=ascii_subject, Message=message
        )
        return str(response["MessageId"])
