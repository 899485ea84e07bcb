"""Trigger settings and survey requests as plain dataclasses behave as the pydantic models they
were: the same JSON in DynamoDB and on the queue, the same values from the command line's
strings, the same errors (tests/fixtures/pydantic_golden.json holds what the models wrote)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pydantic_core
import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyItemNotFoundError
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from hypothesis import given
from hypothesis import strategies as st

from surveys.adapters.store.idempotency import SENDER_IDEMPOTENCY_KEY
from surveys.domain.survey_request import SurveyRequest
from surveys.domain.triggers import SendWindow, TriggerSettings, settable_fields
from surveys.domain.validated import InvalidInput

GOLDEN = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "pydantic_golden.json").read_text(encoding="utf-8")
)
# Where the words differ from pydantic's on purpose: its "Value error, " before the message of a
# check of ours is left out, and a time it cannot read says how to write one.
REWORDED = {
    "send_window.start: Input should be in a valid time format, hour value is outside expected "
    "range of 0-23": "send_window.start: Input should be in a valid time format, HH:MM[:SS] "
    "(e.g. 09:00)",
}


def _as_now(error: str) -> str:
    return REWORDED.get(error, error.replace("Value error, ", ""))


def _case_id(case: dict[str, Any]) -> str:
    return str(case.get("case") or case["input"])[:60]


@pytest.mark.parametrize("case", GOLDEN["trigger_settings"], ids=_case_id)
def test_settings_are_stored_and_shown_as_pydantic_wrote_them(case: dict[str, Any]) -> None:
    settings = TriggerSettings.from_dict(case["input"])

    assert settings.to_json() == case["stored"]
    assert list(settings.as_json_dict().items()) == list(case["shown"].items())
    assert TriggerSettings.from_json(case["stored"]) == settings
    assert TriggerSettings.from_json(json.dumps(case["input"])) == settings


@pytest.mark.parametrize("case", GOLDEN["stored_trigger_settings"], ids=_case_id)
def test_settings_stored_by_earlier_versions_read_back_with_the_defaults_since_added(
    case: dict[str, Any],
) -> None:
    settings = TriggerSettings.from_json(case["stored_before"])

    assert settings.to_json() == case["stored"]
    assert list(settings.as_json_dict().items()) == list(case["shown"].items())


@pytest.mark.parametrize("case", GOLDEN["trigger_settings_errors"], ids=_case_id)
def test_settings_are_refused_with_the_problems_pydantic_named(case: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as refused:
        TriggerSettings.from_dict(case["input"])

    assert str(refused.value) == _as_now(case["error"])


@pytest.mark.parametrize("case", GOLDEN["survey_requests"], ids=_case_id)
def test_survey_requests_go_on_the_queue_as_pydantic_wrote_them(case: dict[str, Any]) -> None:
    request = SurveyRequest.from_json(json.dumps(case["input"]))

    assert request.to_json() == case["stored"]
    assert SurveyRequest.from_json(case["stored"]) == request


@pytest.mark.parametrize("case", GOLDEN["survey_request_errors"], ids=_case_id)
def test_survey_requests_are_refused_with_the_problems_pydantic_named(
    case: dict[str, Any],
) -> None:
    with pytest.raises(InvalidInput) as refused:
        SurveyRequest.from_json(json.dumps(case["input"]))

    assert str(refused.value) == case["error"]


@pytest.mark.parametrize(
    ("setting", "given", "kept"),
    [
        ("fatigue_days", "24", 24),
        ("fatigue_days", " 24 ", 24),
        ("fatigue_days", "+2.00", 2),
        ("fatigue_days", 7.0, 7),
        ("delay_hours", "1.5", 1.5),
        ("delay_hours", "24", 24.0),
        ("delay_hours", 24, 24.0),
        ("delay_hours", "1e2", 100.0),
        ("rating_changes_allowed", "Off", False),
        ("rating_changes_allowed", "YES", True),
        ("rating_changes_allowed", "t", True),
        ("rating_changes_allowed", "0", False),
        ("rating_changes_allowed", 1, True),
        ("channels", ["chat", "email", "chat"], ("chat", "email")),
        ("include_brands", {"acme"}, ("acme",)),
        ("brand_color", "#1A5FB4", "#1a5fb4"),
        ("negative_tag", " unhappy ", "unhappy"),
    ],
)
def test_the_command_lines_strings_become_the_settings_types(
    setting: str, given: Any, kept: Any
) -> None:
    value = getattr(TriggerSettings(metric="ces", **{setting: given}), setting)

    assert value == kept and type(value) is type(kept)


def test_an_activation_time_and_a_send_window_are_read_from_iso_8601() -> None:
    settings = TriggerSettings.from_dict(
        {
            "metric": "nps",
            "active": "true",
            "activated_at": "2026-12-01T10:00:00Z",
            "send_window": {"start": "09:00", "end": "17:30:15", "timezone": "Europe/Berlin"},
        }
    )

    assert settings.activated_at == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert settings.activated_at is not None and settings.activated_at.utcoffset() == timedelta(0)
    assert settings.send_window == SendWindow(
        start=time(9), end=time(17, 30, 15), timezone="Europe/Berlin"
    )


@pytest.mark.parametrize(
    ("setting", "given", "problem"),
    [
        ("fatigue_days", "2.5", "fatigue_days: Input should be a valid integer, unable to parse"),
        ("fatigue_days", "2.", "fatigue_days: Input should be a valid integer, unable to parse"),
        ("fatigue_days", "٣", "fatigue_days: Input should be a valid integer, unable to parse"),
        ("fatigue_days", float("inf"), "fatigue_days: Input should be a finite number"),
        ("delay_hours", "٣", "delay_hours: Input should be a valid number, unable to parse"),
        ("rating_changes_allowed", "maybe", "rating_changes_allowed: Input should be a valid bool"),
        ("sender_name", 5, "sender_name: Input should be a valid string"),
        ("channels", "email", "channels: Input should be a valid tuple"),
        ("activated_at", "yesterday", "activated_at: Input should be a valid datetime or date, in"),
        ("activated_at", 5, "activated_at: Input should be a valid datetime"),
        ("send_window", {"start": "9am", "end": "17:00"}, "send_window.start: Input should be in"),
        ("send_window", {"start": None, "end": "17:00"}, "send_window.start: Input should be a"),
        ("send_window", "09:00-17:00", "send_window: Input should be a valid dictionary or inst"),
    ],
)
def test_a_value_of_the_wrong_type_names_its_setting(
    setting: str, given: Any, problem: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        TriggerSettings(metric="ces", **{setting: given})

    assert str(refused.value).startswith(problem)


def test_every_problem_is_named_at_once_in_field_order_unknown_keys_last() -> None:
    with pytest.raises(InvalidInput) as refused:
        TriggerSettings.from_dict(
            {
                "colour": "blue",
                "metric": "ces",
                "send_window": {"start": "09:00", "end": "09:00", "timezone": "Mars/Base"},
                "channels": ["email", 7],
                "delay_hours": "0",
            }
        )

    assert refused.value.problems == (
        ("delay_hours", "Input should be greater than or equal to 1"),
        ("channels.1", "Input should be a valid string"),
        (
            "send_window.timezone",
            "unknown time zone 'Mars/Base' (use an IANA name such as Europe/Berlin)",
        ),
        ("colour", "Extra inputs are not permitted"),
    )


def test_the_whole_is_checked_once_every_field_is_valid_and_every_clash_is_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        TriggerSettings(
            name="ces",
            metric="nps",
            active=True,
            include_tags=("vip",),
            exclude_tags=("vip",),
        )

    assert str(refused.value) == (
        "settings: vip both included and excluded in tags; "
        "settings: the program named ces surveys ces, not nps; "
        "settings: an active trigger needs its activation time"
    )
    with pytest.raises(InvalidInput) as refused:
        TriggerSettings(name="ces", metric="nps", fatigue_days=-1)
    assert str(refused.value) == "fatigue_days: Input should be greater than or equal to 0"


def test_a_change_is_validated_with_the_rest_and_leaves_the_original_as_it_was() -> None:
    settings = TriggerSettings(metric="ces", include_brands=("acme",))

    assert settings.changed(delay_hours="12").delay_hours == 12.0
    assert settings.delay_hours == 48.0
    with pytest.raises(InvalidInput, match="acme both included and excluded in brands"):
        settings.changed(exclude_brands=["acme"])
    with pytest.raises(InvalidInput, match="colour: Extra inputs are not permitted"):
        settings.changed(colour="blue")


def test_settings_are_frozen() -> None:
    settings = TriggerSettings(metric="ces")

    with pytest.raises(AttributeError):
        settings.delay_hours = 1  # type: ignore[misc]


def test_the_settable_fields_are_all_but_those_fixed_with_their_defaults() -> None:
    settable = {field.name: field for field in settable_fields()}

    assert list(settable) == sorted(settable)
    assert not {"name", "metric", "active", "activated_at"} & set(settable)
    assert (settable["delay_hours"].default, settable["delay_hours"].is_list) == (48.0, False)
    assert (settable["channels"].default, settable["channels"].is_list) == (("email",), True)
    assert settable["send_window"].default is None and not settable["send_window"].is_list
    assert len(settable) == len(TriggerSettings(metric="ces").as_json_dict()) - 4


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=8760))
def test_hours_are_written_as_pydantic_wrote_floats(hours: float) -> None:
    settings = TriggerSettings(metric="ces", backfill_hours=hours)

    assert f'"backfill_hours":{pydantic_core.to_json(hours).decode()},' in settings.to_json()


# Any offset, also those no zone has (pydantic rounds an offset to whole seconds, then leaves
# the seconds out).
ZONES = st.one_of(
    st.none(),
    st.timezones(),
    st.builds(
        timezone, st.timedeltas(min_value=-timedelta(hours=23), max_value=timedelta(hours=23))
    ),
)


@given(st.datetimes(min_value=datetime(2000, 1, 1), timezones=ZONES))
def test_activation_times_are_written_as_pydantic_wrote_datetimes(moment: datetime) -> None:
    settings = TriggerSettings(metric="ces", activated_at=moment)

    written = f'"activated_at":{pydantic_core.to_json(moment).decode()},'
    assert written in settings.to_json()


@given(st.times(timezones=ZONES))
def test_send_window_hours_are_written_as_pydantic_wrote_times(start: time) -> None:
    window = SendWindow(start=start, end=time(12, 0, 0, 1) if start != time(12) else time(13))

    assert window.to_json().startswith(f'{{"start":{pydantic_core.to_json(start).decode()},')


class _Remembered(BasePersistenceLayer):
    """Powertools' idempotency records, kept in a dict."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, DataRecord] = {}

    def _get_record(self, idempotency_key: str) -> DataRecord:
        if idempotency_key not in self.records:
            raise IdempotencyItemNotFoundError
        return self.records[idempotency_key]

    def _put_record(self, data_record: DataRecord) -> None:
        self.records[data_record.idempotency_key] = data_record

    def _update_record(self, data_record: DataRecord) -> None:
        self.records[data_record.idempotency_key] = data_record

    def _delete_record(self, data_record: DataRecord) -> None:
        self.records.pop(data_record.idempotency_key, None)


@pytest.mark.filterwarnings("ignore:Couldn't determine the remaining time")  # no Lambda context
def test_the_senders_idempotency_key_is_the_one_the_pydantic_request_gave() -> None:
    """Powertools picks survey_id, kind and deferrals from the request as a dict and hashes
    them as JSON: the same key as when the request was a pydantic model, so a delivery made
    before the upgrade is not sent again after it."""
    remembered = _Remembered()

    @idempotent_function(
        data_keyword_argument="request",
        config=IdempotencyConfig(event_key_jmespath=SENDER_IDEMPOTENCY_KEY),
        persistence_store=remembered,
    )
    def send_once(request: SurveyRequest) -> dict[str, str]:
        return {"survey_id": request.survey_id}

    send_once(
        request=SurveyRequest(
            survey_id="ces-c1", conversation_id="c1", customer_id="u1", metric="ces", deferrals=2
        )
    )

    [key] = remembered.records
    assert key.rpartition("#")[2] == hashlib.md5(b'["ces-c1", "survey", 2]').hexdigest()


@pytest.mark.parametrize(
    "module",
    [
        "surveys.domain.survey_request",
        "surveys.domain.triggers",
        "surveys.usecases.record_rating",
        "surveys.usecases.triggers",
        "surveys.usecases.send_survey",
    ],
)
def test_the_page_and_the_sender_read_settings_and_requests_without_pydantic(module: str) -> None:
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, {module}\nassert 'pydantic' not in sys.modules, 'pydantic imported'",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert imported.returncode == 0, imported.stderr
