"""A brand colour is accepted only when text in it stays readable."""

import pytest

from surveys.domain.branding import DEFAULT_BRAND_COLOR, contrast_with_white
from surveys.domain.triggers import TriggerSettings
from surveys.domain.validated import InvalidInput


def test_the_default_colour_is_readable():
    assert contrast_with_white(DEFAULT_BRAND_COLOR) >= 4.5


@pytest.mark.parametrize("color", ["#000000", "#1F5FBF", "#7a1fa2", "#b44d12"])
def test_dark_colours_are_accepted(color):
    assert TriggerSettings(metric="ces", brand_color=color).brand_color == color.lower()


@pytest.mark.parametrize(
    ("color", "problem"),
    [
        ("#ffcc00", "contrasts 1.5:1 with white"),
        ("#ffffff", "contrasts 1.0:1 with white"),
        ("#3b82f6", "contrasts 3.7:1 with white"),
        ("blue", "is not a colour like #1f5fbf"),
        ("#12345", "is not a colour like #1f5fbf"),
        ("#1f5fbf;background:url(x)", "is not a colour like #1f5fbf"),
    ],
)
def test_light_or_malformed_colours_are_refused_with_the_reason(color, problem):
    with pytest.raises(InvalidInput, match=problem):
        TriggerSettings(metric="ces", brand_color=color)


@pytest.mark.parametrize(
    "url", ["http://acme.example.com/logo.png", 'https://x.example/"onerror="x', "javascript:x"]
)
def test_a_logo_must_be_an_https_url_without_markup(url):
    with pytest.raises(InvalidInput, match="logo_url must be an https:// URL"):
        TriggerSettings(metric="ces", logo_url=url)
