"""Rate: the pages behind a survey link, and recording the recipient's answer.

Opening a link (GET) only shows the question with the chosen score; an answer is recorded only
when a person sends it from that page in a browser, and a burst of different answers within
seconds is held as suspect: the link-scanner policy of surveys/domain/votes.py. Every vote is
kept in the audit with its verdict and reasons.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import datetime, timedelta

from markupsafe import Markup

from surveys.adapters.store.ratings import (
    RatingItem,
    find_rating,
    save_rating_version,
    withdraw_unwritten_rating,
)
from surveys.adapters.store.surveys import SurveyItem
from surveys.adapters.store.votes import VoteItem, hold_votes, keep_vote, record_vote, votes_since
from surveys.domain import i18n
from surveys.domain.metrics import Metric
from surveys.domain.tokens import TokenPurpose
from surveys.domain.triggers import TriggerSettings
from surveys.domain.votes import (
    BURST_WINDOW,
    BrowserSignals,
    RecentVote,
    VoteVerdict,
    burst_reason,
    burst_with,
    not_a_persons_browser,
)
from surveys.observability import logger
from surveys.usecases.pages import (
    Page,
    VoteEffect,
    VoteOutcome,
    problem_page,
    rating_page_script,
    render_page,
)
from surveys.usecases.survey_links import RefusedLinkError, open_survey_link
from surveys.usecases.triggers import trigger_settings

COMMENT_LIMIT = 2000
# Versions kept for a writeback that comes late: any real change of mind, while a recipient
# clicking on and on cannot grow the item (up to 2,000 characters of comment each) unbounded.
KEPT_RATING_VERSIONS = 20


def _open_survey(
    token: str, signing_key: bytes, now: datetime, fallback_language: str
) -> tuple[SurveyItem, TriggerSettings]:
    survey = open_survey_link(token, signing_key, now, TokenPurpose.RATE, fallback_language)
    return survey, trigger_settings(survey.metric)


def _language(survey: SurveyItem, trigger: TriggerSettings) -> str:
    """The survey's language as it was sent."""
    return survey.language or trigger.language


_SCORE_TEXT = re.compile(r"-?[0-9]{1,3}")


def _score(text: str | None, metric: Metric, language: str, brand_color: str) -> int:
    if text is not None and _SCORE_TEXT.fullmatch(text.strip()):
        score = int(text.strip())
        if metric.is_valid_score(score):
            return score
    raise RefusedLinkError(
        problem_page(
            400,
            "off_scale_heading",
            "off_scale_explanation",
            language,
            brand_color,
            lowest=metric.lowest,
            highest=metric.highest,
        )
    )


# Bidirectional overrides can make a comment read differently in the note than it was typed.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _kept(char: str) -> bool:
    if char in "\n\t":
        return True
    category = unicodedata.category(char)
    # Format characters (Cf) such as the zero-width joiners are part of emoji and scripts.
    return category not in ("Cc", "Cs", "Co") and char not in _BIDI_CONTROLS


def clean_comment(text: str | None) -> str | None:
    """Drop control characters (keeping line breaks) and cap the length; None when empty."""
    if text is None:
        return None
    kept = "".join(char for char in text if _kept(char)).strip()[:COMMENT_LIMIT]
    return kept or None


def _change_refusal(
    existing: RatingItem | None, trigger: TriggerSettings, now: datetime
) -> str | None:
    """The page text saying why an earlier answer may no longer be changed; None when it may."""
    if existing is None:
        return None
    if not trigger.rating_changes_allowed:
        return "changes_not_allowed"
    if now > existing.rated_at + timedelta(hours=trigger.rating_change_window_hours):
        return "change_window_passed"
    return None


def unreadable_answer_page(accept_language: str | None) -> Page:
    return problem_page(
        400, "unreadable_heading", "unreadable_explanation", i18n.preferred(accept_language)
    )


def _rating_page(
    survey: SurveyItem,
    trigger: TriggerSettings,
    *,
    chosen: int,
    comment: str,
    company_name: str,
    status: int = 200,
    notice: str | None = None,
) -> Page:
    metric = trigger.metric_definition
    language = _language(survey, trigger)
    return render_page(
        "rating_page.html",
        status,
        language,
        trigger.brand_color,
        question=trigger.question_in(language, trigger.company(company_name)),
        chosen=chosen,
        scale=[(score, i18n.score_label(metric, score, language)) for score in metric.scores],
        comment=comment,
        comment_limit=COMMENT_LIMIT,
        notice=i18n.page_text(notice, language) if notice else None,
        # The script's hash is in the page's Content-Security-Policy; escaping would change it.
        script=Markup(rating_page_script()),
    )


def show_rating_page(
    token: str,
    score_text: str | None,
    *,
    signing_key: bytes,
    now: datetime,
    company_name: str,
    accept_language: str | None = None,
) -> Page:
    """The question with the chosen score preselected; records nothing."""
    try:
        survey, trigger = _open_survey(token, signing_key, now, i18n.preferred(accept_language))
        language = _language(survey, trigger)
        score = _score(score_text, trigger.metric_definition, language, trigger.brand_color)
    except RefusedLinkError as refused:
        return refused.page
    existing = find_rating(survey.survey_id)
    refusal = _change_refusal(existing, trigger, now)
    if refusal is not None:
        return problem_page(200, "already_recorded_heading", refusal, language, trigger.brand_color)
    return _rating_page(
        survey,
        trigger,
        chosen=score,
        comment=(existing.comment if existing else None) or "",
        company_name=company_name,
    )


def _save_rating(
    survey: SurveyItem,
    score: int,
    comment: str | None,
    now: datetime,
    forget_versions_from: int | None = None,
) -> tuple[RatingItem, bool]:
    """Store the answer; returns the rating and whether it changed an earlier answer.
    `forget_versions_from` leaves versions from that one on out of the history, so that the
    writeback never notes them (the votes of a burst)."""
    for _ in range(3):
        previous = find_rating(survey.survey_id)
        if previous is not None and (previous.score, previous.comment) == (score, comment):
            return previous, False
        rating = save_rating_version(
            survey,
            previous,
            score=score,
            comment=comment,
            now=now,
            keep_versions=KEPT_RATING_VERSIONS,
            forget_versions_from=forget_versions_from,
        )
        if rating is not None:
            return rating, previous is not None
        # Two submissions raced (a double click): read again and apply this one on top.
    raise RuntimeError(f"rating for {survey.survey_id} kept changing under us")


def _recent(survey_id: str, now: datetime) -> list[VoteItem]:
    return votes_since(survey_id, now - BURST_WINDOW)


def _as_recent(vote: VoteItem) -> RecentVote:
    return RecentVote(
        vote_id=vote.vote_id,
        score=int(vote.score),
        received_at=vote.received_at,
        verdict=VoteVerdict(vote.verdict),
        rating_version=int(vote.rating_version) if vote.rating_version else None,
    )


def _burst(vote: VoteItem, now: datetime) -> list[VoteItem]:
    """The votes of the last seconds that form a burst with `vote` (itself included); empty when
    there is none."""
    recent = _recent(vote.survey_id, now)
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
        _save_rating(survey, int(before[-1].score), before[-1].comment, now, first)
        return
    if first == 1 and not withdraw_unwritten_rating(rating, survey, now):
        logger.warning(
            "A burst's rating reached Kustomer before the burst was seen; it stays",
            extra={"survey_id": survey.survey_id},
        )


def _hold(survey: SurveyItem, burst: list[VoteItem], now: datetime) -> None:
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


def _held_page(survey: SurveyItem, trigger: TriggerSettings) -> Page:
    return problem_page(
        409, "held_heading", "held_explanation", _language(survey, trigger), trigger.brand_color
    )


def submit_rating(
    token: str,
    score_text: str | None,
    comment_text: str | None,
    *,
    signals: BrowserSignals,
    signing_key: bytes,
    now: datetime,
    company_name: str,
    accept_language: str | None = None,
) -> Page:
    try:
        survey, trigger = _open_survey(token, signing_key, now, i18n.preferred(accept_language))
        language = _language(survey, trigger)
        metric = trigger.metric_definition
        score = _score(score_text, metric, language, trigger.brand_color)
    except RefusedLinkError as refused:
        return refused.page
    comment = clean_comment(comment_text)

    def vote(verdict: VoteVerdict, reasons: list[str]) -> VoteItem:
        return record_vote(
            survey.survey_id,
            now,
            score=score,
            verdict=verdict,
            reasons=reasons,
            sent_by=signals.sent_by,
            user_agent=signals.user_agent or None,
            comment_length=len(comment or ""),
        )

    log_keys = {"survey_id": survey.survey_id, "score": score}
    suspect = VoteOutcome(survey.survey_id, metric.key, score, VoteEffect.SUSPECT)
    not_a_person = not_a_persons_browser(signals)
    existing = find_rating(survey.survey_id)
    refusal = _change_refusal(existing, trigger, now)
    if not_a_person or refusal:
        reasons = not_a_person or [f"answer can no longer be changed ({refusal})"]
        dropped = vote(VoteVerdict.DROPPED, reasons)
        logger.info(
            "Vote dropped", extra={**log_keys, "vote_id": dropped.vote_id, "reasons": reasons}
        )
        if refusal:
            return problem_page(
                409, "already_recorded_heading", refusal, language, trigger.brand_color
            )
        page = _rating_page(
            survey,
            trigger,
            chosen=score,
            comment=comment or "",
            company_name=company_name,
            status=403,
            notice="confirm_notice",
        )
        return replace(page, vote=suspect)
    # On record before it is judged, so that votes arriving at the same moment see each other.
    received = vote(VoteVerdict.RECEIVED, [])
    log_keys["vote_id"] = received.vote_id
    burst = _burst(received, now)
    if burst:
        _hold(survey, burst, now)
        return replace(_held_page(survey, trigger), vote=suspect)
    rating, changed = _save_rating(survey, score, comment, now)
    keep_vote(received, f"sent by a person's browser ({signals.sent_by})", int(rating.version or 1))
    # Judged again after counting: a vote of the same burst may have been saved meanwhile.
    burst = _burst(received, now)
    if burst:
        _hold(survey, burst, now)
        return replace(_held_page(survey, trigger), vote=suspect)
    logger.info("Rating recorded", extra={**log_keys, "version": rating.version})
    # The same answer sent twice changes nothing, and counts as nothing.
    effect = VoteEffect.RECORDED if existing is None else VoteEffect.CHANGED if changed else None
    page = render_page(
        "thanks_page.html",
        200,
        language,
        trigger.brand_color,
        score=score,
        score_label=i18n.score_label(metric, score, language),
        comment=comment,
        changed=changed,
        reads_every_answer=i18n.page_text(
            "reads_every_answer", language, company=trigger.company(company_name)
        ),
        can_change=trigger.rating_changes_allowed,
    )
    counted = VoteOutcome(survey.survey_id, metric.key, score, effect) if effect else None
    return replace(page, vote=counted)
