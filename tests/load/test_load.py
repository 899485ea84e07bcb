"""Load and faults, end to end: thousands of conversations through every function at once.

The local runtime runs the real handlers on moto, the Kustomer simulator enforces the Kustomer
Professional plan's 300 requests a minute (the system may use half), answers 2 % of requests with
a 500, has the org's other integrations use up whole rate-limit windows (every request gets a
429 until the window resets), and loses the answers to a few note POSTs. SQS
delivers some survey messages twice, some again after they were handled, and the ratings stream
is read a second time from its start. The result must be what a support team expects: exactly
one email per eligible conversation, none for the others, and every answer in Kustomer once.

Time is simulated: the clock the simulator limits requests by, the Kustomer client's sleeps and
the functions' Lambda deadlines all run on one clock that advances with real time and jumps
over every sleep, so a rate-limit window is waited out at once but still counts against the
invocation's time as it would in Lambda.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import requests

import local.runtime.functions as local_functions
from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime
from local.simulated_clock import SimulatedClock
from surveys import bootstrap
from tests.conftest import SIMULATOR_KEY, start_runtime

RATE_LIMIT_PER_MINUTE = 300  # Kustomer Professional
RATE_LIMIT_SHARE = 0.5  # template.yaml's default KustomerRateLimitShare
ERROR_RATE = 0.02
# Times the org's other integrations use up the current window: before the scan, the sends and
# the writebacks.
SPENT_WINDOWS = 3
LOST_NOTE_ANSWERS = 3
HANG_SECONDS = 1.5
CLIENT_TIMEOUT = (1.0, 1.0)
REFERENCE = "Survey reference: "
# What a browser sends with a form a person submits on the rating page (votes.py).
BROWSER_HEADERS = {
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-User": "?1",
    "Sec-Fetch-Dest": "document",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) load-test",
}


@dataclass
class Seeded:
    eligible: dict[str, str] = field(default_factory=dict)  # conversation -> customer's address
    no_address: list[str] = field(default_factory=list)
    not_due: list[str] = field(default_factory=list)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SimulatedClock:
    simulated = SimulatedClock()
    # The Lambda deadline (LocalContext) and the client's rate-limit pacing read this clock.
    monkeypatch.setattr(local_functions, "time", SimpleNamespace(monotonic=simulated.monotonic))
    return simulated


@pytest.fixture
def simulator(clock: SimulatedClock) -> Iterator[KustomerSimulator]:
    sim = KustomerSimulator(
        api_key=SIMULATOR_KEY, rate_limit_per_minute=RATE_LIMIT_PER_MINUTE, clock=clock
    )
    sim.start()
    sim.define_custom_attribute("cesScoreNum")
    sim.define_custom_attribute("cesCommentTxt")
    sim.faults.hang_seconds = HANG_SECONDS
    yield sim
    sim.stop()


@pytest.fixture
def runtime(
    simulator: KustomerSimulator, clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalRuntime]:
    bootstrap.configure_kustomer_client(sleep=clock.sleep, clock=clock.time, timeout=CLIENT_TIMEOUT)
    local = start_runtime(
        simulator, BackfillHours="720", KustomerRateLimitShare=str(RATE_LIMIT_SHARE)
    )
    yield local
    local.stop()
    bootstrap.configure_kustomer_client()


def seed(simulator: KustomerSimulator, now: datetime, size: int) -> Seeded:
    seeded = Seeded()
    for number in range(size):
        address = f"customer{number}@example.com"
        customer = simulator.add_customer(f"Customer {number}", [address])
        quiet = timedelta(hours=60, seconds=number)
        seeded.eligible[simulator.add_conversation(customer, updated_at=now - quiet)] = address
    others = max(size // 20, 5)
    for number in range(others):
        nobody = simulator.add_customer(f"No address {number}")
        seeded.no_address.append(
            simulator.add_conversation(nobody, updated_at=now - timedelta(hours=70))
        )
        customer = simulator.add_customer(f"Other {number}", [f"other{number}@example.com"])
        seeded.not_due += [
            simulator.add_conversation(
                customer, updated_at=now - timedelta(hours=60), channels=["chat"]
            ),
            simulator.add_conversation(
                customer, updated_at=now - timedelta(hours=60), status="open"
            ),
            simulator.add_conversation(customer, updated_at=now - timedelta(hours=10)),
        ]
    return seeded


def scan_until_complete(runtime: LocalRuntime, clock: SimulatedClock) -> int:
    """Scan as the schedule does, every 15 minutes, until a scan reaches the end; returns the
    number of scans."""
    for scans in range(1, 50):
        [result] = runtime.scan(clock.now)
        [report] = result["reports"]
        if report["complete"]:
            return scans
        clock.advance(minutes=15)
    raise AssertionError("the scan never completed")


def take_all_messages(runtime: LocalRuntime) -> list[str]:
    sqs = runtime.moto.client("sqs")
    url = runtime.resolver.names.refs["SurveyQueue"]
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def put_messages(runtime: LocalRuntime, bodies: list[str]) -> None:
    sqs = runtime.moto.client("sqs")
    url = runtime.resolver.names.refs["SurveyQueue"]
    for start in range(0, len(bodies), 10):
        entries = [
            {"Id": str(index), "MessageBody": body}
            for index, body in enumerate(bodies[start : start + 10])
        ]
        assert not sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")


def spend_a_whole_window(simulator: KustomerSimulator, clock: SimulatedClock) -> None:
    """The org's other integrations use up a rate-limit window from its start. A window already
    running could end, on a busy machine, before the system's next request, which would then
    see no 429 at all; so the running one is let pass first."""
    clock.advance(minutes=1)
    simulator.spend_rate_limit_window()


def deliver_all(runtime: LocalRuntime) -> tuple[int, int]:
    handled = failed = 0
    while True:
        ok, bad = runtime.deliver()
        handled, failed = handled + ok, failed + bad
        if ok + bad == 0:
            return handled, failed


def answer(session: requests.Session, form_url: str, score: int, comment: str) -> None:
    response = session.post(
        form_url, data={"score": str(score), "comment": comment}, headers=BROWSER_HEADERS
    )
    assert response.status_code == 200, (response.status_code, response.text[-300:])


def note_references(simulator: KustomerSimulator, conversation_id: str) -> list[str]:
    return [
        line
        for note in simulator.notes_for(conversation_id)
        for line in str(note["attributes"]["body"]).splitlines()
        if line.startswith(REFERENCE)
    ]


def kustomer_requests(simulator: KustomerSimulator) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for method, path, _ in simulator.request_log:
        if path == "/v1/customers/search":
            kinds["search"] += 1
        elif method == "GET" and path.startswith("/v1/customers/"):
            kinds["customer"] += 1
        elif method == "POST" and path == "/v1/notes":
            kinds["note"] += 1
        elif method == "GET" and path.endswith("/notes"):
            kinds["notes lookup"] += 1
        elif method == "PATCH":
            kinds["attributes"] += 1
        else:
            kinds[f"{method} {path}"] += 1
    return kinds


def test_conversations_under_faults_get_one_email_each_and_every_answer_once(
    simulator: KustomerSimulator,
    runtime: LocalRuntime,
    clock: SimulatedClock,
    load_size: int,
    load_report: list[str],
) -> None:
    started = time.perf_counter()
    phases: dict[str, float] = {}

    def phase(name: str, since: float) -> float:
        now = time.perf_counter()
        phases[name] = now - since
        return now

    seeded = seed(simulator, clock.now, load_size)
    simulator.reset_request_log()
    simulator.faults.error_rate = ERROR_RATE
    spend_a_whole_window(simulator, clock)
    mark = phase("seed", started)

    # Scan, then deliver every message, a quarter of them twice.
    scans = scan_until_complete(runtime, clock)
    bodies = take_all_messages(runtime)
    put_messages(runtime, bodies + bodies[::4])
    mark = phase("scan", mark)
    spend_a_whole_window(simulator, clock)
    first_handled, first_failed = deliver_all(runtime)
    # Late copies of messages already handled, and a scan that must find nothing new.
    put_messages(runtime, bodies[1::5])
    clock.advance(minutes=15)
    [rescan] = runtime.scan(clock.now)
    late_handled, _ = deliver_all(runtime)
    mark = phase("send", mark)

    emails = runtime.sent_emails()
    per_survey = Counter(email.survey_id for email in emails)
    expected_surveys = {f"ces-{conversation}" for conversation in seeded.eligible}
    assert set(per_survey) == expected_surveys
    assert max(per_survey.values()) == 1, per_survey.most_common(3)
    for email in emails:
        conversation = email.survey_id.removeprefix("ces-")
        assert email.recipients == [seeded.eligible[conversation]]
    assert rescan["reports"][0]["queued"] == 0
    assert runtime.queue_depth("SurveyDeadLetterQueue") == 0
    surveys = {item["survey_id"]: item for item in runtime.table_items("SurveysTable")}
    for conversation in seeded.no_address:
        assert surveys[f"ces-{conversation}"]["status"] == "skipped"
    for conversation in seeded.not_due:
        assert f"ces-{conversation}" not in surveys

    # A third of the recipients answer, one in ten of them twice (a change of mind).
    answered: dict[str, tuple[int, int]] = {}  # conversation -> (latest score, versions)
    with requests.Session() as session:
        for number, email in enumerate(sorted(emails, key=lambda email: email.survey_id)):
            if number % 3:
                continue
            conversation = email.survey_id.removeprefix("ces-")
            form_url = email.rating_links()[1].split("?", 1)[0]
            score = number % 7 + 1
            answer(session, form_url, score, f"Comment {number}" if number % 2 else "")
            versions = 1
            if number % 10 == 0:
                score = 7 if score != 7 else 6
                answer(session, form_url, score, "Changed my mind")
                versions = 2
            answered[conversation] = (score, versions)
    mark = phase("answer", mark)

    spend_a_whole_window(simulator, clock)
    simulator.faults.lose_response_next = LOST_NOTE_ANSWERS
    runtime.write_back()
    # The stream read once more from its start, as after a redeployed event source mapping.
    replay = dataclasses.replace(runtime.stream_sources[0], _iterators={})
    replayed = replay.poll()
    simulator.faults.error_rate = 0.0
    sweep = runtime.reconcile(clock.advance(hours=2))
    mark = phase("write back", mark)

    for conversation, (score, versions) in answered.items():
        survey_id = f"ces-{conversation}"
        assert note_references(simulator, conversation) == [
            f"{REFERENCE}{survey_id} v{version}" for version in range(1, versions + 1)
        ], survey_id
        custom = simulator.conversation(conversation)["attributes"].get("custom") or {}
        assert custom.get("cesScoreNum") == score, survey_id
    unanswered = [c for c in seeded.eligible if c not in answered]
    assert all(not note_references(simulator, c) for c in unanswered[:200])
    surveys = {item["survey_id"]: item for item in runtime.table_items("SurveysTable")}
    assert not [s for s in surveys.values() if "writeback_pending" in s]
    assert sweep["stopped_because"] is None

    # The faults were there, and the rate limit was never hit by this system itself.
    statuses = Counter(status for _, _, status in simulator.request_log)
    assert statuses[500] > 0
    # A 429 says when the window resets: the client waits for it, so one 429 per spent window.
    assert statuses[429] == SPENT_WINDOWS
    assert first_handled + late_handled > len(seeded.eligible) + len(seeded.no_address)
    assert replayed > 0

    requests_by_kind = kustomer_requests(simulator)
    total = sum(requests_by_kind.values())
    minutes = (clock.monotonic()) / 60
    load_report += [
        f"{load_size} eligible conversations, {len(seeded.no_address) + len(seeded.not_due)} "
        f"others; {len(answered)} answered ({sum(v for _, v in answered.values())} versions)",
        f"emails: {len(emails)}, one per eligible conversation; "
        f"{len(bodies) // 4 + len(bodies[1::5])} duplicate deliveries sent nothing; "
        f"{replayed} stream records replayed; scans until complete: {scans}",
        f"Kustomer requests: {total} ({dict(requests_by_kind)}); statuses {dict(statuses)}",
        f"sender failures retried: {first_failed}; reconcile sweep: {json.dumps(sweep)}",
        f"simulated time {minutes:.0f} min, of which {clock.slept / 60:.0f} min waited or "
        f"skipped; rate limit {RATE_LIMIT_PER_MINUTE}/min (share {RATE_LIMIT_SHARE}), "
        f"429s: {statuses[429]} for {SPENT_WINDOWS} windows other integrations used up",
        "real time: "
        + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in phases.items())
        + f"; total {time.perf_counter() - started:.1f}s",
    ]
