"""What a cycle tells CloudWatch, read from the EMF documents and log lines the handlers print."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from local import recipient
from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime
from surveys import bootstrap
from surveys.observability import logger
from tests.integration.helpers import add_due_conversation

NOW = datetime.now(UTC).replace(microsecond=0)


def _documents(output: str) -> list[dict[str, Any]]:
    lines = (line for line in output.splitlines() if line.startswith("{"))
    return [document for document in map(json.loads, lines) if "_aws" in document]


def _published(documents: list[dict[str, Any]], name: str, **dimensions: str) -> list[float]:
    values: list[float] = []
    for document in documents:
        if name in document and all(
            document.get(key) == value for key, value in dimensions.items()
        ):
            value = document[name]
            values += value if isinstance(value, list) else [value]
    return values


@pytest.fixture
def publishing_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    """EMF output on, as in Lambda; the local runtime turns it off to keep its console readable."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")


def test_a_cycle_publishes_the_funnel_per_survey_metric(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    publishing_metrics: None,
    capfd: pytest.CaptureFixture[str],
) -> None:
    for address in ("ana@example.org", "ben@example.org"):
        add_due_conversation(simulator, NOW, emails=(address,))
    add_due_conversation(simulator, NOW, emails=())
    simulator.faults.throttle_next = 1
    # The 429 says to wait for the window's reset, up to a minute; this test counts, not waits.
    bootstrap.configure_kustomer_client(sleep=lambda seconds: None)
    try:
        results = runtime.scan(NOW)
        runtime.deliver()
    finally:
        bootstrap.configure_kustomer_client()

    documents = _documents(capfd.readouterr().out)
    # What the scanner returns must survive Lambda's JSON encoding, or the run counts as failed.
    assert json.loads(json.dumps(results))[0]["reports"][0]["queued"] == 3
    ces = {"survey_metric": "ces"}
    assert _published(documents, "ConversationsScanned", service="scanner", **ces) == [3]
    assert _published(documents, "SurveysQueued", service="scanner", **ces) == [3]
    assert _published(documents, "ScanLag", service="scanner", **ces) == [0]
    assert sum(_published(documents, "SurveysSent", service="sender", **ces)) == 2
    assert _published(
        documents, "SurveysSkipped", service="sender", reason="no_email_address", **ces
    ) == [1]
    assert sum(_published(documents, "KustomerThrottled")) == 1
    assert all(
        document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "KustomerSurveys/local"
        for document in documents
    )


def test_answers_publish_ratings_scores_changes_and_suspect_votes(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    publishing_metrics: None,
    capfd: pytest.CaptureFixture[str],
) -> None:
    add_due_conversation(simulator, NOW)
    runtime.scan(NOW)
    runtime.deliver()
    (email,) = runtime.sent_emails()
    links = email.rating_links()
    capfd.readouterr()

    assert recipient.answer(links[6], 6).status_code == 200
    assert recipient.answer(links[2], 2).status_code == 200  # a change of mind
    assert recipient.answer(links[2], 2).status_code == 200  # the same answer again
    requests.post(recipient.form_url(links[7]), data={"score": "7"}, timeout=10)  # no browser
    runtime.write_back()

    documents = _documents(capfd.readouterr().out)
    ces = {"service": "rating_webhook", "survey_metric": "ces"}
    assert _published(documents, "RatingsRecorded", sentiment="positive", **ces) == [1]
    assert _published(documents, "RatingScore", **ces) == [6]
    assert _published(documents, "RatingsChanged", **ces) == [1]
    assert _published(documents, "SuspectVotesDropped", **ces) == [1]
    assert _published(documents, "WritebacksDone", service="writeback", survey_metric="ces")


@pytest.fixture
def info_logs() -> Iterator[io.StringIO]:
    """What the shared logger writes, at INFO as LogLevel=INFO deploys it (tests use WARNING)."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    level, stream = logger.log_level, io.StringIO()
    logger.setLevel("INFO")
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)
    logger.setLevel(level)


def test_a_cycles_log_lines_carry_survey_ids_and_never_a_whole_customer_address(
    runtime: LocalRuntime, simulator: KustomerSimulator, info_logs: io.StringIO
) -> None:
    conversation = add_due_conversation(simulator, NOW, emails=("maria.lopez@example.org",))

    runtime.scan(NOW)
    runtime.deliver()
    logger.info("after the cycle")

    output = info_logs.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    sent = next(line for line in lines if line["message"] == "Survey email accepted by SES")
    assert sent["survey_id"] == f"ces-{conversation}"
    assert sent["conversation_id"] == conversation
    assert sent["recipient"] == "m***@example.org"
    assert "maria.lopez@example.org" not in output
    # Nothing of the last invocation sticks to what is logged after it.
    after = lines[-1]
    assert after["message"] == "after the cycle"
    assert not {"survey_id", "conversation_id", "function_request_id"} & set(after)
