"""What `make security` (checkov on template.yaml) relies on: every finding that is not fixed is
suppressed on its resource with the reason beside it; and the one finding fixed with a key of the
stack's, the secrets, leaves every function that reads a secret able to decrypt it, and only
through Secrets Manager."""

from __future__ import annotations

import re
from typing import Any

import pytest

from local.runtime.template import load_template, resources_of_type

TEMPLATE = load_template()
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")
SUPPRESSIONS = [
    (name, skip)
    for name, resource in TEMPLATE["Resources"].items()
    for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
]


def _statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for policy in function["Properties"].get("Policies", [])
        if isinstance(policy, dict)
        for statement in policy.get("Statement", [])
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def test_there_are_suppressions_to_check() -> None:
    assert len(SUPPRESSIONS) > 10


@pytest.mark.parametrize(
    "name, skip", SUPPRESSIONS, ids=[f"{name}-{skip['id']}" for name, skip in SUPPRESSIONS]
)
def test_every_checkov_suppression_names_a_check_and_says_why(
    name: str, skip: dict[str, str]
) -> None:
    assert re.fullmatch(r"CKV2?_AWS_[0-9]+", skip["id"])
    # A reason, not a placeholder: checkov itself accepts a skip without any.
    assert len(skip.get("comment", "").split()) >= 10


def test_no_check_is_suppressed_twice_on_one_resource() -> None:
    pairs = [(name, skip["id"]) for name, skip in SUPPRESSIONS]
    assert len(pairs) == len(set(pairs))


def test_the_secrets_are_encrypted_under_the_stacks_rotating_key() -> None:
    key = TEMPLATE["Resources"]["SecretsKey"]
    assert key["Properties"]["EnableKeyRotation"] is True
    for secret in resources_of_type(TEMPLATE, "AWS::SecretsManager::Secret").values():
        assert secret["Properties"]["KmsKeyId"] == {"Ref": "SecretsKey"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_a_function_may_decrypt_with_the_secrets_key_exactly_when_it_reads_a_secret(
    name: str,
) -> None:
    statements = _statements(FUNCTIONS[name])
    reads_secrets = any("secretsmanager:GetSecretValue" in _actions(s) for s in statements)
    decrypts = [s for s in statements if any(a.startswith("kms:") for a in _actions(s))]
    if not reads_secrets:
        assert decrypts == []
        return
    [statement] = decrypts
    assert _actions(statement) == ["kms:Decrypt"]
    assert statement["Resource"] == {"Fn::GetAtt": ["SecretsKey", "Arn"]}
    assert statement["Condition"] == {
        "StringEquals": {
            "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.${AWS::URLSuffix}"}
        }
    }


def _resources(statement: dict[str, Any]) -> list[Any]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


# Actions IAM's Service Authorization Reference lists with no resource type: they take only "*".
ACTIONS_WITHOUT_RESOURCES = {"cloudwatch:GetMetricData"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_policy_names_its_actions_and_resources(name: str) -> None:
    """checkov does not read SAM functions' inline policies: least privilege is checked here."""
    policies = FUNCTIONS[name]["Properties"].get("Policies", [])
    assert all(isinstance(policy, dict) for policy in policies)
    for statement in _statements(FUNCTIONS[name]):
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in _actions(statement))
        if set(_actions(statement)) <= ACTIONS_WITHOUT_RESOURCES:
            assert statement["Resource"] == "*"
            continue
        for resource in _resources(statement):
            assert resource != "*"
            # A wildcard only under a condition: SES identities, scoped to the From address.
            if "*" in str(resource):
                assert statement["Condition"]
