"""The local runtime: everything template.yaml declares, wired the way AWS would wire it."""

from __future__ import annotations

import email
import json
import os
import re
import sys
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, TextIO

from aws_lambda_powertools.utilities import parameters as powertools_parameters
from boto3.dynamodb.types import TypeDeserializer
from moto.backends import get_backend

from cli.stack import Stack
from local.runtime import iam
from local.runtime.aws import (
    ACCOUNT_ID,
    REGION,
    MotoEndpoint,
    assume_execution_roles,
    provision,
    shared_moto,
)
from local.runtime.credentials import sign_with_current_environment
from local.runtime.event_sources import (
    DynamoDBStreamSource,
    EventBridgeRule,
    EventLog,
    SnsSubscription,
    SqsSource,
)
from local.runtime.events import scheduled_event
from local.runtime.functions import LocalFunction, functions_with_event, load_functions
from local.runtime.http_gateway import HttpGateway, Route
from local.runtime.template import (
    TEMPLATE_PATH,
    LocalNames,
    TemplateResolver,
    load_template,
    resources_of_type,
)

LINK_PATTERN = re.compile(r"https?://\S+/r/[A-Za-z0-9_\-.]+\?score=-?\d+")


@dataclass
class RuntimeOptions:
    kustomer_api_key: str
    parameters: dict[str, str]
    port: int = 0
    outbox: Path | None = None
    # Where the functions' log lines go; None leaves them on stdout.
    function_logs: TextIO | None = None
    stack_name: str = "local"
    template_path: Path = TEMPLATE_PATH


@dataclass
class SentEmail:
    message_id: str
    recipients: list[str]
    raw: str

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_string(self.raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def survey_id(self) -> str:
        return str(self.message["X-Survey-Id"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    def rating_links(self) -> dict[int, str]:
        links = {}
        for url in LINK_PATTERN.findall(self.text):
            links[int(url.rsplit("=", 1)[1])] = url
        return links

    @property
    def unsubscribe_link(self) -> str:
        """The URL of the List-Unsubscribe header, where mail apps POST a one-click unsubscribe."""
        return str(self.message["List-Unsubscribe"]).strip("<>")


def _runtime_environment(moto: MotoEndpoint) -> dict[str, str]:
    """What Lambda's environment provides and the template does not: region and endpoints
    pointing at moto, and, outside an invocation, the admin's credentials (a function gets its
    role's while it runs); X-Ray and EMF output are off without their daemons."""
    return {
        "AWS_ENDPOINT_URL": moto.url,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        **moto.admin,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }


def _forget_container_caches() -> None:
    """A new runtime is a new deployment: drop what warm containers would have cached.

    The shared layer is touched only when already imported, so that a first import (and
    Powertools' Logger) sees the function environment, as it does in Lambda."""
    bootstrap = sys.modules.get("surveys.bootstrap")
    if bootstrap is not None:
        bootstrap.reset()
    else:
        powertools_parameters.clear_caches()
    # Their clients were made in an earlier runtime, perhaps with credentials now gone.
    powertools_parameters.constants.DEFAULT_PROVIDERS.clear()


@dataclass(frozen=True)
class Notification:
    """A message SNS delivered to an email subscription of the template, as the subscriber
    reads it."""

    message_id: str
    topic_arn: str
    recipient: str
    subject: str
    message: str

    def as_email(self) -> str:
        return (
            "From: AWS Notifications <no-reply@sns.amazonaws.com>\n"
            f"To: {self.recipient}\n"
            f"Subject: {self.subject}\n"
            "Content-Type: text/plain; charset=utf-8\n\n"
            f"{self.message}\n"
        )


@dataclass
class LocalRuntime:
    options: RuntimeOptions
    functions: dict[str, LocalFunction] = field(default_factory=dict)
    _sent_seen: int = 0
    _notifications_seen: int = 0

    def start(self) -> LocalRuntime:
        # EMF output is off locally, so Powertools' "no metrics to publish" says nothing useful.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        self.template = load_template(self.options.template_path)
        self.moto = shared_moto()
        os.environ.update(_runtime_environment(self.moto))
        os.environ.pop("AWS_SESSION_TOKEN", None)
        sign_with_current_environment()
        _forget_container_caches()
        self.gateway = HttpGateway([], port=self.options.port)
        parameters = {"PublicBaseUrl": self.gateway.base_url, **self.options.parameters}
        self.resolver = TemplateResolver(
            self.template,
            {},
            LocalNames(),
            {
                "AWS::Region": REGION,
                "AWS::AccountId": ACCOUNT_ID,
                "AWS::StackName": self.options.stack_name,
                "AWS::URLSuffix": "amazonaws.com",
                "AWS::Partition": "aws",
            },
        )
        self.resolver.parameters = self.resolver.parameter_values(parameters)
        provision(
            self.moto,
            self.resolver,
            self.options.stack_name,
            {"KustomerApiKeySecret": self.options.kustomer_api_key},
        )
        self.functions = load_functions(self.resolver)
        for function in self.functions.values():
            function.log_stream = self.options.function_logs
        for logical_id, credentials in assume_execution_roles(
            self.moto, self.resolver, self.options.stack_name
        ).items():
            self.functions[logical_id].credentials = credentials
        self.gateway.routes = [
            Route(str(properties["Method"]).upper(), str(properties["Path"]), function)
            for function, properties in functions_with_event(self.functions, "HttpApi")
        ]
        self.queue_sources = [
            SqsSource(
                self.moto, function, str(properties["Queue"]), int(properties.get("BatchSize", 10))
            )
            for function, properties in functions_with_event(self.functions, "SQS")
        ]
        self.stream_sources = [
            DynamoDBStreamSource(
                self.moto,
                function,
                str(properties["Stream"]),
                batch_size=int(properties.get("BatchSize", 100)),
                maximum_retry_attempts=int(properties.get("MaximumRetryAttempts", 3)),
                on_failure_queue_arn=properties.get("DestinationConfig", {})
                .get("OnFailure", {})
                .get("Destination"),
                event_names=_filtered_event_names(properties),
            )
            for function, properties in functions_with_event(self.functions, "DynamoDB")
        ]
        self.sns_subscriptions = [
            SnsSubscription(
                self.moto,
                function,
                str(properties["Topic"]),
                self._dead_letter_queue_arn(function.logical_id),
            )
            for function, properties in functions_with_event(self.functions, "SNS")
        ]
        self.event_rules = [
            EventBridgeRule(
                self.moto,
                function,
                name=f"{self.options.stack_name}-{function.logical_id}-{index}",
                bus_name=str(properties.get("EventBusName", "default")),
                pattern=properties["Pattern"],
                dead_letter_queue_arn=self._dead_letter_queue_arn(function.logical_id),
            )
            for index, (function, properties) in enumerate(
                functions_with_event(self.functions, "EventBridgeRule")
            )
        ]
        self.event_logs = [
            EventLog(self.moto, self.resolver.names.refs[logical_id])
            for logical_id in resources_of_type(self.template, "AWS::Events::EventBus")
        ]
        self.scheduled = {
            function.logical_id: function
            for kind in ("Schedule", "ScheduleV2")
            for function, _ in functions_with_event(self.functions, kind)
        }
        self.moto.enforce_iam()
        self.gateway.start()
        return self

    def stop(self) -> None:
        self.gateway.stop()

    def _dead_letter_queue_arn(self, logical_id: str) -> str | None:
        properties = self.template["Resources"][logical_id]["Properties"]
        target = self.resolver.resolve(properties.get("DeadLetterQueue", {})).get("TargetArn")
        return str(target) if target else None

    def publish(self, topic_logical_id: str, message: str, subject: str | None = None) -> int:
        """What SNS does with a message published to one of the template's topics: deliver it to
        every function subscribed. Returns how many deliveries ended in a dead-letter queue."""
        topic_arn = self.resolver.names.refs[topic_logical_id]
        return sum(
            not subscription.deliver(message, subject)
            for subscription in self.sns_subscriptions
            if subscription.topic_arn == topic_arn
        )

    def stack(self) -> Stack:
        """This runtime as the admin's command line tool sees a deployed stack."""
        return Stack(
            name=self.options.stack_name,
            region=REGION,
            resources=dict(self.resolver.names.refs),
            function_environments={
                logical_id: dict(function.environment)
                for logical_id, function in self.functions.items()
            },
            endpoint_url=self.moto.url,
            credentials=dict(self.moto.admin),
        )

    def set_trigger(
        self,
        program: str,
        *,
        active: bool = True,
        now: datetime | None = None,
        metric: str | None = None,
        **changes: Any,
    ) -> Any:
        """What `surveys trigger set/activate` does, for the demo and the tests; with `metric`,
        what `surveys trigger create PROGRAM --metric METRIC` does first."""
        with self.stack().as_admin():
            # Imported here, not at the top: the shared layer's Logger must first be created
            # inside an environment that sets its level, as it is in Lambda.
            from surveys.usecases.triggers import (
                activate_trigger,
                change_trigger,
                create_program,
                deactivate_trigger,
            )

            if metric is not None:
                create_program(program, metric, changes)
            elif changes:
                change_trigger(program, changes)
            if active:
                return activate_trigger(program, now or datetime.now(UTC))
            return deactivate_trigger(program)

    def import_agents(self) -> Any:
        """What `surveys connect` (and `agents sync`) does with Kustomer's users and teams, so
        that surveys and reports name their agents and teams."""
        from surveys import bootstrap
        from surveys.usecases.agents import sync_agents_with_stored_key

        with self.stack().as_admin():
            return sync_agents_with_stored_key(bootstrap.kustomer_client, datetime.now(UTC))

    def access_denied(self) -> list[str]:
        """Every AWS call a function's role was refused since this runtime started, worded as
        IAM words it (the action, the resource and why)."""
        return iam.denials.messages()

    @property
    def base_url(self) -> str:
        return self.gateway.base_url

    def environment(self, logical_id: str) -> dict[str, str]:
        return self.functions[logical_id].environment

    def route_events(self) -> int:
        """What EventBridge does with the events put on the template's buses since: invoke
        every function whose rule matches them. Returns how many invocations."""
        return sum(rule.deliver() for rule in self.event_rules)

    def bus_events(self) -> list[dict[str, Any]]:
        """Every event put on the template's buses so far, as EventBridge delivers them."""
        return [event for log in self.event_logs for event in log.read()]

    def notifications(self) -> list[Notification]:
        """Every message SNS delivered to an email subscription of the template (AlertEmail,
        AlarmEmail), oldest first."""
        backend = get_backend("sns")[ACCOUNT_ID][REGION]
        delivered = []
        for resource in resources_of_type(self.template, "AWS::SNS::Subscription").values():
            if "Condition" in resource and not self.resolver.condition(resource["Condition"]):
                continue
            properties = self.resolver.resolve(resource["Properties"])
            if properties["Protocol"] != "email":
                continue
            topic = backend.topics.get(properties["TopicArn"])
            for message_id, message, subject, _, _ in topic.sent_notifications if topic else []:
                delivered.append(
                    Notification(
                        message_id,
                        properties["TopicArn"],
                        str(properties["Endpoint"]),
                        subject or "",
                        message,
                    )
                )
        return delivered

    def expire_cached_secrets(self, *logical_ids: str) -> None:
        """As if the functions' secret caches (all, or those named) had outlived their age of
        five minutes: each reads a secret changed since, such as a rotated link key, on its
        next use."""
        for logical_id in logical_ids or tuple(self.functions):
            self.functions[logical_id].expire_cached_secrets()

    def run_schedule(self, logical_id: str, now: datetime | None = None) -> Any:
        """What a function's EventBridge schedule does: invoke it once, at `now`."""
        moment = now or datetime.now(UTC)
        return self.scheduled[logical_id].invoke(
            scheduled_event(moment, f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/local")
        )

    def scan(self, now: datetime | None = None) -> list[Any]:
        """One run of the scanner's schedule, as a one-item list of its result."""
        return [self.run_schedule("ScannerFunction", now)]

    def reconcile(self, now: datetime | None = None) -> dict[str, Any]:
        """One run of the hourly reconcile sweep; returns its report."""
        report: dict[str, Any] = self.run_schedule("ReconcileFunction", now)
        return report

    def deliver(self) -> tuple[int, int]:
        """Drain every queue into its function; returns (handled, failed)."""
        handled = failed = 0
        for source in self.queue_sources:
            ok, bad = source.drain()
            handled, failed = handled + ok, failed + bad
        self.route_events()
        self._write_outbox()
        return handled, failed

    def write_back(self) -> int:
        """Deliver the ratings stream to the writeback, then the events it put on the bus to
        their rules' functions; returns how many stream records were read."""
        read = sum(source.poll() for source in self.stream_sources)
        self.route_events()
        self._write_outbox()
        return read

    def sent_emails(self) -> list[SentEmail]:
        backend = get_backend("ses")[ACCOUNT_ID][REGION]
        return [
            SentEmail(message.id, list(message.destinations), message.raw_data)
            for message in backend.sent_messages
            if hasattr(message, "raw_data")
        ]

    def _write_outbox(self) -> None:
        sent = self.sent_emails()
        if self.options.outbox is not None:
            self.options.outbox.mkdir(parents=True, exist_ok=True)
            for index, message in enumerate(sent[self._sent_seen :], start=self._sent_seen + 1):
                path = self.options.outbox / f"{index:04d}-{message.survey_id}.eml"
                path.write_text(message.raw, encoding="utf-8")
            notifications = self.notifications()
            for index, notification in enumerate(
                notifications[self._notifications_seen :], start=self._notifications_seen + 1
            ):
                path = self.options.outbox / f"alert-{index:04d}.eml"
                path.write_text(notification.as_email(), encoding="utf-8")
            self._notifications_seen = len(notifications)
        self._sent_seen = len(sent)

    def table_items(self, logical_id: str) -> list[dict[str, Any]]:
        """Every item of one of the template's tables, as plain Python values."""
        dynamodb = self.moto.client("dynamodb")
        deserializer = TypeDeserializer()
        items: list[dict[str, Any]] = []
        arguments = {"TableName": self.resolver.names.refs[logical_id], "ConsistentRead": True}
        while True:
            page = dynamodb.scan(**arguments)
            items += [
                {name: deserializer.deserialize(value) for name, value in item.items()}
                for item in page.get("Items", [])
            ]
            if "LastEvaluatedKey" not in page:
                return items
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def queue_depth(self, logical_id: str) -> int:
        return self.stack().messages_in(logical_id)


def _filtered_event_names(properties: dict[str, Any]) -> frozenset[str]:
    names: set[str] = set()
    for entry in properties.get("FilterCriteria", {}).get("Filters", []):
        names.update(json.loads(entry["Pattern"]).get("eventName", []))
    return frozenset(names or {"INSERT", "MODIFY", "REMOVE"})
