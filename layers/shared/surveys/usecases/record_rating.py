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

from surveys.adapters.store.ratings import RatingItem, find_rating
from surveys.adapters.store.surveys import SurveyItem
from surveys.adapters.store.votes import VoteItem, keep_vote, record_vote
from surveys.domain import i18n
from surveys.domain.i18n import N_
from surveys.domain.link_keys import LinkKeys
from surveys.domain.metrics import Metric, Sentiment
from surveys.domain.reasons import labels, sort_chosen
from surveys.domain.tokens import TokenPurpose
from surveys.domain.triggers import TriggerSettings
from surveys.domain.votes import BrowserSignals, VoteVerdict, not_a_persons_browser
from surveys.observability import logger
from surveys.usecases.pages import (
    Page,
    VoteEffect,
    VoteOutcome,
    problem_page,
    rating_page_script,
    render_page,
)
from surveys.usecases.saved_ratings import Answer, burst_of, hold_burst, save_answer
from surveys.usecases.survey_links import RefusedLinkError, open_survey_link
from surveys.usecases.triggers import trigger_settings

COMMENT_LIMIT = 2000
# A page's form at most: as many names, and as many fields with `reason` repeated once per
# reason ticked (surveys/domain/reasons.py MOST_REASONS).
FORM_NAMES_LIMIT = 10
FORM_FIELDS_LIMIT = 20

CHANGES_NOT_ALLOWED = N_("Answers to this survey cannot be changed.")
CHANGE_WINDOW_PASSED = N_("The time to change your answer has passed. Thank you for answering.")
ALREADY_RECORDED = N_("Your answer is already recorded")
CONFIRM_NOTICE = N_("Please press Send to confirm your answer.")
UNKNOWN_REASON_NOTICE = N_(
    "A reason sent with your answer is not on this list, so nothing was saved. "
    "Please choose from the reasons below and send again."
)


def _open_survey(
    token: str, link_keys: LinkKeys, now: datetime, fallback_language: str
) -> tuple[SurveyItem, TriggerSettings]:
    survey = open_survey_link(token, link_keys, now, TokenPurpose.RATE, fallback_language)
    return survey, trigger_settings(survey.program_name)


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
            N_("That answer is not on the scale"),
            N_("Please choose a whole number from %(lowest)s to %(highest)s."),
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
        return CHANGES_NOT_ALLOWED
    if now > existing.rated_at + timedelta(hours=trigger.rating_change_window_hours):
        return CHANGE_WINDOW_PASSED
    return None


def unreadable_answer_page(accept_language: str | None) -> Page:
    return problem_page(
        400,
        N_("We could not read your answer"),
        N_("Please go back and send the form again."),
        i18n.preferred(accept_language),
    )


def _rating_page(
    survey: SurveyItem,
    trigger: TriggerSettings,
    *,
    chosen: int,
    comment: str,
    company_name: str,
    chosen_reasons: tuple[str, ...] = (),
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
        negative_scores=_negative_scores(metric),
        reasons=[(reason.id, reason.label_in(language)) for reason in trigger.reason_options],
        chosen_reasons=chosen_reasons,
        comment=comment,
        comment_limit=COMMENT_LIMIT,
        notice=i18n.text(notice, language) if notice else None,
        # The script's hash is in the page's Content-Security-Policy; escaping would change it.
        script=Markup(rating_page_script()),
    )


def _negative_scores(metric: Metric) -> list[int]:
    return [score for score in metric.scores if metric.sentiment(score) is Sentiment.NEGATIVE]


def show_rating_page(
    token: str,
    score_text: str | None,
    *,
    link_keys: LinkKeys,
    now: datetime,
    company_name: str,
    accept_language: str | None = None,
) -> Page:
    """The question with the chosen score preselected; records nothing."""
    try:
        survey, trigger = _open_survey(token, link_keys, now, i18n.preferred(accept_language))
        language = _language(survey, trigger)
        score = _score(score_text, trigger.metric_definition, language, trigger.brand_color)
    except RefusedLinkError as refused:
        return refused.page
    existing = find_rating(survey.survey_id)
    refusal = _change_refusal(existing, trigger, now)
    if refusal is not None:
        return problem_page(200, ALREADY_RECORDED, refusal, language, trigger.brand_color)
    return _rating_page(
        survey,
        trigger,
        chosen=score,
        comment=(existing.comment if existing else None) or "",
        chosen_reasons=tuple(existing.reasons or ()) if existing else (),
        company_name=company_name,
    )


def _held_page(survey: SurveyItem, trigger: TriggerSettings) -> Page:
    return problem_page(
        409,
        N_("Your answer is not counted yet"),
        N_(
            "We received several different answers within a few seconds, as email security "
            "scanners send them. If it was you, please choose your answer again in a minute."
        ),
        _language(survey, trigger),
        trigger.brand_color,
    )


def submit_rating(
    token: str,
    score_text: str | None,
    comment_text: str | None,
    reason_ids: list[str] | None = None,
    *,
    signals: BrowserSignals,
    link_keys: LinkKeys,
    now: datetime,
    company_name: str,
    accept_language: str | None = None,
) -> Page:
    """Record the answer sent from the rating page. Reasons ride with the score and count only
    with it: they are kept with a negative score, left out with another, and a reason the page
    did not offer refuses the whole answer."""
    try:
        survey, trigger = _open_survey(token, link_keys, now, i18n.preferred(accept_language))
        language = _language(survey, trigger)
        metric = trigger.metric_definition
        score = _score(score_text, metric, language, trigger.brand_color)
    except RefusedLinkError as refused:
        return refused.page
    comment = clean_comment(comment_text)
    known_reasons, unknown_reasons = sort_chosen(trigger.reason_options, reason_ids or [])
    if metric.sentiment(score) is not Sentiment.NEGATIVE:
        known_reasons = ()

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
            answer_reasons=sorted(set(reason_ids or [])),
            retain_until=survey.retain_until,
        )

    def page_again(status: int, notice: str) -> Page:
        return _rating_page(
            survey,
            trigger,
            chosen=score,
            comment=comment or "",
            chosen_reasons=known_reasons,
            company_name=company_name,
            status=status,
            notice=notice,
        )

    log_keys = {"survey_id": survey.survey_id, "score": score}
    suspect = VoteOutcome(survey.survey_id, metric.key, score, VoteEffect.SUSPECT)
    not_a_person = not_a_persons_browser(signals)
    existing = find_rating(survey.survey_id)
    refusal = _change_refusal(existing, trigger, now)
    if not_a_person or refusal or unknown_reasons:
        reasons = (
            not_a_person
            or ([f"answer can no longer be changed ({refusal})"] if refusal else [])
            or [f"reasons not offered by the page: {', '.join(unknown_reasons)}"]
        )
        dropped = vote(VoteVerdict.DROPPED, reasons)
        logger.info(
            "Vote dropped", extra={**log_keys, "vote_id": dropped.vote_id, "reasons": reasons}
        )
        if refusal:
            return problem_page(409, ALREADY_RECORDED, refusal, language, trigger.brand_color)
        if not_a_person:
            return replace(page_again(403, CONFIRM_NOTICE), vote=suspect)
        return page_again(400, UNKNOWN_REASON_NOTICE)
    # On record before it is judged, so that votes arriving at the same moment see each other.
    received = vote(VoteVerdict.RECEIVED, [])
    log_keys["vote_id"] = received.vote_id
    burst = burst_of(received, now)
    if burst:
        hold_burst(survey, burst, now)
        return replace(_held_page(survey, trigger), vote=suspect)
    rating, changed = save_answer(survey, Answer(score, comment, known_reasons), now)
    keep_vote(received, f"sent by a person's browser ({signals.sent_by})", int(rating.version or 1))
    # Judged again after counting: a vote of the same burst may have been saved meanwhile.
    burst = burst_of(received, now)
    if burst:
        hold_burst(survey, burst, now)
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
        reasons=labels(trigger.reason_options, known_reasons, language),
        comment=comment,
        changed=changed,
        company=trigger.company(company_name),
        can_change=trigger.rating_changes_allowed,
    )
    counted = VoteOutcome(survey.survey_id, metric.key, score, effect) if effect else None
    return replace(page, vote=counted)
