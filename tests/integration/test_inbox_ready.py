"""The bytes the sender hands SES through the local runtime (moto keeps them as it got them):
every metric in every language is ready for the inbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import SentEmail
from tests.conftest import SIMULATOR_KEY, start_runtime
from tests.inbox_checks import inbox_problems
from tests.integration.helpers import LOCALES, send_every_kind_of_survey

NOW = datetime.now(UTC).replace(microsecond=0)
KINDS = [(metric, language) for metric in ("ces", "csat", "nps") for language in LOCALES]


@pytest.fixture(scope="module")
def emails() -> Iterator[dict[tuple[str, str], SentEmail]]:
    simulator = KustomerSimulator(api_key=SIMULATOR_KEY)
    simulator.start()
    runtime = start_runtime(simulator, BackfillHours="720")
    try:
        yield send_every_kind_of_survey(runtime, simulator, NOW)
    finally:
        runtime.stop()
        simulator.stop()


def test_every_metric_is_sent_in_every_language(
    emails: dict[tuple[str, str], SentEmail],
) -> None:
    assert sorted(emails) == sorted(KINDS)


@pytest.mark.parametrize(("metric", "language"), KINDS)
def test_the_bytes_ses_received_are_ready_for_the_inbox(
    emails: dict[tuple[str, str], SentEmail], metric: str, language: str
) -> None:
    raw = emails[(metric, language)].raw.encode("utf-8")

    assert inbox_problems(raw, link_scheme="http") == []
    assert f"Content-Language: {language}".encode() in raw
