"""Scan coverage: one scan window of due conversations, with Kustomer sorting its search results
as asked and with Kustomer ignoring the sort, as its documentation allows.

    .venv/bin/python -m bench.scan_coverage [--conversations 50000] [--limit 1000] [--share 0.5]
        [--kustomer-behaves MODE ...] [--search-limit N] [--throttle 3] [--max-runs 40]

Every conversation is due at the first scan (done, by email, quiet for 60 hours or more). The
scanner runs on its schedule, every 15 minutes of the simulated clock, until a run reports the
window complete; it is stopped after --max-runs. Printed per order: search requests against the
fewest that pages of 500 allow, the 429s Kustomer answered by cause (--throttle injected, the rest
from the org's limit or the search limit per API key), due conversations the scanner missed (no
survey queued) and those queued more than once (messages on the survey queue beyond one per
conversation). The simulator follows its default contract changed by --kustomer-behaves, as in
`local.demo`; the unsorted run adds the mode "unsorted".

Time is simulated but runs with real time, and moto makes each queued survey cost milliseconds,
so a scan here makes fewer searches a minute than one in Lambda would: --search-limit lowers the
per-key search limit to see how the scanner meets it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import resource
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from bench.common import Bench, bench_runtime, seed_due, table
from local.kustomer_sim import BASE_CONTRACTS, DEFAULT_CONTRACT, MODES, Contract, contract_for

SEARCH_PAGE_SIZE_MAX = 500
SCAN_INTERVAL = timedelta(minutes=15)


@dataclass
class Outcome:
    order: str
    searches: int
    throttles: Counter[str]
    missed: int
    queued_twice: int
    runs: int
    complete: bool
    stopped_because: Counter[str]
    seed_seconds: float
    scan_seconds: float


class SurveyQueueReader(threading.Thread):
    """Takes the survey messages off the queue while the scanner fills it, as the sender's event
    source would, and counts them per conversation. Besides counting, it keeps the queue short:
    moto's SQS spends time in proportion to the messages waiting on every message sent."""

    def __init__(self, bench: Bench) -> None:
        super().__init__(name="survey-queue-reader", daemon=True)
        self._sqs = bench.runtime.moto.client("sqs")
        self._url = bench.runtime.resolver.names.refs["SurveyQueue"]
        self._scanning = threading.Event()
        self._scanning.set()
        self.queued: Counter[str] = Counter()

    def run(self) -> None:
        # Once the scan is over, on until the queue is empty.
        while self._take() or self._scanning.is_set():
            pass

    def finish(self) -> Counter[str]:
        self._scanning.clear()
        self.join()
        return self.queued

    def _take(self) -> int:
        messages = self._sqs.receive_message(
            QueueUrl=self._url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        for message in messages:
            self.queued[json.loads(message["Body"])["conversation_id"]] += 1
        if messages:
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(messages)
                ],
            )
        return len(messages)


def scan_until_complete(
    contract: Contract, order: str, arguments: argparse.Namespace
) -> tuple[Outcome, Contract]:
    with bench_runtime(
        rate_limit_per_minute=arguments.limit,
        contract=contract,
        KustomerRateLimitShare=str(arguments.share),
    ) as bench:
        started = time.perf_counter()
        due = seed_due(bench.simulator, bench.clock(), arguments.conversations)
        seeded = time.perf_counter()
        bench.simulator.reset_request_log()
        bench.simulator.faults.throttle_next = arguments.throttle
        reader = SurveyQueueReader(bench)
        reader.start()
        runs, complete, stopped = 0, False, Counter[str]()
        while not complete and runs < arguments.max_runs:
            if runs:
                bench.clock.advance(seconds=SCAN_INTERVAL.total_seconds())
            runs += 1
            [result] = bench.runtime.scan(bench.clock())
            for report in result["reports"]:
                complete = bool(report["complete"])
                if report["stopped_because"]:
                    stopped[report["stopped_because"].split(";")[0]] += 1
        queued = reader.finish()
        scanned = time.perf_counter()
        searches = sum(1 for _, path, _ in bench.simulator.request_log if path.endswith("/search"))
        outcome = Outcome(
            order=order,
            searches=searches,
            throttles=Counter(bench.simulator.throttles()),
            missed=sum(1 for conversation in due if conversation not in queued),
            queued_twice=sum(1 for count in queued.values() if count > 1),
            runs=runs,
            complete=complete,
            stopped_because=stopped,
            seed_seconds=seeded - started,
            scan_seconds=scanned - seeded,
        )
        return outcome, bench.simulator.contract


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=50_000)
    parser.add_argument("--limit", type=int, default=1000, help="requests a minute Kustomer allows")
    parser.add_argument("--share", type=float, default=0.5, help="KustomerRateLimitShare")
    parser.add_argument(
        "--search-limit",
        type=int,
        help="search requests a minute per API key (else the contract's)",
    )
    parser.add_argument("--throttle", type=int, default=3, help="429s to inject")
    parser.add_argument("--max-runs", type=int, default=40, help="scanner runs before giving up")
    parser.add_argument(
        "--kustomer-behaves",
        action="append",
        default=[],
        choices=[*BASE_CONTRACTS, *MODES],
        metavar="MODE",
        help="the simulator's contract, as for local.demo (repeatable)",
    )
    parser.add_argument(
        "--orders",
        default="sorted,unsorted",
        help="which runs to make, comma-separated: sorted, unsorted",
    )
    arguments = parser.parse_args()
    try:
        base = contract_for(arguments.kustomer_behaves, DEFAULT_CONTRACT)
        if arguments.search_limit is not None:
            base = dataclasses.replace(base, search_limit_per_key=arguments.search_limit)
    except ValueError as error:
        parser.error(str(error))
    contracts = {"sorted": base, "unsorted": base.with_modes("unsorted")}
    orders = arguments.orders.split(",")
    if not orders or not set(orders) <= set(contracts):
        parser.error("--orders takes sorted, unsorted or both")

    minimum = math.ceil(arguments.conversations / SEARCH_PAGE_SIZE_MAX)
    print(
        f"scan of {arguments.conversations} due conversations in one window; Kustomer limit "
        f"{arguments.limit}/min, share {arguments.share}; {arguments.throttle} 429s injected; "
        f"fewest searches {minimum} (pages of {SEARCH_PAGE_SIZE_MAX})",
        flush=True,
    )
    rows, notes = [], []
    for order in orders:
        outcome, contract = scan_until_complete(contracts[order], order, arguments)
        notes.append(f"{order}: Kustomer {contract.describe()}")
        if outcome.stopped_because:
            notes.append(
                f"{order}: runs stopped early: "
                + "; ".join(f"{count}x {why}" for why, count in outcome.stopped_because.items())
            )
        throttles = outcome.throttles
        rows.append(
            (
                order,
                outcome.searches,
                f"{outcome.searches / minimum:.2f}x",
                throttles["injected"],
                throttles["org limit"],
                throttles["search limit"],
                outcome.missed,
                outcome.queued_twice,
                outcome.runs,
                "yes" if outcome.complete else "no",
                f"{outcome.seed_seconds:.1f}",
                f"{outcome.scan_seconds:.0f}",
            )
        )
    print(
        table(
            rows,
            (
                "order",
                "searches",
                "of fewest",
                "429 injected",
                "429 org limit",
                "429 search limit",
                "missed",
                "queued twice",
                "scanner runs",
                "complete",
                "seed s",
                "scan s",
            ),
        )
    )
    print("\n".join(notes))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    peak_mb = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    print(f"peak memory of the process (simulator, moto and scanner together): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
