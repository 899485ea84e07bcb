"""IAM identity-based policy evaluation, for the local runtime's permission checks.

moto's own evaluator matches actions case-sensitively, compares every statement's Resource with
"*" for all but a few services, and turns an Allow whose condition does not hold into an explicit
deny; so the decision is made here, with the rules of the IAM policy evaluation logic
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
for identity-based policies of one account: an explicit Deny wins, otherwise an Allow whose
Action, Resource and Condition all match allows, otherwise the request is implicitly denied.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ConditionContext = Mapping[str, list[str]]


@dataclass(frozen=True)
class Check:
    """One authorization a request needs: an action on a resource, in a context."""

    action: str
    resource: str
    context: ConditionContext = field(default_factory=dict)
    # Set when the local runtime knows no resource for this action: "*" then only matches
    # statements whose Resource is "*".
    resource_unknown: bool = False


@dataclass(frozen=True)
class Decision:
    allowed: bool
    explicit_deny: bool = False
    # Allow statements that matched the action and resource but whose condition did not hold.
    unmet_conditions: tuple[str, ...] = ()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, *, ignore_case: bool) -> bool:
    """IAM's `*` (any run of characters) and `?` (one character); nothing else is special."""
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _matches_any(patterns: Iterable[str], value: str, *, ignore_case: bool) -> bool:
    return any(_wildcard(str(pattern), value, ignore_case=ignore_case) for pattern in patterns)


def _arn_like(pattern: str, arn: str) -> bool:
    """ArnLike compares the six colon-separated parts of an ARN one by one."""
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return False
    return all(
        fnmatch.fnmatchcase(part, expected)
        for expected, part in zip(pattern_parts, arn_parts, strict=True)
    )


def _string_like(pattern: str, value: str) -> bool:
    return _wildcard(pattern, value, ignore_case=False)


def _numeric(compare: Any) -> Any:
    def check(expected: str, actual: str) -> bool:
        try:
            return bool(compare(float(actual), float(expected)))
        except ValueError:
            return False

    return check


# Each operator: how one policy value matches one request value.
_OPERATORS: dict[str, Any] = {
    "StringEquals": lambda expected, actual: expected == actual,
    "StringEqualsIgnoreCase": lambda expected, actual: expected.lower() == actual.lower(),
    "StringLike": _string_like,
    "ArnEquals": lambda expected, actual: expected == actual,
    "ArnLike": _arn_like,
    "Bool": lambda expected, actual: expected.lower() == actual.lower(),
    "NumericEquals": _numeric(lambda a, e: a == e),
    "NumericLessThan": _numeric(lambda a, e: a < e),
    "NumericLessThanEquals": _numeric(lambda a, e: a <= e),
    "NumericGreaterThan": _numeric(lambda a, e: a > e),
    "NumericGreaterThanEquals": _numeric(lambda a, e: a >= e),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}


class UnsupportedConditionError(ValueError):
    pass


def _condition_holds(operator: str, key: str, expected: Any, context: ConditionContext) -> bool:
    present = key in context
    actual = [str(value) for value in context.get(key, [])]
    values = [
        str(value).lower() if isinstance(value, bool) else str(value)
        for value in _as_list(expected)
    ]
    if operator == "Null":
        # "true" asks that the key be absent, "false" that it be present.
        return all((value.lower() == "true") != present for value in values)
    qualifier, _, operator = operator.rpartition(":")
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    negated = operator in _NEGATED
    base = _NEGATED.get(operator, operator)
    if base not in _OPERATORS:
        raise UnsupportedConditionError(f"condition operator {operator} is not evaluated locally")
    match = _OPERATORS[base]
    if not present:
        # A missing key fails a condition, except ...IfExists, a negated operator, and
        # ForAllValues (which holds for an empty set).
        return if_exists or negated or qualifier == "ForAllValues"

    def one(actual_value: str) -> bool:
        found = any(match(value, actual_value) for value in values)
        return not found if negated else found

    if qualifier == "ForAllValues":
        return all(one(value) for value in actual)
    # Single-valued keys and ForAnyValue: any request value that matches.
    return any(one(value) for value in actual)


def _describe_condition(
    condition: Mapping[str, Mapping[str, Any]], context: ConditionContext
) -> str:
    parts = []
    for operator, keys in condition.items():
        for key, expected in keys.items():
            actual = context.get(key)
            parts.append(
                f"{operator} {key} {_as_list(expected)} "
                f"(this request: {actual if actual is not None else 'no such key'})"
            )
    return "; ".join(parts)


def _statement_applies(statement: Mapping[str, Any], check: Check) -> bool:
    if "Action" in statement:
        action_matches = _matches_any(_as_list(statement["Action"]), check.action, ignore_case=True)
    else:
        action_matches = not _matches_any(
            _as_list(statement.get("NotAction")), check.action, ignore_case=True
        )
    if not action_matches:
        return False
    if "Resource" in statement:
        return _matches_any(_as_list(statement["Resource"]), check.resource, ignore_case=False)
    return not _matches_any(
        _as_list(statement.get("NotResource")), check.resource, ignore_case=False
    )


def evaluate(documents: Iterable[Mapping[str, Any]], check: Check) -> Decision:
    allowed = False
    unmet: list[str] = []
    for document in documents:
        for index, statement in enumerate(_as_list(document.get("Statement"))):
            if not _statement_applies(statement, check):
                continue
            condition = statement.get("Condition") or {}
            holds = all(
                _condition_holds(operator, key, expected, check.context)
                for operator, keys in condition.items()
                for key, expected in keys.items()
            )
            if not holds:
                if statement.get("Effect") == "Allow":
                    name = statement.get("Sid") or f"#{index + 1}"
                    unmet.append(f"{name}: {_describe_condition(condition, check.context)}")
                continue
            if statement.get("Effect") == "Deny":
                return Decision(allowed=False, explicit_deny=True)
            allowed = True
    return Decision(allowed=allowed, unmet_conditions=() if allowed else tuple(unmet))


def denial_message(principal_arn: str, check: Check, decision: Decision) -> str:
    """Worded as IAM words it, plus what the local runtime knows of the cause."""
    reason = (
        "with an explicit deny in an identity-based policy"
        if decision.explicit_deny
        else f"because no identity-based policy allows the {check.action} action"
    )
    message = (
        f"User: {principal_arn} is not authorized to perform: {check.action} "
        f"on resource: {check.resource} {reason}"
    )
    if decision.unmet_conditions:
        message += "; statements that match but whose condition does not hold: " + " | ".join(
            decision.unmet_conditions
        )
    if check.resource_unknown:
        message += (
            " (the local runtime does not derive this action's resource, so only a statement"
            ' with Resource "*" allows it here)'
        )
    return message
