"""The survey link's pages: show the chosen score (GET), record the answer (POST); and the
unsubscribe link's: ask to confirm (GET), unsubscribe (POST, also RFC 8058 one-click)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from surveys.adapters.clock import utcnow
from surveys.bootstrap import event_bus, link_signing_keys
from surveys.config import settings
from surveys.domain.tokens import token_key_id
from surveys.domain.votes import BrowserSignals
from surveys.observability import logger, metrics
from surveys.telemetry import record_vote
from surveys.usecases.pages import Page, security_headers
from surveys.usecases.record_rating import (
    FORM_FIELDS_LIMIT,
    FORM_NAMES_LIMIT,
    show_rating_page,
    submit_rating,
    unreadable_answer_page,
)
from surveys.usecases.unsubscribe import show_unsubscribe_page, unsubscribe

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

app = APIGatewayHttpResolver()


# --- the API's description (OpenAPI): what each route answers ------------------------------------
# Every answer of these routes is an HTML page; the status says what happened.


def _page(description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


_INVALID_LINK = _page("The link is not valid: malformed, altered, or signed with another key.")
_UNKNOWN_SURVEY = _page("A valid link to a survey that does not exist or was never sent.")
_EXPIRED_LINK = _page(
    "The link has expired, or the key that signed it was retired: the survey is closed."
)
_UNREADABLE_FORM = (
    f"the form cannot be read (more than {FORM_NAMES_LIMIT} field names or {FORM_FIELDS_LIMIT} "
    "fields, or not UTF-8)"
)


def _html(page: Page) -> Response[str]:
    return Response(
        status_code=page.status,
        content_type="text/html; charset=utf-8",
        body=page.html,
        headers=security_headers(),
    )


def _accept_language() -> str | None:
    return app.current_event.headers.get("accept-language")


def _form() -> dict[str, list[str]] | None:
    """The posted form, or None when it cannot be read (too many fields, not UTF-8)."""
    try:
        fields = parse_qsl(
            app.current_event.decoded_body or "",
            keep_blank_values=True,
            max_num_fields=FORM_FIELDS_LIMIT,
        )
    except ValueError:
        return None
    if len({name for name, _ in fields}) > FORM_NAMES_LIMIT:
        return None
    form: dict[str, list[str]] = {}
    for name, value in fields:
        if value:
            form.setdefault(name, []).append(value)
    return form


@app.get(
    "/r/<token>",
    operation_id="showRatingPage",
    summary="Open a score link from the survey email",
    description=(
        "Shows the question with the chosen score preselected and a comment box, or says that "
        "the answer can no longer be changed. Records nothing: link scanners open every link."
    ),
    responses={
        200: _page("The rating page; or the page saying the answer can no longer be changed."),
        400: _page("The score is missing, not a whole number, or off the survey's scale."),
        403: _INVALID_LINK,
        404: _UNKNOWN_SURVEY,
        410: _EXPIRED_LINK,
    },
)
def open_link(token: str) -> Response[str]:
    score = app.current_event.get_query_string_value("score")
    return _html(
        show_rating_page(
            token,
            score,
            link_keys=link_signing_keys(needing=token_key_id(token)),
            now=utcnow(),
            company_name=settings().need("company_name"),
            accept_language=_accept_language(),
        )
    )


@app.post(
    "/r/<token>",
    operation_id="submitRating",
    summary="Send the answer from the rating page",
    description=(
        "Records the score, the reasons ticked with a negative score, and the comment, or "
        "changes an earlier answer while the trigger allows. "
        "It counts only when a person's browser sent it from the rating page (fetch metadata); "
        "several different scores within seconds are held as a link scanner's."
    ),
    responses={
        200: _page("Thank you: the answer is recorded (or updated, or was already recorded)."),
        400: _page(
            f"The score is missing or off the scale, or {_UNREADABLE_FORM}; or a reason was not "
            "one the page offered: the page is shown again saying so. Nothing is recorded."
        ),
        403: _page(
            "The link is not valid; or the form was not sent by a person's browser from the "
            "rating page, which is shown again asking to press Send. Nothing is recorded."
        ),
        404: _UNKNOWN_SURVEY,
        409: _page(
            "Not counted: the answer can no longer be changed, or it was one of a burst of "
            "different answers within seconds, held as suspect."
        ),
        410: _EXPIRED_LINK,
    },
)
def answer(token: str) -> Response[str]:
    form = _form()
    if form is None:
        return _html(unreadable_answer_page(_accept_language()))
    page = submit_rating(
        token,
        next(iter(form.get("score", [])), None),
        next(iter(form.get("comment", [])), None),
        form.get("reason", []),
        signals=BrowserSignals.from_headers(app.current_event.headers),
        link_keys=link_signing_keys(needing=token_key_id(token)),
        now=utcnow(),
        company_name=settings().need("company_name"),
        accept_language=_accept_language(),
    )
    record_vote(page.vote)
    return _html(page)


@app.get(
    "/u/<token>",
    operation_id="showUnsubscribePage",
    summary="Open the unsubscribe link from the survey email",
    description="Asks to confirm with a click; unsubscribes nobody.",
    responses={
        200: _page("The page asking to confirm the unsubscribe."),
        403: _INVALID_LINK,
        404: _UNKNOWN_SURVEY,
        410: _EXPIRED_LINK,
    },
)
def open_unsubscribe_link(token: str) -> Response[str]:
    return _html(
        show_unsubscribe_page(
            token,
            link_keys=link_signing_keys(needing=token_key_id(token)),
            now=utcnow(),
            company_name=settings().need("company_name"),
            accept_language=_accept_language(),
        )
    )


@app.post(
    "/u/<token>",
    operation_id="unsubscribe",
    summary="Unsubscribe: the confirming click, or a mail app's RFC 8058 one-click POST",
    description=(
        "No survey of any metric is sent to the address again. Honoured when a person's "
        "browser sent it from the confirming page, or when the body is exactly "
        "`List-Unsubscribe=One-Click` (RFC 8058)."
    ),
    responses={
        200: _page("Unsubscribed (also when the address already was)."),
        400: _page(f"Nothing changed: {_UNREADABLE_FORM}."),
        403: _page(
            "The link is not valid; or the request came neither from a person's browser on the "
            "confirming page nor as an RFC 8058 one-click POST: the page asks again."
        ),
        404: _UNKNOWN_SURVEY,
        410: _EXPIRED_LINK,
    },
)
def confirm_unsubscribe(token: str) -> Response[str]:
    form = _form()
    if form is None:
        return _html(unreadable_answer_page(_accept_language()))
    return _html(
        unsubscribe(
            token,
            form,
            signals=BrowserSignals.from_headers(app.current_event.headers),
            link_keys=link_signing_keys(needing=token_key_id(token)),
            now=utcnow(),
            company_name=settings().need("company_name"),
            events=event_bus(),
            accept_language=_accept_language(),
        )
    )


# Traced by Lambda (`Tracing: Active`) without the X-Ray SDK, which a page does not pay for; an
# answer's trace loads it to carry the survey's id (telemetry.record_vote).
@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
