"""AWS for the local runtime: moto in server mode on loopback, provisioned from template.yaml."""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
import requests
from moto import backends as moto_backends
from moto.iam import models as moto_iam
from moto.kms import models as moto_kms
from moto.server import ThreadedMotoServer

from local.runtime import iam
from local.runtime.credentials import environment_of
from local.runtime.roles import create_and_assume, execution_roles
from local.runtime.template import TemplateResolver, resources_of_type

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


ADMIN_USER = "local-admin"
_ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@cache
def _clients_session() -> boto3.session.Session:
    """The session of the runtime's own clients, kept across runtimes: a new session reads
    botocore's service models again (a fifth of a second for the runtime's set-up alone). Each
    client is given its keys, so none depends on the session's credentials."""
    return boto3.session.Session()


@dataclass
class MotoEndpoint:
    server: ThreadedMotoServer
    url: str
    # The account's administrator: the admin's command line tool, the runtime's own set-up and
    # the tests act as this IAM user. Until the first reset, any key passes (checks are off).
    admin: dict[str, str] = field(
        default_factory=lambda: {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    )

    def client(self, service: str, credentials: Mapping[str, str] | None = None) -> Any:
        """A client acting as the admin, or with the given credentials (a function's role)."""
        keys = credentials or self.admin
        return _clients_session().client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=keys.get("AWS_SESSION_TOKEN"),
        )

    def reset(self) -> None:
        """Forget every resource and item, as a fresh account would have, and open it with an
        administrator; IAM checks stay off until `enforce_iam`, as while CloudFormation deploys."""
        # Generous: resetting every backend takes seconds on a loaded machine.
        requests.post(f"{self.url}/moto-api/reset", timeout=120).raise_for_status()
        iam.set_enforcement(self.url, enabled=False)
        users = self.client("iam")
        users.create_user(UserName=ADMIN_USER)
        users.put_user_policy(
            UserName=ADMIN_USER,
            PolicyName="AdministratorAccess",
            PolicyDocument=json.dumps(_ADMIN_POLICY),
        )
        self.admin = environment_of(users.create_access_key(UserName=ADMIN_USER)["AccessKey"])

    def enforce_iam(self) -> None:
        iam.denials.clear()
        iam.set_enforcement(self.url, enabled=True)


_shared_moto: MotoEndpoint | None = None


@cache
def _aws_managed_policy_data() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(moto_iam.aws_managed_policies_data)
    return parsed


def _aws_managed_policies(backend: Any) -> list[Any]:
    """moto's IAMBackend._init_aws_policies with the policies' JSON (over 1 MB) parsed once per
    process, not again for each IAM backend moto builds: one at each reset and one after it."""
    return [
        moto_iam.AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
        for name, data in _aws_managed_policy_data().items()
    ]


_list_moto_modules = moto_backends.list_of_moto_modules


@cache
def _moto_modules() -> tuple[str, ...]:
    """moto's own package folders, listed once: its server lists them (174 stat calls) for every
    request to tell a service's name from a host name, milliseconds a request."""
    return tuple(_list_moto_modules())


_generate_private_key = moto_kms.generate_private_key


@cache
def _unused_private_key() -> Any:
    return _generate_private_key("SYMMETRIC_DEFAULT")


def _kms_private_key(key_spec: str) -> Any:
    """moto makes an RSA key pair for every KMS key, a symmetric one too (AWS gives it none, and
    moto uses it only to sign and verify, which a symmetric key cannot): a tenth of a second of
    CPU per runtime. The symmetric keys share one, made once per process."""
    if key_spec == "SYMMETRIC_DEFAULT":
        return _unused_private_key()
    return _generate_private_key(key_spec)


def shared_moto() -> MotoEndpoint:
    """One moto server per process, emptied for each runtime: the functions' AWS clients are
    made once per process (as once per Lambda container) and keep pointing at it."""
    global _shared_moto
    if _shared_moto is None:
        # One access-log line per AWS call would bury the runtime's own output.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        # The roles SAM creates attach AWS managed policies, which moto then knows.
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        moto_iam.IAMBackend._init_aws_policies = _aws_managed_policies  # type: ignore[method-assign,assignment]
        moto_backends.list_of_moto_modules = _moto_modules
        moto_kms.generate_private_key = _kms_private_key
        # Everything lives in one account. Without this, moto finds the account of every request
        # signed with a role session's key by looking the key up in each partition's IAM (aws,
        # aws-cn, aws-us-gov, ...), which creates all six, each loading the 1,500-odd AWS managed
        # policies, and the next reset rebuilds all six again: seconds per runtime.
        os.environ["MOTO_ACCOUNT_ID"] = ACCOUNT_ID
        iam.install()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        _shared_moto = MotoEndpoint(server=server, url=f"http://{host}:{port}")
    _shared_moto.reset()
    return _shared_moto


def _physical_name(stack: str, logical_id: str) -> str:
    return f"{stack}-{logical_id}"


def _create_tables(moto: MotoEndpoint, resolver: TemplateResolver, stack: str) -> None:
    dynamodb = moto.client("dynamodb")
    for logical_id, resource in resources_of_type(
        resolver.template, "AWS::DynamoDB::Table"
    ).items():
        properties = resolver.resolve(resource["Properties"])
        name = _physical_name(stack, logical_id)
        arguments: dict[str, Any] = {
            "TableName": name,
            "KeySchema": properties["KeySchema"],
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if "GlobalSecondaryIndexes" in properties:
            arguments["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
        stream = properties.get("StreamSpecification")
        if stream:
            arguments["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": stream["StreamViewType"],
            }
        description = dynamodb.create_table(**arguments)["TableDescription"]
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        resolver.names.refs[logical_id] = name
        resolver.names.attributes[(logical_id, "Arn")] = description["TableArn"]
        if stream:
            resolver.names.attributes[(logical_id, "StreamArn")] = description["LatestStreamArn"]


def _create_queues(moto: MotoEndpoint, resolver: TemplateResolver, stack: str) -> None:
    sqs = moto.client("sqs")
    queues = resources_of_type(resolver.template, "AWS::SQS::Queue")
    # Dead-letter queues first: the queues that redrive into them name their ARNs.
    ordered = sorted(
        queues.items(), key=lambda item: "RedrivePolicy" in item[1].get("Properties", {})
    )
    for logical_id, resource in ordered:
        properties = resolver.resolve(resource.get("Properties", {}))
        attributes = {
            key: str(properties[key])
            for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds")
            if key in properties
        }
        if "RedrivePolicy" in properties:
            attributes["RedrivePolicy"] = json.dumps(properties["RedrivePolicy"])
        name = _physical_name(stack, logical_id)
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        resolver.names.refs[logical_id] = url
        resolver.names.attributes[(logical_id, "Arn")] = arn
        resolver.names.attributes[(logical_id, "QueueName")] = name


def _create_secrets(
    moto: MotoEndpoint, resolver: TemplateResolver, stack: str, values: dict[str, str]
) -> None:
    manager = moto.client("secretsmanager")
    for logical_id, resource in resources_of_type(
        resolver.template, "AWS::SecretsManager::Secret"
    ).items():
        properties = resource.get("Properties", {})
        if logical_id in values:
            value = values[logical_id]
        elif "GenerateSecretString" in properties:
            value = secrets.token_urlsafe(48)
        else:
            value = str(resolver.resolve(properties["SecretString"]))
        arguments = {"Name": _physical_name(stack, logical_id), "SecretString": value}
        if "KmsKeyId" in properties:
            arguments["KmsKeyId"] = str(resolver.resolve(properties["KmsKeyId"]))
        # As in CloudFormation, the secret's Ref is its ARN, which IAM policies name.
        resolver.names.refs[logical_id] = manager.create_secret(**arguments)["ARN"]


def _create_keys(moto: MotoEndpoint, resolver: TemplateResolver) -> None:
    """KMS keys, so that secrets are encrypted under the template's key and reading one takes
    kms:Decrypt on it, as in AWS. Key policies are not evaluated locally."""
    kms = moto.client("kms")
    for logical_id, resource in resources_of_type(resolver.template, "AWS::KMS::Key").items():
        properties = resolver.resolve(resource.get("Properties", {}))
        metadata = kms.create_key(Description=str(properties.get("Description", logical_id)))[
            "KeyMetadata"
        ]
        resolver.names.refs[logical_id] = metadata["KeyId"]
        resolver.names.attributes[(logical_id, "Arn")] = metadata["Arn"]


def _create_topics(moto: MotoEndpoint, resolver: TemplateResolver, stack: str) -> None:
    sns = moto.client("sns")
    for logical_id in resources_of_type(resolver.template, "AWS::SNS::Topic"):
        arn = sns.create_topic(Name=_physical_name(stack, logical_id))["TopicArn"]
        resolver.names.refs[logical_id] = arn
        resolver.names.attributes[(logical_id, "TopicArn")] = arn


def _create_event_buses(moto: MotoEndpoint, resolver: TemplateResolver, stack: str) -> None:
    events = moto.client("events")
    for logical_id, resource in resources_of_type(
        resolver.template, "AWS::Events::EventBus"
    ).items():
        name = str(resolver.resolve(resource["Properties"]["Name"]))
        arn = events.create_event_bus(Name=name)["EventBusArn"]
        resolver.names.refs[logical_id] = name
        resolver.names.attributes[(logical_id, "Arn")] = arn
        resolver.names.attributes[(logical_id, "Name")] = name


def _create_configuration_sets(moto: MotoEndpoint, resolver: TemplateResolver, stack: str) -> None:
    """The sender names its configuration set in every send, as SES requires it to exist.
    moto keeps no event destinations: bounces and complaints are delivered with
    `LocalRuntime.publish`."""
    sesv2 = moto.client("sesv2")
    for logical_id in resources_of_type(resolver.template, "AWS::SES::ConfigurationSet"):
        name = _physical_name(stack, logical_id)
        sesv2.create_configuration_set(ConfigurationSetName=name)
        resolver.names.refs[logical_id] = name


def _create_email_identities(moto: MotoEndpoint, resolver: TemplateResolver) -> None:
    """The SES identities the template creates under its parameters, with their DKIM signing
    settings (moto verifies them at once, and keeps no MAIL FROM domain); and the From address
    when none covers it, as a stack deployed with CreateSenderIdentity=false finds it verified."""
    sesv2 = moto.client("sesv2")
    created = []
    for resource in resources_of_type(resolver.template, "AWS::SES::EmailIdentity").values():
        if "Condition" in resource and not resolver.condition(resource["Condition"]):
            continue
        properties = resolver.resolve(resource["Properties"])
        arguments = {"EmailIdentity": properties["EmailIdentity"]}
        if "DkimSigningAttributes" in properties:
            arguments["DkimSigningAttributes"] = properties["DkimSigningAttributes"]
        sesv2.create_email_identity(**arguments)
        created.append(properties["EmailIdentity"])
    sender = resolver.parameters["SenderAddress"]
    if not {sender, sender.rpartition("@")[2]} & set(created):
        sesv2.create_email_identity(EmailIdentity=sender)


def provision(
    moto: MotoEndpoint,
    resolver: TemplateResolver,
    stack: str,
    secret_values: dict[str, str],
) -> None:
    _create_tables(moto, resolver, stack)
    _create_queues(moto, resolver, stack)
    _create_keys(moto, resolver)
    _create_secrets(moto, resolver, stack, secret_values)
    _create_topics(moto, resolver, stack)
    _create_event_buses(moto, resolver, stack)
    _create_configuration_sets(moto, resolver, stack)
    _create_email_identities(moto, resolver)
    for logical_id, resource in resolver.template["Resources"].items():
        resolver.names.refs.setdefault(logical_id, _physical_name(stack, logical_id))
        if resource["Type"] == "AWS::Serverless::Function":
            resolver.names.attributes[(logical_id, "Arn")] = (
                f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{_physical_name(stack, logical_id)}"
            )


def assume_execution_roles(
    moto: MotoEndpoint, resolver: TemplateResolver, stack: str
) -> dict[str, dict[str, str]]:
    """Each function's role, created as SAM declares it; returns each function's credentials
    as the environment variables Lambda gives it."""
    iam_client, sts = moto.client("iam"), moto.client("sts")
    return {
        role.function: environment_of(create_and_assume(iam_client, sts, stack, role))
        for role in execution_roles(resolver, REGION)
    }
