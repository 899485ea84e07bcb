"""The survey email: who it goes to, and what the recipient sees and clicks."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from surveys.domain import i18n
from surveys.domain.branding import Branding
from surveys.domain.link_keys import LinkKeys
from surveys.domain.metrics import CES, CSAT, NPS
from surveys.domain.tokens import (
    ExpiredTokenError,
    InvalidTokenError,
    TokenPurpose,
    verify_survey_token,
)
from surveys.domain.triggers import TriggerSettings
from surveys.usecases.send_survey import compose_survey_email, usable_address

KEY = LinkKeys.single(b"s" * 32)
EXPIRES = datetime(2024, 6, 9, 12, 0, tzinfo=UTC)
NOW = EXPIRES - timedelta(days=30)
BRANDING = Branding(
    company_name="Acme",
    sender_name="Acme Support",
    sender_address="surveys@acme.example",
    public_base_url="https://surveys.example.com",
)


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        ((), (None, "customer has no email address")),
        (("not-an-address",), (None, "customer email address is invalid")),
        (("jane@localhost",), (None, "customer email address is invalid")),
        (("jane doe@example.com",), (None, "customer email address is invalid")),
        (("Jane <jane@example.com>",), (None, "customer email address is invalid")),
        (("a@example.com,b@example.com",), (None, "customer email address is invalid")),
        (("jane@",), (None, "customer email address is invalid")),
        (("",), (None, "customer email address is invalid")),
        (("jane@example.com",), ("jane@example.com", None)),
        (("  jane@example.com \n",), ("jane@example.com", None)),
        (("", "bad", "jane@example.com", "john@example.com"), ("jane@example.com", None)),
        (("jane@example.com", "john@example.com"), ("jane@example.com", None)),
    ],
    ids=[
        "none",
        "no-at",
        "no-dot-in-domain",
        "space",
        "display-name",
        "two-in-one",
        "no-domain",
        "blank",
        "valid",
        "whitespace",
        "first-valid-after-invalid",
        "first-of-several",
    ],
)
def test_usable_address(candidates, expected):
    assert usable_address(candidates) == expected


@pytest.mark.parametrize(
    "malformed", ["@example.com", "jane@@example.com", "jane@.com", "jane@example..com"]
)
def test_malformed_address_is_skipped_for_the_next_valid_one(malformed):
    assert usable_address((malformed, "jane@example.com")) == ("jane@example.com", None)


def compose(metric=CES, customer_name="Jane", branding=BRANDING, survey_id=None, **settings):
    return compose_survey_email(
        TriggerSettings(metric=metric.key, **settings),
        survey_id=survey_id or f"{metric.key}-c1",
        recipient="jane@example.com",
        customer_name=customer_name,
        language=settings.get("language", "en"),
        branding=branding,
        expires_at=EXPIRES,
        link_keys=KEY,
        now=NOW,
    )


def parts(message):
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return text.get_content(), html.get_content()


def html_links(html):
    """The rating links of the HTML part (the unsubscribe link is the other one)."""
    return [link for link in re.findall(r'href="([^"]+)"', html) if "/r/" in link]


def test_message_is_multipart_alternative_with_text_and_html():
    message = compose()
    assert message.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in message.iter_parts()]
    assert types == ["text/plain", "text/html"]


def test_headers_name_sender_recipient_and_survey():
    message = compose()
    assert message["From"] == "Acme Support <surveys@acme.example>"
    assert message["To"] == "jane@example.com"
    assert "Acme" in message["Subject"]
    assert message["X-Survey-Id"] == "ces-c1"


def test_sender_name_with_a_comma_stays_one_address():
    branding = Branding("Acme", "Acme, Inc.", "surveys@acme.example", "https://s.example.com")
    sender = compose(branding=branding)["From"]
    assert sender.addresses[0].display_name == "Acme, Inc."
    assert sender.addresses[0].addr_spec == "surveys@acme.example"
    assert len(sender.addresses) == 1


@pytest.mark.parametrize(("metric", "count"), [(CES, 7), (CSAT, 5), (NPS, 11)])
def test_one_link_per_score_in_both_parts(metric, count):
    text, html = parts(compose(metric))
    links = html_links(html)
    assert len(links) == count
    scores = [parse_qs(urlsplit(link).query)["score"] for link in links]
    assert scores == [[str(score)] for score in metric.scores]
    for link in links:
        assert link in text


def test_links_point_at_the_public_rating_endpoint():
    _, html = parts(compose())
    for link in html_links(html):
        url = urlsplit(link)
        assert (url.scheme, url.netloc) == ("https", "surveys.example.com")
        assert url.path.startswith("/r/")


def test_trailing_slash_on_base_url_gives_no_double_slash():
    branding = Branding("Acme", "Acme Support", "s@acme.example", "https://surveys.example.com/")
    _, html = parts(compose(branding=branding))
    assert all(link.startswith("https://surveys.example.com/r/") for link in html_links(html))


@pytest.mark.parametrize("metric", [CES, NPS])
def test_every_link_token_verifies_to_the_survey_with_the_same_key(metric):
    _, html = parts(compose(metric, survey_id=f"{metric.key}-conv|9"))
    for link in html_links(html):
        token = urlsplit(link).path.removeprefix("/r/")
        assert verify_survey_token(token, KEY, NOW) == f"{metric.key}-conv|9"
        with pytest.raises(InvalidTokenError):
            verify_survey_token(token, LinkKeys.single(b"another key"), NOW)
        with pytest.raises(ExpiredTokenError):
            verify_survey_token(token, KEY, EXPIRES)


def test_customer_name_with_html_is_escaped_in_the_html_part():
    text, html = parts(compose(customer_name='<script>alert("x")</script>'))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "Hello <script>" in text


def test_company_name_appears_in_the_question_and_is_escaped():
    branding = Branding("Smith & Co", "Smith Support", "s@smith.example", "https://s.example.com")
    text, html = parts(compose(NPS, branding=branding))
    assert "How likely are you to recommend Smith & Co to a friend or colleague?" in text
    assert "recommend Smith &amp; Co to a friend" in html
    assert "Smith & Co " not in html


def test_ces_question_and_scale_ends_are_shown():
    text, html = parts(compose(CES))
    for part in (text, html):
        assert "Acme made it easy for me to handle my issue." in part
        assert "Strongly disagree" in part
        assert "Strongly agree" in part


def test_customer_is_greeted_by_name_or_generically():
    assert "Hello Jane," in parts(compose(customer_name="Jane"))[0]
    text, html = parts(compose(customer_name=""))
    assert text.startswith("Hello,\n")
    assert '<p style="margin:0 0 12px 0;">Hello,</p>' in html


def unsubscribe_link(html):
    return next(link for link in re.findall(r'href="([^"]+)"', html) if "/u/" in link)


def test_mail_apps_get_an_rfc_8058_one_click_unsubscribe():
    message = compose()
    _, html = parts(message)
    assert message["List-Unsubscribe"] == f"<{unsubscribe_link(html)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_unsubscribe_link_is_in_both_parts_and_outlives_the_rating_links():
    text, html = parts(compose())
    link = unsubscribe_link(html)
    assert link in text
    token = urlsplit(link).path.removeprefix("/u/")
    years_later = EXPIRES + timedelta(days=5 * 365)
    assert verify_survey_token(token, KEY, years_later, TokenPurpose.UNSUBSCRIBE) == "ces-c1"
    with pytest.raises(InvalidTokenError):
        verify_survey_token(token, KEY, NOW)


@pytest.mark.parametrize(
    ("language", "question", "unsubscribe"),
    [
        ("en", "Acme made it easy for me to handle my issue.", "Unsubscribe from survey emails"),
        ("de", "Acme hat es mir leicht gemacht", "Keine Umfrage-E-Mails mehr erhalten"),
        ("fr", "Acme m&#39;a facilité la résolution", "Se désabonner des e-mails d&#39;enquête"),
        ("es", "Acme me facilitó la gestión", "Darse de baja de los correos de encuesta"),
        ("sk", "Spoločnosť Acme mi uľahčila", "Odhlásiť sa z e-mailov s prieskumami"),
    ],
)
def test_the_same_email_in_each_language(language, question, unsubscribe):
    message = compose(language=language)
    text, html = parts(message)
    assert f'<html lang="{language}"' in html
    assert message["Content-Language"] == language
    assert question in html
    assert unsubscribe in html
    assert len(html_links(html)) == 7
    assert (
        i18n.text(
            "You receive this email because you contacted %(company)s recently.",
            language,
            company="Acme",
        )
        in text
    )


def test_the_brand_colour_and_logo_come_from_the_trigger():
    _, html = parts(compose(brand_color="#7a1fa2", logo_url="https://acme.example/logo.png"))
    assert html.count("border:2px solid #7a1fa2") == 7
    assert '<img src="https://acme.example/logo.png" alt="Acme"' in html


def test_without_a_logo_the_email_has_no_image():
    assert "<img" not in parts(compose())[1]


def test_each_score_button_names_its_score_and_label_for_screen_readers():
    _, html = parts(compose(CSAT))
    assert 'aria-label="1 - Very dissatisfied"' in html
    assert 'aria-label="5 - Very satisfied"' in html
