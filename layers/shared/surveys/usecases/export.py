"""Export: everything held about one person, as JSON, to answer an access request. It is what
`surveys forget` would erase (surveys/usecases/person_data.py), every stored attribute of it,
and says which Kustomer conversations hold the copy Kustomer keeps."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pynamodb.attributes import MapAttribute
from pynamodb.models import Model

from surveys.domain.address_hash import is_address_hash
from surveys.usecases.person_data import PersonData, PersonQuery

KUSTOMER_COPY = (
    "Kustomer keeps its own copy of answers (a note per answer, the score, comment and reasons "
    "as custom attributes, and a tag on a negative answer when the trigger sets one) and of "
    "unsubscribes, bounces and complaints (a note), on these conversations; the operator "
    "exports or erases it in Kustomer."
)


def _plain(value: Any) -> Any:
    """A stored value as JSON has it."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, MapAttribute):
        return {name: _plain(item) for name, item in value.attribute_values.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _stored(item: Model) -> dict[str, Any]:
    return {name: _plain(value) for name, value in sorted(item.attribute_values.items())}


def _message(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body


def export_person(query: PersonQuery, data: PersonData, now: datetime) -> dict[str, Any]:
    suppressions = [_stored(item) for item in data.suppressions]
    for entry in suppressions:
        if is_address_hash(str(entry["address"])):
            entry["address"] = "(kept as a keyed hash of the address, after an erasure)"
    return {
        "exported_at": now.isoformat(),
        "asked_for": {
            "email": sorted(query.addresses),
            "conversation": sorted(query.conversation_ids),
        },
        "addresses": sorted(data.addresses),
        "kustomer_customer_ids": sorted(data.customer_ids),
        "surveys": [_stored(survey) for survey in data.surveys],
        "ratings": [_stored(rating) for rating in data.ratings],
        "votes": [_stored(vote) for vote in data.votes],
        "suppressions": suppressions,
        "survey_fatigue_claims": [_stored(contact) for contact in data.contacts],
        "sender_idempotency_records": [_stored(record) for record in data.idempotency_records],
        "queued_messages": {
            held.name: [_message(letter.body) for letter in held.matching] for held in data.messages
        },
        "kustomer": {
            "explanation": KUSTOMER_COPY,
            "conversations": data.kustomer_conversations(),
        },
    }
