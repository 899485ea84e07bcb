"""Every text a recipient reads exists in every language the triggers offer."""

import re

import pytest

from surveys.domain import i18n
from surveys.domain.metrics import METRICS
from surveys.domain.triggers import LANGUAGES

CATALOGS = {"question": i18n.QUESTIONS, "email": i18n.EMAIL_TEXT, "page": i18n.PAGE_TEXT}


def placeholders(text):
    return sorted(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("catalog", list(CATALOGS))
def test_every_text_is_translated_with_the_same_placeholders(catalog):
    for key, texts in CATALOGS[catalog].items():
        assert sorted(texts) == sorted(LANGUAGES), key
        english = placeholders(texts["en"])
        for language, text in texts.items():
            assert text.strip(), (key, language)
            assert placeholders(text) == english, (key, language)


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_every_score_of_every_scale_has_an_end_label_in_each_language(language):
    for metric in METRICS.values():
        labels = i18n.SCORE_LABELS[metric.key][language]
        assert metric.lowest in labels and metric.highest in labels


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("de-AT,de;q=0.9,en;q=0.5", "de"),
        ("en-US,en;q=0.9", "en"),
        ("ja,fr;q=0.8,de;q=0.9", "de"),
        ("sk", "sk"),
        ("es-419", "es"),
        ("ja, zh;q=0.5", "en"),
        ("fr;q=0, de;q=0.1", "de"),
        ("fr;q=abc, es", "es"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_pages_that_belong_to_no_survey_follow_the_browsers_languages(header, language):
    assert i18n.preferred(header) == language
