"""The Kustomer simulator, exercised over real HTTP the way the system's client will use it."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from local.kustomer_sim import (
    NO_RESPONSE,
    Contract,
    KustomerSimulator,
    ResetHeader,
    TeamsEndpoint,
    contract_for,
)

API_KEY = "sim-key"
START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
QUIET_PERIOD = timedelta(hours=48)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[KustomerSimulator]:
    simulator = KustomerSimulator(api_key=API_KEY, clock=clock)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def api(sim: KustomerSimulator) -> Iterator[Api]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {API_KEY}"
        yield Api(sim.base_url, session)


class Api:
    def __init__(self, base_url: str, session: requests.Session) -> None:
        self.base_url = base_url
        self.session = session

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=5, **kwargs)

    def post(self, path: str, body: object, **kwargs: Any) -> requests.Response:
        return self.session.post(self.base_url + path, json=body, timeout=5, **kwargs)

    def patch(self, path: str, body: object) -> requests.Response:
        return self.session.patch(self.base_url + path, json=body, timeout=5)

    def put(self, path: str, body: object) -> requests.Response:
        return self.session.put(self.base_url + path, json=body, timeout=5)

    def search(self, *criteria: dict[str, Any], page_size: int = 100, **extra: Any) -> Any:
        body = {"queryContext": "conversation", "and": list(criteria), **extra}
        response = self.post(f"/v1/customers/search?pageSize={page_size}", body)
        assert response.status_code == 200, response.text
        return response.json()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ids(listing: Any) -> list[str]:
    return [item["id"] for item in listing["data"]]


def assert_error(response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    (error,) = response.json()["errors"]
    assert error["status"] == str(status)
    assert error["title"] and error["detail"]


def add_customer_conversation(sim: KustomerSimulator, ago: timedelta, **conversation: Any) -> str:
    customer_id = sim.add_customer("Ada Lovelace", ["ada@example.org"])
    return sim.add_conversation(customer_id, updated_at=START - ago, **conversation)


ELIGIBLE_QUERY = (
    {"conversation_status": {"equals": "done"}},
    {"conversation_channels": {"equals": "email"}},
    {"conversation_updated_at": {"lte": iso(START - QUIET_PERIOD)}},
)


# --- authentication, identity, users ---------------------------------------------------------


def test_requests_without_the_right_api_key_get_401(sim: KustomerSimulator) -> None:
    url = f"{sim.base_url}/v1/users/current"
    assert_error(requests.get(url, timeout=5), 401)
    assert_error(requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=5), 401)


def test_current_user_reports_the_keys_roles(api: Api) -> None:
    response = api.get("/v1/users/current")

    assert response.status_code == 200
    attributes = response.json()["data"]["attributes"]
    assert set(attributes["roles"]) == {
        "org.admin.read",
        "org.admin.write",
        "org.user.read",
        "org.user.write",
    }


def test_a_key_without_the_search_role_gets_403(clock: FakeClock) -> None:
    simulator = KustomerSimulator(clock=clock, roles=["org.user.conversation.read"])
    base_url = simulator.start()
    try:
        response = requests.post(
            f"{base_url}/v1/customers/search",
            json={"queryContext": "conversation"},
            headers={"Authorization": "Bearer sim-key"},
            timeout=5,
        )
        assert_error(response, 403)
    finally:
        simulator.stop()


def test_users_are_listed_in_pages(sim: KustomerSimulator, api: Api) -> None:
    agents = [sim.add_user(f"Agent {n}", f"agent{n}@example.com") for n in range(3)]

    first = api.get("/v1/users", params={"pageSize": 2}).json()
    second = api.get(first["links"]["next"]).json()

    assert ids(first) + ids(second) == agents
    assert second["links"]["next"] is None
    assert first["data"][0]["attributes"]["email"] == "agent0@example.com"


def test_teams_are_listed_in_pages(sim: KustomerSimulator, api: Api) -> None:
    teams = [sim.add_team(f"Team {n}") for n in range(3)]

    first = api.get("/v1/teams", params={"pageSize": 2}).json()
    second = api.get(first["links"]["next"]).json()

    assert ids(first) + ids(second) == teams
    assert second["links"]["next"] is None
    assert first["data"][0]["type"] == "team"
    assert first["data"][0]["attributes"]["name"] == "Team 0"
    assert first["data"][0]["attributes"]["displayName"] == "Team 0"


def test_a_key_without_a_team_read_role_gets_403_for_teams(clock: FakeClock) -> None:
    simulator = KustomerSimulator(clock=clock, roles=["org.user.conversation.read"])
    base_url = simulator.start()
    try:
        response = requests.get(
            f"{base_url}/v1/teams", headers={"Authorization": "Bearer sim-key"}, timeout=5
        )
        assert_error(response, 403)
    finally:
        simulator.stop()


@pytest.mark.parametrize("mode", ["teams-403", "teams-404"])
def test_the_teams_endpoint_can_answer_403_or_404_while_users_still_list(
    sim: KustomerSimulator, api: Api, mode: str
) -> None:
    sim.add_team("Billing")
    sim.add_user("Maya Patel", "maya.patel@example.com")
    sim.contract = Contract().with_modes(mode)

    assert_error(api.get("/v1/teams"), int(mode.removeprefix("teams-")))
    assert len(api.get("/v1/users").json()["data"]) == 1

    sim.contract = Contract()
    assert len(api.get("/v1/teams").json()["data"]) == 1


def test_conversations_carry_their_assigned_teams(sim: KustomerSimulator) -> None:
    team = sim.add_team("Billing")
    customer = sim.add_customer("Ana", ["ana@example.com"])
    conversation_id = sim.add_conversation(
        customer, updated_at=START - timedelta(days=3), assigned_team_ids=[team]
    )

    conversation = sim.conversation(conversation_id)

    assert conversation["attributes"]["assignedTeams"] == [team]
    assert conversation["relationships"]["assignedTeams"]["data"] == [{"type": "team", "id": team}]
    with pytest.raises(KeyError, match="unknown teams"):
        sim.add_conversation(customer, updated_at=START, assigned_team_ids=["missing"])


def test_current_api_key_reports_its_name_and_roles(api: Api) -> None:
    response = api.get("/v1/auth/tokens/current")

    assert response.status_code == 200
    attributes = response.json()["data"]["attributes"]
    assert attributes["name"] == "Survey integration"
    assert attributes["lastTokenChars"] == API_KEY[-4:]
    assert "org.admin.write" in attributes["roles"]


# --- search ---------------------------------------------------------------------------------


def test_search_returns_only_done_email_conversations_quiet_for_48h(
    sim: KustomerSimulator, api: Api
) -> None:
    eligible = add_customer_conversation(sim, timedelta(hours=49))
    add_customer_conversation(sim, timedelta(hours=49), channels=["chat"])
    add_customer_conversation(sim, timedelta(hours=49), status="open")
    add_customer_conversation(sim, timedelta(hours=47))
    multichannel = add_customer_conversation(sim, timedelta(days=3), channels=["chat", "email"])

    result = api.search(*ELIGIBLE_QUERY)

    assert set(ids(result)) == {eligible, multichannel}
    assert all(item["type"] == "conversation" for item in result["data"])


def test_search_supports_or_not_in_exists_and_custom_attributes(
    sim: KustomerSimulator, api: Api
) -> None:
    sim.define_custom_attribute("cesScoreNum")
    done = add_customer_conversation(sim, timedelta(days=3))
    snoozed = add_customer_conversation(sim, timedelta(days=3), status="snoozed")
    opened = add_customer_conversation(sim, timedelta(days=3), status="open")
    assert api.patch(f"/v1/conversations/{done}", {"custom": {"cesScoreNum": 6}}).ok

    def found(**body: Any) -> set[str]:
        response = api.post("/v1/customers/search", {"queryContext": "conversation", **body})
        assert response.status_code == 200, response.text
        return set(ids(response.json()))

    statuses = {"conversation_status": {"in": ["open", "snoozed"]}}
    assert found(**{"and": [statuses]}) == {snoozed, opened}
    assert found(**{"or": [{"conversation_id": {"eq": done}}, statuses]}) == {done, snoozed, opened}
    assert found(**{"not": [statuses]}) == {done}
    assert found(**{"and": [{"conversation_custom_cesScoreNum": {"exists": True}}]}) == {done}
    assert found(**{"and": [{"conversation_custom_cesScoreNum": {"gte": 5}}]}) == {done}
    assert found(**{"and": [{"conversation_custom_cesScoreNum": {"exists": False}}]}) == {
        snoozed,
        opened,
    }


def test_search_pages_follow_links_next(sim: KustomerSimulator, api: Api) -> None:
    created = [add_customer_conversation(sim, timedelta(days=3, hours=n)) for n in range(7)]
    body = {"queryContext": "conversation", "and": list(ELIGIBLE_QUERY)}

    seen: list[str] = []
    path: str | None = "/v1/customers/search?page=1&pageSize=3"
    pages = []
    while path:
        page = api.post(path, body).json()
        pages.append(page)
        seen += ids(page)
        path = page["links"]["next"]

    assert sorted(seen) == sorted(created)
    assert [len(p["data"]) for p in pages] == [3, 3, 1]
    assert pages[1]["links"]["prev"] == "/v1/customers/search?page=1&pageSize=3"
    assert pages[1]["meta"] == {"page": 2, "pageSize": 3, "totalPages": 3}


def test_search_sorts_by_the_requested_attribute(sim: KustomerSimulator, api: Api) -> None:
    middle = add_customer_conversation(sim, timedelta(days=4))
    newest = add_customer_conversation(sim, timedelta(days=3))
    oldest = add_customer_conversation(sim, timedelta(days=5))

    ascending = api.search(*ELIGIBLE_QUERY, sort=[{"conversation_updated_at": "asc"}])
    descending = api.search(*ELIGIBLE_QUERY, sort=[{"conversation_updated_at": "desc"}])

    assert ids(ascending) == [oldest, middle, newest]
    assert ids(descending) == [newest, middle, oldest]


def test_an_unsorted_search_returns_every_match_in_an_order_unrelated_to_updated_at(
    sim: KustomerSimulator, api: Api
) -> None:
    created = [add_customer_conversation(sim, timedelta(days=3, minutes=n)) for n in range(40)]
    oldest_first = created[::-1]
    sim.contract = Contract(honour_sort=False)
    ascending = {"queryContext": "conversation", "and": list(ELIGIBLE_QUERY)}
    ascending["sort"] = {"conversation_updated_at": "asc"}

    def read_whole(body: dict[str, Any]) -> list[str]:
        pages = [api.post(f"/v1/customers/search?page={n}&pageSize=10", body) for n in (1, 2, 3, 4)]
        assert all(page.status_code == 200 for page in pages)
        assert pages[-1].json()["links"]["next"] is None
        return [item for page in pages for item in ids(page.json())]

    unsorted = read_whole(ascending)
    descending = read_whole({**ascending, "sort": [{"conversation_updated_at": "desc"}]})

    assert sorted(unsorted) == sorted(created)
    # Paging by page number is stable, whatever the sort asked for.
    assert unsorted == descending == read_whole(ascending)
    # The first page is not the oldest ten, as a scanner trusting the order would assume.
    assert set(unsorted[:10]) != set(oldest_first[:10])
    assert set(unsorted[:10]) != set(oldest_first[-10:])
    rank = {conversation: position for position, conversation in enumerate(oldest_first)}
    rises = sum(rank[a] < rank[b] for a, b in itertools.pairwise(unsorted))
    assert 10 <= rises <= 29, "the order follows updatedAt"
    # The sort is still checked.
    assert_error(api.post("/v1/customers/search", {**ascending, "sort": {"nope": "asc"}}), 400)


def test_a_query_is_paged_to_page_100_and_no_further(sim: KustomerSimulator, api: Api) -> None:
    for n in range(101):
        add_customer_conversation(sim, timedelta(days=3, minutes=n))
    body = {"queryContext": "conversation", "and": list(ELIGIBLE_QUERY)}

    last = api.post("/v1/customers/search?page=100&pageSize=1", body)
    beyond = api.post("/v1/customers/search?page=101&pageSize=1", body)
    sim.contract = Contract(search_page_cap=3)
    capped = api.post("/v1/customers/search?page=3&pageSize=1", body).json()

    assert last.status_code == 200
    assert len(last.json()["data"]) == 1
    assert last.json()["links"]["next"] is None
    assert last.json()["meta"]["totalPages"] == 100
    assert_error(beyond, 400)
    assert "narrow the query" in beyond.json()["errors"][0]["detail"]
    assert capped["links"]["next"] is None
    assert_error(api.post("/v1/customers/search?page=4&pageSize=1", body), 400)


def test_the_101st_search_in_a_minute_from_one_key_gets_429_other_requests_pass(
    clock: FakeClock,
) -> None:
    simulator = KustomerSimulator(clock=clock, rate_limit_per_minute=1000, contract=Contract())
    base_url = simulator.start()
    headers = {"Authorization": "Bearer sim-key"}
    body = {"queryContext": "conversation"}
    try:
        with requests.Session() as session:
            session.headers.update(headers)
            searches = [
                session.post(f"{base_url}/v1/customers/search", json=body, timeout=5)
                for _ in range(101)
            ]
            other = session.get(f"{base_url}/v1/users/current", timeout=5)
            clock.advance(timedelta(seconds=59))
            still_refused = session.post(f"{base_url}/v1/customers/search", json=body, timeout=5)
            clock.advance(timedelta(seconds=1))
            next_minute = session.post(f"{base_url}/v1/customers/search", json=body, timeout=5)
        throttles = simulator.throttles()
    finally:
        simulator.stop()

    assert {response.status_code for response in searches[:100]} == {200}
    refused = searches[100]
    assert_error(refused, 429)
    assert "search requests a minute" in refused.json()["errors"][0]["detail"]
    # The org's rate-limit headers, which every response carries: 899 of 1000 left.
    assert refused.headers["x-ratelimit-limit"] == "1000"
    assert refused.headers["x-ratelimit-remaining"] == "899"
    assert int(refused.headers["x-ratelimit-reset"]) == int(START.timestamp()) + 60
    assert "Retry-After" not in refused.headers
    assert other.status_code == 200
    assert_error(still_refused, 429)
    assert next_minute.status_code == 200
    assert throttles == {"search limit": 2}


def test_the_confirmed_standard_attributes_are_searchable(
    sim: KustomerSimulator, api: Api, clock: FakeClock
) -> None:
    team = sim.add_team("Billing")
    customer = sim.add_customer("Ada Lovelace", ["ada@example.org"])
    tagged = sim.add_conversation(
        customer,
        updated_at=START - timedelta(days=3),
        tags=["vip"],
        queue_id="email-queue",
        assigned_team_ids=[team],
    )
    reopened = sim.add_conversation(customer, updated_at=START - timedelta(days=5))
    sim.update_conversation(reopened, at=START - timedelta(days=4), status="open")
    assert api.post("/v1/notes", {"body": "x", "conversation": tagged}).status_code == 201

    def found(criterion: dict[str, Any]) -> list[str]:
        return ids(api.search(criterion))

    three_and_a_half_days_ago = iso(START - timedelta(days=3, hours=12))
    assert found({"conversation_tags": {"equals": "vip"}}) == [tagged]
    assert found({"conversation_queue": {"equals": "email-queue"}}) == [tagged]
    assert found({"conversation_assigned_teams": {"equals": team}}) == [tagged]
    # A note moves updatedAt, not modifiedAt.
    assert found({"conversation_modified_at": {"gte": iso(START - timedelta(hours=1))}}) == []
    assert found({"conversation_updated_at": {"gte": iso(START - timedelta(hours=1))}}) == [tagged]
    assert found({"conversation_last_done_created_at": {"lte": three_and_a_half_days_ago}}) == [
        reopened
    ]


def test_search_ignores_conversations_not_updated_for_two_years(
    sim: KustomerSimulator, api: Api
) -> None:
    add_customer_conversation(sim, timedelta(days=731))
    recent = add_customer_conversation(sim, timedelta(days=700))

    assert ids(api.search(*ELIGIBLE_QUERY)) == [recent]


def test_search_local_dates_are_shifted_by_time_zone(sim: KustomerSimulator, api: Api) -> None:
    # 03:00 UTC on 8 March is still 7 March in New York.
    customer = sim.add_customer("Grace Hopper", ["grace@example.org"])
    late_evening = sim.add_conversation(customer, updated_at=datetime(2026, 3, 8, 3, tzinfo=UTC))

    in_utc = api.search({"conversation_updated_at": {"gte": "2026-03-08"}})
    in_new_york = api.search(
        {"conversation_updated_at": {"gte": "2026-03-08"}}, timeZone="America/New_York"
    )

    assert ids(in_utc) == [late_evening]
    assert ids(in_new_york) == []


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("", {"queryContext": "conversation", "and": [{"conversation_colour": {"eq": "red"}}]}),
        ("", {"queryContext": "conversation", "and": [{"conversation_status": {"like": "d"}}]}),
        ("", {"queryContext": "conversation", "and": [{"conversation_custom_fooNum": {"eq": 1}}]}),
        ("", {"queryContext": "conversation", "and": {"conversation_status": {"eq": "done"}}}),
        ("", {"queryContext": "conversation", "and": [{"conversation_updated_at": {"lt": "x"}}]}),
        ("", {"queryContext": "conversation", "sort": [{"conversation_updated_at": "up"}]}),
        ("", {"and": []}),
        ("", ["not", "an", "object"]),
        ("?pageSize=501", {"queryContext": "conversation"}),
        ("?page=0", {"queryContext": "conversation"}),
        ("", {"queryContext": "conversation", "limit": 5}),
        ("", {"queryContext": "conversation", "includeDeleted": "yes"}),
        (
            "",
            {"queryContext": "conversation", "and": [{"conversation_status": {"eq": "done"}}] * 21},
        ),
        (
            "",
            {"queryContext": "conversation", "not": [{"conversation_status": {"eq": "done"}}] * 21},
        ),
        ("", {"queryContext": "conversation", "sort": [{"conversation_updated_at": "asc"}] * 6}),
        ("", {"queryContext": "conversation", "sort": "conversation_updated_at"}),
        # Kustomer accepts these; the simulator says it does not model them.
        ("", {"queryContext": "conversation", "aggs": {}}),
        ("", {"queryContext": "conversation", "fields": ["conversation_status"]}),
        ("", {"queryContext": "conversation", "searchHash": "abc"}),
    ],
)
def test_malformed_searches_get_400(api: Api, query: str, body: object) -> None:
    assert_error(api.post(f"/v1/customers/search{query}", body), 400)


def test_search_accepts_the_documented_body_at_its_limits(sim: KustomerSimulator, api: Api) -> None:
    conversation = add_customer_conversation(sim, timedelta(days=3))
    done = {"conversation_status": {"equals": "done"}}
    sort = [{"conversation_updated_at": "asc"}, {"conversation_created_at": "desc"}] * 2

    found = api.search(
        *[done] * 20,
        timeZone="Europe/Berlin",
        includeDeleted=True,
        sort=[*sort, {"conversation_id": "asc"}],
        **{"or": [done] * 20, "not": [{"conversation_status": {"equals": "open"}}] * 20},
    )

    assert ids(found) == [conversation]


def test_search_body_that_is_not_json_gets_400(api: Api) -> None:
    response = api.session.post(f"{api.base_url}/v1/customers/search", data="{", timeout=5)
    assert_error(response, 400)


# --- conversations, customers and custom attributes ------------------------------------------


def test_conversation_and_its_customer_can_be_read(sim: KustomerSimulator, api: Api) -> None:
    customer_id = sim.add_customer("Ada Lovelace", ["ada@example.org"], locale="en-gb")
    conversation_id = sim.add_conversation(customer_id, updated_at=START - timedelta(days=3))

    conversation = api.get(f"/v1/conversations/{conversation_id}").json()["data"]
    customer_link = conversation["relationships"]["customer"]["links"]["self"]
    customer = api.get(customer_link).json()["data"]

    assert conversation["attributes"]["status"] == "done"
    assert conversation["attributes"]["channels"] == ["email"]
    assert customer["id"] == customer_id
    assert customer["attributes"]["emails"][0]["email"] == "ada@example.org"
    assert customer["attributes"]["locale"] == "en-gb"
    assert customer["attributes"]["timeZone"] is None
    assert_error(api.get("/v1/conversations/unknown"), 404)
    assert_error(api.get("/v1/customers/unknown"), 404)


def test_a_customer_carries_its_time_zone(sim: KustomerSimulator, api: Api) -> None:
    customer_id = sim.add_customer("Ada", ["ada@example.org"], time_zone="Europe/London")

    attributes = api.get(f"/v1/customers/{customer_id}").json()["data"]["attributes"]

    assert attributes["timeZone"] == "Europe/London"


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_put_and_patch_both_set_custom_attributes_of_every_type(
    sim: KustomerSimulator, api: Api, method: str
) -> None:
    values = {
        "orderIdStr": "A-1",
        "cesCommentTxt": "Quick",
        "cesScoreNum": 6,
        "answeredAt": "2026-03-10T12:00:00.000Z",
        "answeredBool": True,
        "surveyUrl": "https://surveys.example.com/r/1",
        "surveyId": "ces-1",
    }
    for name in values:
        sim.define_custom_attribute(name)
    conversation_id = add_customer_conversation(sim, timedelta(days=3))
    path = f"{api.base_url}/v1/conversations/{conversation_id}"

    response = api.session.request(method, path, json={"custom": values}, timeout=5)
    mistyped = api.session.request(method, path, json={"custom": {"surveyUrl": 1}}, timeout=5)

    assert response.status_code == 200, response.text
    assert response.json()["data"]["attributes"]["custom"] == values
    assert_error(mistyped, 400)
    assert sim.custom_attributes()["surveyUrl"] == "Survey"


def test_an_update_sets_at_most_100_custom_attributes(sim: KustomerSimulator, api: Api) -> None:
    names = [f"answer{n}Num" for n in range(101)]
    for name in names:
        sim.define_custom_attribute(name)
    conversation_id = add_customer_conversation(sim, timedelta(days=3))
    path = f"/v1/conversations/{conversation_id}"

    too_many = api.patch(path, {"custom": dict.fromkeys(names, 1)})
    at_most = api.patch(path, {"custom": dict.fromkeys(names[:100], 1)})

    assert_error(too_many, 400)
    assert at_most.status_code == 200
    assert len(sim.conversation(conversation_id)["attributes"]["custom"]) == 100


def test_patch_sets_defined_custom_attributes_and_bumps_updated_at(
    sim: KustomerSimulator, api: Api, clock: FakeClock
) -> None:
    sim.define_custom_attribute("cesScoreNum")
    sim.define_custom_attribute("cesCommentTxt")
    conversation_id = add_customer_conversation(sim, timedelta(days=3))
    clock.advance(timedelta(minutes=5))

    first = api.patch(f"/v1/conversations/{conversation_id}", {"custom": {"cesScoreNum": 6}})
    second = api.patch(
        f"/v1/conversations/{conversation_id}", {"custom": {"cesCommentTxt": "Quick and kind"}}
    )

    assert first.status_code == second.status_code == 200
    attributes = second.json()["data"]["attributes"]
    assert attributes["custom"] == {"cesScoreNum": 6, "cesCommentTxt": "Quick and kind"}
    assert attributes["updatedAt"] == attributes["modifiedAt"] == "2026-03-10T12:05:00.000Z"
    assert sim.conversation(conversation_id)["attributes"]["custom"]["cesScoreNum"] == 6


@pytest.mark.parametrize(
    "body",
    [
        {"custom": {"undefinedScoreNum": 3}},
        {"custom": {"cesScoreNum": "6"}},
        {"custom": {"cesCommentTxt": 6}},
        {"custom": "cesScoreNum=6"},
        {"status": "open"},
    ],
)
def test_patch_rejects_undefined_or_mistyped_custom_attributes(
    sim: KustomerSimulator, api: Api, body: dict[str, Any]
) -> None:
    sim.define_custom_attribute("cesScoreNum")
    sim.define_custom_attribute("cesCommentTxt")
    conversation_id = add_customer_conversation(sim, timedelta(days=3))

    assert_error(api.patch(f"/v1/conversations/{conversation_id}", body), 400)
    assert sim.conversation(conversation_id)["attributes"]["custom"] == {}


def test_patch_of_an_unknown_conversation_gets_404(sim: KustomerSimulator, api: Api) -> None:
    sim.define_custom_attribute("cesScoreNum")
    assert_error(api.patch("/v1/conversations/unknown", {"custom": {"cesScoreNum": 1}}), 404)


def test_custom_attribute_names_need_a_type_suffix(sim: KustomerSimulator) -> None:
    with pytest.raises(ValueError, match="cesScore"):
        sim.define_custom_attribute("cesScore")


def test_metadata_lists_the_attributes_defined_in_code_with_their_types(
    sim: KustomerSimulator, api: Api
) -> None:
    sim.define_custom_attribute("cesScoreNum")
    sim.define_custom_attribute("cesCommentTxt", "CES comment")

    response = api.get("/v1/metadata/conversation")

    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["properties"] == {
        "cesCommentTxt": {"type": "text", "displayName": "CES comment"},
        "cesScoreNum": {"type": "number", "displayName": "Ces Score"},
    }


def test_metadata_put_adds_attributes_that_patch_then_accepts(
    sim: KustomerSimulator, api: Api
) -> None:
    sim.define_custom_attribute("orderIdStr")
    conversation_id = add_customer_conversation(sim, timedelta(days=3))

    response = api.put(
        "/v1/metadata/conversation", {"properties": {"csatScoreNum": {"displayName": "CSAT"}}}
    )

    assert response.status_code == 200
    assert set(response.json()["data"]["attributes"]["properties"]) == {
        "orderIdStr",
        "csatScoreNum",
    }
    assert sim.custom_attributes() == {"orderIdStr": "Order Id", "csatScoreNum": "CSAT"}
    assert api.patch(f"/v1/conversations/{conversation_id}", {"custom": {"csatScoreNum": 4}}).ok


@pytest.mark.parametrize(
    "body",
    [
        {"properties": {"csatScore": {}}},
        {"properties": {"csatScoreNum": "number"}},
        {"properties": {"csatScoreNum": {"displayName": 5}}},
        {"properties": ["csatScoreNum"]},
    ],
)
def test_metadata_put_rejects_bad_properties_and_defines_nothing(
    sim: KustomerSimulator, api: Api, body: dict[str, Any]
) -> None:
    assert_error(api.put("/v1/metadata/conversation", body), 400)
    assert sim.custom_attributes() == {}


def test_metadata_of_other_klasses_is_not_simulated(api: Api) -> None:
    assert_error(api.get("/v1/metadata/customer"), 404)


def test_metadata_needs_read_and_write_roles(clock: FakeClock) -> None:
    reader = KustomerSimulator(clock=clock, roles=["org.user.read"])
    base_url = reader.start()
    try:
        headers = {"Authorization": "Bearer sim-key"}
        url = f"{base_url}/v1/metadata/conversation"
        assert requests.get(url, headers=headers, timeout=5).status_code == 200
        body = {"properties": {"csatScoreNum": {}}}
        assert_error(requests.put(url, json=body, headers=headers, timeout=5), 403)
        assert reader.custom_attributes() == {}
    finally:
        reader.stop()


# --- notes ----------------------------------------------------------------------------------


def test_notes_are_created_and_listed(sim: KustomerSimulator, api: Api) -> None:
    conversation_id = add_customer_conversation(sim, timedelta(days=3))

    created = api.post("/v1/notes", {"body": "CES 6/7", "conversation": conversation_id})
    api.post("/v1/notes", {"body": "x" * 10_240, "conversation": conversation_id})
    listed = api.get(f"/v1/conversations/{conversation_id}/notes").json()

    assert created.status_code == 201
    note = created.json()["data"]
    assert note["type"] == "note"
    assert note["attributes"]["body"] == "CES 6/7"
    assert note["relationships"]["conversation"]["data"]["id"] == conversation_id
    assert ids(listed) == [n["id"] for n in sim.notes_for(conversation_id)]
    assert ids(listed)[0] == note["id"]
    assert listed["links"]["next"] is None
    assert sim.conversation(conversation_id)["attributes"]["noteCount"] == 2


@pytest.mark.parametrize(
    "body",
    [
        {"body": "", "conversation": "CONVERSATION"},
        {"body": "x" * 10_241, "conversation": "CONVERSATION"},
        {"body": 7, "conversation": "CONVERSATION"},
        {"body": "CES 6/7"},
        {"body": "CES 6/7", "conversation": "CONVERSATION", "customer": "someone-else"},
    ],
)
def test_invalid_notes_get_400(sim: KustomerSimulator, api: Api, body: dict[str, Any]) -> None:
    conversation_id = add_customer_conversation(sim, timedelta(days=3))
    if "conversation" in body:
        body["conversation"] = conversation_id

    assert_error(api.post("/v1/notes", body), 400)
    assert sim.notes_for(conversation_id) == []


def test_note_on_an_unknown_conversation_gets_404(api: Api) -> None:
    assert_error(api.post("/v1/notes", {"body": "CES 6/7", "conversation": "unknown"}), 404)
    assert_error(api.post("/v1/conversations/unknown/notes", {"body": "CES 6/7"}), 404)


def test_notes_can_be_posted_to_the_conversation_path(sim: KustomerSimulator, api: Api) -> None:
    conversation_id = add_customer_conversation(sim, timedelta(days=3))
    other = add_customer_conversation(sim, timedelta(days=3))
    path = f"/v1/conversations/{conversation_id}/notes"

    created = api.post(path, {"body": "CES 6/7"})
    named = api.post(path, {"body": "CES 5/7", "conversation": conversation_id})

    assert created.status_code == named.status_code == 201
    note = created.json()["data"]
    assert note["relationships"]["conversation"]["data"]["id"] == conversation_id
    assert [n["attributes"]["body"] for n in sim.notes_for(conversation_id)] == [
        "CES 6/7",
        "CES 5/7",
    ]
    assert_error(api.post(path, {"body": "CES 6/7", "conversation": other}), 400)
    assert_error(api.post(path, {"body": ""}), 400)
    assert sim.notes_for(other) == []


def test_more_than_120_notes_a_minute_for_one_customer_get_429(
    sim: KustomerSimulator, api: Api, clock: FakeClock
) -> None:
    sim.contract = Contract.legacy()
    conversation_id = add_customer_conversation(sim, timedelta(days=3))
    note = {"body": "CES 6/7", "conversation": conversation_id}

    statuses = [api.post("/v1/notes", note).status_code for _ in range(120)]
    throttled = api.post("/v1/notes", note)
    clock.advance(timedelta(seconds=61))
    after_a_minute = api.post("/v1/notes", note)

    assert set(statuses) == {201}
    assert_error(throttled, 429)
    assert sim.throttles() == {"notes per customer": 1}
    assert int(throttled.headers["Retry-After"]) >= 1
    assert after_a_minute.status_code == 201


# --- rate limits ----------------------------------------------------------------------------


def reset_moment(shape: ResetHeader, header: str, now: datetime) -> datetime:
    """The moment an `x-ratelimit-reset` value names, read as the contract writes it."""
    if shape is ResetHeader.EPOCH_SECONDS:
        return datetime.fromtimestamp(int(header), UTC)
    if shape is ResetHeader.EPOCH_MILLIS:
        return datetime.fromtimestamp(int(header) / 1000, UTC)
    return now + timedelta(seconds=int(header))


@pytest.mark.parametrize("shape", list(ResetHeader))
def test_every_response_kind_carries_the_reset_as_the_contract_writes_it(
    clock: FakeClock, shape: ResetHeader
) -> None:
    simulator = KustomerSimulator(
        rate_limit_per_minute=3, clock=clock, contract=Contract(reset_header=shape)
    )
    base_url = simulator.start()
    seen: list[tuple[str, requests.Response, datetime]] = []
    try:
        with requests.Session() as session:
            session.headers["Authorization"] = "Bearer sim-key"

            def call(kind: str, method: str, path: str, **kwargs: Any) -> None:
                response = session.request(method, base_url + path, timeout=5, **kwargs)
                seen.append((kind, response, clock.now))

            call("200", "GET", "/v1/users/current")
            call("404", "GET", "/v1/conversations/unknown")
            clock.advance(timedelta(seconds=15))
            call("400", "POST", "/v1/customers/search", json={"queryContext": "user"})
            call("429 from the limit", "GET", "/v1/users/current")
            clock.advance(timedelta(seconds=30))
            simulator.faults.throttle_next = 1
            call("429 injected", "GET", "/v1/users/current")
            simulator.faults.fail_next = 1
            call("500 injected", "GET", "/v1/users/current")
            simulator.faults.outage = True
            call("503 injected", "GET", "/v1/users/current")
            simulator.faults.outage = False
            call("401", "GET", "/v1/users/current", headers={"Authorization": "Bearer wrong"})
        throttles = simulator.throttles()
    finally:
        simulator.stop()

    statuses = [response.status_code for _, response, _ in seen]
    assert statuses == [200, 404, 400, 429, 429, 500, 503, 401]
    assert throttles == {"org limit": 1, "injected": 1}
    window_ends = START + timedelta(seconds=60)
    for kind, response, now in seen:
        moment = reset_moment(shape, response.headers["x-ratelimit-reset"], now)
        assert moment == window_ends, kind
        assert timedelta(0) <= moment - now <= timedelta(seconds=60), kind
        assert "Retry-After" not in response.headers, kind
        assert response.headers["x-ratelimit-limit"] == "3", kind


def test_the_reset_moves_to_the_next_window(clock: FakeClock) -> None:
    simulator = KustomerSimulator(rate_limit_per_minute=3, clock=clock, contract=Contract())
    url = simulator.start() + "/v1/users/current"
    headers = {"Authorization": "Bearer sim-key"}
    try:
        first = requests.get(url, headers=headers, timeout=5)
        clock.advance(timedelta(seconds=61))
        second = requests.get(url, headers=headers, timeout=5)
    finally:
        simulator.stop()

    assert int(first.headers["x-ratelimit-reset"]) == int(START.timestamp()) + 60
    assert int(second.headers["x-ratelimit-reset"]) == int(START.timestamp()) + 121


def test_legacy_rate_limit_headers_count_down_and_excess_gets_429(clock: FakeClock) -> None:
    simulator = KustomerSimulator(rate_limit_per_minute=3, clock=clock, contract=Contract.legacy())
    url = simulator.start() + "/v1/users/current"
    headers = {"Authorization": "Bearer sim-key"}
    try:
        responses = [requests.get(url, headers=headers, timeout=5) for _ in range(4)]
        clock.advance(timedelta(seconds=20))
        still_limited = requests.get(url, headers=headers, timeout=5)
        clock.advance(timedelta(seconds=40))
        next_window = requests.get(url, headers=headers, timeout=5)
    finally:
        simulator.stop()

    assert [r.headers["x-ratelimit-remaining"] for r in responses] == ["2", "1", "0", "0"]
    assert all(r.headers["x-ratelimit-limit"] == "3" for r in responses)
    assert responses[0].headers["x-ratelimit-reset"] == "60"
    assert_error(responses[3], 429)
    assert responses[3].headers["Retry-After"] == "60"
    assert_error(still_limited, 429)
    assert still_limited.headers["Retry-After"] == "40"
    assert next_window.status_code == 200
    assert next_window.headers["x-ratelimit-remaining"] == "2"


# --- faults ---------------------------------------------------------------------------------


def test_latency_delays_every_response(sim: KustomerSimulator, api: Api) -> None:
    sim.faults.latency_ms = 150

    started = time.monotonic()
    response = api.get("/v1/users/current")

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.15


def test_fail_next_answers_500_that_many_times(sim: KustomerSimulator, api: Api) -> None:
    sim.faults.fail_next = 2

    statuses = [api.get("/v1/users/current").status_code for _ in range(3)]

    assert statuses == [500, 500, 200]
    assert sim.faults.fail_next == 0


def test_throttle_next_answers_429_with_retry_after_in_the_legacy_contract(
    sim: KustomerSimulator, api: Api
) -> None:
    sim.contract = Contract.legacy()
    sim.faults.throttle_next = 1

    throttled = api.get("/v1/users/current")

    assert_error(throttled, 429)
    assert throttled.headers["Retry-After"] == "1"
    assert "x-ratelimit-remaining" in throttled.headers
    assert api.get("/v1/users/current").status_code == 200
    assert sim.throttles() == {"injected": 1}
    sim.reset_request_log()
    assert sim.throttles() == {}


def test_outage_answers_503_until_switched_off(sim: KustomerSimulator, api: Api) -> None:
    sim.faults.outage = True
    assert_error(api.get("/v1/users/current"), 503)
    assert_error(api.post("/v1/notes", {}), 503)

    sim.faults.outage = False
    assert api.get("/v1/users/current").status_code == 200


def test_error_rate_fails_that_share_of_requests(sim: KustomerSimulator, api: Api) -> None:
    sim.faults.error_rate = 1.0
    assert_error(api.get("/v1/users/current"), 500)

    sim.faults.error_rate = 0.5
    statuses = {api.get("/v1/users/current").status_code for _ in range(30)}
    assert statuses == {200, 500}


def test_timeout_next_hangs_then_closes_without_answering(sim: KustomerSimulator, api: Api) -> None:
    sim.faults.timeout_next = 2
    sim.faults.hang_seconds = 0.3
    url = f"{api.base_url}/v1/users/current"

    with pytest.raises(requests.ReadTimeout):
        api.session.get(url, timeout=(1, 0.1))
    with pytest.raises(requests.ConnectionError):
        api.session.get(url, timeout=2)

    assert api.get("/v1/users/current").status_code == 200
    assert sim.request_log == [
        ("GET", "/v1/users/current", NO_RESPONSE),
        ("GET", "/v1/users/current", NO_RESPONSE),
        ("GET", "/v1/users/current", 200),
    ]


def test_request_log_records_every_request_and_can_be_reset(
    sim: KustomerSimulator, api: Api
) -> None:
    api.get("/v1/users/current")
    api.get("/v1/conversations/unknown")
    api.post("/v1/customers/search?page=1", {"queryContext": "conversation"})

    assert sim.request_log == [
        ("GET", "/v1/users/current", 200),
        ("GET", "/v1/conversations/unknown", 404),
        ("POST", "/v1/customers/search", 200),
    ]
    sim.reset_request_log()
    assert sim.request_log == []


def test_a_stopped_simulator_refuses_connections(clock: FakeClock) -> None:
    simulator = KustomerSimulator(clock=clock)
    base_url = simulator.start()
    simulator.stop()

    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base_url}/v1/users/current", timeout=1)


# --- seeded demo data -----------------------------------------------------------------------


def test_seed_demo_eligible_conversations_meet_the_survey_rule(
    sim: KustomerSimulator, api: Api
) -> None:
    summary = sim.seed_demo(eligible=12)

    assert len(summary.eligible) == 12
    for conversation_id in summary.eligible:
        attributes = sim.conversation(conversation_id)["attributes"]
        customer = api.get(customer_path(sim, conversation_id)).json()["data"]
        assert attributes["status"] == "done"
        assert "email" in attributes["channels"]
        assert parse(attributes["updatedAt"]) <= START - QUIET_PERIOD
        assert customer["attributes"]["emails"][0]["email"].split("@")[1].startswith("example.")
        assert attributes["assignedUsers"][0] in summary.users
        assert attributes["assignedTeams"] == [summary.team_of_user[attributes["assignedUsers"][0]]]
    assert len(summary.teams) == 3


def test_seed_demo_covers_every_kind_of_ineligible_conversation(
    sim: KustomerSimulator, api: Api
) -> None:
    summary = sim.seed_demo()

    reasons = set(summary.ineligible.values())
    assert {"channel chat", "status open", "status snoozed", "updated 3h ago"} <= reasons
    (no_email,) = summary.no_email
    assert api.get(customer_path(sim, no_email)).json()["data"]["attributes"]["emails"] == []
    found = api.search(*ELIGIBLE_QUERY)
    assert set(ids(found)) == set(summary.eligible) | {no_email}
    # Searching an undefined custom attribute is a 400, so this shows the survey set is defined.
    unrated = api.search({"conversation_custom_npsCommentTxt": {"exists": False}})
    assert len(unrated["data"]) > 0


def test_seed_demo_is_reproducible(clock: FakeClock) -> None:
    def seeded() -> tuple[Any, list[Any]]:
        simulator = KustomerSimulator(clock=clock)
        summary = simulator.seed_demo(now=START)
        return summary, [simulator.conversation(c) for c in summary.eligible]

    assert seeded() == seeded()


def customer_path(sim: KustomerSimulator, conversation_id: str) -> str:
    relationship = sim.conversation(conversation_id)["relationships"]["customer"]
    return str(relationship["links"]["self"])


def parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


# --- contracts and modes ----------------------------------------------------------------------


def test_modes_apply_on_top_of_the_base_contract_named_or_the_default() -> None:
    legacy, documented = Contract.legacy(), Contract()

    assert contract_for([], legacy) == legacy
    assert contract_for(["unsorted"], legacy) == Contract(
        reset_header=ResetHeader.SECONDS_TO_WAIT,
        retry_after=True,
        search_limit_per_key=None,
        honour_sort=False,
    )
    assert contract_for(["teams-404", "documented", "unsorted"], legacy) == Contract(
        honour_sort=False, teams_endpoint=TeamsEndpoint.MISSING
    )
    assert contract_for(["legacy", "epoch-reset", "search-limit"], documented) == documented
    assert contract_for(["reset-millis"], documented).reset_header is ResetHeader.EPOCH_MILLIS
    with pytest.raises(ValueError, match="legacy or documented"):
        contract_for(["legacy", "documented"], documented)
    with pytest.raises(ValueError, match="unknown mode 'sideways'"):
        contract_for(["sideways"], documented)
