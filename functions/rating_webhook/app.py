"""The survey link's pages: show the chosen score (GET), record the answer (POST)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from surveys.adapters.store import utcnow
from surveys.bootstrap import link_signing_key
from surveys.config import settings
from surveys.observability import logger, tracer
from surveys.usecases.record_rating import (
    Page,
    show_rating_page,
    submit_rating,
    unreadable_answer_page,
)

app = APIGatewayHttpResolver()

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _html(page: Page) -> Response:
    return Response(
        status_code=page.status,
        content_type="text/html; charset=utf-8",
        body=page.html,
        headers=SECURITY_HEADERS,
    )


@app.get("/r/<token>")
def open_link(token: str) -> Response:
    score = app.current_event.get_query_string_value("score")
    return _html(
        show_rating_page(
            token,
            score,
            signing_key=link_signing_key(),
            now=utcnow(),
            company_name=settings().company_name,
        )
    )


@app.post("/r/<token>")
def answer(token: str) -> Response:
    try:
        form = parse_qs(app.current_event.decoded_body or "", max_num_fields=10)
    except ValueError:  # too many fields, or a body that is not UTF-8
        return _html(unreadable_answer_page())
    return _html(
        submit_rating(
            token,
            next(iter(form.get("score", [])), None),
            next(iter(form.get("comment", [])), None),
            signing_key=link_signing_key(),
            now=utcnow(),
            company_name=settings().company_name,
        )
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
