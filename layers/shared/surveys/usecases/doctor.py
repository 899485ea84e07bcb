"""Doctor: everything a deployed stack needs for its surveys to reach the inbox, checked, with
what to fix. A finding that FAILs blocks sending; a warning costs deliverability or hides a
backlog.

The SES and DNS answers are read by plain functions (the `*_findings` below), so that each state
SES documents is tested without AWS; `doctor` gathers them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from surveys.adapters.kustomer import (
    ACCESS_CHECKS,
    KustomerAuthError,
    KustomerClient,
    KustomerError,
    KustomerUnavailableError,
)
from surveys.adapters.secrets import MissingSecretError
from surveys.domain.metrics import METRICS
from surveys.domain.reputation import Reputation, ReputationLimits, pause_reason, percent
from surveys.usecases.connect import RECOMMENDED_ROLES
from surveys.usecases.sending_guard import ReputationSource, SendingStatus
from surveys.usecases.triggers import trigger_settings


class Verdict(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    check: str
    verdict: Verdict
    detail: str
    fix: str = ""


class DnsLookupError(Exception):
    """DNS did not answer (as opposed to answering that there is no such record)."""


class DnsRecords(Protocol):
    def txt(self, name: str) -> list[str]: ...

    def mx(self, name: str) -> list[tuple[int, str]]: ...


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def _parents(domain: str) -> list[str]:
    """acme.example.com, then example.com: SES and DMARC both fall back to parent domains."""
    labels = domain.split(".")
    return [".".join(labels[index:]) for index in range(len(labels) - 1)]


# ------------------------------------------------------------------ SES identity, DKIM, MAIL FROM


def _verification(identity: dict[str, Any]) -> str:
    status = identity.get("VerificationStatus")
    if status:
        return str(status)
    return "SUCCESS" if identity.get("VerifiedForSendingStatus") else "PENDING"


def identity_findings(
    sender_address: str, identities: dict[str, dict[str, Any]], region: str
) -> list[Finding]:
    """`identities`: GetEmailIdentity's answer for each of the From address, its domain and the
    domain's parents that SES has (SES sends as the most specific one)."""
    candidates = [sender_address.lower(), *_parents(_domain(sender_address))]
    found = [(name, identities[name]) for name in candidates if name in identities]
    if not found:
        return [
            Finding(
                "SES identity",
                Verdict.FAIL,
                f"no SES identity in {region} covers {sender_address}: SES refuses to send",
                "deploy with CreateSenderIdentity=true (and confirm SES's email), or with "
                f"SenderDomain={_domain(sender_address)}",
            )
        ]
    # SES sends from the address if it, or a domain covering it, is verified.
    verified = [name for name, identity in found if _verification(identity) == "SUCCESS"]
    name, identity = found[0]
    if verified:
        kind = "address" if "@" in verified[0] else "domain"
        findings = [Finding("SES identity", Verdict.OK, f"{verified[0]} ({kind}) verified")]
    else:
        fix = (
            f"open the link SES mailed to {name} (resend it from the SES console)"
            if "@" in name
            else "add the three DKIM CNAME records (stack outputs DnsDkimRecord1 to 3); SES "
            "verifies the domain once they resolve, within 72 hours"
        )
        findings = [
            Finding(
                "SES identity",
                Verdict.FAIL,
                f"{name} is not verified ({_verification(identity)}): SES refuses to send",
                fix,
            )
        ]
    domain = _domain_identity(sender_address, identities)
    if domain is None:
        fix = f"deploy with SenderDomain={_domain(sender_address)}"
        return [
            *findings,
            Finding(
                "DKIM",
                Verdict.WARN,
                "no domain identity: SES signs as amazonses.com, not as your domain, so "
                "DKIM does not align and DMARC fails",
                fix,
            ),
            Finding(
                "MAIL FROM",
                Verdict.WARN,
                "no domain identity: bounces go to amazonses.com, so SPF does not align",
                fix,
            ),
        ]
    domain_name, domain_identity = domain
    return [
        *findings,
        dkim_finding(domain_name, domain_identity),
        mail_from_finding(domain_name, domain_identity),
    ]


def _domain_identity(
    sender_address: str, identities: dict[str, dict[str, Any]]
) -> tuple[str, dict[str, Any]] | None:
    """The most specific domain identity covering the From address: the one SES signs as."""
    for name in _parents(_domain(sender_address)):
        if name in identities:
            return name, identities[name]
    return None


_KEY_LENGTHS = {"RSA_1024_BIT": "1024-bit", "RSA_2048_BIT": "2048-bit"}


def dkim_finding(domain: str, identity: dict[str, Any]) -> Finding:
    dkim = identity.get("DkimAttributes") or {}
    status = dkim.get("Status", "NOT_STARTED")
    key = dkim.get("CurrentSigningKeyLength") or dkim.get("NextSigningKeyLength")
    length = _KEY_LENGTHS.get(str(key), "unknown-length")
    if not dkim.get("SigningEnabled"):
        return Finding(
            "DKIM",
            Verdict.WARN,
            f"signing is off for {domain}: mail is signed as amazonses.com",
            f"aws sesv2 put-email-identity-dkim-attributes --email-identity {domain} "
            "--signing-enabled",
        )
    if status != "SUCCESS":
        return Finding(
            "DKIM",
            Verdict.WARN,
            f"{domain}: DKIM is {status}, mail is not signed as your domain yet",
            "add the three DKIM CNAME records (stack outputs DnsDkimRecord1 to 3)",
        )
    if length != "2048-bit":
        return Finding(
            "DKIM",
            Verdict.WARN,
            f"signing as {domain} with {length} keys",
            f"aws sesv2 put-email-identity-dkim-signing-attributes --email-identity {domain} "
            "--signing-attributes-origin AWS_SES "
            "--signing-attributes NextSigningKeyLength=RSA_2048_BIT",
        )
    return Finding("DKIM", Verdict.OK, f"signing as {domain} with {length} keys")


def mail_from_finding(domain: str, identity: dict[str, Any]) -> Finding:
    mail_from = identity.get("MailFromAttributes") or {}
    name = mail_from.get("MailFromDomain")
    if not name:
        return Finding(
            "MAIL FROM",
            Verdict.WARN,
            f"{domain} has no custom MAIL FROM domain: SPF passes for amazonses.com only",
            "deploy with SenderDomain, which sets MailFromSubdomain.SenderDomain, or set one on "
            "the identity in the SES console",
        )
    status = mail_from.get("MailFromDomainStatus", "PENDING")
    if status == "SUCCESS":
        return Finding("MAIL FROM", Verdict.OK, f"{name} in use")
    rejects = mail_from.get("BehaviorOnMxFailure") == "REJECT_MESSAGE"
    return Finding(
        "MAIL FROM",
        Verdict.FAIL if rejects else Verdict.WARN,
        f"{name} is {status}: "
        + ("SES refuses to send" if rejects else "SES sends from amazonses.com meanwhile"),
        "add its MX and SPF records (stack outputs DnsMailFromMxRecord, DnsMailFromSpfRecord)",
    )


# ------------------------------------------------------------------ SES account


def account_findings(account: dict[str, Any]) -> list[Finding]:
    """SES v2 GetAccount's answer: sandbox or production, whether the account may send, SES's
    enforcement status and the sending quota."""
    findings = []
    if not account.get("ProductionAccessEnabled"):
        findings.append(
            Finding(
                "SES production access",
                Verdict.FAIL,
                "the account is in the SES sandbox: SES delivers only to verified addresses, "
                "not to your customers",
                "request production access (SES console, Account dashboard)",
            )
        )
    else:
        findings.append(Finding("SES production access", Verdict.OK, "granted"))
    enforcement = str(account.get("EnforcementStatus", "HEALTHY"))
    if not account.get("SendingEnabled", True) or enforcement == "SHUTDOWN":
        findings.append(
            Finding(
                "SES sending",
                Verdict.FAIL,
                f"SES has paused the account's sending (enforcement status {enforcement})",
                "see SES's notice to the account's contact; docs/runbook.md, ses-bounce-rate",
            )
        )
    elif enforcement == "PROBATION":
        findings.append(
            Finding(
                "SES sending",
                Verdict.WARN,
                "the account is under review (PROBATION)",
                "docs/runbook.md, ses-bounce-rate and ses-complaint-rate",
            )
        )
    else:
        findings.append(Finding("SES sending", Verdict.OK, f"enabled ({enforcement})"))
    quota = account.get("SendQuota") or {}
    sent, limit = float(quota.get("SentLast24Hours", 0)), float(quota.get("Max24HourSend", 0))
    detail = (
        f"{sent:,.0f} of {limit:,.0f} emails sent in the last 24 hours, "
        f"at most {float(quota.get('MaxSendRate', 0)):,.0f} a second"
    )
    if limit and sent >= limit:
        findings.append(
            Finding(
                "SES quota",
                Verdict.FAIL,
                f"{detail}: used up",
                "request a higher quota (Service Quotas, SES)",
            )
        )
    elif limit and sent >= 0.8 * limit:
        findings.append(Finding("SES quota", Verdict.WARN, detail, "request a higher quota"))
    else:
        findings.append(Finding("SES quota", Verdict.OK, detail))
    return findings


# ------------------------------------------------------------------ DNS


def dmarc_finding(from_domain: str, dns: DnsRecords) -> Finding:
    """DMARC of the From domain, or of a parent: receivers fall back to the organizational
    domain's record."""
    for name in _parents(from_domain):
        try:
            records = [text for text in dns.txt(f"_dmarc.{name}") if text.startswith("v=DMARC1")]
        except DnsLookupError as error:
            return Finding("DMARC", Verdict.WARN, f"could not look up _dmarc.{name}: {error}")
        if len(records) > 1:
            return Finding(
                "DMARC",
                Verdict.WARN,
                f"_dmarc.{name} has {len(records)} DMARC records: receivers ignore them all",
                "keep one",
            )
        if records:
            tags = dict(part.strip().split("=", 1) for part in records[0].split(";") if "=" in part)
            return Finding("DMARC", Verdict.OK, f"_dmarc.{name}: p={tags.get('p', '?')}")
    return Finding(
        "DMARC",
        Verdict.WARN,
        f"no DMARC record for {from_domain}: Gmail and Yahoo require one of bulk senders",
        f'add _dmarc.{from_domain} TXT "v=DMARC1; p=none" (stack output DnsDmarcRecord)',
    )


def spf_findings(mail_from_domain: str | None, region: str, dns: DnsRecords) -> list[Finding]:
    """The custom MAIL FROM domain's MX (where receivers send bounces) and SPF records."""
    if not mail_from_domain:
        return []
    findings = []
    feedback = f"feedback-smtp.{region}.amazonses.com"
    try:
        mx = [host.rstrip(".").lower() for _, host in dns.mx(mail_from_domain)]
        spf = [text for text in dns.txt(mail_from_domain) if text.startswith("v=spf1")]
    except DnsLookupError as error:
        return [Finding("SPF", Verdict.WARN, f"could not look up {mail_from_domain}: {error}")]
    if feedback in mx:
        findings.append(Finding("MAIL FROM MX", Verdict.OK, f"{mail_from_domain} MX {feedback}"))
    else:
        findings.append(
            Finding(
                "MAIL FROM MX",
                Verdict.WARN,
                f"{mail_from_domain} has no MX {feedback}",
                "add the stack output DnsMailFromMxRecord",
            )
        )
    if any("include:amazonses.com" in record.split() for record in spf) and len(spf) == 1:
        findings.append(Finding("SPF", Verdict.OK, f"{mail_from_domain}: {spf[0]}"))
    else:
        findings.append(
            Finding(
                "SPF",
                Verdict.WARN,
                f"{mail_from_domain}: "
                + (f"{len(spf)} SPF records" if len(spf) > 1 else "no SPF record for SES")
                + ", so SPF fails",
                "one TXT record: the stack output DnsMailFromSpfRecord",
            )
        )
    return findings


# ------------------------------------------------------------------ Kustomer, triggers, sending


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
    active = [key for key in METRICS if trigger_settings(key).active]
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


# ------------------------------------------------------------------ all of it


def ses_identities(sesv2: Any, sender_address: str) -> dict[str, dict[str, Any]]:
    """GetEmailIdentity for the From address, its domain and the domain's parents."""
    found = {}
    for name in [sender_address.lower(), *_parents(_domain(sender_address))]:
        try:
            found[name] = sesv2.get_email_identity(EmailIdentity=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NotFoundException":
                raise
    return found


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


def doctor(stack: StackToCheck, now: datetime) -> list[Finding]:
    identities: dict[str, dict[str, Any]] = {}

    def identity_checks() -> list[Finding]:
        identities.update(ses_identities(stack.sesv2, stack.sender_address))
        return identity_findings(stack.sender_address, identities, stack.region)

    findings = _guarded("SES identity", identity_checks)
    findings += _guarded("SES account", lambda: account_findings(stack.sesv2.get_account()))
    findings.append(dmarc_finding(_domain(stack.sender_address), stack.dns))
    domain = _domain_identity(stack.sender_address, identities)
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
    return findings
