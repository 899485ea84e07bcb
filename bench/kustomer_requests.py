"""Kustomer requests per 1,000 scanned conversations: scan, send and write back, against the
fewest the API allows.

    .venv/bin/python -m bench.kustomer_requests [--conversations 1000] [--answered 200]

The fewest: search pages of 500 (the API's largest pageSize), one customer look-up per survey,
one note and one attribute update per rating. No faults are injected: retries are the load
test's subject, this counts what a calm day costs.
"""

from __future__ import annotations

import argparse
import math

from bench.common import answer_surveys, bench_runtime, deliver_all, seed_due, table

SEARCH_PAGE_SIZE_MAX = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--answered", type=int, default=200)
    arguments = parser.parse_args()
    scanned, answered_wanted = arguments.conversations, arguments.answered

    with bench_runtime() as bench:
        seed_due(bench.simulator, bench.clock(), scanned)
        bench.simulator.reset_request_log()
        bench.runtime.scan(bench.clock())
        scan = bench.kustomer_requests()

        bench.simulator.reset_request_log()
        sent = deliver_all(bench.runtime)
        send = bench.kustomer_requests()

        answered = answer_surveys(bench.runtime, answered_wanted)
        bench.simulator.reset_request_log()
        bench.runtime.write_back()
        write_back = bench.kustomer_requests()

        bench.simulator.reset_request_log()
        bench.runtime.scan(bench.clock.advance(minutes=15))
        idle_scan = sum(bench.kustomer_requests().values())

    minimum_scan = math.ceil(scanned / SEARCH_PAGE_SIZE_MAX)
    rows = [
        (
            "scan",
            f"{scanned} conversations",
            sum(scan.values()),
            minimum_scan,
            f"{1000 * sum(scan.values()) / scanned:.1f}",
            f"{1000 * minimum_scan / scanned:.1f}",
        ),
        (
            "send",
            f"{sent} surveys",
            sum(send.values()),
            sent,
            f"{sum(send.values()) / sent:.2f}",
            "1.00",
        ),
        (
            "write back",
            f"{answered} ratings",
            sum(write_back.values()),
            2 * answered,
            f"{sum(write_back.values()) / answered:.2f}",
            "2.00",
        ),
    ]
    total = sum(int(row[2]) for row in rows)
    fewest = sum(int(row[3]) for row in rows)
    print(
        f"Kustomer requests for {scanned} scanned conversations, {sent} surveys sent and "
        f"{answered} ratings written back\n"
    )
    print(
        table(
            rows,
            ("step", "work", "requests", "fewest possible", "per unit", "fewest per unit"),
        )
    )
    print(
        f"\nper unit: scan per 1,000 conversations, send per survey, write back per rating\n"
        f"total: {total} requests, {total / fewest:.3f} x the fewest possible ({fewest})\n"
        f"by kind: scan {dict(scan)}; send {dict(send)}; write back {dict(write_back)}\n"
        f"a scan with nothing new costs {idle_scan} request(s): "
        f"{idle_scan * 4 * 24} a day per active trigger at the default rate(15 minutes)"
    )


if __name__ == "__main__":
    main()
