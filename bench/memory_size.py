"""Each function's MemorySize, chosen from a cost and latency table, the idea of AWS Lambda Power
Tuning worked out from local measurements instead of runs in AWS.

    .venv/bin/python -m bench.memory_size [--surveys 100] [--kustomer-latency-ms 150]

Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB
(docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html). Per function, measured here:
the CPU of a warm invocation and the time it waits on AWS (bench.measure's pipeline, moto
answering locally) and on Kustomer (assumed, as bench.cost_model does), and the CPU and peak
memory of a fresh interpreter importing its module (a cold start's INIT). At each size the CPU
is stretched by 1,769 / MB (up to 1,769 MB: the code runs on one thread), the waits are not,
and the bill is duration x GB at the arm64 price. A size qualifies when the import's peak
memory is at most half of it (Lambda's runtime client, the work and what it holds come on top,
and running out of memory fails the invocation); the pick is the cheapest that qualifies, and
for the rating webhook, whose cold start a customer waits for, the cheapest whose cold page
(import and a warm answer) is under --page-budget-ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap

from bench.common import bench_runtime, table
from bench.cost_model import (
    KUSTOMER_REQUESTS,
    LAMBDA_ARM_GB_SECOND,
    LAMBDA_MB_PER_VCPU,
    LAMBDA_REQUEST,
    lambda_seconds,
)
from bench.measure import measure_pipeline

SIZES = (128, 256, 512, 1024, 1769)
HEADROOM = 2.0
IMPORT_USAGE = textwrap.dedent(
    """
    import importlib.util, json, resource, sys
    spec = importlib.util.spec_from_file_location("app", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
    with open("/proc/self/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({"cpu": usage.ru_utime + usage.ru_stime, "peak_mb": peak_kb / 1024}))
    """
)
# What one invocation works on, to turn bench.cost_model's Kustomer requests per unit into
# requests per invocation.
UNITS = {
    "ScannerFunction": "surveys",
    "SenderFunction": "surveys",
    "RatingWebhookFunction": "answered",
    "WritebackFunction": "answered",
}


def import_usage(repeat: int) -> dict[str, tuple[float, float]]:
    """Per function, the median CPU seconds and peak MB of a fresh interpreter importing it."""
    usage: dict[str, tuple[float, float]] = {}
    with bench_runtime() as bench:
        base = {**os.environ}
        for logical_id, function in sorted(bench.runtime.functions.items()):
            path = function.code_dir / f"{function.handler.rsplit('.', 1)[0]}.py"
            runs = [
                json.loads(
                    subprocess.run(
                        [sys.executable, "-c", IMPORT_USAGE, str(path)],
                        env={**base, **function.environment},
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout.splitlines()[-1]
                )
                for _ in range(repeat + 1)
            ][1:]
            usage[logical_id] = (
                statistics.median(run["cpu"] for run in runs),
                max(run["peak_mb"] for run in runs),
            )
    return usage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--surveys", type=int, default=100)
    parser.add_argument("--kustomer-latency-ms", type=float, default=150.0)
    parser.add_argument("--page-budget-ms", type=float, default=1000.0)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    cold = import_usage(arguments.repeat)
    measurement = measure_pipeline(arguments.surveys, arguments.surveys)
    latency = arguments.kustomer_latency_ms / 1000

    rows: list[tuple[object, ...]] = []
    picks: list[tuple[object, ...]] = []
    for logical_id, (import_cpu, peak_mb) in sorted(cold.items()):
        stats = measurement.functions.get(logical_id)
        if stats is None or not stats.invocations:
            warm_cpu = warm_wait = 0.0
        else:
            warm_cpu = stats.cpu / stats.invocations
            warm_wait = max(stats.wall - stats.cpu, 0.0) / stats.invocations
            if logical_id in UNITS:
                units = getattr(measurement, UNITS[logical_id])
                warm_wait += KUSTOMER_REQUESTS[logical_id] * units / stats.invocations * latency
        candidates = []
        for size in SIZES:
            warm = lambda_seconds(warm_cpu, warm_wait, size)
            cold_start = lambda_seconds(import_cpu, 0.0, size)
            cost = warm * size / 1024 * LAMBDA_ARM_GB_SECOND + LAMBDA_REQUEST
            fits = peak_mb * HEADROOM <= size
            if logical_id == "RatingWebhookFunction":
                fits = fits and (cold_start + warm) * 1000 <= arguments.page_budget_ms
            candidates.append((cost, size, fits))
            rows.append(
                (
                    logical_id if size == SIZES[0] else "",
                    size,
                    f"{min(size / LAMBDA_MB_PER_VCPU, 1):.2f}",
                    f"{1000 * cold_start:.0f}",
                    f"{1000 * warm:.1f}" if warm else "-",
                    f"{cost * 1e6:.2f}" if warm else "-",
                    "yes" if fits else "no",
                )
            )
        qualifying = [candidate for candidate in candidates if candidate[2]]
        cheapest = min(qualifying)[1] if qualifying else SIZES[-1]
        picks.append((logical_id, f"{peak_mb:.0f}", cheapest))

    print(
        f"Memory sizes: {arguments.surveys} local surveys, Kustomer latency assumed "
        f"{arguments.kustomer_latency_ms:.0f} ms a request, Lambda arm64 "
        f"${LAMBDA_ARM_GB_SECOND}/GB-s + ${LAMBDA_REQUEST * 1e6:.2f}/M requests; CPU scaled by "
        f"{LAMBDA_MB_PER_VCPU} MB per vCPU\n"
    )
    print(
        table(
            rows,
            (
                "function",
                "MB",
                "vCPU",
                "cold import ms",
                "warm ms/invocation",
                "$ per M invocations",
                "qualifies",
            ),
        )
    )
    print()
    print(table(picks, ("function", "import peak MB", "MemorySize picked")))


if __name__ == "__main__":
    main()
