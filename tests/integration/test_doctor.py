"""`surveys doctor` against the local runtime (moto and the Kustomer simulator over HTTP), with a
stubbed DNS: the table it prints and its exit code."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cli.commands import doctor
from local.kustomer_sim import KustomerSimulator
from local.kustomer_sim.simulator import DEFAULT_ROLES
from local.runtime.runtime import LocalRuntime
from tests.conftest import SIMULATOR_KEY, start_runtime
from tests.dns_stub import StubDns
from tests.integration.helpers import add_due_conversation, publish_ses_reputation

NOW = datetime.now(UTC).replace(microsecond=0)
DMARC = StubDns(txt={"_dmarc.example.com": ["v=DMARC1; p=quarantine"]})


def rows(output: str) -> dict[str, tuple[str, str]]:
    """check -> (status, the finding's text, continuation lines and fix included)."""
    table: dict[str, tuple[str, str]] = {}
    last = ""
    for line in output.split("\n\n")[1].splitlines()[1:]:
        if line[:24].strip():
            last = line[:24].strip()
            table[last] = (line[24:32].strip(), line[32:])
        else:
            status, text = table[last]
            table[last] = (status, f"{text} {line.strip()}")
    return table


@pytest.fixture
def domain_stack(simulator: KustomerSimulator) -> Iterator[LocalRuntime]:
    runtime = start_runtime(simulator, BackfillHours="720", SenderDomain="acme.example.com")
    yield runtime
    runtime.stop()


def test_a_stack_that_can_send_exits_0_and_says_what_is_right(
    domain_stack: LocalRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    code = doctor.run(domain_stack.stack(), argparse.Namespace(), dns=DMARC)

    output = capsys.readouterr().out
    table = rows(output)
    assert code == 0, output
    assert output.startswith("Stack local (us-east-1), survey emails from surveys@acme.example.com")
    assert table["SES identity"] == ("ok", "acme.example.com (domain) verified")
    assert table["DKIM"] == ("ok", "signing as acme.example.com with 2048-bit keys")
    assert table["DMARC"] == ("ok", "_dmarc.example.com: p=quarantine")
    assert table["Kustomer key"][0] == "ok"
    assert "every call the surveys make is allowed (9 checked)" in table["Kustomer key"][1]
    assert table["Triggers"] == ("ok", "active: ces")
    assert table["Sending"][0] == "ok"
    assert table["Survey dead letters"] == ("ok", "empty")
    # What moto does not offer is reported, not hidden: no GetAccount, no MAIL FROM domain.
    assert table["SES account"] == ("warn", "could not check: GetAccount answered 404")
    assert table["MAIL FROM"][0] == "warn"
    assert output.rstrip().endswith("Nothing blocks sending; 2 warning(s)")


def test_without_a_sender_domain_dkim_and_spf_do_not_align(
    runtime: LocalRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    doctor.run(runtime.stack(), argparse.Namespace(), dns=StubDns())

    table = rows(capsys.readouterr().out)
    assert table["SES identity"] == ("ok", "surveys@acme.example.com (address) verified")
    assert table["DKIM"][0] == table["MAIL FROM"][0] == table["DMARC"][0] == "warn"
    assert "fix: deploy with SenderDomain=acme.example.com" in table["DKIM"][1]


def test_what_blocks_sending_exits_1_with_each_fix(capsys: pytest.CaptureFixture[str]) -> None:
    simulator = KustomerSimulator(
        api_key=SIMULATOR_KEY, roles=[role for role in DEFAULT_ROLES if role != "org.user.write"]
    )
    simulator.start()
    runtime = start_runtime(simulator, BackfillHours="720")
    try:
        publish_ses_reputation(runtime, NOW - timedelta(minutes=20), complaint=0.0012)
        add_due_conversation(simulator, NOW)
        runtime.scan(NOW)
        runtime.deliver()  # the sender pauses, and the survey waits on the queue
        runtime.set_trigger("ces", active=False)
        dead_letters = runtime.stack().resources["SurveyDeadLetterQueue"]
        runtime.moto.client("sqs").send_message(QueueUrl=dead_letters, MessageBody="{}")

        code = doctor.run(runtime.stack(), argparse.Namespace(), dns=DMARC)
    finally:
        runtime.stop()
        simulator.stop()

    output = capsys.readouterr().out
    table = rows(output)
    assert code == 1, output
    key_status, key = table["Kustomer key"]
    assert key_status == "FAIL"
    assert "POST /v1/notes needs org.user.note.write (part of org.user.write)" in key
    assert table["Triggers"] == (
        "FAIL",
        "no trigger is active: no survey is sent fix: surveys trigger activate ces (or csat, nps)",
    )
    sending_status, sending = table["Sending"]
    assert sending_status == "FAIL"
    assert "complaint rate for the account is 0.12 %" in sending
    assert "fix: find the cause (docs/runbook.md, sending-paused), then surveys sending resume" in (
        sending
    )
    assert table["Survey queue"] == (
        "ok",
        "0 waiting, 0 being sent, 1 delayed (send windows, or the pause)",
    )
    assert table["Survey dead letters"][0] == "warn"
    assert "fix: surveys redrive surveys" in table["Survey dead letters"][1]
    assert "\n3 problem(s) block sending" in output
