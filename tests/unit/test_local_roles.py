"""The local runtime gives each function the role SAM would create for it on deploy."""

from __future__ import annotations

from local.runtime.policies import Check, evaluate
from local.runtime.roles import ExecutionRole, execution_roles
from local.runtime.template import LocalNames, TemplateResolver

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:local-Queue"
PSEUDO = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "local",
    "AWS::URLSuffix": "amazonaws.com",
}


def _role_of(function: dict[str, object]) -> ExecutionRole:
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue"},
            "Worker": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Runtime": "python3.13",
                    "Handler": "app.lambda_handler",
                    "CodeUri": "functions/worker/",
                    **function,
                },
            },
        },
    }
    names = LocalNames(
        refs={"Queue": "http://127.0.0.1/123456789012/local-Queue"},
        attributes={("Queue", "Arn"): QUEUE_ARN, ("Queue", "QueueName"): "local-Queue"},
    )
    (role,) = execution_roles(TemplateResolver(template, {}, names, PSEUDO), "us-east-1")
    return role


def test_a_sam_policy_template_is_expanded_from_sams_definition() -> None:
    role = _role_of(
        {
            "Policies": [
                {"SQSSendMessagePolicy": {"QueueName": {"Fn::GetAtt": ["Queue", "QueueName"]}}}
            ]
        }
    )
    documents = list(role.inline_policies.values())
    assert evaluate(documents, Check("sqs:SendMessage", QUEUE_ARN)).allowed
    assert not evaluate(documents, Check("sqs:SendMessage", QUEUE_ARN + "-other")).allowed
    assert not evaluate(documents, Check("sqs:ReceiveMessage", QUEUE_ARN)).allowed


def test_an_event_source_brings_the_managed_policy_sam_attaches_for_it() -> None:
    role = _role_of(
        {
            "Events": {
                "Work": {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": ["Queue", "Arn"]}}}
            }
        }
    )
    assert role.managed_policy_arns == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
    ]
    assert role.trust_policy["Statement"][0]["Principal"] == {"Service": ["lambda.amazonaws.com"]}
