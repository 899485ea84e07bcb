"""`surveys forget` and `surveys export` on the local runtime (moto and the Kustomer simulator):
a person who was surveyed twice, answered with a comment, changed their mind and unsubscribed,
with requests of theirs still on the queues, beside another customer who must keep everything."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from cli.main import main
from local.kustomer_sim import KustomerSimulator
from local.recipient import PERSON_CLICKING_SEND, answer, confirm_unsubscribe
from local.runtime.runtime import LocalRuntime
from local.runtime.template import resources_of_type
from surveys import bootstrap
from surveys.adapters.mailer import SesMailer
from tests.integration.helpers import surveys_by_id

NOW = datetime.now(UTC).replace(microsecond=0)
# As Kustomer has it; the operator types it in lower case.
JANE = "Jane.Doe@Example.com"
JANES_COMMENT = "The refund took three weeks, Jane"
JANES_SECOND_THOUGHT = "Fine once it arrived, Jane"
BOB = "bob.stone@example.com"
BOBS_COMMENT = "Quick and kind, Bob"


@dataclass(frozen=True)
class Lived:
    jane_customer: str
    bob_customer: str
    janes_first: str
    janes_second: str
    bobs_first: str
    bobs_second: str


@pytest.fixture
def local_stack(runtime: LocalRuntime, tmp_path: Path) -> list[str]:
    path = tmp_path / "stack.json"
    runtime.stack().write_local_file(path)
    return ["--local-file", str(path)]


def _queue_url(runtime: LocalRuntime, logical_id: str) -> str:
    return runtime.stack().resources[logical_id]


@pytest.fixture
def lived(runtime: LocalRuntime, simulator: KustomerSimulator) -> Lived:
    """Jane and Bob are surveyed and answer; Jane changes her mind and unsubscribes, and the
    agents read it in Kustomer. Then a later conversation of each is queued, and a request and
    an SES notice of Jane's wait in the dead-letter queues."""
    jane = simulator.add_customer(name="Jane Doe", emails=[JANE])
    janes_first = simulator.add_conversation(jane, updated_at=NOW - timedelta(hours=60))
    bob = simulator.add_customer(name="Bob Stone", emails=[BOB])
    bobs_first = simulator.add_conversation(bob, updated_at=NOW - timedelta(hours=61))
    runtime.scan(NOW)
    runtime.deliver()
    sent = {message.recipients[0].lower(): message for message in runtime.sent_emails()}
    janes_links = sent[JANE.lower()].rating_links()
    answer(janes_links[2], 2, JANES_COMMENT).raise_for_status()
    answer(janes_links[5], 5, JANES_SECOND_THOUGHT).raise_for_status()
    answer(sent[BOB].rating_links()[6], 6, BOBS_COMMENT).raise_for_status()
    runtime.write_back()
    confirm_unsubscribe(sent[JANE.lower()].unsubscribe_link).raise_for_status()
    runtime.reconcile(NOW + timedelta(hours=2))

    # Updated since the first scan's window, and quiet for 48 hours by the second scan.
    janes_second = simulator.add_conversation(jane, updated_at=NOW - timedelta(hours=46))
    bobs_second = simulator.add_conversation(bob, updated_at=NOW - timedelta(hours=45))
    runtime.scan(NOW + timedelta(hours=4))
    sqs = runtime.moto.client("sqs")
    request = {
        "survey_id": f"csat-{janes_first}",
        "conversation_id": janes_first,
        "customer_id": jane,
        "metric": "csat",
    }
    sqs.send_message(
        QueueUrl=_queue_url(runtime, "SurveyDeadLetterQueue"), MessageBody=json.dumps(request)
    )
    notice = {"Records": [{"Sns": {"Message": json.dumps({"mail": {"destination": [JANE]}})}}]}
    sqs.send_message(
        QueueUrl=_queue_url(runtime, "SesEventsDeadLetterQueue"), MessageBody=json.dumps(notice)
    )
    return Lived(jane, bob, janes_first, janes_second, bobs_first, bobs_second)


def _every_table(runtime: LocalRuntime) -> dict[str, list[dict[str, Any]]]:
    tables = resources_of_type(runtime.template, "AWS::DynamoDB::Table")
    return {logical_id: runtime.table_items(logical_id) for logical_id in tables}


def _queued_bodies(runtime: LocalRuntime) -> dict[str, list[str]]:
    """Every message waiting on every queue, read and made visible again."""
    sqs = runtime.moto.client("sqs")
    bodies = {}
    for logical_id in resources_of_type(runtime.template, "AWS::SQS::Queue"):
        url = _queue_url(runtime, logical_id)
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0
        ).get("Messages", [])
        bodies[logical_id] = [message["Body"] for message in messages]
    return bodies


def _text(value: Any) -> str:
    return json.dumps(value, default=str).lower()


def _forget(local_stack: list[str], capsys: pytest.CaptureFixture[str], *named: str) -> str:
    capsys.readouterr()
    assert main([*local_stack, "forget", *named, "--yes"]) == 0
    return capsys.readouterr().out


def _export(local_stack: list[str], capsys: pytest.CaptureFixture[str], *named: str) -> Any:
    capsys.readouterr()
    assert main([*local_stack, "export", *named]) == 0
    return json.loads(capsys.readouterr().out)


def test_export_holds_everything_forget_then_erases(
    runtime: LocalRuntime,
    lived: Lived,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    exported = _export(local_stack, capsys, "--email", "jane.doe@example.com")

    assert exported["addresses"] == ["jane.doe@example.com"]
    assert exported["kustomer_customer_ids"] == [lived.jane_customer]
    surveys = {survey["survey_id"]: survey for survey in exported["surveys"]}
    assert set(surveys) == {f"ces-{lived.janes_first}", f"ces-{lived.janes_second}"}
    assert surveys[f"ces-{lived.janes_first}"]["recipient"] == JANE
    [rating] = exported["ratings"]
    assert rating["comment"] == JANES_SECOND_THOUGHT
    assert [entry["comment"] for entry in rating["history"]] == [
        JANES_COMMENT,
        JANES_SECOND_THOUGHT,
    ]
    assert len(exported["votes"]) == 2
    [suppression] = exported["suppressions"]
    assert (suppression["address"], suppression["reason"]) == (JANE.lower(), "unsubscribed")
    assert len(exported["survey_fatigue_claims"]) == 1
    assert len(exported["sender_idempotency_records"]) == 1
    queued = exported["queued_messages"]
    assert [message["survey_id"] for message in queued["survey queue"]] == [
        f"ces-{lived.janes_second}"
    ]
    assert len(queued["survey dead-letter queue"]) == 1
    assert len(queued["SES events dead-letter queue"]) == 1
    assert set(exported["kustomer"]["conversations"]) == {lived.janes_first}
    assert BOB not in _text(exported)

    output = _forget(local_stack, capsys, "--email", "jane.doe@example.com")

    assert (
        "Erased: 2 surveys, 1 ratings, 2 comments, 2 votes, 1 idempotency records, "
        "1 survey-fatigue claims, 1 suppressions by address, 3 queued messages"
    ) in output
    assert "Still suppressed (unsubscribed)" in output
    assert (
        f"  {lived.janes_first}  ces rating note(s), custom attributes, maybe a negative tag; "
        in (output)
    )
    assert _export(local_stack, capsys, "--email", JANE)["surveys"] == []


def test_forget_leaves_no_trace_of_the_address_or_the_comments(
    runtime: LocalRuntime,
    lived: Lived,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = _forget(local_stack, capsys, "--email", "jane.doe@example.com")

    tables = _text(_every_table(runtime))
    queues = _text(_queued_bodies(runtime))
    for trace in (JANE, JANES_COMMENT, JANES_SECOND_THOUGHT, lived.jane_customer):
        assert trace.lower() not in tables, trace
        assert trace.lower() not in queues, trace
    assert JANE.lower() not in output.lower()
    assert "j***@example.com" in output
    # Bob keeps everything, his queued request included.
    surveys = surveys_by_id(runtime)
    assert surveys[f"ces-{lived.bobs_first}"]["recipient"] == BOB
    assert BOBS_COMMENT.lower() in tables
    assert f"ces-{lived.bobs_second}" in queues
    # In Jane's surveys' place, their ids and a forgotten status, for a couple of weeks.
    forgotten = surveys[f"ces-{lived.janes_first}"]
    assert set(forgotten) == {"survey_id", "status", "retain_until"}
    assert forgotten["status"] == "forgotten"


def test_a_forgotten_person_who_had_unsubscribed_is_still_never_surveyed(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    lived: Lived,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _forget(local_stack, capsys, "--email", "jane.doe@example.com")
    [hashed] = runtime.table_items("SuppressionsTable")
    assert hashed["address"].startswith("hmac-sha256:")
    assert hashed["reason"] == "unsubscribed"
    emails_before = len(runtime.sent_emails())

    runtime.set_trigger("ces", fatigue_days=0)
    third = simulator.add_conversation(lived.jane_customer, updated_at=NOW - timedelta(hours=49))
    runtime.scan(NOW)
    runtime.deliver()

    survey = surveys_by_id(runtime)[f"ces-{third}"]
    assert (survey["status"], survey["skip_reason"]) == (
        "skipped",
        "address unsubscribed: no survey is sent to it again",
    )
    # Bob's second survey went out; Jane's requests sent nothing.
    assert [message.recipients for message in runtime.sent_emails()[emails_before:]] == [[BOB]]


def test_forget_by_conversation_finds_the_same_person(
    runtime: LocalRuntime,
    lived: Lived,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    by_email = _export(local_stack, capsys, "--email", JANE)
    by_conversation = _export(local_stack, capsys, "--conversation", lived.janes_second)
    for part in ("addresses", "surveys", "ratings", "votes", "suppressions", "queued_messages"):
        assert by_conversation[part] == by_email[part], part

    _forget(local_stack, capsys, "--conversation", lived.janes_second)

    assert JANE.lower() not in _text(_every_table(runtime))


def test_forget_is_idempotent_and_every_run_is_audited(
    runtime: LocalRuntime,
    lived: Lived,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _forget(local_stack, capsys, "--email", JANE)
    after_first = _every_table(runtime)

    again = _forget(local_stack, capsys, "--email", JANE)

    assert "Erased: nothing was held" in again
    assert "Still suppressed (unsubscribed)" in again
    after_second = _every_table(runtime)
    audits = [item for item in after_second["StateTable"] if item["key"].startswith("erasure#")]
    assert len(audits) == 2
    assert {key: items for key, items in after_second.items() if key != "StateTable"} == {
        key: items for key, items in after_first.items() if key != "StateTable"
    }
    first, second = sorted(audits, key=lambda item: item["key"])
    assert first["named_by"] == second["named_by"] == "email"
    assert first["erased_by"].startswith("arn:aws:")
    assert json.loads(first["counts"])["surveys"] == 2
    assert json.loads(second["counts"])["surveys"] == 0
    assert JANE.lower() not in _text(audits)

    assert main([*local_stack, "doctor"]) in (0, 1)
    doctor = capsys.readouterr().out
    assert "Erasures" in doctor
    assert "2 recorded; latest" in doctor
    assert JANE.lower() not in doctor.lower()


def test_forget_asks_before_erasing(
    runtime: LocalRuntime,
    lived: Lived,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _every_table(runtime)

    assert main([*local_stack, "forget", "--email", JANE]) == 2

    assert "add --yes to go ahead without asking" in capsys.readouterr().err
    assert _every_table(runtime) == before
    assert f"ces-{lived.janes_second}" in _text(_queued_bodies(runtime))


def test_forgetting_someone_never_surveyed_records_the_run(
    runtime: LocalRuntime, local_stack: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    output = _forget(local_stack, capsys, "--email", "nobody@example.com")

    assert "The person: 1 address(es) (n***@example.com), 0 Kustomer customer(s)" in output
    assert "Erased: nothing was held" in output
    assert [item["key"][:8] for item in runtime.table_items("StateTable")].count("erasure#") == 1


def test_an_old_email_still_unsubscribes_a_forgotten_person(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    lived: Lived,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    [bobs_email] = [sent for sent in runtime.sent_emails() if sent.recipients == [BOB]]
    _forget(local_stack, capsys, "--email", BOB)

    page = requests.get(bobs_email.unsubscribe_link, headers=PERSON_CLICKING_SEND, timeout=10)
    assert page.status_code == 200
    assert "will not send survey emails to the address of this email again" in page.text
    assert BOB not in page.text
    done = confirm_unsubscribe(bobs_email.unsubscribe_link)
    assert done.status_code == 200

    suppressions = runtime.table_items("SuppressionsTable")
    [bobs] = [item for item in suppressions if item["address"].startswith("hmac-sha256:")]
    assert set(bobs) == {"address", "reason", "suppressed_at"}
    assert BOB not in _text(suppressions)
    runtime.set_trigger("ces", fatigue_days=0)
    later = simulator.add_conversation(lived.bob_customer, updated_at=NOW - timedelta(hours=44))
    runtime.scan(NOW + timedelta(hours=5))
    runtime.deliver()
    assert surveys_by_id(runtime)[f"ces-{later}"]["skip_reason"] == (
        "address unsubscribed: no survey is sent to it again"
    )


class _RefusingSes:
    """SES v2 refusing a message with a reason that names the recipient, as its errors can;
    moto's SES has no such refusal."""

    def send_email(self, **request: Any) -> dict[str, Any]:
        error = {"Code": "MessageRejected", "Message": "Address blacklisted: rae.jones@example.com"}
        raise ClientError({"Error": error}, "SendEmail")


def test_an_ses_refusal_naming_the_recipient_is_stored_masked(
    runtime: LocalRuntime, simulator: KustomerSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = simulator.add_customer(name="Rae Jones", emails=["rae.jones@example.com"])
    conversation = simulator.add_conversation(customer, updated_at=NOW - timedelta(hours=60))
    runtime.scan(NOW)
    refusing = SesMailer(_RefusingSes(), "surveys")
    monkeypatch.setattr(bootstrap, "_mailer", lambda configuration_set: refusing)

    runtime.deliver()

    survey = surveys_by_id(runtime)[f"ces-{conversation}"]
    assert survey["skip_reason"].startswith("SES rejected the email: MessageRejected: ")
    assert survey["skip_reason"].endswith("Address blacklisted: r***@example.com")
    assert "rae.jones" not in _text(_every_table(runtime))
