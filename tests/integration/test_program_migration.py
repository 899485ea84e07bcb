"""A stack deployed before there were programs keeps working once the new version is deployed.

The items are written to moto as the previous version wrote them (one trigger per metric, its
scan progress, surveys and queued requests without a program), raw, attribute by attribute;
then the new version's functions and admin commands run on them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.kustomer_sim import KustomerSimulator
from local.recipient import answer
from local.runtime.runtime import LocalRuntime, RuntimeOptions
from surveys.domain.triggers import TriggerSettings
from tests.conftest import SIMULATOR_KEY, TEST_PARAMETERS
from tests.integration.helpers import surveys_by_id

NOW = datetime.now(UTC).replace(microsecond=0)
ACTIVATED = NOW - timedelta(days=10)
# How far the previous version's scan had read.
WATERMARK = NOW - timedelta(hours=49)


def _time(moment: datetime) -> dict[str, str]:
    """A datetime as PynamoDB's UTCDateTimeAttribute stores it."""
    return {"S": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")}


def _legacy_trigger_json() -> str:
    """The settings JSON of the previous version's TriggerSettings: every field but the
    program's name, which did not exist."""
    settings = TriggerSettings(
        metric="ces",
        active=True,
        activated_at=ACTIVATED,
        sender_name="Legacy Care",
        backfill_hours=0,
    ).as_json_dict()
    del settings["name"]
    return json.dumps(settings)


@pytest.fixture
def previous_version(simulator: KustomerSimulator) -> Iterator[LocalRuntime]:
    """A runtime whose tables and queue hold what the previous version left."""
    runtime = LocalRuntime(
        RuntimeOptions(
            kustomer_api_key=SIMULATOR_KEY,
            parameters={**TEST_PARAMETERS, "KustomerOrgUrl": simulator.base_url},
        )
    ).start()
    yield runtime
    runtime.stop()


def _put(runtime: LocalRuntime, table: str, item: dict[str, Any]) -> None:
    runtime.moto.client("dynamodb").put_item(
        TableName=runtime.resolver.names.refs[table], Item=item
    )


def _legacy_survey(
    survey_id: str, conversation: str, customer: str, status: str, **more: Any
) -> dict[str, Any]:
    return {
        "survey_id": {"S": survey_id},
        "conversation_id": {"S": conversation},
        "metric": {"S": "ces"},
        "customer_id": {"S": customer},
        "status": {"S": status},
        "queued_at": _time(NOW - timedelta(days=4)),
        "note_attempt_version": {"N": "0"},
        "written_version": {"N": "0"},
        "rated_version": {"N": "0"},
        "retain_until": {"N": str(int((NOW + timedelta(days=365)).timestamp()))},
        **more,
    }


def test_the_previous_versions_trigger_scan_progress_and_surveys_carry_on(
    previous_version: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime = previous_version
    customers = [
        simulator.add_customer(name="Jane Doe", emails=[f"jane{index}@example.com"])
        for index in range(4)
    ]
    read_before, read_since, sent_before, queued_before = (
        simulator.add_conversation(customer, updated_at=NOW - quiet)
        for customer, quiet in zip(
            customers,
            [timedelta(hours=50), timedelta(hours=48.5), timedelta(days=6), timedelta(days=5)],
            strict=True,
        )
    )
    _put(
        runtime,
        "StateTable",
        {
            "key": {"S": "trigger#ces"},
            "settings": {"S": _legacy_trigger_json()},
            "version": {"N": "3"},
        },
    )
    _put(
        runtime,
        "StateTable",
        {
            "key": {"S": "scan#ces"},
            "activated_at": _time(ACTIVATED),
            "watermark": _time(WATERMARK),
            "windows": {"L": []},
            "reverse_page": {"N": "0"},
            "last_scan_at": _time(NOW - timedelta(minutes=5)),
        },
    )
    _put(
        runtime,
        "SurveysTable",
        _legacy_survey(
            f"ces-{sent_before}",
            sent_before,
            customers[2],
            "sent",
            recipient={"S": "jane2@example.com"},
            message_id={"S": "legacy-message"},
            language={"S": "en"},
            links_expire_at=_time(NOW + timedelta(days=26)),
            sent_at=_time(NOW - timedelta(days=4)),
            reminder_metric={"S": "ces"},
        ),
    )
    _put(
        runtime,
        "SurveysTable",
        _legacy_survey(f"ces-{queued_before}", queued_before, customers[3], "queued"),
    )
    legacy_request = {
        "survey_id": f"ces-{queued_before}",
        "conversation_id": queued_before,
        "customer_id": customers[3],
        "metric": "ces",
        "assigned_user_id": None,
        "assigned_team_id": None,
        "deferrals": 0,
        "kind": "survey",
    }
    runtime.moto.client("sqs").send_message(
        QueueUrl=runtime.environment("ScannerFunction")["SURVEY_QUEUE_URL"],
        MessageBody=json.dumps(legacy_request),
    )
    with runtime.stack().as_admin():
        from surveys.usecases.triggers import all_programs

        (ces, csat, nps) = all_programs()

    runtime.scan(NOW)
    runtime.deliver()

    assert (ces.name, ces.active, ces.sender_name) == ("ces", True, "Legacy Care")
    assert not csat.active and not nps.active
    surveys = surveys_by_id(runtime)
    # Read by the previous version already: not surveyed again. Since: surveyed once.
    assert f"ces-{read_before}" not in surveys
    assert surveys[f"ces-{read_since}"]["program"] == "ces"
    sent = {message.survey_id: message for message in runtime.sent_emails()}
    assert sorted(sent) == sorted(
        [f"ces-{read_since}", f"ces-{queued_before}", f"ces-{sent_before}"]
    )
    # The queued request and the reminder of the sent survey go out with the trigger's settings.
    assert all(str(m.message["From"]).startswith("Legacy Care <") for m in sent.values())
    assert surveys[f"ces-{sent_before}"]["reminder_sent_at"]
    assert surveys[f"ces-{queued_before}"]["status"] == "sent"

    answer(sent[f"ces-{sent_before}"].rating_links()[7], 7, "").raise_for_status()
    runtime.write_back()
    with runtime.stack().as_admin():
        from surveys.usecases.report import survey_report

        report = survey_report("ces", NOW - timedelta(days=30), NOW + timedelta(hours=1))

    assert simulator.conversation(sent_before)["attributes"]["custom"]["cesScoreNum"] == 7
    assert [(group.label, group.summary.sent) for group in report.by_program] == [("ces", 3)]
    assert report.overall.n == 1
