"""The local runtime enforces each function's IAM role from template.yaml: take one permission a
function needs out of a copy of the template, and the run fails as it would in AWS, naming the
action and the resource it was refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local.kustomer_sim import KustomerSimulator
from local.recipient import send_form
from local.runtime import iam
from local.runtime.runtime import LocalRuntime, RuntimeOptions
from local.runtime.template import TEMPLATE_PATH
from tests.conftest import SIMULATOR_KEY, TEST_PARAMETERS
from tests.integration.helpers import add_due_conversation, surveys_by_id

NOW = datetime.now(UTC).replace(microsecond=0)


def _without(text: str, function: str, needed: str, weakened: str) -> str:
    """The template with `needed` replaced by `weakened` in one function's properties only."""
    start = text.index(f"\n  {function}:\n")
    end = text.index("\n  # ----", start)
    section = text[start:end]
    assert section.count(needed) == 1, f"{needed!r} is not once in {function}"
    return text[:start] + section.replace(needed, weakened) + text[end:]


@pytest.fixture
def weakened_runtime(
    request: pytest.FixtureRequest, simulator: KustomerSimulator, tmp_path: Path
) -> Iterator[LocalRuntime]:
    function, needed, weakened = request.param
    template = tmp_path / "template.yaml"
    template.write_text(
        _without(TEMPLATE_PATH.read_text(encoding="utf-8"), function, needed, weakened),
        encoding="utf-8",
    )
    runtime = LocalRuntime(
        RuntimeOptions(
            kustomer_api_key=SIMULATOR_KEY,
            parameters={
                **TEST_PARAMETERS,
                "KustomerOrgUrl": simulator.base_url,
                "BackfillHours": "720",
            },
            template_path=template,
        )
    ).start()
    runtime.set_trigger("ces")
    yield runtime
    runtime.stop()
    # The refusals were the point of the test, not a fault of the template.
    iam.denials.clear()


@pytest.mark.parametrize(
    "weakened_runtime",
    [
        (
            "SenderFunction",
            "Action: [ses:SendEmail, ses:SendRawEmail]",
            "Action: [ses:SendEmail]",
        )
    ],
    indirect=True,
)
def test_a_sender_without_ses_send_raw_email_sends_nothing_and_says_why(
    weakened_runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    conversation = add_due_conversation(simulator, NOW)
    weakened_runtime.scan(NOW)

    _, failed = weakened_runtime.deliver()

    assert weakened_runtime.sent_emails() == []
    assert failed >= 1
    assert surveys_by_id(weakened_runtime)[f"ces-{conversation}"]["status"] == "queued"
    refused = weakened_runtime.access_denied()
    assert refused, "the sender's send was not refused"
    assert all("assumed-role/local-SenderFunctionRole/" in message for message in refused)
    assert all("not authorized to perform: ses:SendRawEmail" in message for message in refused)
    assert all(
        "on resource: arn:aws:ses:us-east-1:123456789012:identity/surveys@acme.example.com"
        in message
        for message in refused
    )


@pytest.mark.parametrize(
    "weakened_runtime",
    [
        (
            "WritebackFunction",
            "Action: dynamodb:GetItem\n              Resource: !GetAtt RatingsTable.Arn",
            "Action: dynamodb:GetItem\n              Resource: !GetAtt VotesTable.Arn",
        )
    ],
    indirect=True,
)
def test_a_writeback_allowed_the_wrong_table_writes_nothing_back_and_says_why(
    weakened_runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    conversation = add_due_conversation(simulator, NOW)
    weakened_runtime.scan(NOW)
    weakened_runtime.deliver()
    [sent] = weakened_runtime.sent_emails()
    assert send_form(sent.rating_links()[6], 6, "").status_code == 200

    weakened_runtime.write_back()

    assert simulator.notes_for(conversation) == []
    refused = weakened_runtime.access_denied()
    assert refused, "the writeback's read of the rating was not refused"
    assert all(
        "assumed-role/local-WritebackFunctionRole/WritebackFunction is not authorized to "
        "perform: dynamodb:GetItem on resource: "
        "arn:aws:dynamodb:us-east-1:123456789012:table/local-RatingsTable" in message
        for message in refused
    )
    # Nothing is lost: the batch went to the writeback's dead-letter queue, sent with the
    # function's own role, which still allows that.
    assert weakened_runtime.queue_depth("WritebackDeadLetterQueue") == 1
