"""SES's reputation for the account, as SES publishes it to CloudWatch: what the sender's
pause reads (surveys/usecases/sending_guard.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from surveys.domain.reputation import Reputation

# SES publishes Reputation.BounceRate and Reputation.ComplaintRate in AWS/SES without
# dimensions for the whole account; it publishes nothing until a first bounce or complaint.
SES_NAMESPACE = "AWS/SES"
BOUNCE_RATE_METRIC = "Reputation.BounceRate"
COMPLAINT_RATE_METRIC = "Reputation.ComplaintRate"
# SES updates the rates as the email it counts changes, not on a fixed clock: the latest value
# of the last day is the rate now.
REPUTATION_LOOKBACK = timedelta(hours=24)


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
