"""Everything held about one person, found for an access request (`surveys export`) or an
erasure (`surveys forget`), so that an export shows exactly what forget erases.

A person is named by an email address or by a conversation. They are whoever surveys went to:
the addresses and the Kustomer customers of those surveys, followed until no new one turns up
(a customer surveyed at two addresses is one person). What is held about them: their surveys
(the address, agent, language, writeback state), ratings (scores and comments, every version
kept), votes (the link-scanner audit, with the browser's user agent), the sender's idempotency
records of their surveys, the survey-fatigue claim on their customer, their suppression (also as
the keyed hash forget leaves), and survey requests still waiting on the queues. Kustomer keeps
its own copy (notes and custom attributes on conversations), which the operator handles there.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from surveys.adapters.dead_letter_queue import DeadLetter
from surveys.adapters.store.idempotency import IdempotencyRecordItem, idempotency_records_of
from surveys.adapters.store.ratings import RatingItem, ratings_of
from surveys.adapters.store.state import CustomerContactItem, customer_contacts_of
from surveys.adapters.store.suppressions import SuppressionItem, suppressions_of
from surveys.adapters.store.survey_lifecycle import surveys_of
from surveys.adapters.store.surveys import SurveyItem
from surveys.adapters.store.votes import VoteItem, votes_of
from surveys.domain.address_hash import address_hash, is_address_hash, normalized_address

# Where each kind of data forget erases is kept.
KEPT_IN = {
    "surveys": "surveys table",
    "ratings": "ratings table",
    "comments": "ratings table",
    "votes": "votes table",
    "idempotency records": "idempotency table",
    "survey-fatigue claims": "state table",
    "suppressions by address": "suppressions table (the suppression stays, as a keyed hash)",
    "queued messages": "survey queue and dead-letter queues",
}
# Long enough to read a large backlog whole, so no message is read twice; the messages that are
# not the person's are made visible again right after.
HOLD_MESSAGES_SECONDS = 300


class HeldQueue(Protocol):
    """A queue read whole, its messages held from other readers meanwhile."""

    def take_all(self, hide_for_seconds: int) -> list[DeadLetter]: ...

    def delete(self, letters: Sequence[DeadLetter]) -> None: ...

    def release(self, letters: Sequence[DeadLetter]) -> None: ...

    def not_visible(self) -> int: ...


@dataclass(frozen=True)
class QueueToSearch:
    name: str
    queue: HeldQueue


@dataclass
class HeldMessages:
    """One queue's messages that carry the person's data, held until erased or released."""

    name: str
    queue: HeldQueue
    matching: list[DeadLetter]
    # Delayed or being handled while the queue was read: unseen, maybe the person's.
    unseen: int

    def erase(self) -> int:
        erased = len(self.matching)
        self.queue.delete(self.matching)
        self.matching = []
        return erased


@dataclass(frozen=True)
class PersonQuery:
    addresses: frozenset[str] = frozenset()
    conversation_ids: frozenset[str] = frozenset()

    @property
    def named_by(self) -> str:
        """What named the person, for the audit (never the value)."""
        return "email" if self.addresses else "conversation"


@dataclass
class PersonData:
    addresses: set[str]
    customer_ids: set[str]
    surveys: list[SurveyItem]
    ratings: list[RatingItem]
    votes: list[VoteItem]
    suppressions: list[SuppressionItem]
    contacts: list[CustomerContactItem]
    idempotency_records: list[IdempotencyRecordItem]
    messages: list[HeldMessages] = field(default_factory=list)

    @property
    def conversation_ids(self) -> set[str]:
        return {survey.conversation_id for survey in self.surveys}

    @property
    def comments(self) -> int:
        """The different comments kept, in the ratings and the versions each keeps."""
        return sum(
            len(
                {entry.comment for entry in rating.history or [] if entry.comment}
                | ({rating.comment} if rating.comment else set())
            )
            for rating in self.ratings
        )

    def counts(self) -> dict[str, int]:
        """What is held, per kind, as forget reports and erases it."""
        plain = [item for item in self.suppressions if not is_address_hash(item.address)]
        return {
            "surveys": len(self.surveys),
            "ratings": len(self.ratings),
            "comments": self.comments,
            "votes": len(self.votes),
            "idempotency records": len(self.idempotency_records),
            "survey-fatigue claims": len(self.contacts),
            "suppressions by address": len(plain),
            "queued messages": sum(len(held.matching) for held in self.messages),
        }

    def kustomer_conversations(self) -> dict[str, list[str]]:
        """The conversations whose Kustomer copy holds something of the person, and what."""
        held: dict[str, list[str]] = {}
        for survey in self.surveys:
            if survey.written_version or survey.note_attempt_version:
                held.setdefault(survey.conversation_id, []).append(
                    f"{survey.metric} rating note(s), custom attributes, maybe a negative tag"
                )
        for item in self.suppressions:
            if item.conversation_id and item.note_attempted:
                held.setdefault(item.conversation_id, []).append(
                    f"a note that the address {item.reason}"
                )
        return dict(sorted(held.items()))


def _person_surveys(query: PersonQuery) -> tuple[set[str], set[str], list[SurveyItem]]:
    """The person's addresses, customers and surveys, followed until nothing new turns up."""
    addresses = {normalized_address(address) for address in query.addresses}
    customers: set[str] = set()
    while True:
        surveys = surveys_of(addresses, customers, query.conversation_ids)
        found_addresses = {
            normalized_address(survey.recipient) for survey in surveys if survey.recipient
        }
        found_customers = {survey.customer_id for survey in surveys if survey.customer_id}
        if found_addresses <= addresses and found_customers <= customers:
            return addresses, customers, surveys
        addresses |= found_addresses
        customers |= found_customers


def naming_any(identifiers: Collection[str]) -> re.Pattern[str]:
    """Matches text naming one of the person's addresses, surveys, conversations or customers
    whole, in any form it was written in (a survey request, an SNS event holding SES's notice):
    `an@example.com` is not named by `jan@example.com`, nor `ces-c1` by `ces-c12`."""
    alternatives = "|".join(
        re.escape(identifier) for identifier in sorted(identifiers) if identifier
    )
    return re.compile(
        rf"(?<![\w.%+@-])(?:{alternatives})(?![\w%+@-]|\.\w)" if alternatives else r"(?!)",
        re.IGNORECASE,
    )


@contextmanager
def person_data(
    query: PersonQuery, address_hash_key: bytes, queues: Collection[QueueToSearch]
) -> Iterator[PersonData]:
    """What is held about the person. The queues' messages are held while the block runs; the
    ones that are not the person's, and theirs unless erased, are released after."""
    addresses, customers, surveys = _person_surveys(query)
    survey_ids = {survey.survey_id for survey in surveys}
    hashes = {address_hash(address, address_hash_key) for address in addresses}
    data = PersonData(
        addresses=addresses,
        customer_ids=customers,
        surveys=surveys,
        ratings=ratings_of(survey_ids),
        votes=votes_of(survey_ids),
        suppressions=suppressions_of(addresses, hashes),
        contacts=customer_contacts_of(customers),
        idempotency_records=idempotency_records_of(survey_ids),
    )
    theirs_pattern = naming_any(addresses | survey_ids | customers | data.conversation_ids)
    taken: list[tuple[HeldMessages, list[DeadLetter]]] = []
    try:
        for searched in queues:
            unseen = searched.queue.not_visible()
            letters = searched.queue.take_all(hide_for_seconds=HOLD_MESSAGES_SECONDS)
            theirs = [letter for letter in letters if theirs_pattern.search(letter.body)]
            others = [letter for letter in letters if letter not in theirs]
            held = HeldMessages(searched.name, searched.queue, theirs, unseen)
            taken.append((held, others))
            data.messages.append(held)
        yield data
    finally:
        for held, others in taken:
            held.queue.release([*others, *held.matching])
