"""Each function's execution role, as SAM creates it on deploy, made in moto and assumed.

The roles come from SAM's own translator (the library `sam validate` and `sam build` use), so
they carry exactly what a deploy gives each function: its inline statements, the SAM policy
templates it names expanded from SAM's definitions, the managed policies SAM attaches for its
event sources, tracing and logging (AWSLambdaSQSQueueExecutionRole, AWSLambdaDynamoDBExecutionRole,
AWSXrayWriteOnlyAccess, ...), and the statements SAM adds for dead-letter queues and on-failure
destinations.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from local.runtime.template import TemplateResolver

# What `sam validate` puts in place of local code paths: the translator insists on S3 locations.
_CODE_PLACEHOLDER = "s3://local-runtime/code.zip"


@dataclass(frozen=True)
class ExecutionRole:
    function: str
    name: str
    trust_policy: dict[str, Any]
    inline_policies: dict[str, dict[str, Any]]
    managed_policy_arns: list[str]


@lru_cache(maxsize=4)
def _translate(template_json: str, region: str) -> dict[str, Any]:
    template = json.loads(template_json)
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):
                properties[key] = _CODE_PLACEHOLDER
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    translated: dict[str, Any] = translator.translate(
        template, parameter_values={}, get_managed_policy_map=lambda: {}
    )
    return translated


def execution_roles(resolver: TemplateResolver, region: str) -> list[ExecutionRole]:
    """Every function's role, with the template's references resolved to the local resources."""
    translated = _translate(json.dumps(resolver.template, sort_keys=True), region)
    resources = translated["Resources"]
    roles = []
    for function, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        role_reference = resource["Properties"]["Role"]
        role_id = (
            str(role_reference.get("Fn::GetAtt", [""])[0])
            if isinstance(role_reference, dict)
            else ""
        )
        if resources.get(role_id, {}).get("Type") != "AWS::IAM::Role":
            raise ValueError(
                f"{function}: the local runtime creates only roles the template declares, "
                f"not {role_reference!r}"
            )
        properties = copy.deepcopy(resources[role_id]["Properties"])
        roles.append(
            ExecutionRole(
                function=function,
                name=role_id,
                trust_policy=properties["AssumeRolePolicyDocument"],
                inline_policies={
                    policy["PolicyName"]: resolver.resolve(policy["PolicyDocument"])
                    for policy in properties.get("Policies", [])
                },
                managed_policy_arns=[
                    str(resolver.resolve(arn)) for arn in properties.get("ManagedPolicyArns", [])
                ],
            )
        )
    return roles


def create_and_assume(iam: Any, sts: Any, stack: str, role: ExecutionRole) -> dict[str, Any]:
    """Create the role in moto and return the credentials of a session of it, as Lambda
    assumes a function's role for each of its containers."""
    name = f"{stack}-{role.name}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(role.trust_policy))[
        "Role"
    ]["Arn"]
    for policy_name, document in role.inline_policies.items():
        # SAM leaves Version out of the statements it adds for destinations; IAM then reads
        # the policy as version 2008-10-17, which moto refuses. Only policy variables differ.
        document = {"Version": "2012-10-17", **document}
        iam.put_role_policy(
            RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
        )
    for policy_arn in role.managed_policy_arns:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    credentials: dict[str, Any] = sts.assume_role(RoleArn=arn, RoleSessionName=role.function)[
        "Credentials"
    ]
    return credentials
