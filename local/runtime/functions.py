"""The template's functions, loaded from their folders and invoked in this process."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from aws_lambda_powertools.utilities.parameters import constants as parameter_providers

from local.runtime.template import REPO_ROOT, TemplateResolver, resources_of_type

# Lambda runs one event per container; here every function shares one process, one Powertools
# logger and one os.environ, so invocations take turns.
_INVOCATION_LOCK = threading.RLock()


class LocalContext:
    """The parts of Lambda's context object the handlers and Powertools use."""

    def __init__(self, function_name: str, arn: str, timeout_seconds: float, memory_mb: int):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class LocalFunction:
    logical_id: str
    code_dir: Path
    handler: str
    timeout_seconds: float
    memory_mb: int
    arn: str
    environment: dict[str, str]
    events: dict[str, dict[str, Any]]
    # The execution role's credentials, as Lambda puts them into the function's environment.
    credentials: dict[str, str] = field(default_factory=dict, repr=False)
    # Where the function's log lines go, as Lambda sends a function's to its CloudWatch log
    # group; None leaves them where the shared logger writes (stdout).
    log_stream: TextIO | None = field(default=None, repr=False)
    _module: ModuleType | None = field(default=None, repr=False)
    # Powertools Parameters' providers and their cache, this function's own as in its container:
    # a secret another function has cached must still be read, and allowed, by this one.
    _parameter_providers: dict[str, Any] = field(default_factory=dict, repr=False)

    def _handler(self) -> Any:
        module_name, function_name = self.handler.rsplit(".", 1)
        if self._module is None:
            # Every function's module is app.py: load each under its own name so they coexist.
            spec = importlib.util.spec_from_file_location(
                f"local_lambda_{self.logical_id}", self.code_dir / f"{module_name}.py"
            )
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._module = module
        return getattr(self._module, function_name)

    @contextmanager
    def _environment(self) -> Iterator[None]:
        applied = {**self.environment, **self.credentials}
        saved = {name: os.environ.get(name) for name in applied}
        os.environ.update(applied)
        providers = parameter_providers.DEFAULT_PROVIDERS
        outside = dict(providers)
        providers.clear()
        providers.update(self._parameter_providers)
        try:
            yield
        finally:
            self._parameter_providers = dict(providers)
            providers.clear()
            providers.update(outside)
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def expire_cached_secrets(self) -> None:
        """What its container cached of Secrets Manager and Parameter Store is past its age."""
        self._parameter_providers = {}

    @contextmanager
    def _logging(self) -> Iterator[None]:
        """The shared logger at this function's POWERTOOLS_LOG_LEVEL, writing to its log stream:
        in Lambda each function's Logger reads its own level when its container starts; here one
        logger serves every function, whichever was imported first."""
        from surveys.observability import logger

        handler = logger.registered_handler
        level = logger.log_level
        stream = getattr(handler, "stream", None)
        logger.setLevel(self.environment.get("POWERTOOLS_LOG_LEVEL", "INFO"))
        if self.log_stream is not None and isinstance(handler, logging.StreamHandler):
            handler.setStream(self.log_stream)
        try:
            yield
        finally:
            if stream is not None and isinstance(handler, logging.StreamHandler):
                handler.setStream(stream)
            logger.setLevel(level)

    def invoke(self, event: dict[str, Any]) -> Any:
        with _INVOCATION_LOCK:
            try:
                with self._environment(), self._logging():
                    handler = self._handler()
                    context = LocalContext(
                        self.logical_id, self.arn, self.timeout_seconds, self.memory_mb
                    )
                    return handler(event, context)
            finally:
                _forget_invocation_log_keys()


def _forget_invocation_log_keys() -> None:
    """Each function's Powertools Logger clears the last invocation's keys (request id, function
    name) when the next one starts. Here every function and the admin commands share one logger,
    so the keys go when the invocation ends: a line logged meanwhile names no function."""
    observability = sys.modules.get("surveys.observability")
    if observability is not None:
        observability.logger.clear_state()


def load_functions(resolver: TemplateResolver) -> dict[str, LocalFunction]:
    globals_ = resolver.template.get("Globals", {}).get("Function", {})
    shared_environment = globals_.get("Environment", {}).get("Variables", {})
    functions = {}
    for logical_id, resource in resources_of_type(
        resolver.template, "AWS::Serverless::Function"
    ).items():
        properties = resource["Properties"]
        own_environment = properties.get("Environment", {}).get("Variables", {})
        environment = resolver.resolve({**shared_environment, **own_environment})
        functions[logical_id] = LocalFunction(
            logical_id=logical_id,
            code_dir=REPO_ROOT / properties["CodeUri"],
            handler=properties.get("Handler", globals_.get("Handler", "")),
            timeout_seconds=float(properties.get("Timeout", globals_.get("Timeout", 3))),
            memory_mb=int(properties.get("MemorySize", globals_.get("MemorySize", 128))),
            arn=resolver.names.attributes[(logical_id, "Arn")],
            environment={name: str(value) for name, value in environment.items()},
            events=resolver.resolve(properties.get("Events", {})),
        )
    return functions


def functions_with_event(
    functions: dict[str, LocalFunction], event_type: str
) -> list[tuple[LocalFunction, dict[str, Any]]]:
    return [
        (function, event["Properties"])
        for function in functions.values()
        for event in function.events.values()
        if event["Type"] == event_type
    ]
