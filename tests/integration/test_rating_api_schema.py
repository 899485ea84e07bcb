"""The rating API against its OpenAPI description, over real HTTP.

Schemathesis reads the description that functions/rating_webhook/openapi.py builds from the
routes of functions/rating_webhook/app.py, generates requests from it, sends them to the local
runtime's API Gateway and checks every answer: never a server error, only the statuses, content
types and headers the description documents, and requests that break the description refused
with a 4xx.

Each operation is tried with tokens Schemathesis makes up (refused), with the token of a survey
that was really sent (the pages behind it), and, for the forms, with that token from a person's
browser (answers recorded, changed, held as a burst; unsubscribes), each with valid and invalid
input. A fixed, derandomized set of 720 requests: about 12 s.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from local.kustomer_sim import KustomerSimulator
from local.recipient import PERSON_CLICKING_SEND, form_url
from local.runtime.runtime import LocalRuntime
from local.runtime.template import REPO_ROOT
from tests.conftest import function_environment

EXAMPLES = 40
NEGATIVE = schemathesis.GenerationMode.NEGATIVE
MODES = (schemathesis.GenerationMode.POSITIVE, NEGATIVE)
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            # "Valid input must be accepted" cannot hold for these routes: which scores are on
            # the scale depends on the survey the token names (a 9 is an NPS score, and off a
            # CES survey's scale), and every token not signed by us is refused with a 403.
            "positive_data_acceptance": {"enabled": False},
        }
    }
)
# The fetch metadata a person's browser sends with the form; Schemathesis generates the rest.
BROWSER = {
    name: value for name, value in PERSON_CLICKING_SEND.items() if name.startswith("Sec-Fetch")
}


def _load(name: str, runtime: LocalRuntime) -> ModuleType:
    """A module of functions/rating_webhook/, loaded as the runtime loads the handler."""
    spec = importlib.util.spec_from_file_location(
        f"rating_webhook_{name}", REPO_ROOT / "functions" / "rating_webhook" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with function_environment(runtime, "RatingWebhookFunction"):
        spec.loader.exec_module(module)
    return module


def _openapi_document(runtime: LocalRuntime) -> dict[str, Any]:
    """The description of the routes as the deployed function has them."""
    document: dict[str, Any] = _load("openapi", runtime).openapi_document(_load("app", runtime).app)
    return document


def _operations(schema: schemathesis.BaseSchema) -> list[schemathesis.APIOperation]:
    return [operation for methods in schema.values() for operation in methods.values()]


@pytest.fixture
def tokens(simulator: KustomerSimulator, runtime: LocalRuntime) -> dict[str, str]:
    """The rating and unsubscribe tokens of a survey sent to a customer, by path."""
    now = datetime.now(UTC)
    customer = simulator.add_customer("Schema Fuzz", emails=["fuzz@example.com"])
    simulator.add_conversation(
        customer_id=customer,
        status="done",
        channels=["email"],
        updated_at=now - timedelta(hours=60),
    )
    runtime.scan(now)
    runtime.deliver()
    [sent] = runtime.sent_emails()
    return {
        "/r/{token}": form_url(sent.rating_links()[5]).rsplit("/", 1)[1],
        "/u/{token}": sent.unsubscribe_link.rsplit("/", 1)[1],
    }


def test_the_description_is_valid_openapi_and_covers_every_route_of_the_template(
    runtime: LocalRuntime,
) -> None:
    document = _openapi_document(runtime)
    schema = schemathesis.openapi.from_dict(document, config=CONFIG)
    schema.validate()
    described = {operation.label for operation in _operations(schema)}
    routed = {
        f"{event['Properties']['Method']} {event['Properties']['Path']}"
        for event in runtime.functions["RatingWebhookFunction"].events.values()
    }
    assert described == routed
    # Validation is off: no trace of Powertools' 422 and its error schemas.
    assert "ValidationError" not in json.dumps(document)
    for path in document["paths"].values():
        for operation in path.values():
            for status, response in operation["responses"].items():
                expected = "application/json" if status == "429" else "text/html"
                assert list(response["content"]) == [expected]


def _fuzz(
    operation: schemathesis.APIOperation,
    mode: schemathesis.GenerationMode,
    fixed: dict[str, Any],
    base_url: str,
) -> Counter[int]:
    """Send EXAMPLES requests generated for `operation`, checking each answer; their statuses."""
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    def call_and_validate(case: schemathesis.Case) -> None:
        statuses[case.call_and_validate(base_url=base_url).status_code] += 1

    call_and_validate()
    return statuses


def test_no_request_the_description_allows_or_forbids_breaks_the_api(
    runtime: LocalRuntime, tokens: dict[str, str]
) -> None:
    schema = schemathesis.openapi.from_dict(_openapi_document(runtime), config=CONFIG)
    statuses: Counter[tuple[str, str, int]] = Counter()
    for operation in _operations(schema):
        runs: dict[str, dict[str, Any]] = {
            "made-up token": {},
            "sent survey": {"path_parameters": {"token": tokens[operation.path]}},
        }
        if operation.method == "post":
            runs["sent survey, person's browser"] = {
                "path_parameters": {"token": tokens[operation.path]},
                "headers": BROWSER,
            }
        for run, fixed in runs.items():
            for mode in MODES:
                # Nothing in GET /u/{token} can break the description: a path and a free text.
                if mode == NEGATIVE and operation.label == "GET /u/{token}":
                    continue
                for status, count in _fuzz(operation, mode, fixed, runtime.base_url).items():
                    statuses[(operation.label, run, status)] += count

    def seen(label: str, *runs: str) -> set[int]:
        return {status for (each, run, status) in statuses if each == label and run in runs}

    # Made-up tokens never get past the signature check (a form too big to read is a 400).
    for label in ("GET /r/{token}", "POST /r/{token}", "GET /u/{token}", "POST /u/{token}"):
        assert seen(label, "made-up token") <= {400, 403}
    # The real token reaches the pages themselves: answers were counted (200), dropped as not a
    # person's (403) and held as a burst of different scores within seconds (409), which holds
    # the votes counted before it too; and the address was unsubscribed.
    real = ("sent survey", "sent survey, person's browser")
    assert {200, 400} <= seen("GET /r/{token}", *real)
    assert {200, 400, 403, 409} <= seen("POST /r/{token}", *real)
    assert seen("GET /u/{token}", *real) == {200}
    assert {200, 403} <= seen("POST /u/{token}", *real)
    verdicts = {item["verdict"] for item in runtime.table_items("VotesTable")}
    assert {"dropped", "held"} <= verdicts
    assert len(runtime.table_items("RatingsTable")) <= 1
    suppressed = [item["address"] for item in runtime.table_items("SuppressionsTable")]
    assert suppressed == ["fuzz@example.com"]
