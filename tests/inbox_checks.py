"""What mail apps and spam filters read in a survey email, checked on the raw bytes given to SES.

Python's email parser decodes RFC 2047 encoded words and unfolds headers, so a header a mail app
cannot use reads back fine through it: the headers here are read from the bytes themselves.
"""

from __future__ import annotations

import email
import html
import re
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

from surveys.adapters.mailer import SesMailer
from surveys.domain import i18n
from surveys.domain.branding import Branding
from surveys.domain.link_keys import LinkKeys
from surveys.domain.triggers import TriggerSettings
from surveys.usecases.send_survey import compose_survey_email

# RFC 5322 2.1.1: a line is at most 998 characters, not counting CRLF.
LINE_LIMIT = 998
# Gmail clips a message whose size passes 102 KB and hides the rest, unsubscribe link included;
# a survey stays under half of that.
SIZE_LIMIT = 51 * 1024
# An unencoded URL in angle brackets: printable ASCII but for < and >.
URL_IN_BRACKETS = re.compile(r"<([a-z]+://[\x21-\x3b\x3d\x3f-\x7e]+)>")
TEXT_LINK = re.compile(r"https?://[^\s<>\"]+")
HTML_LINK = re.compile(r"href=\"([^\"]+)\"")

LANGUAGES = list(i18n.LANGUAGES)
NOW = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
# A stack without a custom domain links to its API's own host, which makes the links long.
BRANDING = Branding(
    company_name="Acme",
    sender_name="Acme Support",
    sender_address="surveys@acme.example.com",
    public_base_url="https://k7x2m9qfzt.execute-api.eu-central-1.amazonaws.com",
)


class RecordingSes:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def send_email(self, **arguments: Any) -> dict[str, str]:
        self.calls.append(arguments)
        return {"MessageId": "m-1"}


def sent_to_ses(metric: str, language: str, **settings: Any) -> tuple[bytes, dict[str, Any]]:
    """The survey email the sender composes for a deployed stack, as the SendEmail call hands
    it to SES: its raw bytes and the whole call."""
    message = compose_survey_email(
        TriggerSettings(metric=metric, language=language, **settings),
        survey_id=f"{metric}-6b00e929000000000000000a",
        recipient="jane.doe@example.com",
        customer_name="Jane Doe",
        language=language,
        branding=BRANDING,
        expires_at=NOW + timedelta(days=30),
        link_keys=LinkKeys.single(b"k" * 32),
        now=NOW,
    )
    ses = RecordingSes()
    SesMailer(ses, "surveys-config").send(message, metric=metric, language=language)
    [call] = ses.calls
    return call["Content"]["Raw"]["Data"], call


def header_block(raw: bytes) -> bytes:
    return re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]


def logical_headers(raw: bytes) -> list[tuple[str, str, int]]:
    """(name, value, physical lines) of each header, unfolded as RFC 5322 2.2.3 says: a line that
    starts with a space or tab continues the one before."""
    headers: list[tuple[str, str, int]] = []
    for line in re.split(rb"\r?\n", header_block(raw)):
        text = line.decode("ascii")
        if text[:1] in (" ", "\t") and headers:
            name, value, lines = headers[-1]
            headers[-1] = (name, value + text, lines + 1)
        else:
            name, _, value = text.partition(":")
            headers.append((name, value.strip(), 1))
    return headers


def headers_named(raw: bytes, name: str) -> list[tuple[str, int]]:
    return [(value, lines) for key, value, lines in logical_headers(raw) if key.lower() == name]


def _parts(raw: bytes) -> tuple[str, str]:
    message: Message = email.message_from_bytes(raw)
    texts = {"text/plain": "", "text/html": ""}
    for part in message.walk():
        if part.get_content_type() in texts:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            texts[part.get_content_type()] = payload.decode(part.get_content_charset() or "ascii")
    return texts["text/plain"], texts["text/html"]


def links(raw: bytes) -> tuple[set[str], set[str]]:
    """The links of the plain-text part and of the HTML part."""
    text, markup = _parts(raw)
    return set(TEXT_LINK.findall(text)), {html.unescape(h) for h in HTML_LINK.findall(markup)}


def inbox_problems(raw: bytes, link_scheme: str = "https") -> list[str]:
    """Everything about these bytes that would cost a survey its place in the inbox. RFC 8058
    asks for an https one-click URL; the local runtime serves plain http on loopback."""
    problems = []
    unsubscribe = headers_named(raw, "list-unsubscribe")
    one_click_url = None
    if len(unsubscribe) != 1:
        problems.append(f"{len(unsubscribe)} List-Unsubscribe headers")
    else:
        value, lines = unsubscribe[0]
        match = URL_IN_BRACKETS.fullmatch(value)
        if match is None or lines != 1 or not value.startswith(f"<{link_scheme}://"):
            problems.append(f"List-Unsubscribe is not <https://...> on one line: {value!r}")
        else:
            one_click_url = match.group(1)
    expected = {
        "list-unsubscribe-post": "List-Unsubscribe=One-Click",
        "auto-submitted": "auto-generated",
    }
    for name, wanted in expected.items():
        found = [value for value, _ in headers_named(raw, name)]
        if found != [wanted]:
            problems.append(f"{name}: {found}, expected [{wanted!r}]")
    for name in ("date", "message-id", "from", "to", "subject"):
        if len(headers_named(raw, name)) != 1:
            problems.append(f"not exactly one {name} header")
    for number, line in enumerate(re.split(rb"\r?\n", raw), start=1):
        if len(line) > LINE_LIMIT:
            problems.append(f"line {number} has {len(line)} characters")
    text_links, html_links = links(raw)
    if text_links != html_links:
        problems.append(f"links only in one part: {sorted(text_links ^ html_links)}")
    if one_click_url is not None and one_click_url not in html_links:
        problems.append("the List-Unsubscribe URL is not the email's unsubscribe link")
    if len(raw) > SIZE_LIMIT:
        problems.append(f"{len(raw)} bytes, over {SIZE_LIMIT}")
    return problems
