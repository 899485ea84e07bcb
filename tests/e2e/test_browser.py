"""A recipient in a real browser (headless Chromium): the emailed links on the local runtime,
with and without JavaScript, and axe-core's audit of every page. Screenshots of the emails and
pages, and the audit's results, go to test-output/."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime, SentEmail
from surveys.domain import i18n
from surveys.domain.branding import Branding
from surveys.domain.link_keys import LinkKeys
from surveys.domain.triggers import TriggerSettings
from surveys.usecases.send_survey import compose_survey_email
from tests.conftest import SIMULATOR_KEY, start_runtime

# Debian's Chromium, found on the PATH (`make e2e` installs it).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
LANGUAGES = {"en": "en-us", "de": "de-de", "fr": "fr-fr", "es": "es-es", "sk": "sk-sk"}
# The reasons after a low score, tried in an old catalog language, a new one and English.
REASON_LANGUAGES = {"de": "de-at", "pl": "pl-pl", "en": "en-gb"}
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 800, "height": 900}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
# axe-core's rules for WCAG 2.0 and 2.1, levels A and AA (its best practices are not WCAG).
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="make e2e installs Chromium")


@dataclass
class Recipients:
    """One survey email per customer name, sent once for the module."""

    runtime: LocalRuntime
    simulator: KustomerSimulator
    emails: dict[str, SentEmail]
    conversations: dict[str, str]


@pytest.fixture(scope="module")
def recipients() -> Iterator[Recipients]:
    simulator = KustomerSimulator(api_key=SIMULATOR_KEY)
    simulator.start()
    for metric in ("ces", "nps"):
        simulator.define_custom_attribute(f"{metric}ScoreNum")
        simulator.define_custom_attribute(f"{metric}CommentTxt")
        simulator.define_custom_attribute(f"{metric}ReasonStr")
    runtime = start_runtime(simulator, BackfillHours="720")
    runtime.set_trigger("ces", fatigue_days=0)
    now = datetime.now(UTC)
    names = ["javascript", "leaves", "untouched", "no-script", "changes", "unsubscribes"]
    people = [(name, "en-us") for name in names]
    people += [(f"lang-{language}", locale) for language, locale in LANGUAGES.items()]
    people += [
        (f"audit-{language}-{viewport}", locale)
        for language, locale in LANGUAGES.items()
        for viewport in VIEWPORTS
    ]
    people += [
        (f"reasons-{language}-{script}", locale)
        for language, locale in REASON_LANGUAGES.items()
        for script in ("script", "no-script")
    ]
    conversations = {}
    for index, (name, locale) in enumerate(people):
        customer = simulator.add_customer(
            f"Jane {name.title()}", emails=[f"{name}@example.com"], locale=locale
        )
        conversations[name] = simulator.add_conversation(
            customer, updated_at=now - timedelta(hours=60, minutes=index)
        )
    try:
        runtime.scan(now)
        runtime.deliver()
        emails = {message.recipients[0].split("@")[0]: message for message in runtime.sent_emails()}
        assert sorted(emails) == sorted(conversations)
        yield Recipients(runtime, simulator, emails, conversations)
    finally:
        runtime.stop()
        simulator.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESKTOP)
    yield context
    context.close()


@pytest.fixture
def no_script(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    yield context
    context.close()


def _rating(runtime: LocalRuntime, survey_id: str) -> dict[str, Any] | None:
    found = [item for item in runtime.table_items("RatingsTable") if item["survey_id"] == survey_id]
    return found[0] if found else None


def _votes(runtime: LocalRuntime, survey_id: str) -> list[dict[str, Any]]:
    return [item for item in runtime.table_items("VotesTable") if item["survey_id"] == survey_id]


def _open_email(page: Page, sent: SentEmail, screenshot: str) -> None:
    """Show the email's HTML part as a mail client would, and save its picture."""
    page.set_content(sent.html)
    page.screenshot(path=OUTPUT / screenshot, full_page=True)


def _no_horizontal_scrolling(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_person_clicks_a_score_in_the_email_comments_and_sees_the_thank_you_page(
    recipients: Recipients, context: BrowserContext
) -> None:
    sent = recipients.emails["javascript"]
    page = context.new_page()
    console_errors: list[str] = []
    page.on(
        "console", lambda message: message.type == "error" and console_errors.append(message.text)
    )
    _open_email(page, sent, "email-en.png")

    page.get_by_role("link", name="6 - Agree").click()

    expect(page).to_have_title("Acme made it easy for me to handle my issue.")
    expect(page.get_by_role("radio", name="6 Agree")).to_be_checked()
    # The page's script ran under its Content-Security-Policy and says what it does.
    expect(page.locator("#hint")).to_have_text(
        "Your answer is saved when you leave this page. Press Send to add a comment."
    )
    page.get_by_label("Anything you would like to add? (optional)").fill(
        "Quick & <b>friendly</b>\nThanks!"
    )
    page.screenshot(path=OUTPUT / "rating-page.png", full_page=True)
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(page.locator("blockquote")).to_have_text("Quick & <b>friendly</b>\nThanks!")
    page.screenshot(path=OUTPUT / "thank-you-page.png", full_page=True)
    assert console_errors == []
    rating = _rating(recipients.runtime, sent.survey_id)
    assert rating is not None
    assert (rating["score"], rating["comment"]) == (6, "Quick & <b>friendly</b>\nThanks!")
    [vote] = _votes(recipients.runtime, sent.survey_id)
    assert (vote["verdict"], vote["sent_by"]) == ("kept", "form")


def test_with_javascript_leaving_the_page_after_touching_it_saves_the_score(
    recipients: Recipients, context: BrowserContext
) -> None:
    sent = recipients.emails["leaves"]
    page = context.new_page()
    page.goto(sent.rating_links()[3])
    page.mouse.move(200, 200)
    page.mouse.move(220, 240)

    page.goto("about:blank")

    deadline = time.monotonic() + 10
    while _rating(recipients.runtime, sent.survey_id) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    rating = _rating(recipients.runtime, sent.survey_id)
    assert rating is not None and rating["score"] == 3
    [vote] = _votes(recipients.runtime, sent.survey_id)
    assert (vote["verdict"], vote["sent_by"]) == ("kept", "page script")


def test_a_page_a_scanner_opens_in_a_browser_and_leaves_untouched_records_nothing(
    recipients: Recipients, context: BrowserContext
) -> None:
    sent = recipients.emails["untouched"]
    page = context.new_page()
    for link in sent.rating_links().values():
        page.goto(link)
    page.goto("about:blank")
    time.sleep(1)

    assert _rating(recipients.runtime, sent.survey_id) is None
    assert _votes(recipients.runtime, sent.survey_id) == []


def test_without_javascript_one_more_click_records_the_answer_on_a_phone(
    recipients: Recipients, no_script: BrowserContext
) -> None:
    sent = recipients.emails["no-script"]
    page = no_script.new_page()
    page.goto(sent.rating_links()[2])
    expect(page.locator("#hint")).to_have_text("Press Send to save your answer.")
    assert _no_horizontal_scrolling(page)
    page.screenshot(path=OUTPUT / "rating-page-phone-no-javascript.png", full_page=True)
    page.goto("about:blank")
    assert _rating(recipients.runtime, sent.survey_id) is None

    page.goto(sent.rating_links()[2])
    page.locator("label[for=score-5]").click()
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    page.screenshot(path=OUTPUT / "thank-you-page-phone-no-javascript.png", full_page=True)
    rating = _rating(recipients.runtime, sent.survey_id)
    assert rating is not None and rating["score"] == 5


def test_changing_the_answer_updates_it_and_the_writeback(
    recipients: Recipients, no_script: BrowserContext
) -> None:
    sent = recipients.emails["changes"]
    conversation = recipients.conversations["changes"]
    page = no_script.new_page()
    page.goto(sent.rating_links()[2])
    page.get_by_label("Anything you would like to add? (optional)").fill("Slow")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    recipients.runtime.write_back()

    page.get_by_role("link", name="Change your answer").click()
    expect(page.get_by_label("Anything you would like to add? (optional)")).to_have_value("Slow")
    page.locator("label[for=score-6]").click()
    page.get_by_label("Anything you would like to add? (optional)").fill("Sorted after all")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_text("Your answer is updated:")).to_be_visible()
    recipients.runtime.write_back()
    custom = recipients.simulator.conversation(conversation)["attributes"]["custom"]
    assert (custom["cesScoreNum"], custom["cesCommentTxt"]) == (6, "Sorted after all")
    notes = [note["attributes"]["body"] for note in recipients.simulator.notes_for(conversation)]
    assert len(notes) == 2 and "rating changed: 6 out of 7" in notes[1]


def test_unsubscribing_needs_the_confirming_click_and_stops_every_survey(
    recipients: Recipients, context: BrowserContext
) -> None:
    sent = recipients.emails["unsubscribes"]
    page = context.new_page()
    _open_email(page, sent, "email-en-unsubscribe.png")
    page.get_by_role("link", name="Unsubscribe from survey emails").click()

    expect(page.get_by_role("heading", name="Stop survey emails?")).to_be_visible()
    page.screenshot(path=OUTPUT / "unsubscribe-page.png", full_page=True)
    assert recipients.runtime.table_items("SuppressionsTable") == []
    page.get_by_role("button", name="Unsubscribe").click()

    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    page.screenshot(path=OUTPUT / "unsubscribed-page.png", full_page=True)
    [suppressed] = recipients.runtime.table_items("SuppressionsTable")
    assert (suppressed["address"], suppressed["reason"]) == (
        "unsubscribes@example.com",
        "unsubscribed",
    )


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_email_and_pages_render_in_each_language_and_fit_a_phone(
    recipients: Recipients, browser: Browser, language: str
) -> None:
    sent = recipients.emails[f"lang-{language}"]
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        _open_email(page, sent, f"email-{language}.png")
        assert page.locator("html").get_attribute("lang") == language
        assert _no_horizontal_scrolling(page)
        assert page.get_by_role("link").count() == 8  # seven scores and the unsubscribe link

        page.goto(sent.rating_links()[7])
        assert page.locator("html").get_attribute("lang") == language
        assert _no_horizontal_scrolling(page)
        page.screenshot(path=OUTPUT / f"rating-page-{language}.png", full_page=True)
        send = {"en": "Send", "de": "Senden", "fr": "Envoyer", "es": "Enviar", "sk": "Odoslať"}
        page.get_by_role("button", name=send[language]).click()
        thanks = {
            "en": "Thank you!",
            "de": "Vielen Dank!",
            "fr": "Merci !",
            "es": "¡Gracias!",
            "sk": "Ďakujeme!",
        }
        expect(page.get_by_role("heading", name=thanks[language])).to_be_visible()
    finally:
        context.close()


def test_the_nps_email_with_eleven_buttons_fits_a_phone_and_shows_the_brand(
    browser: Browser,
) -> None:
    trigger = TriggerSettings(
        metric="nps", brand_color="#7a1fa2", logo_url="https://acme.example.com/logo.png"
    )
    message = compose_survey_email(
        trigger,
        survey_id="nps-c1",
        recipient="jane@example.com",
        customer_name="Jane",
        language="en",
        branding=Branding("Acme", "Acme Support", "s@acme.example", "https://s.example.com"),
        expires_at=datetime.now(UTC) + timedelta(days=30),
        link_keys=LinkKeys.single(b"k" * 32),
        now=datetime.now(UTC),
    )
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    # The logo is on another host: offline, the client shows its alt text instead.
    page.route("https://acme.example.com/**", lambda route: route.abort())
    try:
        page.set_content(part.get_content())
        page.screenshot(path=OUTPUT / "email-nps-phone.png", full_page=True)
        assert _no_horizontal_scrolling(page)
        assert page.get_by_role("img", name="Acme").count() == 1
        buttons = page.get_by_role("link", name=re.compile(r"^\d+ - "))
        assert buttons.count() == 11
        color = buttons.first.evaluate("link => getComputedStyle(link).color")
        assert color == "rgb(122, 31, 162)"
    finally:
        context.close()


@pytest.fixture(scope="module")
def audit_log() -> Iterator[list[str]]:
    """One line per page audited, written to test-output/axe-results.txt at the end."""
    lines: list[str] = []
    yield lines
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "axe-results.txt").write_text("".join(sorted(lines)), encoding="utf-8")


def _wcag_violations(page: Page, name: str, audit_log: list[str]) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now, one line each."""
    response = Axe().run(page, options=WCAG_21_AA).response
    violations = [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in response["violations"]
    ]
    audit_log.append(
        f"{name:<26} {len(violations)} violations, {len(response['passes'])} rules passed, "
        f"{len(response['incomplete'])} to review by hand  {'; '.join(violations)}\n"
    )
    return violations


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_page_has_no_wcag_21_aa_violation_in_each_language_and_on_a_phone(
    recipients: Recipients, browser: Browser, audit_log: list[str], language: str, viewport: str
) -> None:
    """The email and every page behind its links, audited by axe-core in the browser: the
    rating page with a score chosen, the thank-you page, the unsubscribe page and the page
    that confirms it."""
    sent = recipients.emails[f"audit-{language}-{viewport}"]
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    found = {}
    try:
        page.set_content(sent.html)
        found["email"] = _wcag_violations(page, f"email {language} {viewport}", audit_log)
        page.goto(sent.rating_links()[4])
        found["rating"] = _wcag_violations(page, f"rating {language} {viewport}", audit_log)
        page.locator("textarea").fill("Fine")
        page.locator("button[type=submit]").click()
        expect(page.locator("blockquote")).to_have_text("Fine")
        found["thank-you"] = _wcag_violations(page, f"thank-you {language} {viewport}", audit_log)
        page.goto(sent.unsubscribe_link)
        found["unsubscribe"] = _wcag_violations(
            page, f"unsubscribe {language} {viewport}", audit_log
        )
        page.locator("button[type=submit]").click()
        expect(page.locator("h1")).to_have_count(1)
        found["unsubscribed"] = _wcag_violations(
            page, f"unsubscribed {language} {viewport}", audit_log
        )
    finally:
        context.close()

    assert found == {name: [] for name in found}
    assert list(found) == ["email", "rating", "thank-you", "unsubscribe", "unsubscribed"]


@pytest.mark.parametrize("script", ["script", "no-script"])
@pytest.mark.parametrize("language", list(REASON_LANGUAGES))
def test_a_low_score_asks_what_went_wrong_with_and_without_javascript(
    recipients: Recipients, browser: Browser, language: str, script: str
) -> None:
    """The reasons show while a negative score is chosen (the page's script, or CSS :has without
    it), in the survey's language; the ones ticked are kept with the score, by id."""
    sent = recipients.emails[f"reasons-{language}-{script}"]
    _ = i18n.translator(language)
    context = browser.new_context(viewport=PHONE, java_script_enabled=script == "script")
    page = context.new_page()
    try:
        page.goto(sent.rating_links()[2])
        reasons = page.get_by_role("group", name=_("What went wrong?"))
        expect(reasons).to_be_visible()
        page.screenshot(path=OUTPUT / f"reasons-{language}-{script}.png", full_page=True)
        # A positive score hides them, a negative one shows them again.
        page.locator("label[for=score-6]").click()
        expect(reasons).to_be_hidden()
        page.locator("label[for=score-3]").click()
        expect(reasons).to_be_visible()
        reasons.get_by_label(_("It took too long")).check()
        reasons.get_by_label(_("I had to repeat myself")).check()
        page.get_by_role("button", name=_("Send")).click()
        expect(page.get_by_role("heading", name=_("Thank you!"))).to_be_visible()
        items = page.get_by_role("listitem")
        expect(items).to_have_text([_("It took too long"), _("I had to repeat myself")])
    finally:
        context.close()
    rating = _rating(recipients.runtime, sent.survey_id)
    assert rating is not None
    assert (rating["score"], rating["reasons"]) == (3, ["too_long", "repeated"])
