"""Whether the surveys run: the stored Kustomer key against every call they make, the triggers,
the sender's pause and the queues."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from surveys.adapters.kustomer.client import KustomerClient
from surveys.adapters.kustomer.errors import (
    KustomerAuthError,
    KustomerError,
    KustomerUnavailableError,
)
from surveys.adapters.kustomer.permissions import ACCESS_CHECKS
from surveys.domain.reputation import Reputation, ReputationLimits, pause_reason, percent
from surveys.usecases.connect import RECOMMENDED_ROLES
from surveys.usecases.doctor.findings import Finding, Verdict
from surveys.usecases.sending_guard import SendingStatus
from surveys.usecases.triggers import active_triggers


def kustomer_findings(client: KustomerClient) -> list[Finding]:
    """The stored key against every call the surveys make, as `surveys connect` checks it."""
    try:
        identity = client.api_key_identity()
        denied = [check for check in ACCESS_CHECKS if not client.allows(check)]
    except KustomerAuthError as error:
        return [
            Finding(
                "Kustomer key",
                Verdict.FAIL,
                f"Kustomer refused the stored key ({error.status})",
                "surveys connect (with a key that has the roles " + ", ".join(RECOMMENDED_ROLES),
            )
        ]
    except KustomerUnavailableError as error:
        return [Finding("Kustomer key", Verdict.WARN, f"Kustomer did not answer: {error}")]
    except KustomerError as error:
        return [Finding("Kustomer key", Verdict.WARN, f"could not check the key: {error}")]
    held = f"roles {', '.join(identity.roles)}; " if identity else ""
    if denied:
        return [
            Finding(
                "Kustomer key",
                Verdict.FAIL,
                held
                + "refused: "
                + "; ".join(f"{check.call} needs {check.required_roles}" for check in denied),
                "give the key these roles, or run surveys connect with a key that has "
                + ", ".join(RECOMMENDED_ROLES),
            )
        ]
    return [
        Finding(
            "Kustomer key",
            Verdict.OK,
            f"{held}every call the surveys make is allowed ({len(ACCESS_CHECKS)} checked)",
        )
    ]


def trigger_findings() -> list[Finding]:
    active = [program.name for program in active_triggers()]
    if not active:
        return [
            Finding(
                "Triggers",
                Verdict.FAIL,
                "no trigger is active: no survey is sent",
                "surveys trigger activate ces (or csat, nps)",
            )
        ]
    return [Finding("Triggers", Verdict.OK, f"active: {', '.join(active)}")]


def sending_findings(
    status: SendingStatus, reputation: Reputation, limits: ReputationLimits
) -> list[Finding]:
    rates = (
        f"bounce {percent(reputation.bounce_rate)} (pauses at {percent(limits.bounce_rate)}), "
        f"complaint {percent(reputation.complaint_rate)} "
        f"(pauses at {percent(limits.complaint_rate)})"
    )
    if status.paused and status.paused_at is not None:
        return [
            Finding(
                "Sending",
                Verdict.FAIL,
                f"paused since {status.paused_at:%Y-%m-%d %H:%M} UTC: {status.reason}; now {rates}",
                "find the cause (docs/runbook.md, sending-paused), then surveys sending resume",
            )
        ]
    over = pause_reason(reputation, limits, status.tolerated)
    if over:
        return [
            Finding(
                "Sending",
                Verdict.FAIL,
                f"{over}: the sender pauses at its next survey",
                "docs/runbook.md, ses-bounce-rate and ses-complaint-rate",
            )
        ]
    return [Finding("Sending", Verdict.OK, f"not paused; SES reputation: {rates}")]


@dataclass(frozen=True)
class QueueDepth:
    name: str
    waiting: int
    delayed: int
    in_flight: int
    # What to do when a dead-letter queue holds messages; empty for the survey queue.
    dead_letter_fix: str = ""


def queue_findings(queues: Sequence[QueueDepth]) -> list[Finding]:
    findings = []
    for queue in queues:
        total = queue.waiting + queue.delayed + queue.in_flight
        if queue.dead_letter_fix:
            if total:
                findings.append(
                    Finding(queue.name, Verdict.WARN, f"{total} waiting", queue.dead_letter_fix)
                )
            else:
                findings.append(Finding(queue.name, Verdict.OK, "empty"))
        else:
            findings.append(
                Finding(
                    queue.name,
                    Verdict.OK,
                    f"{queue.waiting} waiting, {queue.in_flight} being sent, {queue.delayed} "
                    "delayed (send windows, or the pause)",
                )
            )
    return findings
