"""A faithful stand-in for Kustomer's REST API, served over HTTP on loopback.

Used by the integration and end-to-end tests and by `make demo`; production code never
imports it.
"""

from local.kustomer_sim.faults import Faults
from local.kustomer_sim.seed import SeedSummary
from local.kustomer_sim.simulator import NO_RESPONSE, KustomerSimulator

__all__ = ["NO_RESPONSE", "Faults", "KustomerSimulator", "SeedSummary"]
