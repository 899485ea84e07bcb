"""The sender's pause: its state in the state table, SES's reputation from CloudWatch, and the
limits template.yaml sets (PauseAtBounceRate, PauseAtComplaintRate, in percent)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from surveys.adapters.store import _region, _TableNameFromEnvironment, is_condition_failure
from surveys.config import ConfigurationError
from surveys.domain.reputation import Reputation, ReputationLimits

SENDING_STATE_KEY = "sending#state"
# SES publishes Reputation.BounceRate and Reputation.ComplaintRate in AWS/SES without
# dimensions for the whole account; it publishes nothing until a first bounce or complaint.
SES_NAMESPACE = "AWS/SES"
BOUNCE_RATE_METRIC = "Reputation.BounceRate"
COMPLAINT_RATE_METRIC = "Reputation.ComplaintRate"
# SES updates the rates as the email it counts changes, not on a fixed clock: the latest value
# of the last day is the rate now.
REPUTATION_LOOKBACK = timedelta(hours=24)


class SendingStateItem(Model):
    """Whether the sender is paused, why, and what an admin accepted when resuming it."""

    class Meta:
        table_name = _TableNameFromEnvironment("STATE_TABLE")
        region = _region()

    key = UnicodeAttribute(hash_key=True)
    paused_at = UTCDateTimeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    resumed_at = UTCDateTimeAttribute(null=True)
    # The rates when an admin resumed despite them: they pause the sender again only once a
    # rate rises above them.
    tolerated_bounce_rate = NumberAttribute(null=True)
    tolerated_complaint_rate = NumberAttribute(null=True)

    @property
    def tolerated(self) -> Reputation | None:
        if self.tolerated_bounce_rate is None and self.tolerated_complaint_rate is None:
            return None
        return Reputation(self.tolerated_bounce_rate, self.tolerated_complaint_rate)


def find_sending_state() -> SendingStateItem | None:
    try:
        return SendingStateItem.get(SENDING_STATE_KEY, consistent_read=True)
    except DoesNotExist:
        return None


def record_pause(reason: str, now: datetime) -> SendingStateItem:
    """Pause the sender; when another sender paused it first, its pause (and reason) stands."""
    item = SendingStateItem(SENDING_STATE_KEY, paused_at=now, reason=reason)
    try:
        item.save(condition=SendingStateItem.paused_at.does_not_exist())
    except PutError as error:
        if not is_condition_failure(error):
            raise
        return find_sending_state() or item
    return item


def record_resume(now: datetime, tolerated: Reputation | None) -> SendingStateItem:
    item = SendingStateItem(
        SENDING_STATE_KEY,
        resumed_at=now,
        tolerated_bounce_rate=tolerated.bounce_rate if tolerated else None,
        tolerated_complaint_rate=tolerated.complaint_rate if tolerated else None,
    )
    item.save()
    return item


def _percent_setting(name: str) -> float:
    text = os.environ.get(name, "")
    try:
        value = float(text)
    except ValueError:
        raise ConfigurationError(f"{name} must be a percentage, not {text!r}") from None
    if not 0 < value < 100:
        raise ConfigurationError(f"{name} must be between 0 and 100, not {value}")
    return value / 100


def reputation_limits() -> ReputationLimits:
    """The limits the sender's environment gives (PAUSE_AT_BOUNCE_RATE and
    PAUSE_AT_COMPLAINT_RATE, in percent, from the template's parameters)."""
    return ReputationLimits(
        bounce_rate=_percent_setting("PAUSE_AT_BOUNCE_RATE"),
        complaint_rate=_percent_setting("PAUSE_AT_COMPLAINT_RATE"),
    )


class CloudWatchReputation:
    """SES's own reputation data for the account, as SES publishes it to CloudWatch."""

    def __init__(self, cloudwatch_client: Any) -> None:
        self._cloudwatch = cloudwatch_client

    def current(self, now: datetime) -> Reputation:
        """Both rates in one GetMetricData call: the latest value of each."""
        response = self._cloudwatch.get_metric_data(
            MetricDataQueries=[
                {
                    "Id": query_id,
                    "MetricStat": {
                        "Metric": {"Namespace": SES_NAMESPACE, "MetricName": metric},
                        "Period": 300,
                        "Stat": "Maximum",
                    },
                }
                for query_id, metric in (
                    ("bounce", BOUNCE_RATE_METRIC),
                    ("complaint", COMPLAINT_RATE_METRIC),
                )
            ],
            StartTime=now - REPUTATION_LOOKBACK,
            EndTime=now,
            ScanBy="TimestampDescending",
        )
        latest: dict[str, tuple[float, datetime]] = {}
        for result in response["MetricDataResults"]:
            points = sorted(zip(result["Timestamps"], result["Values"], strict=True), reverse=True)
            if points:
                latest[result["Id"]] = (float(points[0][1]), points[0][0])
        bounce, complaint = latest.get("bounce"), latest.get("complaint")
        measured = [point[1] for point in (bounce, complaint) if point]
        return Reputation(
            bounce_rate=bounce[0] if bounce else None,
            complaint_rate=complaint[0] if complaint else None,
            measured_at=max(measured) if measured else None,
        )
