"""Votes: every answer a survey link received, counted or not, with the reasons: the audit of
the link-scanner defence (surveys/domain/votes.py)."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import UTC, datetime

from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from surveys.adapters.store.tables import TableName, region, retention_deadline
from surveys.domain.votes import VoteVerdict


class VoteItem(Model):
    class Meta:
        table_name = TableName("votes_table")
        region = region()

    survey_id = UnicodeAttribute(hash_key=True)
    # Time first, so a survey's votes of the last seconds are one range query.
    vote_id = UnicodeAttribute(range_key=True)
    received_at = UTCDateTimeAttribute()
    score = NumberAttribute()
    verdict = UnicodeAttribute()
    reasons = ListAttribute[str](default=list)
    sent_by = UnicodeAttribute()
    user_agent = UnicodeAttribute(null=True)
    # The reason ids sent with the score, known or not.
    answer_reasons = ListAttribute[str](null=True)
    # The length only: the comment itself is the rating's, and stays out of the audit.
    comment_length = NumberAttribute(default=0)
    # The rating version this vote saved, so a burst can undo exactly what it counted.
    rating_version = NumberAttribute(null=True)
    # Deleted with its survey (surveys.SurveyItem.retain_until).
    retain_until = TTLAttribute(null=True)


def _vote_time(moment: datetime) -> str:
    """Fixed width, so vote ids sort by time as strings."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_vote(
    survey_id: str,
    received_at: datetime,
    *,
    score: int,
    verdict: VoteVerdict,
    reasons: list[str],
    sent_by: str,
    user_agent: str | None,
    comment_length: int,
    retain_until: datetime | None,
    answer_reasons: list[str] | None = None,
) -> VoteItem:
    """`retain_until`: the survey's; a survey recorded before retention existed has none, and
    its votes are kept RetentionDays from now."""
    vote = VoteItem(
        survey_id,
        f"{_vote_time(received_at)}#{secrets.token_hex(4)}",
        received_at=received_at,
        score=score,
        verdict=verdict.value,
        reasons=reasons,
        sent_by=sent_by,
        user_agent=user_agent,
        comment_length=comment_length,
        answer_reasons=answer_reasons or None,
        retain_until=retain_until or retention_deadline(received_at),
    )
    vote.save()
    return vote


def keep_vote(vote: VoteItem, reason: str, rating_version: int) -> None:
    """The vote counted: it saved this rating version."""
    vote.update(
        actions=[
            VoteItem.verdict.set(VoteVerdict.KEPT.value),
            VoteItem.reasons.set([reason]),
            VoteItem.rating_version.set(rating_version),
        ]
    )


def votes_since(survey_id: str, since: datetime) -> list[VoteItem]:
    return list(
        VoteItem.query(survey_id, VoteItem.vote_id >= _vote_time(since), consistent_read=True)
    )


def hold_votes(votes: list[VoteItem], reason: str) -> None:
    for vote in votes:
        vote.update(
            actions=[
                VoteItem.verdict.set(VoteVerdict.HELD.value),
                VoteItem.reasons.set(VoteItem.reasons.append([reason])),
            ]
        )


def votes_of(survey_ids: Collection[str]) -> list[VoteItem]:
    """Every vote held on these surveys, past their retention too: for forget and export."""
    return [
        vote
        for survey_id in sorted(survey_ids)
        for vote in VoteItem.query(survey_id, consistent_read=True)
    ]


def set_votes_retention(survey_id: str, until: datetime) -> int:
    """Give the survey's votes their deletion date; how many."""
    votes = votes_of([survey_id])
    for vote in votes:
        vote.update(actions=[VoteItem.retain_until.set(until)])
    return len(votes)


def erase_votes(votes: Collection[VoteItem]) -> None:
    with VoteItem.batch_write() as batch:
        for vote in votes:
            batch.delete(vote)
