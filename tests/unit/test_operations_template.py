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
    # CloudFormation fills in ${...} before CloudWatch reads the JSON; any value will do here.
    return dict(json.loads(re.sub(r"\$\{[^}]+\}", "X", text)))


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
    assert custom == {"ScanLag", "KustomerAuthFailures", "WritebacksStillFailing"}
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
