"""Forget: erase everything held about one person (an erasure request), as `surveys export`
shows it (surveys/usecases/person_data.py), and leave an audit record of the run.

Each survey is replaced by its id and a forgotten status for a couple of weeks, so a request for
it still delayed on the queue, or being handled while forget ran, sends nothing and records
nothing. A suppressed person stays suppressed: their suppression is kept under a keyed hash of
the address, with its reason and date only. Running it again finds nothing more to erase.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from surveys.adapters.store.erasures import record_erasure
from surveys.adapters.store.idempotency import erase_idempotency_records, idempotency_records_of
from surveys.adapters.store.ratings import erase_rating
from surveys.adapters.store.state import erase_customer_contact
from surveys.adapters.store.suppressions import keep_only_hash
from surveys.adapters.store.survey_lifecycle import forget_survey
from surveys.adapters.store.votes import erase_votes
from surveys.domain.address_hash import address_hash, is_address_hash
from surveys.observability import logger
from surveys.usecases.person_data import PersonData


@dataclass(frozen=True)
class ErasureReport:
    erased: dict[str, int]
    # Why the person stays suppressed, now under a keyed hash of the address; empty if not.
    still_suppressed: tuple[str, ...]
    # Survey requests delayed or being handled while the queues were read: a second run in a
    # quarter of an hour erases what they may have left (the sender sends none of them).
    unseen_messages: int
    kustomer_conversations: dict[str, list[str]]


def forget_person(
    data: PersonData, *, address_hash_key: bytes, now: datetime, erased_by: str, named_by: str
) -> ErasureReport:
    """Erase what `data` holds and record the run; `erased_by` is the operator's identity,
    `named_by` what named the person ("email" or "conversation")."""
    erased = data.counts()
    kustomer = data.kustomer_conversations()
    # The queued requests first, then the surveys, so nothing sends or records them again.
    for held in data.messages:
        held.erase()
    for survey in data.surveys:
        forget_survey(survey, now)
    for rating in data.ratings:
        erase_rating(rating)
    erase_votes(data.votes)
    for contact in data.contacts:
        erase_customer_contact(contact)
    for item in data.suppressions:
        if not is_address_hash(item.address):
            keep_only_hash(item, address_hash(item.address, address_hash_key))
    # Read again: the sender may have written one since, for a survey now forgotten.
    records = {record.id: record for record in data.idempotency_records}
    records.update(
        (record.id, record)
        for record in idempotency_records_of({survey.survey_id for survey in data.surveys})
    )
    erase_idempotency_records(list(records.values()))
    erased["idempotency records"] = len(records)
    record_erasure(now, erased_by, named_by, erased)
    logger.info("Person forgotten", extra={"erased": erased, "named_by": named_by})
    return ErasureReport(
        erased=erased,
        still_suppressed=tuple(sorted({item.reason for item in data.suppressions})),
        unseen_messages=sum(held.unseen for held in data.messages),
        kustomer_conversations=kustomer,
    )
