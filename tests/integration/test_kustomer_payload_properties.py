"""Whatever Kustomer's search returns, the scan loses nothing: over real HTTP, through the
scanner function on moto.

A stub Kustomer serves hypothesis-made search pages: good conversations mixed with damaged ones
(a part missing or of another type, a timestamp that is not one or lies centuries away), pages
that are not JSON at all, and pages of several hundred results. A damaged result is skipped with
its reason; every readable conversation that is due gets its survey queued exactly once; a page
that cannot be read at all fails the scan with an error naming the request, and once Kustomer
answers properly again the same conversations are queued. A later scan still finds new
conversations: one bad timestamp never moves the scan's watermark past them.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from local.runtime.runtime import LocalRuntime, RuntimeOptions
from surveys.adapters.kustomer.errors import KustomerError
from surveys.adapters.kustomer.resources import conversation_from_resource
from surveys.domain.conversations import TriggerRules, survey_eligibility
from tests.conftest import TEST_PARAMETERS
from tests.integration.helpers import surveys_by_id
from tests.unit.test_properties import damaged_conversations, good_conversation

# Hypothesis keeps its example database (failures are replayed first next time) and caches
# where git already ignores files.
set_hypothesis_home_dir(".pytest_cache/hypothesis")
settings.register_profile(
    "ci-http",
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev-http",
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = settings.get_profile("ci-http" if os.environ.get("CI") else "dev-http")

STUB_KEY = "stub-key"
SEARCH = "/v1/customers/search"
_numbers = count(1)


@dataclass
class StubKustomer:
    """Serves search pages (page N of `pages`) and customers; records what it was asked."""

    pages: list[bytes] = field(default_factory=list)
    customers: dict[str, bytes] = field(default_factory=dict)
    searches: int = 0

    def answer(self, method: str, path: str, query: dict[str, list[str]]) -> tuple[int, bytes]:
        if method == "POST" and path == SEARCH:
            self.searches += 1
            page = int(query.get("page", ["1"])[0])
            if page <= len(self.pages):
                return 200, self.pages[page - 1]
            return 200, json.dumps({"data": [], "links": {"next": None}}).encode()
        if method == "GET" and path.startswith("/v1/customers/"):
            customer_id = path.rsplit("/", 1)[1]
            if customer_id in self.customers:
                return 200, self.customers[customer_id]
        return 404, json.dumps({"errors": [{"status": 404, "title": "Not Found"}]}).encode()


@pytest.fixture(scope="module")
def stub() -> Iterator[tuple[StubKustomer, str]]:
    kustomer = StubKustomer()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            url = urlsplit(self.path)
            status, body = kustomer.answer(self.command, url.path, parse_qs(url.query))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield kustomer, f"http://{host!s}:{port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def runtime(stub: tuple[StubKustomer, str]) -> Iterator[LocalRuntime]:
    _, url = stub
    local = LocalRuntime(
        RuntimeOptions(
            kustomer_api_key=STUB_KEY,
            parameters={**TEST_PARAMETERS, "KustomerOrgUrl": url, "BackfillHours": "720"},
        )
    ).start()
    yield local
    local.stop()


def due_conversation(now: datetime) -> dict[str, Any]:
    """A good conversation with an id no other example uses, quiet for 60 hours at `now`."""
    resource = good_conversation(next(_numbers))
    resource["attributes"]["updatedAt"] = (now - timedelta(hours=60)).isoformat()
    return resource


def page(items: list[Any], has_next: bool = False) -> bytes:
    return json.dumps({"data": items, "links": {"next": "next" if has_next else None}}).encode()


def fresh_scan(runtime: LocalRuntime) -> None:
    """Activating the trigger restarts its scan; the queue is emptied of earlier examples."""
    runtime.set_trigger("ces")
    queued_survey_ids(runtime)


def queued_survey_ids(runtime: LocalRuntime) -> list[str]:
    """Every survey on the queue, once per message; the messages are taken off it."""
    sqs = runtime.moto.client("sqs")
    url = runtime.resolver.names.refs["SurveyQueue"]
    ids = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return ids
        for message in messages:
            ids.append(json.loads(message["Body"])["survey_id"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def scan_report(runtime: LocalRuntime, now: datetime) -> dict[str, Any]:
    [result] = runtime.scan(now)
    [report] = result["reports"]
    return dict(report)


def readable_and_due(resource: Any, now: datetime) -> str | None:
    """The survey id the scan must queue for this result, if it can be read and is due."""
    try:
        conversation = conversation_from_resource(resource)
    except ValueError:
        return None
    if survey_eligibility(conversation, now, TriggerRules()).eligible:
        return f"ces-{conversation.id}"
    return None


mixed_pages = st.lists(
    st.lists(st.one_of(st.just(None), damaged_conversations()), min_size=1, max_size=8),
    min_size=1,
    max_size=3,
)


@PROFILE
@given(mixed_pages)
def test_damaged_results_are_skipped_with_a_reason_and_every_due_conversation_is_queued_once(
    stub: tuple[StubKustomer, str], runtime: LocalRuntime, drawn_pages: list[list[Any]]
) -> None:
    kustomer, _ = stub
    now = datetime.now(UTC)
    good_ids, pages = [], []
    for items in drawn_pages:
        served = []
        for item in items:
            if item is None:
                item = due_conversation(now)
                good_ids.append(f"ces-{item['id']}")
            elif isinstance(item, dict) and item.get("id") == good_conversation(0)["id"]:
                item["id"] = f"{next(_numbers):024x}"  # its own id, as Kustomer would give it
            served.append(item)
        pages.append(served)
    kustomer.pages = [page(items, has_next=n < len(pages) - 1) for n, items in enumerate(pages)]
    fresh_scan(runtime)
    surveyed_before = set(surveys_by_id(runtime))

    report = scan_report(runtime, now)

    assert report["complete"], report
    results = [item for items in pages for item in items]
    expected = {readable_and_due(item, now) for item in results} - {None} - surveyed_before
    assert set(good_ids) <= expected
    queued = queued_survey_ids(runtime)
    assert len(queued) == len(set(queued)), "a survey was queued twice"
    assert set(queued) == expected
    surveys = surveys_by_id(runtime)
    assert all(surveys[survey_id]["status"] == "queued" for survey_id in expected)
    unreadable = [reason for reason in _reasons(report) if "unreadable" in reason]
    if any(_unreadable(item) for item in results):
        assert unreadable, report["not_eligible"]

    # A bad timestamp must not carry the scan past conversations that go quiet later.
    later = now + timedelta(hours=1)
    newcomer = due_conversation(later)
    kustomer.pages = [page([newcomer])]
    assert scan_report(runtime, later)["queued"] == 1
    assert queued_survey_ids(runtime) == [f"ces-{newcomer['id']}"]


def _reasons(report: dict[str, Any]) -> list[str]:
    """The scan's skip reasons, as its report (and its log line) gives them."""
    reasons = list(report["not_eligible"])
    assert all(isinstance(reason, str) for reason in reasons), reasons
    return reasons


def _unreadable(resource: Any) -> bool:
    try:
        conversation_from_resource(resource)
    except ValueError:
        return True
    return False


unreadable_pages = st.one_of(
    st.binary(max_size=60),
    st.sampled_from([b"", b"<html>502 Bad Gateway</html>", b"[]", b"null", b"{}", b'"data"']),
    st.dictionaries(
        st.sampled_from(["data", "links"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=5), st.just({"next": 1})),
        min_size=1,
    ).map(lambda body: json.dumps(body).encode()),
)


@PROFILE
@given(unreadable_pages)
def test_an_unreadable_page_fails_the_scan_clearly_and_loses_nothing(
    stub: tuple[StubKustomer, str], runtime: LocalRuntime, body: bytes
) -> None:
    kustomer, _ = stub
    now = datetime.now(UTC)
    conversations = [due_conversation(now) for _ in range(3)]
    fresh_scan(runtime)
    kustomer.pages = [body]

    with pytest.raises(KustomerError, match="/v1/customers/search"):
        scan_report(runtime, now)  # the scanner function fails; EventBridge runs it again

    kustomer.pages = [page(conversations)]
    scan_report(runtime, now + timedelta(minutes=15))
    assert sorted(queued_survey_ids(runtime)) == sorted(f"ces-{c['id']}" for c in conversations)


def test_a_page_of_500_results_is_queued_whole(
    stub: tuple[StubKustomer, str], runtime: LocalRuntime
) -> None:
    kustomer, _ = stub
    now = datetime.now(UTC)
    conversations = [due_conversation(now) for _ in range(500)]
    kustomer.pages = [page(conversations)]
    fresh_scan(runtime)

    report = scan_report(runtime, now)

    assert (report["complete"], report["queued"]) == (True, 500)
    assert len(set(queued_survey_ids(runtime))) == 500
