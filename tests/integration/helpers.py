"""Small builders shared by the integration tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime


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
