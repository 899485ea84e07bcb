"""Survey programs on the local runtime: several triggers of one metric, each for its audience.

The runtime fixture starts with the `ces` program (all brands) active.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime, SentEmail
from tests.integration.helpers import add_due_conversation, surveys_by_id

NOW = datetime.now(UTC).replace(microsecond=0)
GLOBEX = {"include_brands": ["globex"], "company_name": "Globex", "sender_name": "Globex Care"}


def _cycle(runtime: LocalRuntime, now: datetime = NOW) -> list[SentEmail]:
    runtime.scan(now)
    runtime.deliver()
    return runtime.sent_emails()


def _by_conversation(sent: list[SentEmail]) -> dict[str, SentEmail]:
    return {message.survey_id.split("-", 1)[1]: message for message in sent}


def _sender(message: SentEmail) -> str:
    return str(message.message["From"])


def _customer(simulator: KustomerSimulator, email: str) -> str:
    return simulator.add_customer(name="Jane Doe", emails=[email])


def test_each_brand_gets_its_own_programs_email_and_one_survey_per_conversation(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces-globex", metric="ces", **GLOBEX)
    acme = add_due_conversation(simulator, NOW, brand_id="acme", emails=("a@example.com",))
    globex = add_due_conversation(simulator, NOW, brand_id="globex", emails=("g@example.com",))

    sent = _by_conversation(_cycle(runtime))
    again = _cycle(runtime, NOW + timedelta(hours=1))

    assert sorted(sent) == sorted([acme, globex]) and len(again) == 2
    assert sent[globex].survey_id == f"ces-{globex}"
    assert _sender(sent[globex]).startswith("Globex Care <")
    assert "Globex made it easy" in sent[globex].text
    assert _sender(sent[acme]).startswith("Acme Support <")
    assert "Acme made it easy" in sent[acme].text
    surveys = surveys_by_id(runtime)
    assert surveys[f"ces-{globex}"]["program"] == "ces-globex"
    assert surveys[f"ces-{acme}"]["program"] == "ces"


def test_the_more_specific_program_wins_whichever_scan_reads_the_conversation_first(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    """ces (all brands) waits 48 h; ces-globex, more specific, 100 h: at 60 h only the general
    program's scan reaches the conversation, and leaves it to the specific one."""
    runtime.set_trigger("ces-globex", metric="ces", delay_hours=100, **GLOBEX)
    conversation = add_due_conversation(simulator, NOW, brand_id="globex", quiet_hours=60)

    assert _cycle(runtime) == []
    (sent,) = _cycle(runtime, NOW + timedelta(hours=41))

    assert sent.survey_id == f"ces-{conversation}"
    assert _sender(sent).startswith("Globex Care <")


def test_equally_specific_programs_go_to_the_first_in_the_order_the_admin_sets(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    from surveys.usecases.triggers import order_programs

    runtime.set_trigger("ces-globex", metric="ces", **GLOBEX)
    runtime.set_trigger(
        "ces-billing", metric="ces", include_queues=["billing"], sender_name="Billing Desk"
    )
    first = add_due_conversation(
        simulator, NOW, brand_id="globex", queue_id="billing", emails=("one@example.com",)
    )
    (before,) = _cycle(runtime)
    with runtime.stack().as_admin():
        assert order_programs(["ces-billing"]) == [
            "ces-billing",
            "ces",
            "csat",
            "nps",
            "ces-globex",
        ]
    # Updated after the first scan's window, so that the next scans read it.
    second = add_due_conversation(
        simulator,
        NOW + timedelta(minutes=5),
        quiet_hours=48.01,
        brand_id="globex",
        queue_id="billing",
        emails=("two@example.com",),
    )
    (after,) = _cycle(runtime, NOW + timedelta(minutes=5))[1:]

    assert before.survey_id == f"ces-{first}" and _sender(before).startswith("Globex Care <")
    assert after.survey_id == f"ces-{second}" and _sender(after).startswith("Billing Desk <")


def test_fatigue_counts_across_programs(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces-globex", metric="ces", **GLOBEX)
    customer = _customer(simulator, "both@example.com")
    for brand, quiet in (("acme", 70), ("globex", 60)):
        simulator.add_conversation(
            customer, brand_id=brand, updated_at=NOW - timedelta(hours=quiet)
        )

    (sent,) = _cycle(runtime)

    skipped = [item for item in surveys_by_id(runtime).values() if item["status"] == "skipped"]
    assert len(skipped) == 1
    assert skipped[0]["skip_reason"].startswith("customer already surveyed within 30 days")
    assert {sent.survey_id, skipped[0]["survey_id"]} == {
        item["survey_id"] for item in surveys_by_id(runtime).values()
    }


def test_deactivating_one_program_leaves_the_other_running_and_hands_its_audience_on(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces-globex", metric="ces", **GLOBEX)
    runtime.set_trigger("ces-initech", metric="ces", include_brands=["initech"])
    waiting = add_due_conversation(simulator, NOW, brand_id="globex", emails=("w@example.com",))
    runtime.scan(NOW)

    runtime.set_trigger("ces-globex", active=False)
    runtime.deliver()
    # Updated after the first scan's window, so that the next scans read them.
    soon = NOW + timedelta(minutes=5)
    initech = add_due_conversation(
        simulator, soon, quiet_hours=48.01, brand_id="initech", emails=("i@example.com",)
    )
    later = add_due_conversation(
        simulator, soon, quiet_hours=48.01, brand_id="globex", emails=("l@example.com",)
    )
    sent = _by_conversation(_cycle(runtime, soon))

    surveys = surveys_by_id(runtime)
    assert surveys[f"ces-{waiting}"]["status"] == "skipped"
    assert surveys[f"ces-{waiting}"]["skip_reason"] == "trigger inactive when sending"
    assert sorted(sent) == sorted([initech, later])
    assert surveys[f"ces-{initech}"]["program"] == "ces-initech"
    # Its own program is off: the program for all brands surveys it, as Acme.
    assert surveys[f"ces-{later}"]["program"] == "ces"
    assert _sender(sent[later]).startswith("Acme Support <")


def test_a_survey_is_answered_and_written_back_with_its_programs_settings(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    from local.recipient import answer

    simulator.define_custom_attribute("globexEffortNum")
    runtime.set_trigger("ces-globex", metric="ces", score_attribute="globexEffortNum", **GLOBEX)
    conversation = add_due_conversation(simulator, NOW, brand_id="globex")
    (sent,) = _cycle(runtime)

    answer(sent.rating_links()[6], 6, "").raise_for_status()
    runtime.write_back()

    custom = simulator.conversation(conversation)["attributes"]["custom"]
    assert custom["globexEffortNum"] == 6 and "cesScoreNum" not in custom


def test_a_programs_backlog_does_not_starve_another_programs_scan(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    """Both programs scan within one run's time: with 250 email conversations to read, ces
    gets no more turns than ces-chat, whose 5 conversations are read on its first turn."""
    from surveys.adapters.kustomer.client import KustomerClient
    from surveys.adapters.survey_queue import SqsSurveyQueue
    from surveys.usecases.scan import scan_programs
    from surveys.usecases.triggers import active_triggers
    from tests.conftest import SIMULATOR_KEY, function_environment

    runtime.set_trigger("ces-chat", metric="ces", channels=["chat"])
    for index in range(250):
        add_due_conversation(simulator, NOW, quiet_hours=60 + index / 60)
    chats = [add_due_conversation(simulator, NOW, channels=["chat"]) for _ in range(5)]
    queue = SqsSurveyQueue(
        runtime.moto.client("sqs"), runtime.environment("ScannerFunction")["SURVEY_QUEUE_URL"]
    )
    # Time for three requests, then the Lambda is about to time out.
    budget = iter([300.0] * 3)

    with function_environment(runtime, "ScannerFunction"):
        email, chat = scan_programs(
            active_triggers(),
            kustomer=KustomerClient(simulator.base_url, SIMULATOR_KEY),
            queue=queue,
            now=NOW,
            time_left=lambda: next(budget, 0.0),
            page_size=100,
        )

    assert (email.program, chat.program) == ("ces", "ces-chat")
    assert chat.complete and chat.queued == 5 and chat.pages == 1
    assert not email.complete and email.pages == 2
    assert "time" in str(email.stopped_because)
    assert {f"ces-{conversation}" for conversation in chats} <= set(surveys_by_id(runtime))
