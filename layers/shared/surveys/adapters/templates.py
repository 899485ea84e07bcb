"""Jinja2 templates for the survey email and the pages; everything is autoescaped.

Templates write their texts as `_("English text", name=value)` (Jinja2's i18n extension, new
style: placeholders are filled and escaped by `_` itself), translated from the catalogs of
surveys/domain/i18n.py: one environment per language.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from surveys.domain import i18n


@cache
def _environment(language: str) -> Environment:
    environment = Environment(
        loader=PackageLoader("surveys", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        i18n.translations(language), newstyle=True
    )
    return environment


def render(template_name: str, language: str = i18n.DEFAULT_LANGUAGE, **context: Any) -> str:
    return _environment(language).get_template(template_name).render(language=language, **context)
