"""Small builders shared by the integration tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from moto.backends import get_backend

from local.kustomer_sim import KustomerSimulator
from local.runtime.aws import ACCOUNT_ID, REGION
from local.runtime.runtime import LocalRuntime, SentEmail


def add_due_conversation(
    simulator: KustomerSimulator,
    now: datetime,
    *,
    quiet_hours: float = 60,
    emails: tuple[str, ...] = ("jane.doe@example.com",),
    **conversation: Any,
) -> str:
    customer = simulator.add_customer(name="Jane Doe", emails=emails)
    return simulator.add_conversation(
        customer, updated_at=now - timedelta(hours=quiet_hours), **conversation
    )


def surveys_by_id(runtime: LocalRuntime) -> dict[str, dict[str, Any]]:
    return {item["survey_id"]: item for item in runtime.table_items("SurveysTable")}


def queued_reports(scan_results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [report for result in scan_results for report in result["reports"]]


def total_queued(scan_results: list[dict[str, Any]]) -> int:
    return sum(int(report["queued"]) for report in queued_reports(scan_results))


def search_requests(simulator: KustomerSimulator) -> int:
    return sum(1 for method, path, _ in simulator.request_log if path == "/v1/customers/search")


LOCALES = {"en": "en-us", "de": "de-at", "fr": "fr-fr", "es": "es-es", "sk": "sk-sk"}


def send_every_kind_of_survey(
    runtime: LocalRuntime, simulator: KustomerSimulator, now: datetime
) -> dict[tuple[str, str], SentEmail]:
    """One survey email per metric and language, sent by the sender through moto's SES: one
    customer per language, whose conversation every metric's trigger surveys."""
    for metric in ("ces", "csat", "nps"):
        runtime.set_trigger(metric, fatigue_days=0, now=now)
    for index, (language, locale) in enumerate(LOCALES.items()):
        customer = simulator.add_customer(
            f"Jane Doe {language}", emails=[f"jane.{language}@example.com"], locale=locale
        )
        simulator.add_conversation(customer, updated_at=now - timedelta(hours=60, minutes=index))
    runtime.scan(now)
    runtime.deliver()
    return {
        (sent.survey_id.split("-", 1)[0], str(sent.message["Content-Language"])): sent
        for sent in runtime.sent_emails()
    }


def publish_ses_reputation(
    runtime: LocalRuntime, at: datetime, bounce: float | None = None, complaint: float | None = None
) -> None:
    """What SES does for the account: the rates as fractions in AWS/SES, without dimensions."""
    data = [
        {"MetricName": name, "Value": value, "Timestamp": at}
        for name, value in (
            ("Reputation.BounceRate", bounce),
            ("Reputation.ComplaintRate", complaint),
        )
        if value is not None
    ]
    runtime.moto.client("cloudwatch").put_metric_data(Namespace="AWS/SES", MetricData=data)


def let_queue_delays_pass(runtime: LocalRuntime) -> None:
    """The 15 minutes a waiting survey is delayed on the queue, passed at once."""
    for queue in get_backend("sqs")[ACCOUNT_ID][REGION].queues.values():
        for message in queue._messages:
            message.delayed_until = 0
