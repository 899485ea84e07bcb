"""Link scanners against the rating pages over real HTTP: what they do records nothing, and every
vote is on record with why it was kept, dropped or held."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from local.kustomer_sim import KustomerSimulator
from local.recipient import PERSON_CLICKING_SEND, scan_like_a_security_gateway, send_form
from local.runtime.runtime import LocalRuntime, SentEmail
from surveys.domain.votes import BURST_WINDOW
from tests.integration.helpers import add_due_conversation


@pytest.fixture
def sent(runtime: LocalRuntime, simulator: KustomerSimulator) -> SentEmail:
    add_due_conversation(simulator, datetime.now(UTC))
    runtime.scan(datetime.now(UTC))
    runtime.deliver()
    [message] = runtime.sent_emails()
    return message


def _rating(runtime: LocalRuntime, survey_id: str) -> dict[str, Any] | None:
    found = [item for item in runtime.table_items("RatingsTable") if item["survey_id"] == survey_id]
    return found[0] if found else None


def _votes(runtime: LocalRuntime, survey_id: str) -> list[dict[str, Any]]:
    votes = [item for item in runtime.table_items("VotesTable") if item["survey_id"] == survey_id]
    return sorted(votes, key=lambda vote: vote["vote_id"])


def _notes(simulator: KustomerSimulator, sent: SentEmail) -> list[str]:
    conversation = sent.survey_id.removeprefix("ces-")
    return [str(note["attributes"]["body"]) for note in simulator.notes_for(conversation)]


def test_a_scanner_that_fetches_every_link_and_posts_every_form_records_nothing(
    runtime: LocalRuntime, simulator: KustomerSimulator, sent: SentEmail
) -> None:
    links = [*sent.rating_links().values(), sent.unsubscribe_link]

    statuses = scan_like_a_security_gateway(links)

    assert statuses[: len(links)] == [200] * len(links)
    assert set(statuses[len(links) :]) == {403}
    assert _rating(runtime, sent.survey_id) is None
    assert runtime.table_items("SuppressionsTable") == []
    votes = _votes(runtime, sent.survey_id)
    assert len(votes) == 7
    assert {vote["verdict"] for vote in votes} == {"dropped"}
    assert {tuple(vote["reasons"]) for vote in votes} == {
        ("no fetch metadata: not sent by a current browser",)
    }
    runtime.write_back()
    assert _notes(simulator, sent) == []


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (
            {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-User": "?1"},
            "not sent from the rating page (Sec-Fetch-Site: cross-site)",
        ),
        (
            {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"},
            "form submitted without a person's click or key press",
        ),
    ],
    ids=["another-site", "no-click"],
)
def test_a_form_not_sent_by_a_person_on_the_page_is_asked_to_be_confirmed(
    runtime: LocalRuntime, sent: SentEmail, headers: dict[str, str], reason: str
) -> None:
    response = requests.post(
        sent.rating_links()[5].split("?")[0], data={"score": "5"}, headers=headers, timeout=10
    )

    assert response.status_code == 403
    assert "Please press Send to confirm your answer." in response.text
    assert 'name="score" value="5" checked' in response.text
    assert _rating(runtime, sent.survey_id) is None
    [vote] = _votes(runtime, sent.survey_id)
    assert (vote["verdict"], vote["reasons"]) == ("dropped", [reason])


def test_a_browser_clicking_every_score_within_seconds_is_held_and_counts_nothing(
    runtime: LocalRuntime, simulator: KustomerSimulator, sent: SentEmail
) -> None:
    responses = [send_form(link, score) for score, link in sent.rating_links().items()]

    # The first two look like a person correcting a slip; the third shows the burst.
    assert [response.status_code for response in responses] == [200, 200] + [409] * 5
    assert "Your answer is not counted yet" in responses[-1].text
    assert _rating(runtime, sent.survey_id) is None
    votes = _votes(runtime, sent.survey_id)
    assert [vote["verdict"] for vote in votes] == ["held"] * 7
    assert votes[0]["reasons"][-1] == "burst: 3 votes with 3 different scores within 10 s"
    runtime.write_back()
    assert _notes(simulator, sent) == []


def test_a_person_correcting_a_slip_within_seconds_is_counted(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    first = send_form(sent.rating_links()[3], 3)
    second = send_form(sent.rating_links()[5], 5, "Meant five")

    assert (first.status_code, second.status_code) == (200, 200)
    rating = _rating(runtime, sent.survey_id)
    assert rating is not None
    assert (rating["score"], rating["comment"], rating["version"]) == (5, "Meant five", 2)
    votes = _votes(runtime, sent.survey_id)
    assert [(vote["verdict"], vote["sent_by"], vote["rating_version"]) for vote in votes] == [
        ("kept", "form", 1),
        ("kept", "form", 2),
    ]
    assert votes[1]["comment_length"] == len("Meant five")
    assert votes[1]["user_agent"] == PERSON_CLICKING_SEND["User-Agent"]


def test_a_burst_after_a_real_answer_puts_that_answer_back_and_kustomer_never_sees_the_burst(
    runtime: LocalRuntime, simulator: KustomerSimulator, sent: SentEmail
) -> None:
    links = sent.rating_links()
    assert send_form(links[6], 6, "Great help").status_code == 200
    runtime.write_back()
    time.sleep(BURST_WINDOW.total_seconds() + 0.5)

    for score in (1, 2, 3, 4):
        send_form(links[score], score)

    rating = _rating(runtime, sent.survey_id)
    assert rating is not None
    assert (rating["score"], rating["comment"]) == (6, "Great help")
    runtime.write_back()
    notes = _notes(simulator, sent)
    assert len(notes) == 2
    assert all("6 out of 7" in note and "> Great help" in note for note in notes)
    custom = simulator.conversation(sent.survey_id.removeprefix("ces-"))["attributes"]["custom"]
    assert custom["cesScoreNum"] == 6
    verdicts = [vote["verdict"] for vote in _votes(runtime, sent.survey_id)]
    assert verdicts == ["kept", "held", "held", "held", "held"]


def test_a_get_or_head_never_records_a_vote(runtime: LocalRuntime, sent: SentEmail) -> None:
    for link in sent.rating_links().values():
        requests.get(link, headers=PERSON_CLICKING_SEND, timeout=10)
        requests.head(link, headers=PERSON_CLICKING_SEND, timeout=10)
    requests.get(sent.unsubscribe_link, headers=PERSON_CLICKING_SEND, timeout=10)

    assert _votes(runtime, sent.survey_id) == []
    assert _rating(runtime, sent.survey_id) is None
    assert runtime.table_items("SuppressionsTable") == []


def test_the_audit_keeps_no_comment_text(runtime: LocalRuntime, sent: SentEmail) -> None:
    send_form(sent.rating_links()[4], 4, "My phone number is 555-0100")

    [vote] = _votes(runtime, sent.survey_id)
    assert "555-0100" not in repr(vote)
    assert vote["comment_length"] == len("My phone number is 555-0100")
