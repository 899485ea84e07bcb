"""The load test's size and its report. `make load` runs the full size (10,000 conversations);
`make test` runs the CI size. The size comes from `--load-size N` (given when running
`pytest tests/load`) or the LOAD_SIZE environment variable."""

from __future__ import annotations

import os

import pytest

CI_SIZE = 500
REPORT = pytest.StashKey[list[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--load-size",
        type=int,
        default=None,
        help=f"eligible conversations in the load test (default $LOAD_SIZE or {CI_SIZE})",
    )


@pytest.fixture(scope="session")
def load_size(request: pytest.FixtureRequest) -> int:
    option = request.config.getoption("--load-size", default=None)
    return int(option or os.environ.get("LOAD_SIZE") or CI_SIZE)


@pytest.fixture
def load_report(request: pytest.FixtureRequest) -> list[str]:
    """Lines printed after the test session: what the load test measured."""
    return request.config.stash.setdefault(REPORT, [])


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    lines = config.stash.get(REPORT, [])
    if lines:
        terminalreporter.section("load test")
        for line in lines:
            terminalreporter.write_line(line)
