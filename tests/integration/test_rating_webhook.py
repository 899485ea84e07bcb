"""The rating webhook over real HTTP: survey links as a recipient (or a link scanner) uses them."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from local.kustomer_sim import KustomerSimulator
from local.recipient import send_form
from local.runtime.runtime import LocalRuntime, SentEmail
from surveys.domain.link_keys import LinkKeys
from surveys.domain.metrics import CES
from surveys.domain.tokens import sign_survey_token
from tests.conftest import SIMULATOR_KEY, start_runtime

TIMEOUT = 10
SURVEYS = 12


@dataclass
class Surveys:
    """Surveys sent once for the whole module: each test that answers one takes its own, so
    the runtime (about a second to start and stop) is shared."""

    runtime: LocalRuntime
    unused: list[SentEmail]
    read_only: SentEmail

    def take(self) -> SentEmail:
        assert self.unused, "raise SURVEYS: every survey sent for this module is taken"
        return self.unused.pop()


@pytest.fixture(scope="module")
def surveys() -> Iterator[Surveys]:
    simulator = KustomerSimulator(api_key=SIMULATOR_KEY)
    simulator.start()
    runtime = start_runtime(simulator, BackfillHours="720")
    try:
        now = datetime.now(UTC)
        for index in range(SURVEYS + 1):
            customer = simulator.add_customer(
                f"Customer {index}", emails=[f"customer{index}@example.com"]
            )
            simulator.add_conversation(
                customer_id=customer,
                status="done",
                channels=["email"],
                updated_at=now - timedelta(hours=60, minutes=index),
            )
        runtime.scan(now)
        runtime.deliver()
        sent = runtime.sent_emails()
        assert len({message.survey_id for message in sent}) == SURVEYS + 1
        yield Surveys(runtime, sent[1:], sent[0])
    finally:
        runtime.stop()
        simulator.stop()


@pytest.fixture
def runtime(surveys: Surveys) -> LocalRuntime:
    return surveys.runtime


@pytest.fixture
def sent(surveys: Surveys) -> SentEmail:
    """A survey of this test's own, not answered yet."""
    return surveys.take()


@pytest.fixture
def shared(surveys: Surveys) -> SentEmail:
    """A survey that tests only try to answer with links or values that must be refused."""
    return surveys.read_only


def _form_url(link: str) -> str:
    return link.split("?", 1)[0]


def _token(link: str) -> str:
    return _form_url(link).rsplit("/", 1)[1]


def _signing_key(runtime: LocalRuntime) -> LinkKeys:
    secret = runtime.environment("RatingWebhookFunction")["LINK_SIGNING_KEY_SECRET"]
    value = runtime.moto.client("secretsmanager").get_secret_value(SecretId=secret)
    return LinkKeys.from_secret(str(value["SecretString"]))


def _rating(runtime: LocalRuntime, survey_id: str) -> dict[str, Any] | None:
    found = [item for item in runtime.table_items("RatingsTable") if item["survey_id"] == survey_id]
    assert len(found) <= 1
    return found[0] if found else None


def _rating_count(runtime: LocalRuntime) -> int:
    return len(runtime.table_items("RatingsTable"))


def _assert_html_page(response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/html")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def _get(url: str, score: str | None) -> requests.Response:
    params = {"score": score} if score is not None else None
    return requests.get(url, params=params, timeout=TIMEOUT)


def _post(url: str, score: str | None, comment: str | None = None) -> requests.Response:
    """The form sent by a person from the rating page (in a browser's fetch metadata)."""
    return send_form(url, score, comment)


def _replace_char(text: str, index: int) -> str:
    """`text` with one base64url character changed so that the decoded bytes change too."""
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


# --- opening a link ----------------------------------------------------------------------------


def test_opening_every_score_link_shows_the_score_and_a_form_and_records_nothing(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    links = sent.rating_links()
    assert sorted(links) == list(CES.scores)
    for score, link in links.items():
        page = requests.get(link, timeout=TIMEOUT)
        _assert_html_page(page, 200)
        assert f'name="score" value="{score}" checked' in page.text
        assert page.text.count(" checked") == 1
        assert html.escape(CES.label(score)) in page.text
        assert '<form id="answer" method="post"' in page.text
        assert '<textarea id="comment" name="comment"' in page.text
        # A link scanner may send HEAD too; whatever it gets, it must not record anything.
        head = requests.head(link, timeout=TIMEOUT)
        assert head.status_code < 500
        assert not head.content
    assert _rating(runtime, sent.survey_id) is None
    [survey] = [
        item for item in runtime.table_items("SurveysTable") if item["survey_id"] == sent.survey_id
    ]
    assert survey["status"] == "sent"
    assert not survey.get("writeback_status")


def test_opening_a_link_after_answering_prefills_the_comment_and_changes_nothing(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    _assert_html_page(_post(_form_url(sent.rating_links()[6]), "6", "Fast & friendly"), 200)
    before = _rating(runtime, sent.survey_id)

    page = requests.get(sent.rating_links()[2], timeout=TIMEOUT)

    _assert_html_page(page, 200)
    assert 'name="score" value="2" checked' in page.text
    assert "Fast &amp; friendly</textarea>" in page.text
    assert _rating(runtime, sent.survey_id) == before


# --- answering -----------------------------------------------------------------------------


def test_posting_records_the_rating_and_thanks_with_the_comment_escaped(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    comment = '<script>alert("hi")</script> & <b>bold</b>'

    thanks = _post(_form_url(sent.rating_links()[6]), "6", comment)

    _assert_html_page(thanks, 200)
    assert "Thank you!" in thanks.text
    assert '<span class="score">6</span>' in thanks.text
    assert CES.label(6) in thanks.text
    assert "&lt;script&gt;alert(" in thanks.text
    assert "&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in thanks.text
    assert "<script>" not in thanks.text
    assert "<b>bold</b>" not in thanks.text
    rating = _rating(runtime, sent.survey_id)
    assert rating is not None
    assert rating["conversation_id"] == sent.survey_id.removeprefix("ces-")
    assert rating["metric"] == "ces"
    assert rating["score"] == 6
    assert rating["comment"] == comment
    assert rating["version"] == 1


def test_posting_the_same_answer_again_keeps_the_version_and_a_new_score_bumps_it(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    url = _form_url(sent.rating_links()[3])

    def stored() -> tuple[Any, ...]:
        rating = _rating(runtime, sent.survey_id)
        assert rating is not None
        return rating["score"], rating["comment"], rating["version"]

    _assert_html_page(_post(url, "3", "Slow"), 200)
    assert stored() == (3, "Slow", 1)

    again = _post(url, "3", "Slow")

    _assert_html_page(again, 200)
    assert "Your answer is recorded" in again.text
    assert stored() == (3, "Slow", 1)

    changed = _post(url, "7", "Slow")

    _assert_html_page(changed, 200)
    assert "Your answer is updated" in changed.text
    assert stored() == (7, "Slow", 2)

    _assert_html_page(_post(url, "7", "Slow"), 200)
    assert stored() == (7, "Slow", 2)


# --- links that cannot be trusted ------------------------------------------------------------


@pytest.mark.parametrize(
    "part, index",
    [("payload", 0), ("payload", 10), ("payload", -2), ("signature", 0), ("signature", 20)],
)
def test_a_tampered_token_is_refused(
    runtime: LocalRuntime, shared: SentEmail, part: str, index: int
) -> None:
    payload, signature = _token(shared.rating_links()[5]).split(".")
    if part == "payload":
        payload = _replace_char(payload, index)
    else:
        signature = _replace_char(signature, index)
    url = f"{runtime.base_url}/r/{payload}.{signature}"

    _assert_html_page(_get(url, "5"), 403)
    page = _post(url, "5", "forged")

    _assert_html_page(page, 403)
    assert "This link is not valid" in page.text
    assert _rating(runtime, shared.survey_id) is None


def test_a_token_signed_with_another_key_is_refused(
    runtime: LocalRuntime, shared: SentEmail
) -> None:
    token = sign_survey_token(
        shared.survey_id,
        datetime.now(UTC) + timedelta(days=3),
        LinkKeys.single(b"not-the-signing-key"),
    )
    url = f"{runtime.base_url}/r/{token}"

    _assert_html_page(_get(url, "5"), 403)
    _assert_html_page(_post(url, "5"), 403)
    assert _rating(runtime, shared.survey_id) is None


def test_a_valid_signature_for_an_unknown_survey_is_not_found(runtime: LocalRuntime) -> None:
    survey_id = "ces-000000000000000000000000"
    token = sign_survey_token(
        survey_id, datetime.now(UTC) + timedelta(days=3), _signing_key(runtime)
    )
    url = f"{runtime.base_url}/r/{token}"
    before = _rating_count(runtime)

    _assert_html_page(_get(url, "5"), 404)
    page = _post(url, "5", "who am I")

    _assert_html_page(page, 404)
    assert "Survey not found" in page.text
    assert _rating(runtime, survey_id) is None
    assert _rating_count(runtime) == before


def test_an_expired_link_is_gone(runtime: LocalRuntime, shared: SentEmail) -> None:
    token = sign_survey_token(
        shared.survey_id, datetime.now(UTC) - timedelta(minutes=1), _signing_key(runtime)
    )
    url = f"{runtime.base_url}/r/{token}"

    _assert_html_page(_get(url, "5"), 410)
    page = _post(url, "5", "too late")

    _assert_html_page(page, 410)
    assert "This survey has closed" in page.text
    assert _rating(runtime, shared.survey_id) is None


# --- scores that are not on the scale ----------------------------------------------------------


@pytest.mark.parametrize("score", ["0", "8", "-1", "100", "abc", "5.5", "1e1", "0x5", "", None])
def test_a_score_outside_the_scale_or_not_a_number_is_a_bad_request(
    runtime: LocalRuntime, shared: SentEmail, score: str | None
) -> None:
    url = _form_url(shared.rating_links()[5])

    _assert_html_page(_get(url, score), 400)
    page = _post(url, score, "comment")

    _assert_html_page(page, 400)
    assert "That answer is not on the scale" in page.text
    assert _rating(runtime, shared.survey_id) is None


@pytest.mark.parametrize(
    "score", ["--5", "\u00b2", "9" * 5000], ids=["double-minus", "superscript-two", "5000-digits"]
)
def test_a_score_that_only_looks_numeric_is_a_bad_request(
    runtime: LocalRuntime, shared: SentEmail, score: str
) -> None:
    url = _form_url(shared.rating_links()[5])

    statuses = (_get(url, score).status_code, _post(url, score).status_code)

    assert statuses == (400, 400)
    assert _rating(runtime, shared.survey_id) is None


# --- garbage never breaks the webhook ----------------------------------------------------------

GARBAGE_TOKENS = [
    "x",
    "a.b",
    "..x",
    "%00",
    "%E2%98%83.%E2%98%83",
    "\u00e9t\u00e9",
    "A" * 4000,
    "A" * 3000 + "." + "B" * 3000,
    "====.====",
    "eyJ.",
    ".c2ln",
    "eHw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5.c2ln",
]


@pytest.mark.parametrize("token", GARBAGE_TOKENS, ids=lambda token: token[:12])
def test_a_garbage_token_is_refused_without_a_server_error(
    runtime: LocalRuntime, token: str
) -> None:
    url = f"{runtime.base_url}/r/{token}"
    before = _rating_count(runtime)

    for response in (_get(url, "5"), _post(url, "5", "x"), _get(url, None)):
        _assert_html_page(response, 403)
    assert _rating_count(runtime) == before


@pytest.mark.parametrize(
    "path",
    ["/", "/r", "/r/", "/r/a/b", "/rate/x", "/favicon.ico", "/r/x/../../etc/passwd"],
)
@pytest.mark.parametrize("method", ["GET", "POST", "HEAD", "PUT", "DELETE"])
def test_unknown_paths_and_methods_never_answer_a_server_error(
    runtime: LocalRuntime, method: str, path: str
) -> None:
    before = _rating_count(runtime)

    response = requests.request(method, runtime.base_url + path, data="score=5", timeout=TIMEOUT)

    assert 400 <= response.status_code < 500
    assert _rating_count(runtime) == before


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_on_a_valid_link_record_nothing(
    runtime: LocalRuntime, shared: SentEmail, method: str
) -> None:
    response = requests.request(
        method, _form_url(shared.rating_links()[5]), data="score=5", timeout=TIMEOUT
    )
    assert 400 <= response.status_code < 500
    assert _rating(runtime, shared.survey_id) is None


def test_a_post_without_a_form_body_is_a_bad_request(
    runtime: LocalRuntime, shared: SentEmail
) -> None:
    url = _form_url(shared.rating_links()[5])
    _assert_html_page(requests.post(url, json={"score": 5}, timeout=TIMEOUT), 400)
    _assert_html_page(requests.post(url, timeout=TIMEOUT), 400)
    assert _rating(runtime, shared.survey_id) is None


def test_a_form_with_too_many_fields_does_not_break_the_webhook(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    form = {f"field{index}": "x" for index in range(10)} | {"score": "5"}

    response = requests.post(_form_url(sent.rating_links()[5]), data=form, timeout=TIMEOUT)

    assert response.status_code < 500


def test_a_form_body_that_is_not_utf8_does_not_break_the_webhook(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    response = requests.post(
        _form_url(sent.rating_links()[5]),
        data=b"score=5&comment=caf\xe9",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=TIMEOUT,
    )

    assert response.status_code < 500


# --- headers -----------------------------------------------------------------------------------


def test_every_html_page_carries_the_security_headers(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    link = sent.rating_links()[4]
    key = _signing_key(runtime)
    now = datetime.now(UTC)
    expired = sign_survey_token(sent.survey_id, now - timedelta(days=1), key)
    unknown = sign_survey_token("ces-unknown", now + timedelta(days=1), key)
    pages = {
        200: [requests.get(link, timeout=TIMEOUT), _post(_form_url(link), "4", "ok")],
        400: [_get(_form_url(link), "99"), _post(_form_url(link), "x")],
        403: [_get(f"{runtime.base_url}/r/forged.token", "4")],
        404: [_get(f"{runtime.base_url}/r/{unknown}", "4")],
        410: [_get(f"{runtime.base_url}/r/{expired}", "4")],
    }
    for status, responses in pages.items():
        for response in responses:
            _assert_html_page(response, status)
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "no-store" in response.headers["Cache-Control"]
