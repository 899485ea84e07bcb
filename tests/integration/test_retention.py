"""Retention: every item about a survey carries the moment DynamoDB deletes it (its TTL), and
until DynamoDB gets to it (within days), reports, the reconcile sweep and the links treat an
expired survey as gone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from cli.main import main
from local.kustomer_sim import KustomerSimulator
from local.recipient import PERSON_CLICKING_SEND, answer
from local.runtime.runtime import LocalRuntime
from local.runtime.template import resources_of_type
from surveys.adapters.store.idempotency import IdempotencyRecordItem
from surveys.adapters.store.ratings import RatingItem
from surveys.adapters.store.state import CustomerContactItem
from surveys.adapters.store.surveys import SurveyItem
from surveys.adapters.store.votes import VoteItem
from tests.conftest import start_runtime
from tests.integration.helpers import add_due_conversation, surveys_by_id

NOW = datetime.now(UTC).replace(microsecond=0)
RETENTION_DAYS = 90


@pytest.fixture
def retaining(simulator: KustomerSimulator) -> Iterator[LocalRuntime]:
    runtime = start_runtime(simulator, BackfillHours="720", RetentionDays=str(RETENTION_DAYS))
    yield runtime
    runtime.stop()


def _answered(runtime: LocalRuntime, simulator: KustomerSimulator, count: int) -> list[str]:
    """`count` surveys sent and answered with a comment; their survey ids, oldest first."""
    for index in range(count):
        add_due_conversation(
            simulator, NOW, quiet_hours=60 + index, emails=(f"customer{index}@example.com",)
        )
    runtime.scan(NOW)
    runtime.deliver()
    for message in runtime.sent_emails():
        answer(message.rating_links()[6], 6, "Kept for a while").raise_for_status()
    return sorted(message.survey_id for message in runtime.sent_emails())


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def test_every_item_kind_carries_its_deletion_date(
    retaining: LocalRuntime, simulator: KustomerSimulator
) -> None:
    _answered(retaining, simulator, 1)
    retaining.write_back()

    [survey] = retaining.table_items("SurveysTable")
    [rating] = retaining.table_items("RatingsTable")
    [vote] = retaining.table_items("VotesTable")
    [claim] = [
        item for item in retaining.table_items("StateTable") if item["key"][:9] == "customer#"
    ]
    [record] = retaining.table_items("IdempotencyTable")
    queued_at = datetime.fromisoformat(survey["queued_at"])
    deletion = _epoch(queued_at + timedelta(days=RETENTION_DAYS))
    assert survey["retain_until"] == rating["retain_until"] == vote["retain_until"] == deletion
    sent_at = datetime.fromisoformat(claim["last_surveyed_at"])
    assert claim["retain_until"] == _epoch(sent_at + timedelta(days=RETENTION_DAYS))
    # Powertools' own expiry: the record names the survey for an hour.
    assert _epoch(NOW) < record["expiration"] <= _epoch(datetime.now(UTC) + timedelta(hours=1))


def test_each_table_deletes_by_the_attribute_its_items_carry(retaining: LocalRuntime) -> None:
    dynamodb = retaining.moto.client("dynamodb")
    expected = {
        "SurveysTable": SurveyItem,
        "RatingsTable": RatingItem,
        "VotesTable": VoteItem,
        "StateTable": CustomerContactItem,
        "IdempotencyTable": IdempotencyRecordItem,
    }
    names = retaining.stack().resources
    for logical_id in resources_of_type(retaining.template, "AWS::DynamoDB::Table"):
        ttl = dynamodb.describe_time_to_live(TableName=names[logical_id])["TimeToLiveDescription"]
        if logical_id == "SuppressionsTable":
            # Suppressions are kept for good: nobody who asked not to be is emailed again.
            assert ttl["TimeToLiveStatus"] == "DISABLED"
            continue
        assert ttl["TimeToLiveStatus"] == "ENABLED", logical_id
        model = expected[logical_id]
        attribute = "expiration" if model is IdempotencyRecordItem else "retain_until"
        assert ttl["AttributeName"] == attribute, logical_id
        assert attribute in model.get_attributes(), logical_id


def _expire(runtime: LocalRuntime, survey_id: str) -> None:
    """What time does to a survey RetentionDays on: past its deletion date, not yet deleted."""
    dynamodb = runtime.moto.client("dynamodb")
    past = {":past": {"N": str(_epoch(NOW - timedelta(minutes=1)))}}
    for logical_id in ("SurveysTable", "RatingsTable"):
        dynamodb.update_item(
            TableName=runtime.stack().resources[logical_id],
            Key={"survey_id": {"S": survey_id}},
            UpdateExpression="SET retain_until = :past",
            ExpressionAttributeValues=past,
        )


def test_reports_the_reconcile_sweep_and_links_ignore_expired_surveys(
    runtime: LocalRuntime, simulator: KustomerSimulator, tmp_path: Path, capsys
) -> None:
    kept, expired = _answered(runtime, simulator, 2)
    expired_link = next(
        message.rating_links()[3]
        for message in runtime.sent_emails()
        if message.survey_id == expired
    )
    _expire(runtime, expired)

    # Kustomer was away: both ratings wait for the hourly sweep, which writes only the kept one.
    runtime.reconcile(NOW + timedelta(hours=2))
    conversation = surveys_by_id(runtime)[expired]["conversation_id"]
    assert simulator.notes_for(conversation) == []
    assert simulator.notes_for(surveys_by_id(runtime)[kept]["conversation_id"]) != []

    stack_file = tmp_path / "stack.json"
    runtime.stack().write_local_file(stack_file)
    capsys.readouterr()
    assert (
        main(["--local-file", str(stack_file), "report", "--metric", "ces", "--since", "30d"]) == 0
    )
    assert "Response rate: 100% (1 rated of 1 sent)" in capsys.readouterr().out

    page = requests.get(expired_link, headers=PERSON_CLICKING_SEND, timeout=10)
    assert page.status_code == 404


def _forget_deletion_dates(runtime: LocalRuntime) -> None:
    """Items as a version without retention stored them."""
    dynamodb = runtime.moto.client("dynamodb")
    names = runtime.stack().resources
    keys = {
        "SurveysTable": ["survey_id"],
        "RatingsTable": ["survey_id"],
        "VotesTable": ["survey_id", "vote_id"],
        "StateTable": ["key"],
    }
    for logical_id, key_names in keys.items():
        for item in runtime.table_items(logical_id):
            if "retain_until" in item:
                dynamodb.update_item(
                    TableName=names[logical_id],
                    Key={name: {"S": item[name]} for name in key_names},
                    UpdateExpression="REMOVE retain_until",
                )


def test_apply_retention_dates_what_was_stored_before_retention_existed(
    retaining: LocalRuntime, simulator: KustomerSimulator, tmp_path: Path, capsys
) -> None:
    _answered(retaining, simulator, 2)
    _forget_deletion_dates(retaining)
    stack_file = tmp_path / "stack.json"
    retaining.stack().write_local_file(stack_file)
    command = ["--local-file", str(stack_file), "apply-retention", "--yes"]

    capsys.readouterr()
    assert main(command) == 0
    assert capsys.readouterr().out.strip() == (
        "Deletion date set, 90 days after each survey was queued: 2 surveys, 2 ratings, "
        "2 votes, 2 survey-fatigue claims"
    )
    surveys = {item["survey_id"]: item for item in retaining.table_items("SurveysTable")}
    for logical_id in ("RatingsTable", "VotesTable"):
        for item in retaining.table_items(logical_id):
            queued_at = datetime.fromisoformat(surveys[item["survey_id"]]["queued_at"])
            assert item["retain_until"] == _epoch(queued_at + timedelta(days=RETENTION_DAYS))
    assert all("retain_until" in item for item in surveys.values())
    # The rating's version counts the recipient's answers: a deletion date is none of them.
    assert [item["version"] for item in retaining.table_items("RatingsTable")] == [1, 1]

    assert main(command) == 0
    assert "0 surveys, 0 ratings, 0 votes, 0 survey-fatigue claims" in capsys.readouterr().out
