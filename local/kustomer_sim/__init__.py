"""A faithful stand-in for Kustomer's REST API, served over HTTP on loopback.

Used by the integration and end-to-end tests and by `make demo`; production code never
imports it.
"""

from local.kustomer_sim.contract import (
    BASE_CONTRACTS,
    DOCUMENTED_MODES,
    MODES,
    UNFRIENDLY_MODES,
    Contract,
    Mode,
    ResetHeader,
    TeamsEndpoint,
    contract_for,
)
from local.kustomer_sim.faults import Faults
from local.kustomer_sim.seed import SeedSummary
from local.kustomer_sim.simulator import DEFAULT_CONTRACT, NO_RESPONSE, KustomerSimulator

__all__ = [
    "BASE_CONTRACTS",
    "DEFAULT_CONTRACT",
    "DOCUMENTED_MODES",
    "MODES",
    "NO_RESPONSE",
    "UNFRIENDLY_MODES",
    "Contract",
    "Faults",
    "KustomerSimulator",
    "Mode",
    "ResetHeader",
    "SeedSummary",
    "TeamsEndpoint",
    "contract_for",
]
