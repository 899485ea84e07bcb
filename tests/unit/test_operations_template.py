"""The dashboard and alarms in template.yaml read metrics the functions publish, and every alarm
reaches a person with a runbook section to follow."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from local.runtime.template import REPO_ROOT, load_template, resources_of_type
from surveys.observability import MetricName

TEMPLATE = load_template()
ALARMS = resources_of_type(TEMPLATE, "AWS::CloudWatch::Alarm")
RUNBOOK = (REPO_ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")
NAMESPACE = "KustomerSurveys/${AWS::StackName}"


def _dashboard_body() -> dict[str, Any]:
    (dashboard,) = resources_of_type(TEMPLATE, "AWS::CloudWatch::Dashboard").values()
    text = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    # CloudFormation fills in ${...} before CloudWatch reads the JSON; any value will do here, a
    # number where it stands for one (a parameter as an annotation's value).
    numbers_filled = re.sub(r"(?<=\"value\": )\$\{\w+\}", "0", text)
    return dict(json.loads(re.sub(r"\$\{[^}]+\}", "X", numbers_filled)))


def _sub_text(value: Any) -> str:
    return value["Fn::Sub"] if isinstance(value, dict) else str(value)


def _alarm_metrics(alarm: dict[str, Any]) -> list[tuple[str, str]]:
    """(namespace, metric name) of everything an alarm reads."""
    properties = alarm["Properties"]
    if "MetricName" in properties:
        return [(_sub_text(properties["Namespace"]), properties["MetricName"])]
    return [
        (
            _sub_text(query["MetricStat"]["Metric"]["Namespace"]),
            query["MetricStat"]["Metric"]["MetricName"],
        )
        for query in properties["Metrics"]
        if "MetricStat" in query
    ]


def test_the_functions_publish_their_metrics_per_stack_namespace():
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == {"Fn::Sub": NAMESPACE}


@pytest.mark.parametrize("name", sorted(ALARMS))
def test_every_alarm_notifies_the_topic_and_links_its_runbook_section(name):
    properties = ALARMS[name]["Properties"]
    anchor = properties["AlarmName"]["Fn::Sub"].removeprefix("${AWS::StackName}-")

    assert {"Ref": "AlarmTopic"} in properties["AlarmActions"]
    assert f"Runbook: docs/runbook.md#{anchor}" in properties["AlarmDescription"]
    assert f"\n## {anchor}\n" in RUNBOOK
    assert "**What to do.**" in RUNBOOK.split(f"\n## {anchor}\n", 1)[1].split("\n## ", 1)[0]


def test_alarms_read_only_metrics_the_functions_publish():
    custom = {
        metric
        for alarm in ALARMS.values()
        for namespace, metric in _alarm_metrics(alarm)
        if namespace == NAMESPACE
    }
    assert custom == {"ScanLag", "KustomerAuthFailures", "WritebacksStillFailing", "SendingPaused"}
    assert custom <= set(MetricName)


def test_the_dashboard_reads_only_metrics_the_functions_publish():
    source = json.dumps(_dashboard_body())
    named = set(re.findall(r'MetricName=\\"(\w+)\\"', source))
    named |= {
        row[1]
        for widget in _dashboard_body()["widgets"]
        for row in widget["properties"].get("metrics", [])
        if isinstance(row[0], str) and row[0] == "KustomerSurveys/X"
    }
    assert named <= set(MetricName), named - set(MetricName)
    assert {"SurveysSent", "RatingsRecorded", "WritebacksDone", "ScanLag"} <= named


def test_the_dashboard_shows_the_state_of_every_alarm():
    (alarm_widget,) = [w for w in _dashboard_body()["widgets"] if w["type"] == "alarm"]
    (dashboard,) = resources_of_type(TEMPLATE, "AWS::CloudWatch::Dashboard").values()
    listed = set(
        re.findall(r"\$\{(\w+)\.Arn\}", dashboard["Properties"]["DashboardBody"]["Fn::Sub"])
    )

    assert len(alarm_widget["properties"]["alarms"]) == len(ALARMS)
    assert listed == set(ALARMS)


def test_alarm_email_is_optional():
    assert TEMPLATE["Parameters"]["AlarmEmail"]["Default"] == ""
    subscription = TEMPLATE["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"


def test_ses_reputation_alarms_fire_where_ses_puts_the_account_under_review():
    """SES's documented review levels: a 5 % bounce and a 0.1 % complaint rate, published as
    fractions in AWS/SES for the whole account."""
    reputation = {
        alarm["Properties"]["MetricName"]: alarm["Properties"]
        for alarm in ALARMS.values()
        if alarm["Properties"].get("Namespace") == "AWS/SES"
    }

    assert reputation["Reputation.BounceRate"]["Threshold"] == 0.05
    assert reputation["Reputation.ComplaintRate"]["Threshold"] == 0.001
    for properties in reputation.values():
        assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert "Dimensions" not in properties  # the account's rate, the one SES acts on


def test_the_sender_pauses_below_ses_review_levels_by_default():
    parameters = TEMPLATE["Parameters"]
    assert parameters["PauseAtBounceRate"]["Default"] < 5
    assert parameters["PauseAtComplaintRate"]["Default"] < 0.1
    # Nor can it be set to wait for SES's own pause of the whole account.
    assert parameters["PauseAtBounceRate"]["MaxValue"] < 10
    assert parameters["PauseAtComplaintRate"]["MaxValue"] < 0.5
    sender = TEMPLATE["Resources"]["SenderFunction"]["Properties"]["Environment"]["Variables"]
    assert sender["PAUSE_AT_BOUNCE_RATE"] == {"Ref": "PauseAtBounceRate"}
    assert sender["PAUSE_AT_COMPLAINT_RATE"] == {"Ref": "PauseAtComplaintRate"}


def test_the_configuration_set_publishes_the_surveys_own_reputation():
    (configuration_set,) = resources_of_type(TEMPLATE, "AWS::SES::ConfigurationSet").values()
    reputation = configuration_set["Properties"]["ReputationOptions"]
    assert reputation == {"ReputationMetricsEnabled": True}
    source = json.dumps(_dashboard_body())
    assert "Reputation.BounceRate" in source and "Reputation.ComplaintRate" in source
    assert "ses:configuration-set" in source
