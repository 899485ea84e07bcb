"""What operators read in CloudWatch: masked addresses, ids on every line, one metric per survey
metric."""

import io
import json
import logging
import os

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit

from local.runtime.template import REPO_ROOT, load_template
from scripts.check_artifact import built_functions
from surveys import observability
from surveys.observability import EmailMaskingFormatter, SurveyMetrics, correlated, mask_email
from tests.fresh_interpreter import run_fresh


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


# With tracing on, as in Lambda: the X-Ray SDK's patches made, then whether requests is loaded and
# whether its calls would be recorded.
_TRACER_LOADED = """
import json, sys
from surveys.observability import tracer
tracer._loaded()
requests = sys.modules.get("requests")
print(json.dumps({
    "requests_imported": requests is not None,
    "requests_traced": requests is not None and hasattr(requests.Session.request, "__wrapped__"),
}))
"""


def _tracer_in(logical_id: str) -> dict[str, bool]:
    functions = {
        function.logical_id: function
        for function in built_functions(load_template(REPO_ROOT / "template.yaml"), "us-east-1")
    }
    environment = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO_ROOT / "layers" / "shared"),
        "AWS_DEFAULT_REGION": "us-east-1",
        **functions[logical_id].environment,
        "LAMBDA_TASK_ROOT": str(REPO_ROOT / "functions"),
        "POWERTOOLS_TRACE_DISABLED": "false",
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    }
    return run_fresh(_TRACER_LOADED, [], environment)


@pytest.mark.parametrize(
    "logical_id", ["ScannerFunction", "SenderFunction", "WritebackFunction", "ReconcileFunction"]
)
def test_a_function_that_calls_kustomer_records_each_call_in_its_trace(logical_id: str) -> None:
    assert _tracer_in(logical_id) == {"requests_imported": True, "requests_traced": True}


@pytest.mark.parametrize(
    "logical_id", ["RatingWebhookFunction", "SesEventsFunction", "AlertsFunction"]
)
def test_a_function_that_never_calls_kustomer_does_not_load_requests_to_trace_it(
    logical_id: str,
) -> None:
    assert _tracer_in(logical_id) == {"requests_imported": False, "requests_traced": False}
