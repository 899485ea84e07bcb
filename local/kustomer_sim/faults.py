"""Switches that make the simulated Kustomer slow or broken, read on every request."""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass


@dataclass
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    fail_next: int = 0
    throttle_next: int = 0
    outage: bool = False
    timeout_next: int = 0
    # Requests Kustomer carries out but whose response never arrives: the client times out
    # not knowing that, say, its note was created.
    lose_response_next: int = 0
    hang_seconds: float = 30.0


class InjectedFault(enum.Enum):
    OUTAGE = 503
    HANG = 0
    # Not a status: the request is carried out, then the connection hangs like HANG.
    LOSE_RESPONSE = -1
    FAILURE = 500
    THROTTLE = 429


def take_fault(faults: Faults, rng: random.Random) -> InjectedFault | None:
    """The fault the next request suffers, consuming one of the `*_next` counters.

    Callers serialise calls so concurrent requests never consume the same counter twice.
    """
    if faults.outage:
        return InjectedFault.OUTAGE
    if faults.timeout_next > 0:
        faults.timeout_next -= 1
        return InjectedFault.HANG
    if faults.lose_response_next > 0:
        faults.lose_response_next -= 1
        return InjectedFault.LOSE_RESPONSE
    if faults.fail_next > 0:
        faults.fail_next -= 1
        return InjectedFault.FAILURE
    if faults.throttle_next > 0:
        faults.throttle_next -= 1
        return InjectedFault.THROTTLE
    if faults.error_rate > 0 and rng.random() < faults.error_rate:
        return InjectedFault.FAILURE
    return None
