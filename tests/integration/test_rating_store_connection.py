"""Recording a rating reuses the container's DynamoDB connection.

The rating and its survey's writeback mark are saved in one transaction. A new PynamoDB
Connection per transaction built a new botocore client every time: about 0.1 s of CPU on each
answer, paid by the recipient waiting for the thank-you page and by the Lambda bill
(bench.cpu_per_survey measured 178 ms a click with it, 65 ms without).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from botocore.session import Session

from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime
from tests.integration.helpers import add_due_conversation

BROWSER_HEADERS = {
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-User": "?1",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)",
}


def test_answers_after_the_first_build_no_new_dynamodb_client(
    simulator: KustomerSimulator, runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        add_due_conversation(simulator, datetime.now(UTC))
    runtime.scan()
    runtime.deliver()
    forms = [email.rating_links()[5].split("?", 1)[0] for email in runtime.sent_emails()]
    assert len(forms) == 3

    def answer(form: str) -> None:
        response = requests.post(form, data={"score": "5"}, headers=BROWSER_HEADERS, timeout=10)
        assert response.status_code == 200, response.text[-300:]

    answer(forms[0])
    created: list[str] = []
    create_client = Session.create_client

    def counting_create_client(self: Session, service_name: str, *args: Any, **kwargs: Any) -> Any:
        created.append(service_name)
        return create_client(self, service_name, *args, **kwargs)

    monkeypatch.setattr(Session, "create_client", counting_create_client)
    answer(forms[1])
    answer(forms[2])

    assert "dynamodb" not in created
    ratings = {item["survey_id"] for item in runtime.table_items("RatingsTable")}
    assert len(ratings) == 3
