"""IAM enforced on moto: every request signed by a function's role is authorized as AWS would.

moto (in server mode, in this process) authenticates each request: it checks the SigV4
signature against the access key, and finds the IAM user or assumed role the key belongs to
and that principal's policies. Its own authorization is too coarse to trust (see
`local.runtime.policies`), so the decision is replaced here: each request is described as the
IAM checks AWS makes for it (the action, the resource ARN, the condition keys, and the checks
one API call implies, such as kms:Decrypt behind secretsmanager:GetSecretValue), and the
principal's policies are evaluated against each.

The services and actions described are those the functions call; any other action is checked
against resource "*" only, which a policy scoped to resources cannot allow.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr
from typing import Any
from urllib.parse import parse_qs

import requests
from moto.core.exceptions import JsonRESTError, _RESTError
from moto.iam import access_control
from moto.secretsmanager.models import secretsmanager_backends
from moto.ses.models import ses_backends

from local.runtime.policies import Check, UnsupportedConditionError, denial_message, evaluate

log = logging.getLogger(__name__)

# Batch and transactional calls are authorized as the action of each entry.
_BATCH_ACTIONS = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
}
# moto names an action by the service's signing name; IAM's prefix differs for a few.
_IAM_PREFIX = {"monitoring": "cloudwatch"}
_TRANSACT_WRITE_ACTIONS = {
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
}


def _access_denied(iam_request: Any, message: str) -> Exception:
    """AccessDenied in the service's protocol: JSON services name it AccessDeniedException."""
    content_type = str(iam_request._headers.get("Content-Type", ""))
    error: JsonRESTError | _RESTError
    if "json" in content_type:
        error = JsonRESTError("AccessDeniedException", message)
    else:
        error = _RESTError("AccessDenied", message)
    error.code = 403
    return error


class _Request:
    """What the authorizer needs of one request moto received."""

    def __init__(self, iam_request: Any) -> None:
        self.account = iam_request.account_id
        self.region = iam_request._region
        service, _, operation = str(iam_request._action).partition(":")
        self.action = f"{_IAM_PREFIX.get(service, service)}:{operation}"
        self.path = iam_request._path
        self._data = iam_request._data
        self._body = iam_request._body

    def params(self) -> dict[str, Any]:
        body = self._body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                return {key: values[0] for key, values in parse_qs(body).items()}
            return parsed if isinstance(parsed, dict) else {}
        data = self._data or {}
        return {
            key: (value[0] if isinstance(value, list) else value) for key, value in data.items()
        }

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account}:{resource}"


def _table_arn(request: _Request, table: str) -> str:
    return table if table.startswith("arn:") else request.arn("dynamodb", f"table/{table}")


def _dynamodb_checks(request: _Request, params: dict[str, Any]) -> Iterator[Check]:
    action = request.action
    if action == "dynamodb:TransactWriteItems":
        for item in params.get("TransactItems", []):
            for kind, operation in item.items():
                yield Check(
                    _TRANSACT_WRITE_ACTIONS[kind], _table_arn(request, operation["TableName"])
                )
    elif action == "dynamodb:TransactGetItems":
        for item in params.get("TransactItems", []):
            yield Check("dynamodb:GetItem", _table_arn(request, item["Get"]["TableName"]))
    elif action in ("dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"):
        for table in params.get("RequestItems", {}):
            yield Check(action, _table_arn(request, table))
    elif "StreamArn" in params:
        yield Check(action, params["StreamArn"])
    elif "ShardIterator" in params:
        # moto's shard iterators begin with the ARN of their stream.
        yield Check(action, str(params["ShardIterator"]).split("|", 1)[0])
    elif "TableName" in params:
        resource = _table_arn(request, params["TableName"])
        if params.get("IndexName"):
            resource += f"/index/{params['IndexName']}"
        yield Check(action, resource)
    else:
        yield Check(action, "*", resource_unknown=True)


def _sqs_checks(request: _Request, params: dict[str, Any]) -> Iterator[Check]:
    action = _BATCH_ACTIONS.get(request.action, request.action)
    queue = params.get("QueueUrl") or params.get("QueueName")
    if queue:
        yield Check(action, request.arn("sqs", str(queue).rstrip("/").rsplit("/", 1)[-1]))
    else:
        yield Check(action, "*", resource_unknown=True)


def _secrets_checks(request: _Request, params: dict[str, Any]) -> Iterator[Check]:
    secret_id = params.get("SecretId")
    secret = (
        secretsmanager_backends[request.account][request.region].secrets.get(secret_id)
        if secret_id
        else None
    )
    if secret is None:
        yield Check(request.action, "*", resource_unknown=True)
        return
    yield Check(request.action, secret.arn)
    key = getattr(secret, "kms_key_id", None)
    if not key or key.startswith("alias/aws/"):
        return
    if not key.startswith("arn:"):
        key = request.arn("kms", key if key.startswith("alias/") else f"key/{key}")
    # Under a customer managed key, Secrets Manager asks KMS on the caller's behalf: the
    # caller needs the KMS permission too, with kms:ViaService naming Secrets Manager.
    via = {
        "kms:ViaService": [f"secretsmanager.{request.region}.amazonaws.com"],
        "kms:CallerAccount": [request.account],
    }
    if request.action == "secretsmanager:GetSecretValue":
        yield Check("kms:Decrypt", key, via)
    elif request.action == "secretsmanager:PutSecretValue":
        yield Check("kms:GenerateDataKey", key, via)


def _sending_identity(request: _Request, from_address: str) -> str:
    """The identity SES authorizes a send against: the From address if it is verified itself,
    otherwise its domain."""
    verified = ses_backends[request.account][request.region].email_identities
    identity = from_address if from_address in verified else from_address.rpartition("@")[2]
    return request.arn("ses", f"identity/{identity}")


def _ses_checks(request: _Request, params: dict[str, Any]) -> Iterator[Check]:
    if not request.path.startswith("/v2/email/outbound-emails"):
        yield Check(request.action, "*", resource_unknown=True)
        return
    content = params.get("Content", {})
    destination = params.get("Destination", {})
    recipients = [
        address
        for kind in ("ToAddresses", "CcAddresses", "BccAddresses")
        for address in destination.get(kind, [])
    ]
    from_header = params.get("FromEmailAddress", "")
    if "Raw" in content:
        # SES v2's SendEmail with raw content is authorized as ses:SendRawEmail, and takes its
        # addresses from the message's headers.
        action = "ses:SendRawEmail"
        raw = base64.b64decode(content["Raw"]["Data"])
        message = message_from_bytes(raw, policy=default_policy)
        from_header = from_header or str(message.get("From", ""))
        recipients = recipients or [
            address
            for _, address in getaddresses(
                [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
            )
        ]
    else:
        action = "ses:SendEmail"
    display_name, from_address = parseaddr(from_header)
    context = {
        "ses:FromAddress": [from_address],
        "ses:Recipients": recipients,
        "ses:ApiVersion": ["2"],
    }
    if display_name:
        context["ses:FromDisplayName"] = [display_name]
    yield Check(action, _sending_identity(request, from_address), context)
    if params.get("ConfigurationSetName"):
        yield Check(
            action,
            request.arn("ses", f"configuration-set/{params['ConfigurationSetName']}"),
            context,
        )


def _events_checks(request: _Request, params: dict[str, Any]) -> Iterator[Check]:
    if request.action != "events:PutEvents":
        yield Check(request.action, "*", resource_unknown=True)
        return
    # PutEvents is authorized per entry, on the bus the entry names ("default" when none).
    for entry in params.get("Entries", []):
        bus = str(entry.get("EventBusName") or "default")
        yield Check(
            request.action,
            bus if bus.startswith("arn:") else request.arn("events", f"event-bus/{bus}"),
        )


def _sns_checks(request: _Request, params: dict[str, Any]) -> Iterator[Check]:
    topic = params.get("TopicArn") or params.get("TargetArn")
    if topic:
        yield Check(request.action, str(topic))
    else:
        yield Check(request.action, "*", resource_unknown=True)


def _sts_checks(request: _Request, params: dict[str, Any]) -> Iterator[Check]:
    yield Check(
        request.action, str(params.get("RoleArn", "*")), resource_unknown="RoleArn" not in params
    )


_DESCRIBERS: dict[str, Callable[[_Request, dict[str, Any]], Iterator[Check]]] = {
    "dynamodb": _dynamodb_checks,
    "sqs": _sqs_checks,
    "secretsmanager": _secrets_checks,
    "ses": _ses_checks,
    "events": _events_checks,
    "sns": _sns_checks,
    "sts": _sts_checks,
}


def _unknown_resource(request: _Request, params: dict[str, Any]) -> Iterator[Check]:
    yield Check(request.action, "*", resource_unknown=True)


def checks_for(request: _Request) -> list[Check]:
    describe = _DESCRIBERS.get(request.action.split(":", 1)[0], _unknown_resource)
    global_context = {
        "aws:RequestedRegion": [request.region],
        "aws:PrincipalAccount": [request.account],
    }
    return [
        Check(
            check.action,
            check.resource,
            {**global_context, **check.context},
            check.resource_unknown,
        )
        for check in describe(request, request.params())
    ]


class Denials:
    """Every request the enforcement refused, kept for the tests and the demo to report."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[str] = []

    def record(self, message: str) -> None:
        with self._lock:
            self._messages.append(message)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def messages(self) -> list[str]:
        with self._lock:
            return list(self._messages)


denials = Denials()


def _principal_policies(iam_request: Any) -> list[dict[str, Any]]:
    documents = []
    for policy in iam_request._access_key.collect_policies():
        if isinstance(policy, str):
            documents.append(json.loads(policy))
        elif isinstance(policy, dict):
            documents.append(json.loads(policy["policy_document"]))
        else:
            version = next(v for v in policy.versions if v.is_default)
            documents.append(json.loads(version.document))
    return documents


def _check_action_permitted(self: Any, resource: str) -> None:
    if self._action == "sts:GetCallerIdentity":
        return
    request = _Request(self)
    documents = _principal_policies(self)
    for check in checks_for(request):
        try:
            decision = evaluate(documents, check)
        except UnsupportedConditionError as error:
            message = f"{check.action} on {check.resource}: {error}"
            denials.record(message)
            raise _access_denied(self, message) from error
        if not decision.allowed:
            message = denial_message(self._access_key.arn, check, decision)
            denials.record(message)
            log.warning("local IAM denied a request: %s", message)
            raise _access_denied(self, message)


_request_to_verify = access_control.IAMRequestBase._create_aws_request


def _request_as_signed(self: Any) -> Any:
    """The request whose signature moto recomputes, as the client signed it: moto stands in the
    query string, or the headers, for the body of a request that sent none (a GET such as SES's
    GetEmailIdentity), so its signature could never match. A form POST (SNS's Publish) did send
    its body, which moto has parsed by then."""
    request = _request_to_verify(self)
    if not self._body and self._method in ("GET", "HEAD", "DELETE"):
        request.data = b""
    return request


_installed = False


def install() -> None:
    """Make moto's authorization step the local runtime's, once per process."""
    global _installed
    if not _installed:
        access_control.IAMRequest.check_action_permitted = _check_action_permitted  # type: ignore[method-assign]
        access_control.IAMRequest._create_aws_request = _request_as_signed  # type: ignore[method-assign]
        _installed = True


def set_enforcement(endpoint_url: str, enabled: bool) -> None:
    """moto checks every request once its count of unauthenticated requests is used up: 0 turns
    the checks on at once, infinity off (the server's INITIAL_NO_AUTH_ACTION_COUNT)."""
    requests.post(
        f"{endpoint_url}/moto-api/reset-auth", data="0" if enabled else "inf", timeout=60
    ).raise_for_status()
