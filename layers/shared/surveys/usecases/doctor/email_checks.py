"""Whether survey emails can reach the inbox: the SES identity, DKIM and MAIL FROM, the SES
account (sandbox, enforcement, quota), and the DMARC and SPF records in DNS. Each reads an
answer as SES or DNS gives it, so every documented state is tested without AWS."""

from __future__ import annotations

from typing import Any, Protocol

from surveys.adapters.ses_identities import email_domain, parent_domains
from surveys.usecases.doctor.findings import Finding, Verdict


class DnsLookupError(Exception):
    """DNS did not answer (as opposed to answering that there is no such record)."""


class DnsRecords(Protocol):
    def txt(self, name: str) -> list[str]: ...

    def mx(self, name: str) -> list[tuple[int, str]]: ...


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
    candidates = [sender_address.lower(), *parent_domains(email_domain(sender_address))]
    found = [(name, identities[name]) for name in candidates if name in identities]
    if not found:
        return [
            Finding(
                "SES identity",
                Verdict.FAIL,
                f"no SES identity in {region} covers {sender_address}: SES refuses to send",
                "deploy with CreateSenderIdentity=true (and confirm SES's email), or with "
                f"SenderDomain={email_domain(sender_address)}",
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
    domain = domain_identity(sender_address, identities)
    if domain is None:
        fix = f"deploy with SenderDomain={email_domain(sender_address)}"
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
    domain_name, identity_of_domain = domain
    return [
        *findings,
        dkim_finding(domain_name, identity_of_domain),
        mail_from_finding(domain_name, identity_of_domain),
    ]


def domain_identity(
    sender_address: str, identities: dict[str, dict[str, Any]]
) -> tuple[str, dict[str, Any]] | None:
    """The most specific domain identity covering the From address: the one SES signs as."""
    for name in parent_domains(email_domain(sender_address)):
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
    for name in parent_domains(from_domain):
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
