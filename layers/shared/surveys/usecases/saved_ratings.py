"""Saving an answer as the rating's next version, and undoing the votes of a burst: what the
rating page's POST does once a vote has passed the browser check (surveys/domain/votes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from surveys.adapters.store.ratings import (
    RatingItem,
    find_rating,
    save_rating_version,
    withdraw_unwritten_rating,
)
from surveys.adapters.store.surveys import SurveyItem
from surveys.adapters.store.votes import VoteItem, hold_votes, votes_since
from surveys.domain.votes import (
    BURST_WINDOW,
    RecentVote,
    VoteVerdict,
    burst_reason,
    burst_with,
)
from surveys.observability import logger

# Versions kept for a writeback that comes late: any real change of mind, while a recipient
# clicking on and on cannot grow the item (up to 2,000 characters of comment each) unbounded.
KEPT_RATING_VERSIONS = 20


@dataclass(frozen=True)
class Answer:
    score: int
    comment: str | None
    # Reason ids, in the trigger's order; empty unless the score is negative.
    reasons: tuple[str, ...] = ()


def _answer_of(rating: RatingItem) -> Answer:
    return Answer(int(rating.score), rating.comment, tuple(rating.reasons or ()))


def save_answer(
    survey: SurveyItem, answer: Answer, now: datetime, forget_versions_from: int | None = None
) -> tuple[RatingItem, bool]:
    """Store the answer; returns the rating and whether it changed an earlier answer.
    `forget_versions_from` leaves versions from that one on out of the history, so that the
    writeback never notes them (the votes of a burst)."""
    for _ in range(3):
        previous = find_rating(survey.survey_id)
        if previous is not None and _answer_of(previous) == answer:
            return previous, False
        rating = save_rating_version(
            survey,
            previous,
            score=answer.score,
            comment=answer.comment,
            reasons=list(answer.reasons),
            now=now,
            keep_versions=KEPT_RATING_VERSIONS,
            forget_versions_from=forget_versions_from,
        )
        if rating is not None:
            return rating, previous is not None
        # Two submissions raced (a double click): read again and apply this one on top.
    raise RuntimeError(f"rating for {survey.survey_id} kept changing under us")


def _as_recent(vote: VoteItem) -> RecentVote:
    return RecentVote(
        vote_id=vote.vote_id,
        score=int(vote.score),
        received_at=vote.received_at,
        verdict=VoteVerdict(vote.verdict),
        rating_version=int(vote.rating_version) if vote.rating_version else None,
    )


def burst_of(vote: VoteItem, now: datetime) -> list[VoteItem]:
    """The votes of the last seconds that form a burst with `vote` (itself included); empty when
    there is none."""
    recent = votes_since(vote.survey_id, now - BURST_WINDOW)
    others = {item.vote_id: item for item in recent if item.vote_id != vote.vote_id}
    burst = burst_with(int(vote.score), now, [_as_recent(item) for item in others.values()])
    return [others[item.vote_id] for item in burst] + [vote] if burst else []


def _undo_burst(survey: SurveyItem, burst: list[VoteItem], now: datetime) -> None:
    """Put the rating back to what it was before the burst's first counted vote."""
    counted = [int(vote.rating_version) for vote in burst if vote.rating_version]
    if not counted:
        return
    first = min(counted)
    rating = find_rating(survey.survey_id)
    if rating is None or int(rating.version or 0) < first:
        return
    before = [entry for entry in rating.history or [] if int(entry.version) < first]
    if before:
        last = before[-1]
        restored = Answer(int(last.score), last.comment, tuple(last.reasons or ()))
        save_answer(survey, restored, now, first)
        return
    if first == 1 and not withdraw_unwritten_rating(rating, survey, now):
        logger.warning(
            "A burst's rating reached Kustomer before the burst was seen; it stays",
            extra={"survey_id": survey.survey_id},
        )


def hold_burst(survey: SurveyItem, burst: list[VoteItem], now: datetime) -> None:
    scores = len({int(vote.score) for vote in burst})
    # Votes held by an earlier check of the same burst keep the reason they got then.
    hold_votes(
        [vote for vote in burst if vote.verdict != VoteVerdict.HELD.value],
        burst_reason(len(burst), scores),
    )
    _undo_burst(survey, burst, now)
    logger.warning(
        "Burst of different answers held as suspect",
        extra={"survey_id": survey.survey_id, "votes": len(burst), "scores": scores},
    )
