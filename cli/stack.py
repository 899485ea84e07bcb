"""Where the admin's commands act: a deployed stack (found by name) or the local runtime.

Either way a command gets the environment template.yaml gives a function, read from the
deployed function itself (or from the local runtime), so commands and functions never disagree
about table names, queues or secrets.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

# Where `make serve` describes the running local runtime for `surveys --local`.
DEFAULT_LOCAL_STACK_FILE = Path(__file__).resolve().parents[1] / ".local" / "stack.json"
LOCAL_STACK_FILE_VARIABLE = "SURVEYS_LOCAL_FILE"


def local_stack_file() -> Path:
    """The local runtime's file: $SURVEYS_LOCAL_FILE, else .local/stack.json in the repository
    (both `make serve` and `surveys --local` read the variable)."""
    return Path(os.environ.get(LOCAL_STACK_FILE_VARIABLE) or DEFAULT_LOCAL_STACK_FILE)


class StackNotFoundError(RuntimeError):
    pass


@dataclass(frozen=True)
class Stack:
    name: str
    region: str
    resources: dict[str, str]
    function_environments: dict[str, dict[str, str]]
    endpoint_url: str | None = None
    # The local runtime's admin credentials (AWS_ACCESS_KEY_ID, ...); a deployed stack is
    # reached with the caller's own.
    credentials: dict[str, str] | None = None

    @classmethod
    def from_cloudformation(cls, name: str, region: str | None = None) -> Stack:
        session = boto3.session.Session(region_name=region)
        cloudformation = session.client("cloudformation")
        try:
            listed = cloudformation.describe_stack_resources(StackName=name)["StackResources"]
        except cloudformation.exceptions.ClientError as error:
            raise StackNotFoundError(
                f"no stack {name!r} in {session.region_name}: {error}"
            ) from error
        resources = {item["LogicalResourceId"]: item["PhysicalResourceId"] for item in listed}
        lambda_client = session.client("lambda")
        environments = {
            logical: lambda_client.get_function_configuration(FunctionName=physical)
            .get("Environment", {})
            .get("Variables", {})
            for logical, physical, kind in (
                (item["LogicalResourceId"], item["PhysicalResourceId"], item["ResourceType"])
                for item in listed
            )
            if kind == "AWS::Lambda::Function"
        }
        return cls(name, session.region_name or "", resources, environments)

    @classmethod
    def from_local_file(cls, path: Path) -> Stack:
        if not path.exists():
            raise StackNotFoundError(
                f"no local runtime is running ({path} is missing): start one with `make serve`"
            )
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            name=data["name"],
            region=data["region"],
            resources=data["resources"],
            function_environments=data["function_environments"],
            endpoint_url=data["endpoint_url"],
            credentials=data.get("credentials"),
        )

    def write_local_file(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {
                    "name": self.name,
                    "region": self.region,
                    "resources": self.resources,
                    "function_environments": self.function_environments,
                    "endpoint_url": self.endpoint_url,
                    "credentials": self.credentials,
                },
                indent=2,
            ),
            encoding="utf-8",
        )

    def client(self, service: str) -> Any:
        keys = self.credentials or {}
        return boto3.client(  # type: ignore[call-overload]
            service,
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=keys.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=keys.get("AWS_SECRET_ACCESS_KEY"),
            aws_session_token=keys.get("AWS_SESSION_TOKEN"),
        )

    def messages_in(self, queue_logical_id: str) -> int:
        """How many messages one of the stack's queues holds, waiting, delayed or being handled
        (SQS's approximate counts)."""
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=self.resources[queue_logical_id], AttributeNames=["All"]
        )["Attributes"]
        return sum(
            int(attributes.get(name, 0))
            for name in (
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesDelayed",
                "ApproximateNumberOfMessagesNotVisible",
            )
        )

    @contextmanager
    def as_function(self, logical_id: str) -> Iterator[None]:
        """Run shared-layer code with the environment the stack gives one of its functions."""
        with self._environment(self.function_environments[logical_id]):
            yield

    @contextmanager
    def as_admin(self) -> Iterator[None]:
        """Run shared-layer code as the admin's commands do: with every function's resource
        names and settings at once, since a command may touch what several functions use."""
        environment: dict[str, str] = {}
        for variables in self.function_environments.values():
            environment.update(variables)
        environment.pop("POWERTOOLS_SERVICE_NAME", None)
        with self._environment(environment), _logs_on_stderr():
            yield

    @contextmanager
    def _environment(self, variables: dict[str, str]) -> Iterator[None]:
        environment = dict(variables)
        environment["AWS_REGION"] = environment["AWS_DEFAULT_REGION"] = self.region
        # A command prints its own results; the shared layer's INFO lines are for CloudWatch.
        environment["POWERTOOLS_LOG_LEVEL"] = os.environ.get("SURVEYS_LOG_LEVEL", "WARNING")
        # Metrics are for the functions; a command's EMF lines would only clutter its output.
        environment["POWERTOOLS_METRICS_DISABLED"] = "true"
        if self.endpoint_url:
            environment["AWS_ENDPOINT_URL"] = self.endpoint_url
            environment["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
        environment.update(self.credentials or {})
        saved = dict(os.environ)
        os.environ.update(environment)
        if self.credentials and "AWS_SESSION_TOKEN" not in self.credentials:
            # A session token of the caller's own would not belong to these keys.
            os.environ.pop("AWS_SESSION_TOKEN", None)
        _forget_cached_settings()
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)
            _forget_cached_settings()


@contextmanager
def _logs_on_stderr() -> Iterator[None]:
    """A command's stdout carries its result, which scripts read (`--output json`): the shared
    layer's log lines go to stderr, at the level set for commands, whenever its Logger was
    made."""
    from surveys.observability import logger

    handler = logger.registered_handler
    if not isinstance(handler, logging.StreamHandler):
        raise TypeError(f"the shared layer logs through {handler!r}, not a stream")
    level, stream = logger.log_level, handler.stream
    logger.setLevel(os.environ["POWERTOOLS_LOG_LEVEL"])
    handler.setStream(sys.stderr)
    try:
        yield
    finally:
        handler.setStream(stream)
        logger.setLevel(level)


def _forget_cached_settings() -> None:
    from surveys import bootstrap

    bootstrap.reset()
