"""Which queued messages are a person's: those naming one of their addresses, surveys,
conversations or customers whole, however the message spells it."""

from __future__ import annotations

import json

import pytest

from surveys.usecases.person_data import naming_any

PERSON = naming_any({"an@example.com", "ces-6b00e9290000000000000004", "6b00e9290000000000000004"})


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"survey_id": "ces-6b00e9290000000000000004", "customer_id": "x"}),
        json.dumps({"conversation_id": "6b00e9290000000000000004"}),
        # An SNS event whose message is SES's notice, JSON inside JSON.
        json.dumps({"Message": json.dumps({"mail": {"destination": ["An@Example.com"]}})}),
        "smtp; 550 5.1.1 <an@example.com>: Recipient address rejected.",
        "mailbox an@example.com.",
    ],
)
def test_a_message_naming_the_person_is_theirs(body: str) -> None:
    assert PERSON.search(body)


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"mail": {"destination": ["jan@example.com"]}}),
        json.dumps({"mail": {"destination": ["an@example.com.au"]}}),
        json.dumps({"survey_id": "ces-6b00e92900000000000000041"}),
        json.dumps({"survey_id": "nps-6b00e9290000000000000005"}),
    ],
)
def test_a_message_naming_someone_else_is_not(body: str) -> None:
    assert not PERSON.search(body)


def test_nobody_named_matches_nothing() -> None:
    assert not naming_any(set()).search("anything at all")
