"""The sender against moto (SQS, DynamoDB, SES) and the Kustomer simulator."""

from __future__ import annotations

from datetime import UTC, datetime

import requests
from aws_lambda_powertools.utilities import parameters

from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime
from tests.integration.helpers import add_due_conversation, surveys_by_id

NOW = datetime.now(UTC).replace(microsecond=0)


def test_the_survey_email_asks_the_ces_question_with_one_link_per_score(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    conversation = add_due_conversation(simulator, NOW, emails=("maria.lopez@example.org",))
    runtime.scan(NOW)
    runtime.deliver()

    (sent,) = runtime.sent_emails()
    message = sent.message
    assert sent.survey_id == f"ces-{conversation}"
    assert message["To"] == "maria.lopez@example.org"
    assert message["From"] == "Acme Support <surveys@acme.example.com>"
    assert "Acme" in message["Subject"]
    assert "Acme made it easy for me to handle my issue." in sent.text
    assert "Acme made it easy for me to handle my issue." in sent.html
    links = sent.rating_links()
    assert sorted(links) == [1, 2, 3, 4, 5, 6, 7]
    assert all(url.startswith(runtime.base_url) for url in links.values())
    assert sum(url.replace("&", "&amp;") in sent.html for url in links.values()) == 7
    assert requests.get(links[7], timeout=10).status_code == 200
    survey = surveys_by_id(runtime)[sent.survey_id]
    assert survey["status"] == "sent"
    assert survey["recipient"] == "maria.lopez@example.org"


def _requeue_copy(runtime: LocalRuntime, body: str, copies: int) -> None:
    sqs = runtime.moto.client("sqs")
    url = runtime.environment("SenderFunction")["SURVEY_QUEUE_URL"]
    for _ in range(copies):
        sqs.send_message(QueueUrl=url, MessageBody=body)


def _peek_message_body(runtime: LocalRuntime) -> str:
    sqs = runtime.moto.client("sqs")
    url = runtime.environment("SenderFunction")["SURVEY_QUEUE_URL"]
    (message,) = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    return str(message["Body"])


def test_duplicate_deliveries_of_a_survey_send_one_email(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    add_due_conversation(simulator, NOW)
    runtime.scan(NOW)
    body = _peek_message_body(runtime)
    _requeue_copy(runtime, body, copies=2)

    handled, failed = runtime.deliver()
    _requeue_copy(runtime, body, copies=1)  # a late duplicate, after the survey was sent
    runtime.deliver()

    assert (handled, failed) == (3, 0)
    assert len(runtime.sent_emails()) == 1
    assert runtime.queue_depth("SurveyQueue") == 0


def test_a_customer_without_an_email_address_is_skipped_with_the_reason(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    conversation = add_due_conversation(simulator, NOW, emails=())
    runtime.scan(NOW)

    handled, failed = runtime.deliver()

    assert (handled, failed) == (1, 0)
    assert runtime.sent_emails() == []
    survey = surveys_by_id(runtime)[f"ces-{conversation}"]
    assert survey["status"] == "skipped"
    assert survey["skip_reason"] == "customer has no email address"
    assert runtime.queue_depth("SurveyQueue") == runtime.queue_depth("SurveyDeadLetterQueue") == 0


def test_an_invalid_address_is_skipped_and_a_valid_second_one_is_used(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    invalid_only = add_due_conversation(simulator, NOW, emails=("jane@@example",))
    second_valid = add_due_conversation(
        simulator, NOW, emails=("not an address", "jane@example.com")
    )
    runtime.scan(NOW)
    runtime.deliver()

    surveys = surveys_by_id(runtime)
    assert surveys[f"ces-{invalid_only}"]["status"] == "skipped"
    assert surveys[f"ces-{invalid_only}"]["skip_reason"] == "customer email address is invalid"
    assert surveys[f"ces-{second_valid}"]["recipient"] == "jane@example.com"
    assert [sent.recipients for sent in runtime.sent_emails()] == [["jane@example.com"]]


def test_passing_kustomer_errors_are_retried_within_the_invocation(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    add_due_conversation(simulator, NOW)
    runtime.scan(NOW)
    simulator.faults.fail_next = 2

    handled, failed = runtime.deliver()

    assert (handled, failed) == (1, 0)
    assert len(runtime.sent_emails()) == 1


def test_a_survey_that_keeps_failing_ends_in_the_dead_letter_queue_unsent(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    conversation = add_due_conversation(simulator, NOW)
    runtime.scan(NOW)
    secrets = runtime.moto.client("secretsmanager")
    secret_id = runtime.environment("SenderFunction")["KUSTOMER_API_KEY_SECRET"]
    secrets.put_secret_value(SecretId=secret_id, SecretString="revoked-key")
    parameters.clear_caches()

    handled, failed = runtime.deliver()

    assert handled == 0
    assert failed == 5  # the queue's maxReceiveCount in template.yaml
    assert runtime.queue_depth("SurveyDeadLetterQueue") == 1
    assert runtime.sent_emails() == []
    assert surveys_by_id(runtime)[f"ces-{conversation}"]["status"] == "queued"
