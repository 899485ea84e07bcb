"""`doctor`: every check on a stack, one failing check reported without stopping the others."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from surveys.adapters.kustomer.client import KustomerClient
from surveys.adapters.secrets import MissingSecretError
from surveys.adapters.ses_identities import ses_identities
from surveys.adapters.store.erasures import erasures
from surveys.domain.link_keys import LinkKeys
from surveys.domain.reputation import ReputationLimits
from surveys.usecases.doctor.email_checks import (
    DnsRecords,
    account_findings,
    dmarc_finding,
    domain_identity,
    email_domain,
    identity_findings,
    spf_findings,
)
from surveys.usecases.doctor.findings import Finding, Verdict
from surveys.usecases.doctor.operation_checks import (
    QueueDepth,
    kustomer_findings,
    queue_findings,
    sending_findings,
    trigger_findings,
)
from surveys.usecases.doctor.privacy_checks import erasure_finding, link_key_finding
from surveys.usecases.sending_guard import ReputationSource, SendingStatus


def _guarded(check: str, gather: Callable[[], list[Finding]]) -> list[Finding]:
    """One check that cannot be made (a missing permission, an API the account or the local
    emulator does not offer) is reported, and the others still run."""
    try:
        return gather()
    except (ClientError, BotoCoreError, MissingSecretError) as error:
        return [Finding(check, Verdict.WARN, f"could not check: {_described(error)}")]


def _described(error: Exception) -> str:
    if not isinstance(error, ClientError):
        return str(error)
    operation = error.operation_name
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "")
    # An endpoint that does not know the operation answers with an HTML page, not a message.
    if message and not message.lstrip().startswith("<"):
        return f"{operation} answered {code}: {message}"
    return f"{operation} answered {code}"


@dataclass(frozen=True)
class StackToCheck:
    """What doctor reads of a stack: its region and From address, and whom to ask."""

    region: str
    sender_address: str
    sesv2: Any
    dns: DnsRecords
    reputation: ReputationSource
    limits: ReputationLimits
    sending_status: Callable[[], SendingStatus]
    kustomer: Callable[[], KustomerClient]
    queues: Callable[[], list[QueueDepth]]
    link_keys: Callable[[], LinkKeys]


def doctor(stack: StackToCheck, now: datetime) -> list[Finding]:
    identities: dict[str, dict[str, Any]] = {}

    def identity_checks() -> list[Finding]:
        identities.update(ses_identities(stack.sesv2, stack.sender_address))
        return identity_findings(stack.sender_address, identities, stack.region)

    findings = _guarded("SES identity", identity_checks)
    findings += _guarded("SES account", lambda: account_findings(stack.sesv2.get_account()))
    findings.append(dmarc_finding(email_domain(stack.sender_address), stack.dns))
    domain = domain_identity(stack.sender_address, identities)
    mail_from = (
        (domain[1].get("MailFromAttributes") or {}).get("MailFromDomain") if domain else None
    )
    findings += spf_findings(mail_from, stack.region, stack.dns)
    findings += _guarded("Kustomer key", lambda: kustomer_findings(stack.kustomer()))
    findings += trigger_findings()
    findings += _guarded(
        "Sending",
        lambda: sending_findings(
            stack.sending_status(), stack.reputation.current(now), stack.limits
        ),
    )
    findings += _guarded("Queues", lambda: queue_findings(stack.queues()))
    findings += _guarded("Link keys", lambda: [link_key_finding(stack.link_keys())])
    findings += _guarded("Erasures", lambda: [erasure_finding(erasures())])
    return findings
