"""CPU time per survey across the four functions, with AWS (moto) and Kustomer (the simulator)
answering locally.

    .venv/bin/python -m bench.cpu_per_survey [--surveys 200]

Every survey is scanned, sent, answered in a browser (the page, then the form) and written back.
CPU is the invoking thread's own (`time.thread_time`) around each handler invocation, warm
invocations only: moto and the simulator run in other threads and are not counted, while the
function's own work for its AWS calls (building, signing, parsing requests) is.
"""

from __future__ import annotations

import argparse

from bench.common import table
from bench.measure import measure_pipeline

# What one survey is, for each function.
UNITS = {
    "ScannerFunction": "surveys",
    "SenderFunction": "surveys",
    "RatingWebhookFunction": "answered",
    "WritebackFunction": "answered",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--surveys", type=int, default=200)
    arguments = parser.parse_args()
    measurement = measure_pipeline(arguments.surveys, arguments.surveys)

    rows: list[tuple[object, ...]] = []
    total_cpu = total_wall = 0.0
    for logical_id, unit in UNITS.items():
        stats = measurement.functions[logical_id]
        units = getattr(measurement, unit)
        cpu, wall = stats.cpu / units, stats.wall / units
        total_cpu, total_wall = total_cpu + cpu, total_wall + wall
        rows.append(
            (
                logical_id,
                stats.invocations,
                f"{1000 * cpu:.1f}",
                f"{1000 * wall:.1f}",
                f"{sum(stats.aws_calls.values()) / units:.1f}",
            )
        )
    rows.append(("all four", "", f"{1000 * total_cpu:.1f}", f"{1000 * total_wall:.1f}", ""))
    print(
        f"{measurement.surveys} surveys scanned, sent, answered (page and form) and written "
        "back, by warm functions\n"
    )
    header = ("function", "invocations", "CPU ms/survey", "wall ms/survey", "AWS calls/survey")
    print(table(rows, header))
    reconcile = measurement.functions.get("ReconcileFunction")
    if reconcile and reconcile.invocations:
        per_run = 1000 * reconcile.cpu / reconcile.invocations
        print(
            f"\nreconcile (hourly, nothing pending): {per_run:.0f} ms CPU a run, whatever the "
            "number of surveys"
        )


if __name__ == "__main__":
    main()
