"""A full cycle of the surveys with every function and admin command that handles personal data,
run as its own process so that everything it logs and prints can be read whole: at DEBUG, with
the functions' EMF metrics written out as in Lambda.

`python -m tests.privacy_cycle FILE` writes the addresses and comments it seeded to FILE (as
JSON), never to its output; tests/e2e/test_nothing_personal.py then looks for them in the output.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli.main import main as surveys
from local.demo import COMMENTS, simulate_recipients
from local.kustomer_sim import KustomerSimulator
from local.recipient import answer, confirm_unsubscribe
from local.runtime.runtime import LocalRuntime, RuntimeOptions

FIXTURES = Path(__file__).resolve().parent / "fixtures"
API_KEY = "privacy-cycle-key"
# Comments the recipients below write themselves, beside the demo's.
OWN_COMMENTS = [
    "My name is Ana Lopez and the courier lost my parcel twice",
    "Call me back on +44 20 7946 0958, please",
]


def _ses_event(fixture: str, address: str, survey_id: str) -> str:
    text = (FIXTURES / fixture).read_text(encoding="utf-8")
    return text.replace("RECIPIENT", address).replace("SURVEY_ID", survey_id)


def run_cycle(seeded_file: Path) -> None:
    simulator = KustomerSimulator(api_key=API_KEY)
    simulator.start()
    simulator.seed_demo(eligible=10)
    runtime = LocalRuntime(
        RuntimeOptions(
            kustomer_api_key=API_KEY,
            parameters={
                "KustomerOrgUrl": simulator.base_url,
                "SenderAddress": "surveys@acme.example.com",
                "SenderName": "Acme Support",
                "CompanyName": "Acme",
                "BackfillHours": "720",
                "LogLevel": "DEBUG",
            },
        )
    ).start()
    # The functions publish their metrics as EMF lines on standard output, as in Lambda.
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"
    stack_file = Path(tempfile.mkdtemp()) / "stack.json"
    runtime.stack().write_local_file(stack_file)
    local = ["--local-file", str(stack_file)]
    try:
        runtime.set_trigger("ces")
        runtime.import_agents()
        runtime.scan()
        runtime.deliver()
        emails = sorted(runtime.sent_emails(), key=lambda sent: sent.survey_id)
        simulate_recipients(emails[:6])
        for sent, comment in zip(emails[6:8], OWN_COMMENTS, strict=True):
            answer(sent.rating_links()[2], 2, comment).raise_for_status()
        runtime.write_back()
        confirm_unsubscribe(emails[8].unsubscribe_link).raise_for_status()
        bounced = emails[9]
        runtime.publish(
            "SesEventsTopic",
            _ses_event("ses_bounce_event.json", bounced.recipients[0], bounced.survey_id),
        )
        runtime.publish(
            "SesEventsTopic",
            _ses_event("ses_complaint_event.json", emails[7].recipients[0], emails[7].survey_id),
        )
        runtime.reconcile(datetime.now(UTC) + timedelta(hours=2))
        runtime.scan()
        runtime.deliver()
        for command in (
            ["report", "--metric", "ces", "--since", "30d", "--by", "agent"],
            ["doctor"],
            ["trigger", "show", "ces"],
            ["sending", "show"],
            ["redrive", "--yes"],
            ["rotate-link-key"],
            ["forget", "--email", emails[6].recipients[0], "--yes"],
            ["forget", "--conversation", emails[8].survey_id.split("-", 1)[1], "--yes"],
        ):
            surveys([*local, *command])
        seeded = {
            "addresses": simulator.email_addresses(),
            "comments": [comment for comment in COMMENTS + OWN_COMMENTS if comment],
        }
        seeded_file.write_text(json.dumps(seeded), encoding="utf-8")
    finally:
        runtime.stop()
        simulator.stop()


if __name__ == "__main__":
    run_cycle(Path(sys.argv[1]))
