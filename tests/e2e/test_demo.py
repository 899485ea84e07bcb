"""`make demo` end to end: the local runtime as a newcomer runs it, in a separate process."""

from __future__ import annotations

import email
import json
import subprocess
import sys
from email.policy import default as default_policy
from pathlib import Path

import pytest

from local.kustomer_sim import BASE_CONTRACTS, MODES, UNFRIENDLY_MODES, KustomerSimulator
from local.recipient import send_form
from tests.e2e.serve import ServeProcess

REPO = Path(__file__).resolve().parents[2]


def _demo(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local.demo", "--port", "0", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_one_cycle_surveys_every_eligible_conversation_once_and_writes_answers_back(
    tmp_path: Path,
) -> None:
    outbox = tmp_path / "outbox"
    result = _demo("--outbox", str(outbox))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Demo OK" in result.stdout
    assert "Surveys emailed: 12 for 12 eligible conversations" in result.stdout
    assert "Second scan queued 0 new surveys" in result.stdout
    assert "Reminders three days later: 4, to those who had not answered; 1 answered" in (
        result.stdout
    )
    assert "Event on the bus: Survey Answered {'score': 2, 'sentiment': 'negative'" in (
        result.stdout
    )
    assert "Tags on the conversation in Kustomer: " in result.stdout
    surveys = sorted(outbox.glob("0*.eml"))
    # The 12 surveys, 4 reminders, and 2 surveys of conversations that went quiet meanwhile.
    assert len(surveys) == 18
    message = email.message_from_bytes(surveys[0].read_bytes(), policy=default_policy)
    assert message["X-Survey-Id"].startswith("ces-")
    assert message.get_body(preferencelist=("html",)) is not None
    alerts = sorted(outbox.glob("alert-*.eml"))
    assert alerts
    alert = email.message_from_bytes(alerts[0].read_bytes(), policy=default_policy)
    assert alert["To"] == "support-leads@acme.example.com"
    assert alert["Subject"].startswith("Negative CES answer")
    # The demo prints its own lines only; the functions' go to the outbox, at the template's
    # default level (INFO), one JSON document a line as CloudWatch would hold them.
    assert not [line for line in result.stdout.splitlines() if line.lstrip().startswith("{")]
    assert f"Function logs: {outbox / 'functions.log'}" in result.stdout
    logged = [json.loads(line) for line in (outbox / "functions.log").read_text().splitlines()]
    assert {line["function_name"] for line in logged} >= {
        "ScannerFunction",
        "SenderFunction",
        "RatingWebhookFunction",
        "WritebackFunction",
    }
    assert {"Survey queued", "Survey email accepted by SES"} <= {line["message"] for line in logged}


def test_verbose_prints_the_functions_log_lines() -> None:
    result = _demo("--verbose", "--no-simulated-clicks", "--eligible", "2")

    assert result.returncode == 0, result.stdout + result.stderr
    logged = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert "Survey email accepted by SES" in {line["message"] for line in logged}


def test_without_simulated_clicks_nothing_is_written_back() -> None:
    result = _demo("--no-simulated-clicks")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Answers recorded and written back as notes and attributes: 0" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--api-key", "k"], "--api-key goes with --kustomer-url"),
        (
            ["--kustomer-behaves", "legacy", "--kustomer-behaves", "documented"],
            "choose one of legacy or documented, not both",
        ),
        (
            ["--kustomer-url", "http://127.0.0.1:9", "--kustomer-behaves", "unsorted"],
            "--kustomer-behaves sets up the built-in simulator, not --kustomer-url",
        ),
        (["--kustomer-behaves", "sideways"], "invalid choice: 'sideways'"),
    ],
)
def test_bad_flags_are_refused_with_a_clear_message(arguments: list[str], message: str) -> None:
    result = _demo(*arguments)

    assert result.returncode == 2
    assert message in result.stderr


def test_help_names_every_simulator_mode() -> None:
    result = _demo("--help")

    assert result.returncode == 0
    for name in [*BASE_CONTRACTS, *MODES]:
        assert f"\n  {name} " in result.stdout


def test_the_simulator_starts_in_the_modes_asked_for() -> None:
    result = _demo(
        "--kustomer-behaves",
        "unsorted",
        "--kustomer-behaves",
        "reset-millis",
        "--no-simulated-clicks",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    behaves = "It behaves: x-ratelimit-reset as epoch-millis, no Retry-After, search sort ignored"
    assert behaves in result.stdout
    assert "Surveys emailed: 12 for 12 eligible conversations" in result.stdout


@pytest.mark.parametrize("mode", [mode.name for mode in UNFRIENDLY_MODES])
def test_the_whole_demo_passes_under_every_unfriendly_kustomer_behaviour(mode: str) -> None:
    """Each of Kustomer's documented behaviours that a client can get wrong, one at a time, with
    more conversations than one search page holds: every eligible conversation gets exactly one
    survey and every answer reaches Kustomer."""
    result = _demo("--kustomer-behaves", mode, "--eligible", "40", timeout=240)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Demo OK" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    if mode.startswith("teams-"):
        assert "Teams: not imported" in result.stdout


def test_serve_keeps_running_answers_a_real_click_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    serve = ServeProcess(tmp_path / "stack.json", scan_interval=0.2)
    try:
        link = serve.wait_for_line("Survey ", 60).rsplit(" ", 1)[1].strip()
        answer = send_form(link, 7)
        assert answer.status_code == 200
        assert "Thank you" in answer.text
        serve.wait_for_line("Writeback: 1 rating", 30)
    finally:
        code = serve.stop()
    assert code == 0, serve.output
    assert "Stopped." in serve.output


def test_runs_against_any_kustomer_compatible_api_given_url_and_key() -> None:
    simulator = KustomerSimulator(api_key="real-org-key")
    simulator.start()
    try:
        seeded = simulator.seed_demo()
        result = _demo("--kustomer-url", simulator.base_url, "--api-key", "real-org-key")
        searches = [path for _, path, _ in simulator.request_log if path.endswith("/search")]
    finally:
        simulator.stop()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "this is a dry run" in result.stdout
    sent = [
        line for line in result.stdout.splitlines() if line.startswith("ces-") and " sent " in line
    ]
    assert len(sent) == len(seeded.eligible)
    assert searches, "the demo never searched the given Kustomer"


def test_a_wrong_api_key_is_reported_not_hidden() -> None:
    simulator = KustomerSimulator(api_key="real-org-key")
    simulator.start()
    try:
        simulator.seed_demo()
        result = _demo("--kustomer-url", simulator.base_url, "--api-key", "wrong-key")
    finally:
        simulator.stop()

    assert result.returncode == 1
    # One clear line, before anything is scanned or sent, and no traceback.
    assert "Agents not imported: Kustomer refused the stored API key (401" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert "Scan:" not in result.stdout
