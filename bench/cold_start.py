"""Cold-start import time of each function's module, against a bare `import boto3`.

    .venv/bin/python -m bench.cold_start [--repeat 7]

Each measurement is a fresh interpreter that imports the handler module (`app.py`) with the
environment template.yaml gives the function, as Lambda's INIT phase does; the figure is the
median of the repetitions, after one unmeasured run that writes the bytecode caches. Interpreter
start-up itself is shown apart. Measured on this machine's CPython, not Lambda's arm64 3.13.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import textwrap
import time

from bench.common import bench_runtime, table

IMPORT_MODULE = textwrap.dedent(
    """
    import importlib.util, sys, time
    started = time.perf_counter()
    spec = importlib.util.spec_from_file_location("app", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print(time.perf_counter() - started)
    """
)
IMPORT_BOTO3 = textwrap.dedent(
    """
    import time
    started = time.perf_counter()
    import boto3
    print(time.perf_counter() - started)
    """
)


def measure(
    code: str, arguments: list[str], environment: dict[str, str], repeat: int
) -> tuple[float, float]:
    """Median (import seconds, whole process seconds) over `repeat` fresh interpreters."""
    imports, processes = [], []
    for run in range(repeat + 1):
        started = time.perf_counter()
        output = subprocess.run(
            [sys.executable, "-c", code, *arguments],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        elapsed = time.perf_counter() - started
        if run:  # the first run writes the bytecode caches
            imports.append(float(output.strip().splitlines()[-1]) if output.strip() else 0.0)
            processes.append(elapsed)
    return statistics.median(imports), statistics.median(processes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    arguments = parser.parse_args()

    with bench_runtime() as bench:
        base = {**os.environ}
        startup = measure("pass", [], base, arguments.repeat)[1]
        boto3_import, boto3_process = measure(IMPORT_BOTO3, [], base, arguments.repeat)
        rows: list[tuple[object, ...]] = [
            ("(interpreter start-up only)", "-", f"{1000 * startup:.0f}", "-"),
            ("import boto3", f"{1000 * boto3_import:.0f}", f"{1000 * boto3_process:.0f}", "1.0"),
        ]
        for logical_id, function in sorted(bench.runtime.functions.items()):
            module_path = function.code_dir / f"{function.handler.rsplit('.', 1)[0]}.py"
            environment = {**base, **function.environment}
            imported, process = measure(
                IMPORT_MODULE, [str(module_path)], environment, arguments.repeat
            )
            rows.append(
                (
                    f"{logical_id} ({function.code_dir.name}/app.py)",
                    f"{1000 * imported:.0f}",
                    f"{1000 * process:.0f}",
                    f"{imported / boto3_import:.1f}",
                )
            )
    print(
        f"cold-start import, median of {arguments.repeat} fresh interpreters "
        f"(Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n"
    )
    print(table(rows, ("module", "import ms", "whole process ms", "x import boto3")))


if __name__ == "__main__":
    main()
