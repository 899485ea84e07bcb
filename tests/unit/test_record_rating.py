"""What is kept of the comment a recipient types."""

import pytest

from surveys.usecases.record_rating import COMMENT_LIMIT, clean_comment


@pytest.mark.parametrize("empty", [None, "", "   ", "\n\t \n", "\x00\x07", " \x1b "])
def test_empty_comment_is_none(empty):
    assert clean_comment(empty) is None


def test_control_characters_are_dropped():
    assert clean_comment("Great\x00 service\x07\x1b[0m!") == "Great service[0m!"


def test_line_breaks_and_tabs_are_kept():
    assert clean_comment("First line\nSecond\tline") == "First line\nSecond\tline"


def test_browser_line_breaks_become_newlines():
    assert clean_comment("First line\r\nSecond line") == "First line\nSecond line"


def test_surrounding_whitespace_is_trimmed():
    assert clean_comment("  \n Thanks!  \n") == "Thanks!"


def test_accents_and_emoji_are_kept():
    assert clean_comment("Très bien, merci 👍🏽 日本語") == "Très bien, merci 👍🏽 日本語"


def test_comment_is_capped_at_the_limit():
    assert len(clean_comment("x" * (COMMENT_LIMIT + 500))) == COMMENT_LIMIT
    exactly = "y" * COMMENT_LIMIT
    assert clean_comment(exactly) == exactly


def test_cap_applies_after_trimming_whitespace():
    assert clean_comment(" " * 50 + "z" * COMMENT_LIMIT) == "z" * COMMENT_LIMIT


@pytest.mark.parametrize(
    "written",
    ["Family \U0001f468\u200d\U0001f469\u200d\U0001f467", "\u0645\u06cc\u200c\u062e\u0648\u0627"],
    ids=["emoji-zwj-sequence", "persian-zwnj"],
)
def test_joiners_that_belong_to_the_text_are_kept(written):
    assert clean_comment(written) == written
