"""The gettext catalogs (layers/shared/surveys/locales/*.po): every text a recipient reads, in
every language a trigger offers. A message the code or a template uses that a catalog lacks,
leaves fuzzy or fills with other placeholders than the English fails here."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import CommandLineInterface, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from surveys.domain import i18n
from surveys.domain.metrics import METRICS
from surveys.domain.reasons import BUILT_IN_REASONS
from surveys.domain.triggers import LANGUAGES, TriggerSettings

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "layers/shared/surveys/locales"
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%[sd%]")


def used_messages() -> set[str]:
    """Every message the shared layer's code and templates use, found as `make translations`
    finds them (babel.cfg)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    return {
        message[2]
        for message in extract_from_dir(str(ROOT), method_map, options_map)
        if isinstance(message[2], str)
    }


USED = used_messages()


def catalog(language):
    with (LOCALES / f"{language}.po").open("rb") as source:
        return read_po(source, locale=language)


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def test_the_languages_offered_are_the_catalogs_found():
    assert sorted(LANGUAGES) == sorted(path.stem for path in LOCALES.glob("*.po"))
    assert sorted(LANGUAGES) == sorted(path.stem for path in LOCALES.glob("*.mo"))
    assert {"en", "de", "fr", "es", "sk", "it", "nl", "pt", "pl", "cs"} <= set(LANGUAGES)
    assert LANGUAGES[0] == i18n.DEFAULT_LANGUAGE


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_compiled_catalog_is_its_po_file_as_make_translations_compiles_it(language):
    compiled = BytesIO()
    write_mo(compiled, catalog(language), use_fuzzy=False)
    assert (LOCALES / f"{language}.mo").read_bytes() == compiled.getvalue(), (
        f"{language}.mo is not {language}.po compiled: run `make translations`"
    )


def test_a_trigger_refuses_a_language_without_a_catalog():
    with pytest.raises(ValueError, match="language must be one of en, "):
        TriggerSettings(metric="ces", language="ja")
    assert TriggerSettings(metric="ces", language="cs").language == "cs"


def test_the_extraction_finds_the_texts_of_code_templates_and_domain():
    assert "Send" in USED  # a page template
    assert "Hello %(name)s," in USED  # the email, composed in Python
    assert set(BUILT_IN_REASONS.values()) <= USED
    assert {label for metric in METRICS.values() for label in metric.score_labels.values()} <= USED


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_in_the_catalog_translated_and_confirmed(language):
    entries = {message.id: message for message in catalog(language) if message.id}
    missing = sorted(USED - set(entries))
    assert not missing, f"{language}.po lacks {missing}: run `make translations`, then translate"
    fuzzy = sorted(message_id for message_id in USED if entries[message_id].fuzzy)
    assert not fuzzy, f"{language}.po has fuzzy entries, not used until confirmed: {fuzzy}"
    obsolete = sorted(set(entries) - USED)
    assert not obsolete, f"{language}.po has messages nothing uses: {obsolete}"
    if language == i18n.DEFAULT_LANGUAGE:
        return  # the source catalog: an empty msgstr is the message id itself
    untranslated = sorted(message_id for message_id in USED if not entries[message_id].string)
    assert not untranslated, f"{language}.po leaves untranslated: {untranslated}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_has_the_placeholders_of_the_english(language):
    for message in catalog(language):
        if message.id and message.string:
            assert placeholders(message.string) == placeholders(message.id), (
                f"{language}.po: {message.string!r} has other placeholders than {message.id!r}"
            )


def test_a_fuzzy_entry_is_never_shown(tmp_path, monkeypatch):
    """A translation a tool guessed (fuzzy) shows in English until a translator confirms it:
    compiled as `make translations` compiles, the fuzzy entry is left out."""
    source = (LOCALES / "de.po").read_text(encoding="utf-8")
    fuzzy = source.replace('msgid "Send"\n', '#, fuzzy\nmsgid "Send"\n', 1)
    assert fuzzy != source
    (tmp_path / "de.po").write_text(fuzzy, encoding="utf-8")
    (tmp_path / "en.mo").write_bytes((LOCALES / "en.mo").read_bytes())
    compile_ = ["pybabel", "compile", "-i", str(tmp_path / "de.po"), "-o", str(tmp_path / "de.mo")]
    CommandLineInterface().run([*compile_, "-l", "de"])
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.text("Send", "de") == "Send"
        assert i18n.text("Your answer", "de") == "Ihre Antwort"
    finally:
        i18n.translations.cache_clear()


def test_every_score_of_every_scale_has_its_end_labels_in_each_language():
    for language in LANGUAGES:
        for metric in METRICS.values():
            for score in (metric.lowest, metric.highest):
                label = i18n.score_label(metric, score, language)
                assert label and label != str(score)
                if language != "en":
                    assert label != metric.label(score) or label == "Neutral", (language, label)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("de-AT,de;q=0.9,en;q=0.5", "de"),
        ("en-US,en;q=0.9", "en"),
        ("ja,fr;q=0.8,de;q=0.9", "de"),
        ("sk", "sk"),
        ("es-419", "es"),
        ("pt-BR,pt;q=0.9", "pt"),
        ("nl-BE", "nl"),
        ("ja, zh;q=0.5", "en"),
        ("fr;q=0, de;q=0.1", "de"),
        ("fr;q=abc, es", "es"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_pages_that_belong_to_no_survey_follow_the_browsers_languages(header, language):
    assert i18n.preferred(header) == language
