"""Cold-start import time of each function's module, against a bare `import boto3`; the same
from the built artifact as Lambda loads it, with and without its bytecode; and the rating page's
first response, cold and warm, on the CPU share of a 256 MB Lambda and of the rating webhook's
own MemorySize.

    .venv/bin/python -m bench.cold_start [--repeat 7] [--memory MB ...]

Each measurement is a fresh interpreter that imports the handler module (`app.py`) with the
environment template.yaml gives the function, as Lambda's INIT phase does. The modules are
measured in rounds, each round every module once beside its own `import boto3`, so a machine
that slows down meanwhile slows both sides: a ratio is the median of the rounds' ratios. One
unmeasured round first writes the bytecode caches. Interpreter start-up itself is shown apart.

As deployed: each function imported from the built artifact (`make artifact`'s copy for this
machine's architecture, built here when missing) by the Lambda runtime's Python with only the
function and the layer on its path, writing no bytecode as on Lambda's read-only file system:
once with the `.pyc` the build compiled (scripts/bytecode.py), once with none found, which is what
every cold start paid when `sam build` alone made the artifact. Beside them, the libraries each
function loads from the layer (boto3, Powertools, Jinja2, PynamoDB...) imported alone in the same
order, without the project's code: the least that function's import can cost while it stands on
those libraries.

The rating page: a fresh interpreter imports the rating webhook, from the built artifact on the
runtime's Python when this machine has it (from the source otherwise), and answers the GET of a
survey link (a real survey in moto, its secret read from Secrets Manager), then answers it again
warm. Lambda gives a function CPU in proportion to its memory, a whole vCPU at 1,769 MB
(docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html): the process runs under that
share as a CPU quota (a cgroup's cpu.max, or cpu.cfs_quota_us on cgroup v1) where this machine
lets us set one, and unthrottled beside it. Measured on this machine's architecture, not Lambda's
arm64; moto answers the AWS calls in this process, unthrottled.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import bench_runtime, deliver_all, seed_due, table
from bench.cost_model import LAMBDA_MB_PER_VCPU
from local.runtime.template import REPO_ROOT, load_template
from scripts.check_artifact import (
    HOST_BUILD,
    build_for_host,
    built_functions,
    host_architecture,
    lambda_environment,
)

CFS_PERIOD_US = 100_000

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
# Run by the runtime's Python with -S -B: the function's code and the layer only, no bytecode
# written.
IMPORT_DEPLOYED = textwrap.dedent(
    """
    import importlib, sys, time
    task_root, layer, module = sys.argv[1:4]
    sys.path[:0] = [task_root, layer]
    started = time.perf_counter()
    importlib.import_module(module)
    print(time.perf_counter() - started)
    """
)
# Lists, in the order they were imported, the modules a function's import loads from the layer
# other than the project's own `surveys` package: the libraries it stands on.
LAYER_LIBRARIES = textwrap.dedent(
    """
    import importlib, json, sys
    task_root, layer, module = sys.argv[1:4]
    sys.path[:0] = [task_root, layer]
    importlib.import_module(module)
    print(json.dumps([
        name for name, loaded in list(sys.modules.items())
        if (getattr(loaded, "__file__", None) or "").startswith(layer + "/")
        and name.partition(".")[0] != "surveys"
    ]))
    """
)
# Imports those libraries alone, in that order.
IMPORT_LIBRARIES = textwrap.dedent(
    """
    import importlib, json, sys, time
    task_root, layer, names = sys.argv[1:4]
    sys.path[:0] = [task_root, layer]
    started = time.perf_counter()
    for name in json.loads(names):
        importlib.import_module(name)
    print(time.perf_counter() - started)
    """
)
# Imports the handler, then answers the event: the first response is a cold start's, from the
# first line of INIT to the handler's return; the next ones are a warm container's. Arguments
# after the fourth go first on the path: the artifact's function and layer.
FIRST_RESPONSE = textwrap.dedent(
    """
    import importlib.util, json, statistics, sys, time, types
    sys.path[:0] = sys.argv[5:]
    started = time.perf_counter()
    spec = importlib.util.spec_from_file_location("app", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    imported = time.perf_counter()
    event = json.loads(sys.argv[2])
    context = types.SimpleNamespace(
        function_name="RatingWebhookFunction", function_version="$LATEST",
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:bench",
        memory_limit_in_mb=int(sys.argv[3]), aws_request_id="bench",
        log_group_name="bench", log_stream_name="bench",
        get_remaining_time_in_millis=lambda: 10_000,
    )
    response = module.lambda_handler(event, context)
    first = time.perf_counter()
    assert response["statusCode"] == 200, response
    warm = []
    for _ in range(int(sys.argv[4])):
        begun = time.perf_counter()
        assert module.lambda_handler(event, context)["statusCode"] == 200
        warm.append(time.perf_counter() - begun)
    print(json.dumps({"import": imported - started, "first": first - started,
                      "warm": statistics.median(warm)}))
    """
)


def run_python(
    code: str,
    arguments: list[str],
    environment: dict[str, str],
    cgroup: Path | None = None,
    interpreter: list[str] | None = None,
) -> tuple[str, float]:
    """What a fresh interpreter (this one unless `interpreter`) printed, and how long its whole
    process took."""

    def join_cgroup() -> None:
        if cgroup is not None:
            (cgroup / "cgroup.procs").write_text(str(os.getpid()))

    started = time.perf_counter()
    output = subprocess.run(
        [*(interpreter or [sys.executable]), "-c", code, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=join_cgroup if cgroup is not None else None,
    ).stdout
    return (output.strip().splitlines() or [""])[-1], time.perf_counter() - started


@contextmanager
def _unthrottled() -> Iterator[tuple[Path | None, str]]:
    yield None, "none"


@contextmanager
def cpu_quota(memory_mb: int) -> Iterator[tuple[Path | None, str]]:
    """A cgroup whose processes get the CPU of a Lambda with `memory_mb`, and how it was set;
    None with the reason when this machine does not let us make one."""
    share = min(memory_mb / LAMBDA_MB_PER_VCPU, 1.0)
    quota = int(share * CFS_PERIOD_US)
    name = f"bench-cold-start-{uuid.uuid4().hex[:8]}"
    candidates = [
        (Path("/sys/fs/cgroup") / name, "cpu.max", f"{quota} {CFS_PERIOD_US}"),
        (Path("/sys/fs/cgroup/cpu") / name, "cpu.cfs_quota_us", str(quota)),
    ]
    for group, control, value in candidates:
        try:
            group.mkdir()
        except OSError:
            continue
        # Only a cgroup file system makes the control files (a plain folder would take any).
        if not (group / control).exists():
            group.rmdir()
            continue
        try:
            (group / control).write_text(value)
        except OSError:
            group.rmdir()
            continue
        try:
            yield group, f"{share:.3f} of a CPU ({control} {value}, period {CFS_PERIOD_US} us)"
        finally:
            group.rmdir()
        return
    yield None, "no CPU quota: this machine lets us create no cgroup (run as root)"


def import_rows(
    modules: list[tuple[str, Path, dict[str, str]]], base: dict[str, str], repeat: int
) -> list[tuple[object, ...]]:
    startups: list[float] = []
    boto3_imports: list[float] = []
    boto3_processes: list[float] = []
    imports: dict[str, list[float]] = {name: [] for name, _, _ in modules}
    processes: dict[str, list[float]] = {name: [] for name, _, _ in modules}
    ratios: dict[str, list[float]] = {name: [] for name, _, _ in modules}
    for round_ in range(repeat + 1):
        startup = run_python("pass", [], base)[1] if round_ else 0.0
        for name, path, environment in modules:
            boto3_output, boto3_process = run_python(IMPORT_BOTO3, [], base)
            output, process = run_python(IMPORT_MODULE, [str(path)], environment)
            if not round_:  # the first round writes the bytecode caches
                continue
            boto3_imports.append(float(boto3_output))
            boto3_processes.append(boto3_process)
            imports[name].append(float(output))
            processes[name].append(process)
            ratios[name].append(float(output) / float(boto3_output))
        startups.append(startup)
    rows: list[tuple[object, ...]] = [
        ("(interpreter start-up only)", "-", f"{1000 * statistics.median(startups[1:]):.0f}", "-"),
        (
            "import boto3",
            f"{1000 * statistics.median(boto3_imports):.0f}",
            f"{1000 * statistics.median(boto3_processes):.0f}",
            "1.0",
        ),
    ]
    for name, _, _ in modules:
        rows.append(
            (
                name,
                f"{1000 * statistics.median(imports[name]):.0f}",
                f"{1000 * statistics.median(processes[name]):.0f}",
                f"{statistics.median(ratios[name]):.2f}",
            )
        )
    return rows


def runtime_python() -> str | None:
    found = subprocess.run(
        [str(REPO_ROOT / "scripts" / "runtime-python")], capture_output=True, text=True
    )
    return found.stdout.strip() if found.returncode == 0 else None


def host_build(python: str) -> Path:
    """`make artifact`'s build for this machine's architecture, built when missing."""
    build_dir = HOST_BUILD / "build"
    if not (build_dir / "SharedLayer").is_dir():
        build_for_host(host_architecture(), python)
    return build_dir


def deployed_rows(python: str, repeat: int) -> list[tuple[object, ...]]:
    """Each function's import from the built artifact, with its bytecode and from source; and
    the libraries it loads from the layer imported alone, with their bytecode: the least its
    import can cost whatever the project's own code does."""
    build_dir = host_build(python)
    layer = build_dir / "SharedLayer" / "python"
    functions = sorted(
        built_functions(load_template(REPO_ROOT / "template.yaml"), "us-east-1"),
        key=lambda function: function.logical_id,
    )
    subjects = [("import boto3", functions[0], "boto3")] + [
        (function.logical_id, function, function.handler.rsplit(".", 1)[0])
        for function in functions
    ]
    seconds: dict[tuple[str, str], list[float]] = {}

    def run(script: str, arguments: list[str], environment: dict[str, str]) -> str:
        return subprocess.run(
            [python, "-S", "-B", "-c", script, *arguments],
            env=environment,
            cwd=arguments[0],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    libraries = {
        name: run(
            LAYER_LIBRARIES,
            [str(build_dir / function.logical_id), str(layer), module],
            lambda_environment(function, build_dir / function.logical_id, "us-east-1"),
        ).strip()
        for name, function, module in subjects
    }
    with tempfile.TemporaryDirectory() as no_bytecode:
        for round_ in range(repeat + 1):
            for name, function, module in subjects:
                task_root = build_dir / function.logical_id
                environment = lambda_environment(function, task_root, "us-east-1")
                arguments = [str(task_root), str(layer), module]
                outputs = {
                    "bytecode": run(IMPORT_DEPLOYED, arguments, environment),
                    # Python then looks for bytecode only there, where there is none.
                    "source": run(
                        IMPORT_DEPLOYED,
                        arguments,
                        {**environment, "PYTHONPYCACHEPREFIX": no_bytecode},
                    ),
                    "libraries": run(
                        IMPORT_LIBRARIES, [str(task_root), str(layer), libraries[name]], environment
                    ),
                }
                if round_:  # the first round reads the files into the page cache
                    for kind, output in outputs.items():
                        seconds.setdefault((name, kind), []).append(float(output))
    boto3_compiled = seconds["import boto3", "bytecode"]

    def ms(name: str, kind: str) -> str:
        return f"{1000 * statistics.median(seconds[name, kind]):.0f}"

    def ratio(name: str, kind: str) -> str:
        # Each round's against its own `import boto3`, as in the first table.
        ratios = [
            one / boto3 for one, boto3 in zip(seconds[name, kind], boto3_compiled, strict=True)
        ]
        return f"{statistics.median(ratios):.2f}"

    return [
        (
            name,
            ms(name, "source"),
            ms(name, "bytecode"),
            ratio(name, "bytecode"),
            ms(name, "libraries"),
            ratio(name, "libraries"),
        )
        for name, _, _ in subjects
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--memory",
        type=int,
        action="append",
        help="MB of a Lambda whose CPU share to run the rating page under; repeatable (default: "
        "256 and the rating webhook's MemorySize in template.yaml)",
    )
    arguments = parser.parse_args()

    with bench_runtime() as bench:
        base = {**os.environ}
        modules = [
            (
                f"{logical_id} ({function.code_dir.name}/app.py)",
                function.code_dir / f"{function.handler.rsplit('.', 1)[0]}.py",
                {**base, **function.environment},
            )
            for logical_id, function in sorted(bench.runtime.functions.items())
        ]
        rows = import_rows(modules, base, arguments.repeat)

        seed_due(bench.simulator, bench.clock(), 1)
        bench.runtime.scan(bench.clock())
        deliver_all(bench.runtime)
        routed = bench.runtime.gateway.routed(
            "GET",
            bench.runtime.sent_emails()[0].rating_links()[6],
            {"Accept-Language": "en", "User-Agent": "Mozilla/5.0 bench"},
        )
        assert routed is not None, "no route of the template takes a survey link"
        route, event = routed
        webhook = route.function
        sizes = sorted(set(arguments.memory or [256, webhook.memory_mb]))
        page_environment = {**base, **webhook.environment, **webhook.credentials}
        python = runtime_python()
        if python is None:
            page_from = f"from {webhook.code_dir} on Python {sys.version.split()[0]}"
            page_code, page_path, interpreter = webhook.code_dir / "app.py", [], None
        else:
            build_dir = host_build(python)
            task_root = build_dir / "RatingWebhookFunction"
            page_from = f"as deployed, from {build_dir} on {python}"
            page_code = task_root / "app.py"
            page_path = [str(task_root), str(build_dir / "SharedLayer" / "python")]
            # Isolated: only the artifact's function and layer, no bytecode written.
            interpreter = [python, "-I", "-S", "-B"]
        page_rows: list[tuple[object, ...]] = []
        quotas: list[str] = []
        for size in [*sizes, None]:
            page_arguments = [
                str(page_code),
                json.dumps(event),
                str(size or webhook.memory_mb),
                "5",
                *page_path,
            ]
            with cpu_quota(size) if size else _unthrottled() as (cgroup, quota):
                if size:
                    quotas.append(f"{size} MB: {quota}")
                if size and cgroup is None:
                    continue
                results = [
                    json.loads(
                        run_python(
                            FIRST_RESPONSE, page_arguments, page_environment, cgroup, interpreter
                        )[0]
                    )
                    for _ in range(max(3, arguments.repeat // 2))
                ]
            page_rows.append(
                (
                    f"{size} MB share" if size else "unthrottled",
                    *(
                        f"{1000 * statistics.median(result[key] for result in results):.0f}"
                        for key in ("import", "first", "warm")
                    ),
                )
            )

    print(
        f"cold-start import, median of {arguments.repeat} rounds of fresh interpreters "
        f"(Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n"
    )
    print(table(rows, ("module", "import ms", "whole process ms", "x import boto3")))
    if python is None:
        print("\nas deployed: not measured, this machine has no Python of the Lambda runtime")
    else:
        version = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(
            f"\nas deployed: imported from {HOST_BUILD / 'build'} by Python {version}, writing "
            f"no bytecode, median of {arguments.repeat} rounds\n"
        )
        print(
            table(
                deployed_rows(python, arguments.repeat),
                (
                    "module",
                    "no bytecode ms",
                    "built bytecode ms",
                    "x import boto3",
                    "its libraries alone ms",
                    "x import boto3",
                ),
            )
        )
    print(
        f"\nthe rating page (GET of a survey link), {page_from}; CPU quotas: "
        + "; ".join(quotas)
        + "\n"
    )
    print(
        table(
            page_rows,
            ("CPU", "import ms", "first response ms (cold, from INIT)", "warm response ms"),
        )
    )


if __name__ == "__main__":
    main()
