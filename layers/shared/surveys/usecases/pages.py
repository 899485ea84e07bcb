"""What every page behind a survey link shares: its language, its problem pages, its script and
the security headers that let that script, and nothing else, run."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from surveys.adapters.templates import render
from surveys.domain import i18n
from surveys.domain.branding import DEFAULT_BRAND_COLOR


class VoteEffect(StrEnum):
    RECORDED = "recorded"
    CHANGED = "changed"
    # Dropped, or held with its burst, as a link scanner's rather than a person's.
    SUSPECT = "suspect"


@dataclass(frozen=True)
class VoteOutcome:
    """What an answer sent from a rating page did, for the function's metrics and traces."""

    survey_id: str
    metric: str
    score: int
    effect: VoteEffect


@dataclass(frozen=True)
class Page:
    status: int
    html: str
    vote: VoteOutcome | None = None


@cache
def rating_page_script() -> str:
    return render("rating_page.js")


@cache
def security_headers() -> dict[str, str]:
    """Nothing from another origin, no framing, no referrer (the URL carries the survey token),
    and of scripts only the rating page's own, pinned by its hash."""
    digest = hashlib.sha256(rating_page_script().encode("utf-8")).digest()
    script_hash = base64.b64encode(digest).decode("ascii")
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'sha256-{script_hash}'; "
            "style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


def render_page(
    template: str,
    status: int,
    language: str,
    brand_color: str = DEFAULT_BRAND_COLOR,
    **context: object,
) -> Page:
    """A page in `language`: its template translates its own texts."""
    return Page(status, render(template, language, brand_color=brand_color, **context))


def problem_page(
    status: int,
    heading: str,
    explanation: str,
    language: str,
    brand_color: str = DEFAULT_BRAND_COLOR,
    **values: object,
) -> Page:
    """A page that explains why a link cannot do what was asked; `heading` and `explanation`
    are English texts of the catalogs, marked with `N_` where they are written."""
    _ = i18n.translator(language)
    return render_page(
        "problem_page.html",
        status,
        language,
        brand_color,
        heading=_(heading),
        explanation=_(explanation, **values),
    )
