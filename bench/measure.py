"""Runs surveys through every function and measures each invocation: CPU time of the invoking
thread only (moto's and the simulator's threads do their own work and are not counted), wall
time, the AWS API calls the function made, and the bytes it logged.

Used by bench.cpu_per_survey and bench.cost_model; the wrappers live here, not in production code.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

from bench.common import answer_surveys, bench_runtime, deliver_all, seed_due
from local.runtime.functions import LocalFunction
from surveys.observability import logger

_current = threading.local()


@dataclass
class FunctionStats:
    # The first invocation, which also imported the module (the warm-up survey's).
    cold_cpu: float = 0.0
    cold_wall: float = 0.0
    # Every invocation after the warm-up.
    invocations: int = 0
    cpu: float = 0.0
    wall: float = 0.0
    aws_calls: Counter[str] = field(default_factory=Counter)
    write_units: float = 0.0
    read_units: float = 0.0
    log_bytes: int = 0


@dataclass
class Measurement:
    surveys: int
    answered: int
    functions: dict[str, FunctionStats]
    # Each function's MemorySize in template.yaml.
    memory_mb: dict[str, int] = field(default_factory=dict)

    def per(self, logical_id: str, attribute: str, units: int) -> float:
        stats = self.functions.get(logical_id)
        return float(getattr(stats, attribute)) / units if stats and units else 0.0


def _capacity(stats: FunctionStats, operation: str, params: dict[str, Any]) -> None:
    """DynamoDB on-demand request units, for items under 1 KB (writes) and 4 KB (reads):
    a transactional write is 2 units per item, an eventually consistent read half a unit."""
    consistent = 1.0 if params.get("ConsistentRead") else 0.5
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        stats.write_units += 1
    elif operation == "TransactWriteItems":
        stats.write_units += 2 * len(params.get("TransactItems", []))
    elif operation == "BatchWriteItem":
        stats.write_units += sum(len(items) for items in params.get("RequestItems", {}).values())
    elif operation in ("GetItem", "Query"):
        stats.read_units += consistent
    elif operation == "BatchGetItem":
        stats.read_units += sum(
            len(request.get("Keys", [])) * (1.0 if request.get("ConsistentRead") else 0.5)
            for request in params.get("RequestItems", {}).values()
        )
    elif operation == "TransactGetItems":
        stats.read_units += 2 * len(params.get("TransactItems", []))


class _LogCounter(io.TextIOBase):
    """Counts what a function writes to stdout (its log lines and EMF metrics) and keeps it out
    of the benchmark's output; anything written outside an invocation passes through."""

    def __init__(self, stats: dict[str, FunctionStats], passthrough: Any) -> None:
        self._stats = stats
        self._passthrough = passthrough

    def write(self, text: str) -> int:
        logical_id = getattr(_current, "function", None)
        if logical_id is None:
            return int(self._passthrough.write(text))
        self._stats[logical_id].log_bytes += len(text.encode("utf-8"))
        return len(text)

    def flush(self) -> None:
        self._passthrough.flush()


@contextmanager
def _instrumented(stats: dict[str, FunctionStats]) -> Iterator[None]:
    original_invoke = LocalFunction.invoke
    original_call = BaseClient._make_api_call

    def invoke(self: LocalFunction, event: dict[str, Any]) -> Any:
        function = stats.setdefault(self.logical_id, FunctionStats())
        _current.function = self.logical_id
        cpu, wall = time.thread_time(), time.perf_counter()
        try:
            return original_invoke(self, event)
        finally:
            cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
            _current.function = None
            if not function.cold_wall:
                function.cold_cpu, function.cold_wall = cpu, wall
            else:
                function.invocations += 1
                function.cpu += cpu
                function.wall += wall

    def make_api_call(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        logical_id = getattr(_current, "function", None)
        if logical_id is not None:
            function = stats[logical_id]
            service = self.meta.service_model.service_name
            function.aws_calls[f"{service}.{operation}"] += 1
            if service == "dynamodb":
                _capacity(function, operation, params)
        return original_call(self, operation, params)

    counter = _LogCounter(stats, sys.stdout)
    handlers = list(logger._logger.handlers)
    streams = [getattr(handler, "stream", None) for handler in handlers]
    LocalFunction.invoke = invoke  # type: ignore[method-assign]
    BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
    saved_stdout, sys.stdout = sys.stdout, counter
    for handler in handlers:
        if hasattr(handler, "stream"):
            handler.stream = counter
    try:
        yield
    finally:
        LocalFunction.invoke = original_invoke  # type: ignore[method-assign]
        BaseClient._make_api_call = original_call  # type: ignore[method-assign]
        sys.stdout = saved_stdout
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.stream = stream


def measure_pipeline(surveys: int, answered: int) -> Measurement:
    """`surveys` due conversations scanned, sent, `answered` of them answered in a browser and
    written back, with the log level and metrics template.yaml deploys (INFO, EMF on)."""
    stats: dict[str, FunctionStats] = {}
    with bench_runtime(LogLevel="INFO") as bench:
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"
        with _instrumented(stats):
            # A warm-up survey through every function: its invocations are the cold starts.
            seed_due(bench.simulator, bench.clock(), 1)
            _one_cycle(bench, 1)
            for logical_id, function in list(stats.items()):
                stats[logical_id] = FunctionStats(function.cold_cpu, function.cold_wall)
            # Quiet since after the warm-up scan's end, so the next scan finds them.
            seed_due(bench.simulator, bench.clock.advance(hours=13), surveys, quiet_hours=50)
            _one_cycle(bench, answered, skip=1)
        memory = {logical_id: f.memory_mb for logical_id, f in bench.runtime.functions.items()}
    return Measurement(surveys, answered, stats, memory)


def _one_cycle(bench: Any, answered: int, skip: int = 0) -> None:
    bench.runtime.scan(bench.clock())
    deliver_all(bench.runtime)
    answer_surveys(bench.runtime, answered, skip=skip)
    bench.runtime.write_back()
    bench.runtime.reconcile(bench.clock.advance(hours=2))
