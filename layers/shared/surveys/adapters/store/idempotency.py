"""The sender's idempotency records, as Powertools Idempotency keeps them (its DynamoDB layer's
default attribute names). Powertools writes and reads them for the sender; here forget and
export find a person's among them.

A record's id is `<function>.<handler>#<md5 of the key>`, the key being SENDER_IDEMPOTENCY_KEY
picked from the survey request: the survey id, survey or reminder, and how often it was
deferred. A record that is
done also holds the outcome, which names the survey. Records expire an hour after they were
written (`expiration`, the table's TTL attribute)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from surveys.adapters.store.tables import TableName, region
from surveys.domain.survey_request import REQUEST_KINDS

# The idempotency key of a send (JMESPath over the survey request): a survey put back to wait
# for its send window, or while sending is paused, comes back as a new delivery, and a reminder
# is a delivery of its own.
SENDER_IDEMPOTENCY_KEY = "[survey_id, kind, deferrals]"
# Deferrals are at most 15 minutes apart: a year of them is more than any survey waits.
MOST_DEFERRALS = 365 * 24 * 4


class IdempotencyRecordItem(Model):
    class Meta:
        table_name = TableName("idempotency_table")
        region = region()

    id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute(null=True)
    expiration = NumberAttribute(null=True)
    data = UnicodeAttribute(null=True)


def _sender_key_hashes(survey_id: str) -> set[str]:
    """Every hash the sender's key can have for this survey: md5 of the key as JSON, as
    Powertools computes it (`json.dumps([survey_id, kind, deferrals], sort_keys=True)`), spelled
    out because it runs a year of deferrals per survey and kind."""
    encoded = json.dumps(survey_id)
    return {
        hashlib.md5(f'[{encoded}, "{kind}", {deferrals}]'.encode()).hexdigest()
        for kind in REQUEST_KINDS
        for deferrals in range(MOST_DEFERRALS + 1)
    }


def _names_survey(record: IdempotencyRecordItem, survey_ids: Collection[str]) -> bool:
    try:
        outcome = json.loads(record.data or "{}")
    except ValueError:
        return False
    return isinstance(outcome, dict) and outcome.get("survey_id") in survey_ids


def idempotency_records_of(survey_ids: Collection[str]) -> list[IdempotencyRecordItem]:
    """The sender's records of these surveys. A scan: the table holds only the last hours'
    records."""
    if not survey_ids:
        return []
    hashes = set().union(*(_sender_key_hashes(survey_id) for survey_id in survey_ids))
    return sorted(
        (
            record
            for record in IdempotencyRecordItem.scan(consistent_read=True)
            if record.id.rpartition("#")[2] in hashes or _names_survey(record, survey_ids)
        ),
        key=lambda record: record.id,
    )


def erase_idempotency_records(records: Collection[IdempotencyRecordItem]) -> None:
    with IdempotencyRecordItem.batch_write() as batch:
        for record in records:
            batch.delete(record)
