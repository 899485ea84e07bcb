"""Surveys at the ends of their life, in the surveys table: a person's surveys found for
`surveys forget` and `surveys export`, a forgotten survey's place kept, and the deletion date
given to surveys stored before retention existed (surveys/usecases/retention.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime, timedelta

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from surveys.adapters.store.surveys import SurveyItem, SurveyStatus
from surveys.adapters.store.tables import TableName, region
from surveys.domain.address_hash import normalized_address

# Longer than a survey request can wait on the queue unseen by forget: delayed (at most 15
# minutes a time) or being handled while forget ran.
FORGOTTEN_SURVEY_KEPT = timedelta(days=15)


class ForgottenSurveyItem(Model):
    """What `surveys forget` leaves of a survey in its place: the id and the status."""

    class Meta:
        table_name = TableName("surveys_table")
        region = region()

    survey_id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute(default=SurveyStatus.FORGOTTEN.value)
    retain_until = TTLAttribute()


def surveys_of(
    addresses: Collection[str], customer_ids: Collection[str], conversation_ids: Collection[str]
) -> list[SurveyItem]:
    """Every survey held (past its retention too) that was sent to one of these addresses, in
    any case, or surveys one of these customers or conversations. A scan of the whole table:
    erasure and access requests are rare, and are run by hand."""
    wanted = {normalized_address(address) for address in addresses}
    matching = [
        item.survey_id
        for item in SurveyItem.scan(
            attributes_to_get=["survey_id", "recipient", "customer_id", "conversation_id"]
        )
        if (item.recipient and normalized_address(item.recipient) in wanted)
        or item.customer_id in customer_ids
        or item.conversation_id in conversation_ids
    ]
    if not matching:
        return []
    return sorted(SurveyItem.batch_get(matching), key=lambda survey: survey.survey_id)


def forget_survey(survey: SurveyItem, now: datetime) -> None:
    """Put the survey's id and a forgotten status in place of the survey, for a while."""
    ForgottenSurveyItem(survey.survey_id, retain_until=now + FORGOTTEN_SURVEY_KEPT).save()


def surveys_kept_for_good() -> Iterator[SurveyItem]:
    """Surveys recorded before retention existed: without a deletion date."""
    return SurveyItem.scan(
        SurveyItem.retain_until.does_not_exist(), attributes_to_get=["survey_id", "queued_at"]
    )


def set_survey_retention(survey: SurveyItem, until: datetime) -> None:
    survey.update(actions=[SurveyItem.retain_until.set(until)])
