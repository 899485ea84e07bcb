"""The rating API's description (OpenAPI 3.1), for the tests and for anyone integrating: built
from the routes in app.py, which the function never imports it from.

Powertools describes the routes from their decorators. What the handlers read from the event
themselves (validation stays off: every answer is an HTML page, never a 422), what every page
carries and what API Gateway answers on its own are added here.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from surveys.domain.reasons import MOST_REASONS, REASON_ID
from surveys.usecases.pages import security_headers
from surveys.usecases.record_rating import FORM_FIELDS_LIMIT, FORM_NAMES_LIMIT


def _header(name: str, description: str, values: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if values:
        schema["enum"] = values
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": schema,
    }


_TOKEN = {
    "name": "token",
    "in": "path",
    "required": True,
    "description": "The signed, expiring survey link token from the email.",
    "schema": {"type": "string"},
}
_ACCEPT_LANGUAGE = _header(
    "Accept-Language",
    "Language of the pages that come before the survey is known (invalid, expired or unknown "
    "links); a survey's own pages are in the language it was sent in.",
)
_BROWSER = [
    _header(
        "Sec-Fetch-Site",
        "Fetch metadata; `same-origin` when sent from our own page.",
        ["same-origin", "same-site", "cross-site", "none"],
    ),
    _header(
        "Sec-Fetch-Mode",
        "Fetch metadata; `navigate` for the form, `cors`, `same-origin` or `no-cors` for the "
        "page's script.",
        ["navigate", "same-origin", "no-cors", "cors", "websocket"],
    ),
    _header("Sec-Fetch-User", "Fetch metadata; `?1` when a person's click or key sent the form."),
]
_SCALE = {"type": "integer", "minimum": 0, "maximum": 10}
_SCORE_DESCRIPTION = "A score on the survey's scale: CES 1-7, CSAT 1-5, NPS 0-10."


def _form_body(
    properties: dict[str, Any], required: list[str], repeated: tuple[str, ...] = ()
) -> dict[str, Any]:
    # Fields the handler does not know are ignored; more names than FORM_NAMES_LIMIT, or more
    # fields than FORM_FIELDS_LIMIT (a repeated field counts each time), make it unreadable.
    schema = {
        "type": "object",
        "properties": properties,
        "additionalProperties": {"type": "string"},
        "maxProperties": FORM_NAMES_LIMIT,
    }
    assert FORM_NAMES_LIMIT - 1 + MOST_REASONS <= FORM_FIELDS_LIMIT
    if required:
        schema["required"] = required
    media: dict[str, Any] = {"schema": schema}
    if repeated:
        # `reason=too_long&reason=other`: one field per value.
        media["encoding"] = {name: {"style": "form", "explode": True} for name in repeated}
    return {
        "required": bool(required),
        "content": {"application/x-www-form-urlencoded": media},
    }


_READ_FROM_THE_EVENT: dict[tuple[str, str], dict[str, Any]] = {
    ("/r/{token}", "get"): {
        "parameters": [
            {
                "name": "score",
                "in": "query",
                "required": True,
                "description": _SCORE_DESCRIPTION,
                "schema": _SCALE,
            },
            _ACCEPT_LANGUAGE,
        ],
    },
    ("/r/{token}", "post"): {
        "parameters": [_ACCEPT_LANGUAGE, *_BROWSER],
        "requestBody": _form_body(
            {
                "score": {**_SCALE, "description": _SCORE_DESCRIPTION},
                "comment": {
                    "type": "string",
                    "description": "Control characters are dropped; kept up to 2,000 characters.",
                },
                "reason": {
                    "type": "array",
                    "maxItems": MOST_REASONS,
                    "items": {"type": "string", "pattern": REASON_ID.pattern},
                    "description": (
                        'The ids of the reasons ticked under "What went wrong?" (the trigger\'s '
                        "`reasons`), one field each. Kept with a negative score (CES 1-3, CSAT "
                        "1-2, NPS 0-6), left out with any other; never an answer on their own. "
                        "An id the page did not offer refuses the answer with 400 and the page "
                        "again, saying why."
                    ),
                },
            },
            ["score"],
            repeated=("reason",),
        ),
    },
    ("/u/{token}", "get"): {"parameters": [_ACCEPT_LANGUAGE]},
    ("/u/{token}", "post"): {
        "parameters": [_ACCEPT_LANGUAGE, *_BROWSER],
        "requestBody": _form_body(
            {
                "List-Unsubscribe": {
                    "type": "string",
                    "description": "`One-Click` from a mail app (RFC 8058).",
                },
                "confirm": {"type": "string", "description": "Sent by the confirming page."},
            },
            [],
        ),
    },
}


def _security_headers() -> dict[str, Any]:
    """What security_headers() puts on every page, each value as the pages send it."""
    return {
        name: {"required": True, "schema": {"type": "string", "const": value}}
        for name, value in security_headers().items()
    }


_THROTTLED = {
    "description": "API Gateway throttled the request (the route limits in template.yaml).",
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"message": {"type": "string"}}}
        }
    },
}


def openapi_document(app: APIGatewayHttpResolver) -> dict[str, Any]:
    """The rating API as the links in survey emails use it, as an OpenAPI 3.1 document; `app`
    is the resolver of functions/rating_webhook/app.py."""
    document: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title="Survey links",
            version="1",
            description="The pages behind the links in survey emails. Every answer is HTML.",
        )
    )
    for (path, method), extra in _READ_FROM_THE_EVENT.items():
        operation = document["paths"][path][method]
        operation["parameters"] = [_TOKEN, *extra["parameters"]]
        if "requestBody" in extra:
            operation["requestBody"] = extra["requestBody"]
        for response in operation["responses"].values():
            response["headers"] = _security_headers()
        operation["responses"]["429"] = _THROTTLED
    # Powertools declares its validation errors whether validation is on or not.
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ResponseValidationError", "ValidationError"):
        schemas.pop(unused, None)
    if not schemas:
        document.pop("components", None)
    return document
