"""What the benchmarks share: the local runtime on a Kustomer simulator whose clock is simulated,
seeded with conversations that are due a survey, and the steps a survey goes through.

Nothing here is production code; the benchmarks print figures and assert nothing.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

import requests

import local.runtime.functions as local_functions
from local.kustomer_sim import DEFAULT_CONTRACT, Contract, KustomerSimulator
from local.runtime.runtime import LocalRuntime, RuntimeOptions
from local.simulated_clock import SimulatedClock
from surveys import bootstrap

os.environ.setdefault("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")

API_KEY = "bench-key"
PARAMETERS = {
    "SenderAddress": "surveys@acme.example.com",
    "SenderName": "Acme Support",
    "CompanyName": "Acme",
    "BackfillHours": "720",
}
# What a browser sends with the rating form a person submits (surveys/domain/votes.py).
BROWSER_HEADERS = {
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-User": "?1",
    "Sec-Fetch-Dest": "document",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) bench",
}


@dataclass
class Bench:
    simulator: KustomerSimulator
    runtime: LocalRuntime
    clock: SimulatedClock

    def kustomer_requests(self) -> Counter[str]:
        """The simulator's requests so far, by what they were for."""
        kinds: Counter[str] = Counter()
        for method, path, _ in self.simulator.request_log:
            if path == "/v1/customers/search":
                kinds["search"] += 1
            elif method == "GET" and path.startswith("/v1/customers/"):
                kinds["customer"] += 1
            elif method == "POST" and path == "/v1/notes":
                kinds["note"] += 1
            elif method == "GET" and path.endswith("/notes"):
                kinds["notes lookup"] += 1
            elif method == "PATCH" and path.startswith("/v1/conversations/"):
                kinds["attributes"] += 1
            else:
                kinds[f"{method} {path}"] += 1
        return kinds


@contextmanager
def bench_runtime(
    rate_limit_per_minute: int = 1_000_000,
    contract: Contract = DEFAULT_CONTRACT,
    **parameters: str,
) -> Iterator[Bench]:
    """The runtime on a simulator with the CES trigger active; the Kustomer client sleeps on the
    simulated clock, so rate-limit waits take no real time."""
    clock = SimulatedClock()
    saved = local_functions.time
    local_functions.time = SimpleNamespace(monotonic=clock.monotonic)  # type: ignore[assignment]
    bootstrap.configure_kustomer_client(sleep=clock.sleep, clock=clock.time)
    simulator = KustomerSimulator(
        api_key=API_KEY, rate_limit_per_minute=rate_limit_per_minute, clock=clock, contract=contract
    )
    simulator.start()
    simulator.define_custom_attribute("cesScoreNum")
    simulator.define_custom_attribute("cesCommentTxt")
    runtime = LocalRuntime(
        RuntimeOptions(
            kustomer_api_key=API_KEY,
            parameters={
                "LogLevel": "WARNING",
                **PARAMETERS,
                "KustomerOrgUrl": simulator.base_url,
                **parameters,
            },
        )
    ).start()
    try:
        runtime.set_trigger("ces", now=clock())
        yield Bench(simulator, runtime, clock)
    finally:
        runtime.stop()
        simulator.stop()
        local_functions.time = saved  # type: ignore[assignment]
        bootstrap.configure_kustomer_client()


def seed_due(
    simulator: KustomerSimulator,
    now: datetime,
    count: int,
    quiet_hours: float = 60,
    **conversation: object,
) -> list[str]:
    """`count` email conversations done `quiet_hours` ago, each with its own customer."""
    ids = []
    for number in range(count):
        customer = simulator.add_customer(f"Customer {number}", [f"c{number}@example.com"])
        ids.append(
            simulator.add_conversation(
                customer,
                updated_at=now - timedelta(hours=quiet_hours, seconds=number),
                **conversation,  # type: ignore[arg-type]
            )
        )
    return ids


def deliver_all(runtime: LocalRuntime) -> int:
    handled = 0
    while True:
        ok, failed = runtime.deliver()
        handled += ok
        if ok + failed == 0:
            return handled


def answer_surveys(runtime: LocalRuntime, count: int, skip: int = 0) -> int:
    """`count` recipients open their link and submit the form, as in a browser: those of the
    emails sent after the first `skip`."""
    answered = 0
    with requests.Session() as session:
        for email in runtime.sent_emails()[skip : skip + count]:
            link = email.rating_links()[6]
            session.get(link, headers=BROWSER_HEADERS, timeout=30).raise_for_status()
            session.post(
                link.split("?", 1)[0],
                data={"score": "6", "comment": "Quick and friendly"},
                headers=BROWSER_HEADERS,
                timeout=30,
            ).raise_for_status()
            answered += 1
    return answered


def table(rows: list[tuple[object, ...]], header: tuple[str, ...]) -> str:
    """A plain-text table, columns as wide as their widest cell."""
    cells = [tuple(str(cell) for cell in row) for row in [header, *rows]]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
