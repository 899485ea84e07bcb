"""What the recipient reads, in every language: gettext catalogs, one `.po` file per language in
surveys/locales, whose message ids are the English texts (so a text missing from a catalog shows
in English, never as a key). Adding a language is adding its file: the trigger's `language`
setting offers exactly the catalogs found there.

Each `.po` is compiled beside itself into the `.mo` read here with the standard library's
gettext (`make translations` writes both), fuzzy entries left out: a fuzzy entry shows in English
until a translator confirms it. Reading the `.po` itself would take Babel, about 90 ms of import
and 30 ms per language, paid by the first click on a cold rating page. `tests/unit/test_catalogs.py`
fails on a message missing from a catalog, left fuzzy, whose placeholders differ from the
English, or on a `.mo` that is not its `.po` compiled.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from surveys.domain.metrics import Metric

DEFAULT_LANGUAGE = "en"
LOCALES = resources.files("surveys") / "locales"


def N_(message: str) -> str:
    """Marks a text for the catalogs where it is written (gettext extractors look for `N_`),
    translated later where it is shown."""
    return message


def _catalog_languages() -> tuple[str, ...]:
    found = sorted(
        entry.name.removesuffix(".mo") for entry in LOCALES.iterdir() if entry.name.endswith(".mo")
    )
    if DEFAULT_LANGUAGE not in found:
        raise RuntimeError(f"surveys/locales has no {DEFAULT_LANGUAGE}.mo, the source catalog")
    return (DEFAULT_LANGUAGE, *(language for language in found if language != DEFAULT_LANGUAGE))


# The languages a trigger may choose, and a Kustomer locale may pick: one per catalog.
LANGUAGES = _catalog_languages()

QUESTIONS: dict[str, str] = {
    "ces": N_("%(company)s made it easy for me to handle my issue."),
    "csat": N_("How satisfied are you with the support you received?"),
    "nps": N_("How likely are you to recommend %(company)s to a friend or colleague?"),
}


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of `language` (English for a language without one)."""
    if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
        language = DEFAULT_LANGUAGE
    with (LOCALES / f"{language}.mo").open("rb") as compiled:
        return gettext.GNUTranslations(compiled)


Translate = Callable[..., str]


def translator(language: str) -> Translate:
    """`_ = translator(language)`, then `_("Hello %(name)s,", name=...)`: the text in
    `language`, its placeholders filled."""
    catalog = translations(language)

    def translate(message: str, **values: object) -> str:
        text = catalog.gettext(message)
        return text % values if values else text

    return translate


def text(message: str, language: str, **values: object) -> str:
    return translator(language)(message, **values)


def supported(language: str | None) -> str | None:
    """The catalog language for a Kustomer locale such as `de-at` or `en_US`, if any."""
    if not language:
        return None
    base = language.replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


def question(metric: Metric, language: str, company: str) -> str:
    return text(QUESTIONS[metric.key], language, company=company)


def score_label(metric: Metric, score: int, language: str) -> str:
    english = metric.score_labels.get(score)
    return text(english, language) if english else str(score)


def preferred(accept_language: str | None) -> str:
    """The first language of a browser's Accept-Language we speak, for pages that belong to no
    survey we know (a tampered or unknown link); English otherwise."""
    ranked = []
    for position, entry in enumerate((accept_language or "").split(",")):
        tag, _, parameters = entry.strip().partition(";")
        weight = 1.0
        if parameters.strip().startswith("q="):
            try:
                weight = float(parameters.strip()[2:])
            except ValueError:
                continue
        language = supported(tag.strip())
        if language and weight > 0:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE
