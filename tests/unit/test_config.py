"""The functions' settings as template.yaml gives them: parsed, checked, and named when wrong."""

from __future__ import annotations

import pytest

from surveys.config import VARIABLES, ConfigurationError, needed_name, settings


@pytest.fixture(autouse=True)
def _bare_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)


def test_numbers_are_read_from_the_environment_and_default_to_the_template_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert settings().quiet_hours == 48
    monkeypatch.setenv("QUIET_HOURS", "12.5")
    monkeypatch.setenv("KUSTOMER_SEARCH_LIMIT", "40")
    current = settings()
    assert current.quiet_hours == 12.5
    assert current.kustomer_search_limit == 40
    assert current.retention.days == 730


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("QUIET_HOURS", "0", "QUIET_HOURS='0' must be above 0"),
        ("QUIET_HOURS", "two days", "QUIET_HOURS='two days' is not a number"),
        ("QUIET_HOURS", "nan", "QUIET_HOURS='nan' is not a finite number"),
        ("KUSTOMER_RATE_LIMIT_SHARE", "1.5", "KUSTOMER_RATE_LIMIT_SHARE='1.5' must be at most 1"),
        ("KUSTOMER_SEARCH_LIMIT", "2.5", "KUSTOMER_SEARCH_LIMIT='2.5' is not a whole number"),
        ("PAUSE_AT_BOUNCE_RATE", "100", "PAUSE_AT_BOUNCE_RATE='100' must be below 100"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=f"invalid function environment: {problem}"):
        settings()


def test_every_bad_value_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIET_HOURS", "-1")
    monkeypatch.setenv("RETENTION_DAYS", "forever")
    with pytest.raises(ConfigurationError) as refused:
        settings()
    assert "QUIET_HOURS='-1' must be above 0" in str(refused.value)
    assert "RETENTION_DAYS='forever' is not a number" in str(refused.value)


def test_a_missing_resource_name_says_which_variable_the_function_lacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for read in (lambda: settings().need("surveys_table"), lambda: needed_name("surveys_table")):
        with pytest.raises(ConfigurationError, match="SURVEYS_TABLE is not in this function's"):
            read()
    monkeypatch.setenv("SURVEYS_TABLE", "surveys-prod")
    assert settings().need("surveys_table") == needed_name("surveys_table") == "surveys-prod"


def test_the_reputation_limits_are_percent_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigurationError, match="PAUSE_AT_BOUNCE_RATE is not in"):
        settings().reputation_limits()
    monkeypatch.setenv("PAUSE_AT_BOUNCE_RATE", "4")
    monkeypatch.setenv("PAUSE_AT_COMPLAINT_RATE", "0.08")
    limits = settings().reputation_limits()
    assert (limits.bounce_rate, limits.complaint_rate) == (0.04, 0.0008)
