"""What operators read in CloudWatch: masked addresses, ids on every line, one metric per survey
metric."""

import io
import json
import logging

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit

from surveys import observability
from surveys.observability import EmailMaskingFormatter, SurveyMetrics, correlated, mask_email


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _logger_writing_to(stream: io.StringIO, service: str) -> Logger:
    # Powertools configures a logger of a given service name once: one name per test.
    return Logger(
        service=service,
        logger_formatter=EmailMaskingFormatter(),
        logger_handler=logging.StreamHandler(stream),
    )


def test_every_address_in_a_log_line_is_masked_wherever_it_appears():
    stream = io.StringIO()
    log = _logger_writing_to(stream, "masking")

    log.warning(
        "SES rejected the email: Email address is not verified: jane.doe@example.com",
        extra={"recipient": "John.Smith+vip@mail.example.co.uk"},
    )

    line = stream.getvalue()
    assert "jane.doe@example.com" not in line
    assert "John.Smith+vip@mail.example.co.uk" not in line
    entry = _lines(stream)[0]
    assert entry["message"].endswith("j***@example.com")
    assert entry["recipient"] == "J***@mail.example.co.uk"
    assert entry["service"] == "masking"


def test_masking_an_address_twice_changes_nothing():
    assert mask_email(mask_email("jane@example.com")) == "j***@example.com"


def test_correlation_ids_are_on_the_lines_inside_the_block_and_gone_after_it(monkeypatch):
    stream = io.StringIO()
    log = _logger_writing_to(stream, "correlation")
    monkeypatch.setattr(observability, "logger", log)

    with correlated("ces-1", "conversation-1"):
        log.info("first record")
    with correlated("ces-2"):
        log.info("second record")
    log.info("after the batch")

    first, second, after = _lines(stream)
    assert (first["survey_id"], first["conversation_id"]) == ("ces-1", "conversation-1")
    assert second["survey_id"] == "ces-2" and "conversation_id" not in second
    assert "survey_id" not in after and "conversation_id" not in after


def test_correlation_ids_go_also_when_the_work_fails(monkeypatch):
    stream = io.StringIO()
    log = _logger_writing_to(stream, "correlation-on-failure")
    monkeypatch.setattr(observability, "logger", log)

    with pytest.raises(RuntimeError), correlated("ces-1", "conversation-1"):
        raise RuntimeError("Kustomer down")
    log.info("next record")

    assert "survey_id" not in _lines(stream)[0]


def test_counts_of_different_survey_metrics_are_published_with_their_own_dimensions(
    monkeypatch, capsys
):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "KustomerSurveys/test")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "sender")
    published = SurveyMetrics()

    @published.log_metrics
    def handler(event, context):
        published.add_metric("SurveysSent", MetricUnit.Count, 1, survey_metric="ces")
        published.add_metric("SurveysSent", MetricUnit.Count, 1, survey_metric="ces")
        published.add_metric("SurveysSent", MetricUnit.Count, 1, survey_metric="nps")
        published.add_metric(
            "SurveysSkipped", MetricUnit.Count, 1, survey_metric="nps", reason="no_email_address"
        )
        return "done"

    assert handler({}, None) == "done"

    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    published_values = {
        (name, document["survey_metric"], document.get("reason")): document[name]
        for document in documents
        for name in ("SurveysSent", "SurveysSkipped")
        if name in document
    }
    assert published_values == {
        ("SurveysSent", "ces", None): [1.0, 1.0],
        ("SurveysSent", "nps", None): [1.0],
        ("SurveysSkipped", "nps", "no_email_address"): [1.0],
    }
    for document in documents:
        directive = document["_aws"]["CloudWatchMetrics"][0]
        assert directive["Namespace"] == "KustomerSurveys/test"
        assert document["service"] == "sender"
        assert set(directive["Dimensions"][0]) >= {"service", "survey_metric"}
