"""What a cycle tells CloudWatch, read from the EMF documents and log lines the handlers print."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from local import recipient
from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime, RuntimeOptions
from surveys import bootstrap
from surveys.observability import logger
from tests.conftest import SIMULATOR_KEY, TEST_PARAMETERS
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


@contextmanager
def runtime_logging_to(
    simulator: KustomerSimulator, stream: io.StringIO, log_level: str
) -> Iterator[LocalRuntime]:
    """A runtime whose functions log into `stream` at the template's `LogLevel`."""
    local = LocalRuntime(
        RuntimeOptions(
            kustomer_api_key=SIMULATOR_KEY,
            parameters={
                **TEST_PARAMETERS,
                "KustomerOrgUrl": simulator.base_url,
                "BackfillHours": "720",
                "LogLevel": log_level,
            },
            function_logs=stream,
        )
    ).start()
    local.set_trigger("ces")
    try:
        yield local
    finally:
        local.stop()


def test_a_cycles_log_lines_carry_survey_ids_and_never_a_whole_customer_address(
    simulator: KustomerSimulator,
) -> None:
    conversation = add_due_conversation(simulator, NOW, emails=("maria.lopez@example.org",))
    logs = io.StringIO()

    with runtime_logging_to(simulator, logs, "INFO") as runtime:
        runtime.scan(NOW)
        runtime.deliver()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(logs)
    logger.warning("after the cycle")
    handler.setStream(previous)

    output = logs.getvalue()
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


def test_every_function_logs_at_the_templates_log_level(simulator: KustomerSimulator) -> None:
    add_due_conversation(simulator, NOW)
    logs = io.StringIO()

    with runtime_logging_to(simulator, logs, "WARNING") as runtime:
        runtime.scan(NOW)
        runtime.deliver()
        (email,) = runtime.sent_emails()
        assert recipient.answer(email.rating_links()[6], 6).status_code == 200
        runtime.write_back()

    assert logs.getvalue() == ""
