"""Scan throughput against the Kustomer rate limit: how close the scanner runs to the share of
the limit it may use, and whether a 429 ever surfaces as a failure.

    .venv/bin/python -m bench.scan_throughput [--limit 20] [--share 0.5] [--conversations 30000]

The simulator enforces `--limit` requests a minute on a simulated clock (the client's waits take
no real time) and throttles a few requests with 429s of its own. Every conversation is found by
the search but excluded by the trigger's brand rule, so the scan makes search requests only and
the figure is the search rate, not DynamoDB's.
"""

from __future__ import annotations

import argparse
import time

from bench.common import bench_runtime, seed_due
from surveys.usecases.scan import DEFAULT_PAGE_SIZE

INJECTED_429 = 3
EXCLUDED_BRAND = "brand-not-surveyed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=20, help="requests a minute Kustomer allows")
    parser.add_argument("--share", type=float, default=0.5, help="KustomerRateLimitShare")
    parser.add_argument("--conversations", type=int, default=30000)
    arguments = parser.parse_args()

    with bench_runtime(
        rate_limit_per_minute=arguments.limit, KustomerRateLimitShare=str(arguments.share)
    ) as bench:
        bench.runtime.set_trigger("ces", now=bench.clock(), exclude_brands=[EXCLUDED_BRAND])
        seed_due(bench.simulator, bench.clock(), arguments.conversations, brand_id=EXCLUDED_BRAND)
        bench.simulator.reset_request_log()
        bench.simulator.faults.throttle_next = INJECTED_429
        # When each request reached Kustomer, on the simulated clock (bench-only instrumentation).
        served_at: list[float] = []
        record = bench.simulator._record

        def record_with_time(method: str, path: str, status: int) -> None:
            if status != 429:  # the injected 429s are answered before the limit counts them
                served_at.append(bench.clock.monotonic())
            record(method, path, status)

        bench.simulator._record = record_with_time  # type: ignore[method-assign]
        started_real, started = time.perf_counter(), bench.clock.monotonic()
        scans, failures, paused, seen = 0, [], [], 0
        while True:
            scans += 1
            [result] = bench.runtime.scan(bench.clock())
            [report] = result["reports"]
            seen += report["conversations_seen"]
            if report["failed"]:
                failures.append(report["stopped_because"])
            elif report["stopped_because"]:
                paused.append(report["stopped_because"].split(":", 1)[0])
            if report["complete"]:
                break
        elapsed = bench.clock.monotonic() - started
        real = time.perf_counter() - started_real
        statuses = [status for _, _, status in bench.simulator.request_log]

    searches = len(statuses)
    allowed = arguments.limit * arguments.share
    throttled = statuses.count(429)
    # Kustomer counts per 60-second window: the busiest minute, and the steady rate over the
    # whole minutes before the last (partial) one.
    busiest = max(
        sum(1 for moment in served_at if start <= moment < start + 60) for start in served_at
    )
    whole_minutes = int((served_at[-1] - served_at[0]) // 60)
    steady = sum(1 for moment in served_at if moment < served_at[0] + 60 * whole_minutes)
    per_minute = steady / whole_minutes if whole_minutes else float(searches)
    print(
        f"scan of {arguments.conversations} conversations, pages of {DEFAULT_PAGE_SIZE}, "
        f"Kustomer limit {arguments.limit}/min, share {arguments.share} "
        f"({allowed:g}/min for this system)\n"
        f"search requests: {searches} in {elapsed / 60:.1f} simulated minutes "
        f"({real:.1f} s real), {scans} scanner run(s), {seen} conversations seen\n"
        f"steady rate over {whole_minutes} whole minutes: {per_minute:.2f} requests/min = "
        f"{100 * per_minute / allowed:.0f}% of the share, "
        f"{100 * per_minute / arguments.limit:.0f}% of the limit; "
        f"busiest 60 s: {busiest} requests served\n"
        f"429s: {throttled} ({INJECTED_429} injected, {throttled - INJECTED_429} from the limit), "
        f"each waited out until the window reset; scans stopped by an error: {len(failures)}"
        + (f" ({failures[0]})" if failures else "")
        + f"\nscans that stopped short and left the rest to the next run: {len(paused)}"
        + (f" ({', '.join(paused)})" if paused else "")
    )


if __name__ == "__main__":
    main()
