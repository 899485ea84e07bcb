"""Properties that must hold for every input, not just the examples we thought of.

Survey links: whatever a recipient, a mail scanner or an attacker does to a link (alter, cut,
replay after expiry, sign with another key, swap the survey), the webhook gets one of the two
errors it turns into a readable page, never another exception; a link we made verifies until it
expires. Kustomer answers: whatever shape a response takes, the client returns what it could
read or raises a KustomerError naming the request, never a bare KeyError or AttributeError that
would fail a whole batch without saying why.

Example counts are kept small so the file runs in seconds; CI (CI=true) runs a fixed,
derandomized set.
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from requests.structures import CaseInsensitiveDict

from surveys.adapters.kustomer import client as kustomer_client
from surveys.adapters.kustomer.client import KustomerClient
from surveys.adapters.kustomer.errors import (
    KustomerError,
    KustomerOutcomeUnknownError,
    KustomerUnavailableError,
)
from surveys.adapters.kustomer.resources import conversation_from_resource
from surveys.domain.conversations import Conversation, TriggerRules, survey_eligibility
from surveys.domain.link_keys import LinkKeys
from surveys.domain.tokens import (
    ExpiredTokenError,
    InvalidTokenError,
    sign_survey_token,
    verify_survey_token,
)

# Hypothesis keeps its example database (failures are replayed first next time) and caches
# where git already ignores files.
set_hypothesis_home_dir(".pytest_cache/hypothesis")
settings.register_profile(
    "ci", max_examples=200, derandomize=True, database=None, deadline=None, print_blob=True
)
settings.register_profile(
    "dev",
    max_examples=200,
    deadline=None,
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

survey_ids = st.text(min_size=1, max_size=60)
keys = st.binary(min_size=16, max_size=64).map(LinkKeys.single)
# Whole seconds: the token carries its expiry to the second.
lifetimes = st.integers(min_value=2, max_value=400 * 24 * 3600).map(
    lambda seconds: timedelta(seconds=seconds)
)


def _verify_outcome(token: str, key: LinkKeys, now: datetime) -> str | type[Exception]:
    """The survey id, or the class of the error; any other exception fails the test."""
    try:
        return verify_survey_token(token, key, now)
    except (InvalidTokenError, ExpiredTokenError) as error:
        return type(error)


@given(survey_ids, keys, lifetimes, st.data())
def test_a_link_we_made_verifies_at_any_moment_before_it_expires(
    survey_id: str, key: LinkKeys, lifetime: timedelta, data: st.DataObject
) -> None:
    token = sign_survey_token(survey_id, NOW + lifetime, key)
    before_expiry = data.draw(st.integers(min_value=0, max_value=int(lifetime.total_seconds()) - 1))
    assert verify_survey_token(token, key, NOW + timedelta(seconds=before_expiry)) == survey_id
    assert set(token) <= set(TOKEN_ALPHABET + ".")


@given(survey_ids, keys, lifetimes, st.integers(min_value=0, max_value=10**9))
def test_a_link_we_made_is_expired_from_its_expiry_on_and_names_its_survey(
    survey_id: str, key: LinkKeys, lifetime: timedelta, late_by: int
) -> None:
    token = sign_survey_token(survey_id, NOW + lifetime, key)
    with pytest.raises(ExpiredTokenError) as raised:
        verify_survey_token(token, key, NOW + lifetime + timedelta(seconds=late_by))
    assert raised.value.survey_id == survey_id


@given(survey_ids, keys, keys, lifetimes, st.booleans())
def test_a_link_signed_with_another_key_is_invalid_expired_or_not(
    survey_id: str, key: LinkKeys, other_key: LinkKeys, lifetime: timedelta, after_expiry: bool
) -> None:
    assume(key != other_key)
    token = sign_survey_token(survey_id, NOW + lifetime, other_key)
    now = NOW + lifetime + timedelta(days=1) if after_expiry else NOW
    assert _verify_outcome(token, key, now) is InvalidTokenError


@given(survey_ids, survey_ids, keys, lifetimes)
def test_a_link_whose_survey_was_swapped_is_invalid(
    survey_id: str, other_survey: str, key: LinkKeys, lifetime: timedelta
) -> None:
    assume(survey_id != other_survey)
    token = sign_survey_token(survey_id, NOW + lifetime, key)
    other = sign_survey_token(other_survey, NOW + lifetime, key)
    swapped = f"{other.split('.')[0]}.{token.split('.')[1]}"
    assert _verify_outcome(swapped, key, NOW) is InvalidTokenError


token_characters = st.sampled_from(TOKEN_ALPHABET + "+/=.% ") | st.characters(codec="utf-8")


@given(survey_ids, keys, lifetimes, st.data())
def test_any_altered_character_makes_a_link_invalid(
    survey_id: str, key: LinkKeys, lifetime: timedelta, data: st.DataObject
) -> None:
    token = sign_survey_token(survey_id, NOW + lifetime, key)
    position = data.draw(st.sampled_from([0, len(token) - 1, token.index(".") - 1]))
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1) | st.just(position))
    replacement = data.draw(token_characters.filter(lambda c: c != token[position]))
    altered = token[:position] + replacement + token[position + 1 :]
    assert _verify_outcome(altered, key, NOW) is InvalidTokenError


@given(survey_ids, keys, lifetimes, st.data())
def test_a_cut_or_lengthened_link_is_invalid(
    survey_id: str, key: LinkKeys, lifetime: timedelta, data: st.DataObject
) -> None:
    token = sign_survey_token(survey_id, NOW + lifetime, key)
    how = data.draw(st.sampled_from(["cut end", "cut start", "append", "insert"]))
    if how == "cut end":
        changed = token[: data.draw(st.integers(min_value=0, max_value=len(token) - 1))]
    elif how == "cut start":
        changed = token[data.draw(st.integers(min_value=1, max_value=len(token))) :]
    else:
        extra = data.draw(st.text(token_characters, min_size=1, max_size=4))
        at = len(token) if how == "append" else data.draw(st.integers(0, len(token)))
        changed = token[:at] + extra + token[at:]
    assert _verify_outcome(changed, key, NOW) is InvalidTokenError


def test_a_link_has_one_spelling_only() -> None:
    """Found by the property above: base64 ignores the low bits of a half's last character and
    any character outside its alphabet, so an altered link used to verify like the original."""
    key = LinkKeys.single(b"k" * 32)
    token = sign_survey_token("ces-c1", NOW + timedelta(days=30), key)
    payload, signature = token.split(".")
    last = TOKEN_ALPHABET.index(signature[-1])
    same_bits = TOKEN_ALPHABET[last ^ 1]
    for variant in (
        f"{payload}.{signature[:-1]}{same_bits}",
        f"{payload}.{signature[:10]}!{signature[10:]}",
        f"{payload}.{signature}=",
        f"{payload}.{signature.replace('-', '+').replace('_', '/')}",
        f"{payload}=.{signature}",
    ):
        if variant != token:
            assert _verify_outcome(variant, key, NOW) is InvalidTokenError, variant


@given(st.text(max_size=300), keys)
def test_any_text_in_the_link_is_invalid_never_a_crash(text: str, key: LinkKeys) -> None:
    assert _verify_outcome(text, key, NOW) is InvalidTokenError


@given(
    st.lists(st.text(alphabet=TOKEN_ALPHABET, max_size=60), min_size=1, max_size=4).map(".".join),
    keys,
)
def test_link_shaped_text_is_invalid_never_a_crash(text: str, key: LinkKeys) -> None:
    assert _verify_outcome(text, key, NOW) is InvalidTokenError


# --- Kustomer answers ---------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def good_conversation(number: int = 0) -> dict[str, Any]:
    """A conversation as Kustomer's search returns it, due a survey at NOW."""
    return {
        "type": "conversation",
        "id": f"{number:024x}",
        "attributes": {
            "name": "Where is my order?",
            "status": "done",
            "channels": ["email"],
            "tags": ["vip"],
            "updatedAt": "2026-10-30T08:00:00.000Z",
        },
        "relationships": {
            "customer": {"data": {"type": "customer", "id": f"c{number:023x}"}},
            "assignedUsers": {"data": [{"type": "user", "id": "u1"}]},
            "brand": {"data": {"type": "brand", "id": "b1"}},
        },
    }


PATHS = [
    (),
    ("id",),
    ("attributes",),
    ("attributes", "status"),
    ("attributes", "channels"),
    ("attributes", "tags"),
    ("attributes", "name"),
    ("attributes", "updatedAt"),
    ("relationships",),
    ("relationships", "customer"),
    ("relationships", "customer", "data"),
    ("relationships", "customer", "data", "id"),
    ("relationships", "assignedUsers", "data"),
    ("relationships", "brand"),
]
timestamps = st.one_of(
    st.datetimes(timezones=st.timezones() | st.none()).map(lambda moment: moment.isoformat()),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2026-10-30T08:00:00",
            "2026-10-30",
            "yesterday",
            "²",
            "",
        ]
    ),
)


@st.composite
def damaged_conversations(draw: st.DrawFn, number: int = 0) -> Any:
    """A good conversation with one part removed or replaced by any JSON value."""
    resource = good_conversation(number)
    path = draw(st.sampled_from(PATHS))
    if not path:
        return draw(json_values)
    parent = resource
    for part in path[:-1]:
        parent = parent[part]
    if draw(st.booleans()):
        parent.pop(path[-1], None)
    elif path[-1] == "updatedAt":
        parent[path[-1]] = draw(timestamps | json_values)
    else:
        parent[path[-1]] = draw(json_values)
    return resource


def _due_at_now(conversation: Conversation) -> bool:
    return survey_eligibility(conversation, NOW, TriggerRules()).eligible


@given(damaged_conversations())
def test_a_conversation_is_read_or_refused_as_unreadable(resource: Any) -> None:
    try:
        conversation = conversation_from_resource(resource)
    except ValueError as error:
        assert str(error)
        return
    # What was read can be judged and scanned on without a later crash.
    assert isinstance(conversation.id, str) and conversation.id
    assert conversation.updated_at.utcoffset() is not None
    conversation.updated_at.astimezone(UTC)
    _due_at_now(conversation)
    assert all(isinstance(channel, str) for channel in conversation.channels)


class _UncountedMetrics:
    """Stands in for the layer's metrics: these tests make thousands of failing requests outside
    any handler, whose decorator would publish and reset the counts after each invocation."""

    def add_metric(self, *args: Any, **kwargs: Any) -> None:
        pass


@pytest.fixture(autouse=True, scope="module")
def _uncounted_metrics() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kustomer_client, "metrics", _UncountedMetrics())
        yield


class ScriptedSession(requests.Session):
    """Answers every request with the next scripted response, without a network."""

    def __init__(self, responses: list[requests.Response]) -> None:
        super().__init__()
        self.responses = responses
        self.sent: list[tuple[str, str]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append((method, url))
        if not self.responses:
            raise requests.ConnectionError("no more scripted answers")
        return self.responses.pop(0)


def response(
    status: int = 200, body: Any = None, raw: bytes | None = None, **headers: str
) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer.reason = "Scripted"
    answer._content = raw if raw is not None else json.dumps(body).encode()
    answer.headers = CaseInsensitiveDict({"Content-Type": "application/json", **headers})
    return answer


def scripted_client(*answers: requests.Response) -> KustomerClient:
    return KustomerClient(
        "https://acme.api.kustomerapp.com",
        "key",
        session=ScriptedSession(list(answers)),
        sleep=lambda seconds: None,
        time_left=lambda: 900.0,
        max_attempts=3,
    )


CALLS: dict[str, Callable[[KustomerClient], object]] = {
    "search": lambda client: client.search_conversations({}, 1, 100),
    "customer": lambda client: client.get_customer("c1"),
    "note": lambda client: client.create_note("k1", "body"),
    "notes": lambda client: list(client.conversation_notes("k1")),
    "users": lambda client: list(client.users()),
    "attributes": lambda client: client.conversation_custom_attributes(),
    "identity": lambda client: client.api_key_identity(),
    "patch": lambda client: client.set_conversation_custom_attributes("k1", {"cesScoreNum": 1}),
}

bodies = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(
        st.sampled_from(["data", "links", "errors", "meta"]), json_values, max_size=3
    ).map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=40),
    st.just(b"<html>Bad gateway</html>"),
)


@given(st.sampled_from(sorted(CALLS)), st.sampled_from([200, 201, 400, 404, 422]), bodies)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_any_answer_ends_in_a_result_or_a_kustomer_error_naming_the_request(
    call: str, status: int, body: bytes
) -> None:
    client = scripted_client(response(status, raw=body), response(body={"data": []}))
    try:
        CALLS[call](client)
    except KustomerError as error:
        assert "/v1/" in str(error)
    except KustomerOutcomeUnknownError as error:
        assert call == "note" and "/v1/notes" in str(error)


header_values = st.text(
    alphabet=st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=12
) | st.sampled_from(["inf", "-inf", "nan", "1e400", "-5", "²", "3.5", "99999999999"])


@given(
    st.sampled_from(sorted(CALLS)),
    st.sampled_from([200, 429, 500, 503]),
    header_values,
    header_values,
    header_values,
    header_values,
)
def test_any_rate_limit_headers_end_in_a_result_or_a_clear_error(
    call: str, status: int, limit: str, remaining: str, reset: str, retry_after: str
) -> None:
    odd = response(
        status,
        body={"data": []},
        **{
            "x-ratelimit-limit": limit,
            "x-ratelimit-remaining": remaining,
            "x-ratelimit-reset": reset,
            "Retry-After": retry_after,
        },
    )
    good = {
        "customer": {"data": {"id": "c1", "attributes": {"emails": []}}},
        "note": {"data": {"id": "n1"}},
    }.get(call, {"data": []})
    client = scripted_client(odd, response(body=good), response(body=good))
    try:
        CALLS[call](client)
    except (KustomerError, KustomerUnavailableError) as error:
        assert "/v1/" in str(error)


@given(st.lists(st.one_of(st.just(None), damaged_conversations()), max_size=12), st.booleans())
def test_a_search_page_keeps_every_readable_conversation_and_says_why_it_skipped_the_rest(
    damaged: list[Any], has_next: bool
) -> None:
    page_items = [
        good_conversation(number) if item is None else item for number, item in enumerate(damaged)
    ]
    body = {
        "data": page_items,
        "links": {"next": "/v1/customers/search?page=2" if has_next else None},
    }
    page = scripted_client(response(body=body)).search_conversations({}, 1, 100)

    assert len(page.conversations) + len(page.unreadable) == len(page_items)
    assert page.has_next is has_next
    read_ids = {conversation.id for conversation in page.conversations}
    for number, item in enumerate(damaged):
        if item is None:
            assert f"{number:024x}" in read_ids
    assert all(reason for _, reason in page.unreadable)


def test_a_huge_page_is_read_whole() -> None:
    items = [good_conversation(number) for number in range(5000)]
    page = scripted_client(response(body={"data": items, "links": {}})).search_conversations(
        {}, 1, 500
    )
    assert len(page.conversations) == 5000
    assert page.unreadable == []
    assert all(_due_at_now(conversation) for conversation in page.conversations)
