"""The local runtime's IAM decisions follow IAM's rules for identity-based policies."""

from __future__ import annotations

from typing import Any

from local.runtime.policies import Check, denial_message, evaluate

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/local-SurveysTable"
IDENTITY = "arn:aws:ses:us-east-1:123456789012:identity/surveys@acme.example.com"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_actions_match_without_regard_to_case_and_resources_with_wildcards() -> None:
    policy = _policy(
        {"Effect": "Allow", "Action": "DynamoDB:getitem", "Resource": TABLE.replace("local", "*")}
    )
    assert evaluate([policy], Check("dynamodb:GetItem", TABLE)).allowed
    assert not evaluate([policy], Check("dynamodb:PutItem", TABLE)).allowed
    assert not evaluate([policy], Check("dynamodb:GetItem", TABLE + "/index/by-date")).allowed


def test_a_statement_scoped_to_a_resource_does_not_allow_an_unknown_one() -> None:
    policy = _policy({"Effect": "Allow", "Action": "sqs:*", "Resource": TABLE})
    assert not evaluate([policy], Check("sqs:SendMessage", "*", resource_unknown=True)).allowed


def test_an_explicit_deny_in_any_policy_wins() -> None:
    allow = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
    deny = _policy({"Effect": "Deny", "NotAction": "dynamodb:GetItem", "Resource": TABLE})
    decision = evaluate([allow, deny], Check("dynamodb:DeleteItem", TABLE))
    assert not decision.allowed and decision.explicit_deny
    assert evaluate([allow, deny], Check("dynamodb:GetItem", TABLE)).allowed


def test_an_allow_whose_condition_fails_denies_implicitly_and_is_named() -> None:
    policy = _policy(
        {
            "Sid": "SendAsSenderAddress",
            "Effect": "Allow",
            "Action": "ses:SendRawEmail",
            "Resource": IDENTITY,
            "Condition": {"StringEquals": {"ses:FromAddress": "surveys@acme.example.com"}},
        }
    )
    right = Check("ses:SendRawEmail", IDENTITY, {"ses:FromAddress": ["surveys@acme.example.com"]})
    wrong = Check("ses:SendRawEmail", IDENTITY, {"ses:FromAddress": ["ceo@acme.example.com"]})
    assert evaluate([policy], right).allowed
    decision = evaluate([policy], wrong)
    assert not decision.allowed and not decision.explicit_deny
    message = denial_message("arn:aws:sts::123456789012:assumed-role/r/s", wrong, decision)
    assert "not authorized to perform: ses:SendRawEmail on resource: " + IDENTITY in message
    assert "SendAsSenderAddress" in message and "ceo@acme.example.com" in message


def test_a_missing_condition_key_fails_positive_operators_only() -> None:
    def allowed(condition: dict[str, Any]) -> bool:
        policy = _policy(
            {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}
        )
        return evaluate([policy], Check("kms:Decrypt", "*")).allowed

    assert not allowed(
        {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
    )
    assert allowed({"StringNotEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}})
    assert allowed({"StringEqualsIfExists": {"kms:ViaService": "x"}})
    assert allowed({"Null": {"kms:ViaService": "true"}})
    assert not allowed({"Null": {"kms:ViaService": "false"}})


def test_multivalued_keys_use_the_set_operators() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "ses:SendRawEmail",
            "Resource": "*",
            "Condition": {"ForAllValues:StringLike": {"ses:Recipients": "*@example.com"}},
        }
    )

    def to(*recipients: str) -> Check:
        return Check("ses:SendRawEmail", IDENTITY, {"ses:Recipients": list(recipients)})

    assert evaluate([policy], to("a@example.com", "b@example.com")).allowed
    assert not evaluate([policy], to("a@example.com", "b@elsewhere.org")).allowed
