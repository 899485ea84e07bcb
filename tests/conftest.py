"""Fixtures shared by the integration and end-to-end tests: the simulator and the runtime."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from local.kustomer_sim import KustomerSimulator
from local.runtime import iam
from local.runtime.runtime import LocalRuntime, RuntimeOptions

# In Lambda the handlers' decorators publish the metrics after every invocation. Tests that call
# the shared layer directly never do, and Powertools would publish on its own (and fail for want
# of a namespace) once one metric holds 100 values.
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

SIMULATOR_KEY = "test-simulator-key"
TEST_PARAMETERS = {
    "SenderAddress": "surveys@acme.example.com",
    "SenderName": "Acme Support",
    "CompanyName": "Acme",
    "LogLevel": "WARNING",
}


@pytest.fixture(autouse=True)
def nothing_refused_by_iam() -> Iterator[None]:
    """Every test runs with each function's template role enforced: a call its policy does not
    allow fails the test, even where the code under test retries or reports it and goes on."""
    iam.denials.clear()
    yield
    refused = iam.denials.messages()
    assert not refused, "AWS calls template.yaml does not allow:\n" + "\n".join(refused)


@pytest.fixture
def simulator() -> Iterator[KustomerSimulator]:
    sim = KustomerSimulator(api_key=SIMULATOR_KEY)
    sim.start()
    for metric in ("ces", "csat", "nps"):
        sim.define_custom_attribute(f"{metric}ScoreNum")
        sim.define_custom_attribute(f"{metric}CommentTxt")
        sim.define_custom_attribute(f"{metric}ReasonStr")
    yield sim
    sim.stop()


def start_runtime(simulator: KustomerSimulator, **parameters: str) -> LocalRuntime:
    """A runtime on the simulator with the CES trigger activated now, as an admin would."""
    local = LocalRuntime(
        RuntimeOptions(
            kustomer_api_key=SIMULATOR_KEY,
            parameters={**TEST_PARAMETERS, "KustomerOrgUrl": simulator.base_url, **parameters},
        )
    ).start()
    local.set_trigger("ces")
    return local


@pytest.fixture
def runtime(simulator: KustomerSimulator) -> Iterator[LocalRuntime]:
    """The runtime with a 30-day backfill, so conversations seeded in the past are due."""
    local = start_runtime(simulator, BackfillHours="720")
    yield local
    local.stop()


@contextmanager
def function_environment(runtime: LocalRuntime, logical_id: str) -> Iterator[None]:
    """Run shared-layer code directly with the environment template.yaml gives a function."""
    saved = dict(os.environ)
    os.environ.update(runtime.environment(logical_id))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
