"""`surveys` as a separate process against one running local runtime, as an admin or a script
runs it: `--local` and the runtime's file, JSON a script can read, exit codes, a confirmation
refused or declined changing nothing, and a Ctrl-C in the middle of a redrive leaving nothing
half done."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from local.kustomer_sim import KustomerSimulator
from local.kustomer_sim.seed import AGENTS
from local.recipient import answer
from local.runtime.runtime import LocalRuntime
from tests.conftest import SIMULATOR_KEY, start_runtime
from tests.integration.helpers import add_due_conversation
from tests.terminal import CTRL_C, TerminalSession

SURVEYS = Path(sys.executable).parent / "surveys"
CONFIRM = "[y/N] "
REFERENCE = "Survey reference: "


@dataclass
class Served:
    """The runtime `make serve` leaves running, and the file `surveys --local` reads."""

    runtime: LocalRuntime
    kustomer: KustomerSimulator
    stack_file: Path
    folder: Path

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "SURVEYS_LOCAL_FILE": str(self.stack_file), **extra}

    def surveys(self, *arguments: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """`surveys --local ...` with its input and output piped: no terminal, as in a script."""
        return subprocess.run(
            [str(SURVEYS), "--local", *arguments],
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def json(self, *arguments: str, stdin: str = "") -> Any:
        result = self.surveys(*arguments, "--output", "json", stdin=stdin)
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout)

    def terminal(self, *arguments: str, answers: dict[str, str] | None = None) -> TerminalSession:
        return TerminalSession(
            [str(SURVEYS), "--local", *arguments], cwd=self.folder, env=self.env(), answers=answers
        )

    # --- what the tests check the commands against -----------------------------------------

    def surveys_table(self) -> dict[str, dict[str, Any]]:
        return {item["survey_id"]: item for item in self.runtime.table_items("SurveysTable")}

    def pending_writebacks(self) -> set[str]:
        return {
            survey_id
            for survey_id, survey in self.surveys_table().items()
            if survey.get("writeback_pending")
        }

    def visible_messages(self, queue: str) -> int:
        attributes = self.runtime.moto.client("sqs").get_queue_attributes(
            QueueUrl=self.runtime.resolver.names.refs[queue],
            AttributeNames=["ApproximateNumberOfMessages"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def notes(self, survey_id: str) -> list[str]:
        conversation_id = survey_id.split("-", 1)[1]
        return [
            line
            for note in self.kustomer.notes_for(conversation_id)
            for line in str(note["attributes"]["body"]).splitlines()
            if line.startswith(REFERENCE)
        ]

    def store_kustomer_key(self, key: str) -> None:
        secret = self.runtime.environment("ScannerFunction")["KUSTOMER_API_KEY_SECRET"]
        self.runtime.moto.client("secretsmanager").put_secret_value(
            SecretId=secret, SecretString=key
        )

    def trigger(self, metric: str) -> dict[str, Any]:
        return dict(self.json("trigger", "show", metric))

    def trigger_active(self, metric: str) -> bool:
        """As the table holds it."""
        [item] = [
            item
            for item in self.runtime.table_items("StateTable")
            if item["key"] == f"trigger#{metric}"
        ]
        return bool(json.loads(item["settings"])["active"])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One runtime for the module, seeded like `make serve`: agents, teams, and surveys sent
    for the demo's conversations."""
    folder = tmp_path_factory.mktemp("served")
    kustomer = KustomerSimulator(api_key=SIMULATOR_KEY)
    kustomer.start()
    kustomer.seed_demo()
    runtime = start_runtime(kustomer, BackfillHours="720")
    runtime.import_agents()
    runtime.scan()
    runtime.deliver()
    stack_file = folder / "stack.json"
    runtime.stack().write_local_file(stack_file)
    yield Served(runtime, kustomer, stack_file, folder)
    runtime.stop()
    kustomer.stop()


def due_conversations(served: Served, count: int) -> list[str]:
    """Conversations due a survey, each of another customer (one survey a month each). They
    went quiet before the scan's watermark, so the CES trigger is activated again, with its
    backfill, as an admin would."""
    now = datetime.now(UTC)
    conversations = [
        add_due_conversation(served.kustomer, now, emails=(f"customer-{uuid4().hex}@example.com",))
        for _ in range(count)
    ]
    served.runtime.set_trigger("ces", now=now)
    return conversations


def rated_but_not_written_back(served: Served, count: int) -> list[str]:
    """Surveys sent and answered whose writeback has not run: as when the stream gave up."""
    now = datetime.now(UTC)
    conversations = due_conversations(served, count)
    served.runtime.scan(now)
    served.runtime.deliver()
    survey_ids = [f"ces-{conversation}" for conversation in conversations]
    for sent in served.runtime.sent_emails():
        if sent.survey_id in survey_ids:
            assert answer(sent.rating_links()[6], 6, "Fine").status_code == 200
    assert set(survey_ids) <= served.pending_writebacks()
    return survey_ids


def failed_to_send(served: Served, count: int) -> list[str]:
    """Surveys queued whose sending failed until SQS moved them to the dead-letter queue."""
    conversations = due_conversations(served, count)
    served.runtime.scan()
    sqs = served.runtime.moto.client("sqs")
    queue, dead_letters = (
        served.runtime.resolver.names.refs[name]
        for name in ("SurveyQueue", "SurveyDeadLetterQueue")
    )
    moved, deadline = 0, time.monotonic() + 30
    while moved < count and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            sqs.send_message(QueueUrl=dead_letters, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return [f"ces-{conversation}" for conversation in conversations]


def a_writeback_dead_letter(served: Served) -> None:
    """What the stream leaves in the writeback DLQ after giving up on a batch."""
    served.runtime.moto.client("sqs").send_message(
        QueueUrl=served.runtime.resolver.names.refs["WritebackDeadLetterQueue"],
        MessageBody=json.dumps({"DDBStreamBatchInfo": {"batchSize": 1}}),
    )


# --- reaching the runtime -----------------------------------------------------------------------


def test_local_needs_no_file_argument_and_another_file_can_be_named(served: Served) -> None:
    by_variable = served.surveys("trigger", "show", "ces")
    by_argument = subprocess.run(
        [str(SURVEYS), "--local-file", str(served.stack_file), "trigger", "show", "ces"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    missing = subprocess.run(
        [str(SURVEYS), "--local", "trigger", "show", "ces"],
        env=served.env(SURVEYS_LOCAL_FILE=str(served.folder / "gone.json")),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )

    assert by_variable.returncode == 0, by_variable.stderr
    assert "ces: a Customer Effort Score (ces) program" in by_variable.stdout
    assert by_argument.returncode == 0, by_argument.stderr
    assert by_argument.stdout == by_variable.stdout
    assert missing.returncode == 2
    assert "no local runtime is running" in missing.stderr
    assert "make serve" in missing.stderr


# --- JSON for scripts ---------------------------------------------------------------------------


def test_trigger_show_and_changes_print_json(served: Served) -> None:
    shown = served.trigger("nps")
    changed = served.json("trigger", "set", "nps", "delay_hours=24", "exclude_tags=spam")
    activated = served.json("trigger", "activate", "nps", "--yes")
    deactivated = served.json("trigger", "deactivate", "nps", "--yes")
    again = served.json("trigger", "deactivate", "nps")

    assert (shown["metric"], shown["active"], shown["delay_hours"]) == ("nps", False, 48)
    assert changed["result"] == "updated"
    assert changed["changed"] == {
        "delay_hours": {"before": 48.0, "after": 24.0},
        "exclude_tags": {"before": [], "after": ["spam"]},
    }
    assert changed["trigger"]["exclude_tags"] == ["spam"]
    assert (activated["result"], activated["trigger"]["active"]) == ("activated", True)
    assert set(activated["changed"]) == {"active", "activated_at"}
    assert (deactivated["result"], deactivated["trigger"]["active"]) == ("deactivated", False)
    assert (again["result"], again["changed"]) == ("unchanged", {})
    assert served.trigger("nps")["delay_hours"] == 24


def test_agents_connect_and_sending_print_json(served: Served) -> None:
    listed = served.json("agents", "list")
    synced = served.json("agents", "sync")
    connected = served.json("connect", stdin=f"{SIMULATOR_KEY}\n")
    sending = served.json("sending", "show")
    resumed = served.json("sending", "resume")

    names = sorted(name for name, _ in AGENTS)
    assert sorted(agent["name"] for agent in listed["agents"]) == names
    assert all(datetime.fromisoformat(agent["synced_at"]) for agent in listed["agents"])
    assert (synced["imported"], synced["added"], synced["removed"]) == (len(names), [], [])
    assert synced["teams"]["not_imported_because"] is None
    assert connected["key_stored"] is False
    assert {"cesScoreNum", "cesCommentTxt"} <= set(connected["attributes_present"])
    assert connected["agents"]["imported"] == len(names)
    assert "POST /v1/customers/search" in connected["calls_checked"]
    assert sending["paused"] is False
    assert sending["limits"] == {"bounce_rate": 0.04, "complaint_rate": 0.0008}
    assert resumed["was_paused"] is False and resumed["resumed"] is False


def test_doctor_prints_json_with_every_finding(served: Served) -> None:
    result = served.surveys("doctor", "--output", "json")
    doctor = json.loads(result.stdout)

    assert result.returncode == (1 if doctor["blocks_sending"] else 0)
    verdicts = {finding["check"]: finding["verdict"] for finding in doctor["findings"]}
    assert verdicts["SES identity"] == "ok"
    assert verdicts["Triggers"] == "ok"
    assert verdicts["Survey dead letters"] in ("ok", "warn")
    assert all(
        set(finding) == {"check", "verdict", "detail", "fix"} for finding in doctor["findings"]
    )


def test_report_prints_json_and_csv_counting_what_the_table_holds(served: Served) -> None:
    report = served.json("report", "--metric", "ces", "--by", "agent")
    exported = served.surveys("report", "--metric", "ces", "--by", "agent", "--format", "csv")

    sent = [survey for survey in served.surveys_table().values() if survey["status"] == "sent"]
    assert report["overall"]["sent"] == sum(survey["metric"] == "ces" for survey in sent)
    assert report["by"] == "agent"
    assert sum(group["sent"] for group in report["groups"]) == report["overall"]["sent"]
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert rows[0]["group"] == "all"
    assert int(rows[0]["sent"]) == report["overall"]["sent"]
    assert [row["group"] for row in rows[1:]] == [group["group"] for group in report["groups"]]


# --- exit codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("trigger", "show", "xps"), "no program named 'xps'"),
        (("report", "--since", "yesterday"), "--since 'yesterday': give 48h, 30d, 12w"),
        (("trigger", "set", "ces", "delay_hours=0"), "greater than or equal to 1"),
    ],
)
def test_bad_input_is_refused_with_exit_2_and_a_reason(
    served: Served, arguments: tuple[str, ...], message: str
) -> None:
    before = served.runtime.table_items("StateTable")

    result = served.surveys(*arguments)

    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert served.runtime.table_items("StateTable") == before


def test_a_redrive_kustomer_refuses_exits_1_and_keeps_the_ratings_pending(served: Served) -> None:
    [survey_id] = rated_but_not_written_back(served, 1)
    served.store_kustomer_key("a-key-revoked-in-kustomer")
    try:
        result = served.surveys("redrive", "writebacks", "--yes", "--output", "json")
    finally:
        served.store_kustomer_key(SIMULATOR_KEY)

    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)["writebacks"]
    assert report["complete"] is False
    assert "Kustomer answered 401" in report["stopped_because"]
    assert (report["still_failing"], report["dead_letters_cleared"]) == (1, 0)
    assert survey_id in served.pending_writebacks()
    assert served.notes(survey_id) == []
    assert served.surveys("redrive", "writebacks", "--yes").returncode == 0
    assert served.notes(survey_id) == [f"{REFERENCE}{survey_id} v1"]


# --- confirmation -------------------------------------------------------------------------------


def test_a_redrive_says_what_it_will_retry_and_changes_nothing_until_confirmed(
    served: Served,
) -> None:
    unsent = failed_to_send(served, 3)
    unwritten = rated_but_not_written_back(served, 2)
    a_writeback_dead_letter(served)
    surveys_waiting = served.visible_messages("SurveyDeadLetterQueue")
    writebacks_waiting = len(served.pending_writebacks())
    plan = f"{surveys_waiting} surveys and {writebacks_waiting} writebacks will be retried"

    def nothing_changed() -> None:
        assert served.visible_messages("SurveyDeadLetterQueue") == surveys_waiting
        assert served.visible_messages("WritebackDeadLetterQueue") == 1
        assert served.runtime.queue_depth("SurveyQueue") == 0
        assert set(unwritten) <= served.pending_writebacks()
        assert all(served.notes(survey_id) == [] for survey_id in unwritten)

    scripted = served.surveys("redrive")
    assert scripted.returncode == 2
    assert plan in scripted.stderr
    assert "no terminal to ask on: add --yes" in scripted.stderr
    nothing_changed()

    declined = served.terminal("redrive", answers={CONFIRM: "n\n"})
    assert declined.wait() == 2
    assert plan in declined.output
    assert "redrive not confirmed. Nothing was changed." in declined.output
    nothing_changed()

    confirmed = served.terminal("redrive", answers={CONFIRM: "y\n"})
    assert confirmed.wait() == 0, confirmed.output
    assert f"{surveys_waiting} surveys moved back to the survey queue" in confirmed.output
    assert served.visible_messages("SurveyDeadLetterQueue") == 0
    assert served.visible_messages("WritebackDeadLetterQueue") == 0
    assert not served.pending_writebacks()
    assert all(served.notes(survey_id) == [f"{REFERENCE}{survey_id} v1"] for survey_id in unwritten)
    served.runtime.deliver()
    table = served.surveys_table()
    assert all(table[survey_id]["status"] == "sent" for survey_id in unsent)


def test_deactivating_asks_first_and_a_no_leaves_the_trigger_active(served: Served) -> None:
    assert served.trigger_active("ces")

    declined = served.terminal("trigger", "deactivate", "ces", answers={CONFIRM: "\n"})

    assert declined.wait() == 2
    assert "The ces program will be deactivated" in declined.output
    assert "surveys wait on the survey queue" in declined.output
    assert served.trigger_active("ces")
    scripted = served.surveys("trigger", "deactivate", "ces")
    assert scripted.returncode == 2
    assert "no terminal to ask on" in scripted.stderr
    assert served.trigger_active("ces")


# --- Ctrl-C -------------------------------------------------------------------------------------


def test_ctrl_c_mid_redrive_finishes_the_rating_in_hand_and_a_rerun_goes_on(
    served: Served,
) -> None:
    survey_ids = rated_but_not_written_back(served, 12)
    a_writeback_dead_letter(served)
    # Kustomer slow enough that the redrive is still going when the admin presses Ctrl-C.
    served.kustomer.faults.latency_ms = 150
    try:
        redrive = served.terminal("redrive", "writebacks", answers={CONFIRM: "y\n"})
        redrive.expect("Writebacks [")
        deadline = time.monotonic() + 60
        while sum(bool(served.notes(survey_id)) for survey_id in survey_ids) < 3:
            assert time.monotonic() < deadline, redrive.output
            time.sleep(0.05)
        redrive.type(CTRL_C)
        code = redrive.wait()
    finally:
        served.kustomer.faults.latency_ms = 0

    assert code == 130, redrive.output
    assert "Ctrl-C: stopping after the work in hand" in redrive.output
    assert "Interrupted by Ctrl-C after the work in hand: nothing is half done" in redrive.output
    assert "Writeback dead-letter queue: 1 kept (interrupted" in redrive.output
    table, pending = served.surveys_table(), served.pending_writebacks()
    written = [survey_id for survey_id in survey_ids if survey_id not in pending]
    assert 3 <= len(written) < len(survey_ids)
    for survey_id in survey_ids:
        survey = table[survey_id]
        assert "writeback_lease_until" not in survey
        if survey_id in written:
            assert served.notes(survey_id) == [f"{REFERENCE}{survey_id} v1"]
            assert survey["writeback_status"] == "done"
        else:
            assert served.notes(survey_id) == []
    assert served.visible_messages("WritebackDeadLetterQueue") == 1

    rerun = served.surveys("redrive", "writebacks", "--yes", "--output", "json")

    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["writebacks"]["written"] == len(survey_ids) - len(written)
    assert not served.pending_writebacks()
    for survey_id in survey_ids:
        assert served.notes(survey_id) == [f"{REFERENCE}{survey_id} v1"]
    assert served.visible_messages("WritebackDeadLetterQueue") == 0


def many_surveys_sent(served: Served, count: int) -> None:
    """A year of surveys, as a large team's table holds them, written straight to the table."""
    dynamodb = served.runtime.moto.client("dynamodb")
    table = served.runtime.resolver.names.refs["SurveysTable"]
    # As PynamoDB's UTCDateTimeAttribute writes a time.
    sent_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
    for start in range(0, count, 25):
        dynamodb.batch_write_item(
            RequestItems={
                table: [
                    {
                        "PutRequest": {
                            "Item": {
                                "survey_id": {"S": f"csat-history{number:06d}"},
                                "conversation_id": {"S": f"history{number:06d}"},
                                "metric": {"S": "csat"},
                                "customer_id": {"S": f"customer{number:06d}"},
                                "status": {"S": "sent"},
                                "queued_at": {"S": sent_at},
                                "sent_at": {"S": sent_at},
                                "agent_name": {"S": "Maya Patel"},
                                "recipient": {"S": f"customer{number:06d}@example.com"},
                            }
                        }
                    }
                    for number in range(start, min(start + 25, count))
                ]
            }
        )


def test_a_long_report_shows_its_progress_and_ctrl_c_stops_it_writing_nothing(
    served: Served,
) -> None:
    many_surveys_sent(served, 8_000)
    html = served.folder / "csat.html"

    report = served.terminal("report", "--metric", "csat", "--html", str(html))
    # Reading the table, then the ratings of the period's surveys: either shows a bar.
    report.expect(" read [")
    report.type(CTRL_C)

    assert report.wait() == 130, report.output
    assert "Report stopped by Ctrl-C" in report.output
    assert "nothing changed or was written" in report.output
    assert "Customer Satisfaction" not in report.output
    assert not html.exists()
    assert list(served.folder.glob(".csat.html*")) == []
