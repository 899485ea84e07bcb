"""A cold container, as Lambda starts one: a fresh interpreter imports the function and answers
its first event. Every botocore session loads botocore's endpoint rules and service models anew,
which is most of a cold request's CPU after the imports, so the AWS clients of a container share
one: the customer's first click and the first survey of a burst wait for one load, not several."""

from __future__ import annotations

import json
import os
import textwrap
from datetime import UTC, datetime
from typing import Any

from local.kustomer_sim import KustomerSimulator
from local.runtime.events import sqs_event
from local.runtime.runtime import LocalRuntime
from tests.fresh_interpreter import run_fresh
from tests.integration.helpers import add_due_conversation

NOW = datetime.now(UTC).replace(microsecond=0)

# Counts the botocore sessions made from the first line of INIT to the first response: the
# project's, and apart those the X-Ray SDK makes for its sampling rules, which it builds on
# sessions of its own when a traced handler first runs.
COLD_START = textwrap.dedent(
    """
    import importlib.util, json, sys, traceback, types
    import botocore.session

    made = []
    initialise = botocore.session.Session.__init__

    def counting(self, *args, **kwargs):
        made.append(any("/aws_xray_sdk/" in f.filename for f in traceback.extract_stack()))
        initialise(self, *args, **kwargs)

    botocore.session.Session.__init__ = counting
    code, event = sys.argv[1], json.loads(sys.argv[2])
    spec = importlib.util.spec_from_file_location("app", code)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    context = types.SimpleNamespace(
        function_name="cold", function_version="$LATEST", memory_limit_in_mb=256,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:cold",
        aws_request_id="cold", get_remaining_time_in_millis=lambda: 60_000,
    )
    response = module.lambda_handler(event, context)
    print(json.dumps({
        "sessions": made.count(False), "x_ray_sessions": made.count(True), "response": response
    }))
    """
)


def _cold_start(runtime: LocalRuntime, logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
    function = runtime.functions[logical_id]
    return run_fresh(
        COLD_START,
        [str(function.code_dir / "app.py"), json.dumps(event)],
        {**os.environ, **function.environment, **function.credentials},
    )


def test_a_cold_sender_sends_its_first_survey_on_one_botocore_session(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    add_due_conversation(simulator, NOW)
    runtime.scan(NOW)
    environment = runtime.environment("SenderFunction")
    sqs = runtime.moto.client("sqs")
    queue_url = environment["SURVEY_QUEUE_URL"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    messages = sqs.receive_message(QueueUrl=queue_url)["Messages"]

    cold = _cold_start(runtime, "SenderFunction", sqs_event(messages, queue_arn))

    assert cold["response"] == {"batchItemFailures": []}
    assert len(runtime.sent_emails()) == 1
    assert cold["sessions"] == 1


def test_a_cold_rating_page_answers_the_first_click_on_one_botocore_session(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    add_due_conversation(simulator, NOW)
    runtime.scan(NOW)
    runtime.deliver()
    link = runtime.sent_emails()[0].rating_links()[6]
    routed = runtime.gateway.routed("GET", link, {"Accept-Language": "en", "User-Agent": "Mozilla"})
    assert routed is not None
    route, event = routed
    assert route.function.logical_id == "RatingWebhookFunction"

    cold = _cold_start(runtime, "RatingWebhookFunction", event)

    assert cold["response"]["statusCode"] == 200
    assert cold["sessions"] == 1
