"""What `surveys doctor` makes of SES's and DNS's answers, for each state they document.

The SES answers have the shapes of SES v2's GetEmailIdentity and GetAccount (API reference);
the DNS answers are real dnspython records from a stand-in resolver."""

from __future__ import annotations

from datetime import UTC, datetime

import dns.exception
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import pytest

from cli.dns_records import DnsPythonRecords
from surveys.domain.reputation import Reputation, ReputationLimits
from surveys.usecases.doctor.email_checks import (
    DnsLookupError,
    account_findings,
    dkim_finding,
    dmarc_finding,
    identity_findings,
    mail_from_finding,
    spf_findings,
)
from surveys.usecases.doctor.findings import Finding, Verdict
from surveys.usecases.doctor.operation_checks import QueueDepth, queue_findings, sending_findings
from surveys.usecases.sending_guard import SendingStatus
from tests.dns_stub import StubDns

SENDER = "surveys@support.acme.com"
VERIFIED_DOMAIN = {
    "IdentityType": "DOMAIN",
    "VerificationStatus": "SUCCESS",
    "DkimAttributes": {
        "SigningEnabled": True,
        "Status": "SUCCESS",
        "CurrentSigningKeyLength": "RSA_2048_BIT",
        "NextSigningKeyLength": "RSA_2048_BIT",
    },
    "MailFromAttributes": {
        "MailFromDomain": "bounce.acme.com",
        "MailFromDomainStatus": "SUCCESS",
        "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
    },
}
PENDING_ADDRESS = {"IdentityType": "EMAIL_ADDRESS", "VerificationStatus": "PENDING"}
VERIFIED_ADDRESS = {"IdentityType": "EMAIL_ADDRESS", "VerificationStatus": "SUCCESS"}


def verdicts(findings: list[Finding]) -> dict[str, Verdict]:
    return {finding.check: finding.verdict for finding in findings}


# --- SES identity -------------------------------------------------------------------------------


def test_no_identity_covering_the_sender_blocks_sending() -> None:
    [finding] = identity_findings(SENDER, {}, "eu-central-1")

    assert finding.verdict is Verdict.FAIL
    assert "no SES identity in eu-central-1 covers surveys@support.acme.com" in finding.detail
    assert "SenderDomain=support.acme.com" in finding.fix


def test_a_verified_parent_domain_covers_the_address_and_signs_it() -> None:
    findings = identity_findings(SENDER, {"acme.com": VERIFIED_DOMAIN}, "eu-central-1")

    assert verdicts(findings) == {
        "SES identity": Verdict.OK,
        "DKIM": Verdict.OK,
        "MAIL FROM": Verdict.OK,
    }
    assert findings[1].detail == "signing as acme.com with 2048-bit keys"


def test_a_verified_domain_covers_an_address_identity_still_pending() -> None:
    identities = {SENDER: PENDING_ADDRESS, "support.acme.com": VERIFIED_DOMAIN}

    findings = identity_findings(SENDER, identities, "eu-central-1")

    assert findings[0] == Finding("SES identity", Verdict.OK, "support.acme.com (domain) verified")


def test_an_unconfirmed_address_blocks_sending_and_says_to_open_ses_s_email() -> None:
    [identity, dkim, mail_from] = identity_findings(
        SENDER, {SENDER: PENDING_ADDRESS}, "eu-central-1"
    )

    assert identity.verdict is Verdict.FAIL
    assert "open the link SES mailed to surveys@support.acme.com" in identity.fix
    assert (dkim.verdict, mail_from.verdict) == (Verdict.WARN, Verdict.WARN)
    assert "DMARC fails" in dkim.detail
    assert dkim.fix == "deploy with SenderDomain=support.acme.com"


def test_a_domain_whose_dkim_records_are_missing_is_not_verified_yet() -> None:
    pending = {
        **VERIFIED_DOMAIN,
        "VerificationStatus": "PENDING",
        "DkimAttributes": {**VERIFIED_DOMAIN["DkimAttributes"], "Status": "PENDING"},
    }

    identity, dkim, _ = identity_findings(SENDER, {"acme.com": pending}, "eu-central-1")

    assert identity.verdict is Verdict.FAIL
    assert "DnsDkimRecord1 to 3" in identity.fix
    assert dkim.verdict is Verdict.WARN
    assert "DKIM is PENDING" in dkim.detail


@pytest.mark.parametrize(
    ("dkim", "verdict", "says"),
    [
        ({"SigningEnabled": False, "Status": "SUCCESS"}, Verdict.WARN, "signing is off"),
        (
            {
                "SigningEnabled": True,
                "Status": "SUCCESS",
                "CurrentSigningKeyLength": "RSA_1024_BIT",
            },
            Verdict.WARN,
            "1024-bit keys",
        ),
        ({"SigningEnabled": True, "Status": "TEMPORARY_FAILURE"}, Verdict.WARN, "TEMPORARY_FAIL"),
    ],
)
def test_dkim_that_does_not_sign_as_the_domain_with_2048_bit_keys_is_a_warning(
    dkim: dict[str, object], verdict: Verdict, says: str
) -> None:
    finding = dkim_finding("acme.com", {"DkimAttributes": dkim})

    assert finding.verdict is verdict
    assert says in finding.detail


@pytest.mark.parametrize(
    ("attributes", "verdict"),
    [
        ({"MailFromDomain": "bounce.acme.com", "MailFromDomainStatus": "PENDING"}, Verdict.WARN),
        (
            {
                "MailFromDomain": "bounce.acme.com",
                "MailFromDomainStatus": "FAILED",
                "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
            },
            Verdict.WARN,
        ),
        (
            {
                "MailFromDomain": "bounce.acme.com",
                "MailFromDomainStatus": "FAILED",
                "BehaviorOnMxFailure": "REJECT_MESSAGE",
            },
            Verdict.FAIL,
        ),
    ],
    ids=["pending", "failed-falls-back", "failed-rejects"],
)
def test_a_mail_from_domain_without_its_mx_record(
    attributes: dict[str, str], verdict: Verdict
) -> None:
    finding = mail_from_finding("acme.com", {"MailFromAttributes": attributes})

    assert finding.verdict is verdict
    assert "DnsMailFromMxRecord" in finding.fix


# --- SES account --------------------------------------------------------------------------------


def account(**changes: object) -> dict[str, object]:
    return {
        "ProductionAccessEnabled": True,
        "SendingEnabled": True,
        "EnforcementStatus": "HEALTHY",
        "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 1200.0},
        **changes,
    }


def test_a_production_account_in_good_standing() -> None:
    findings = account_findings(account())

    assert verdicts(findings) == {
        "SES production access": Verdict.OK,
        "SES sending": Verdict.OK,
        "SES quota": Verdict.OK,
    }
    assert findings[2].detail == (
        "1,200 of 50,000 emails sent in the last 24 hours, at most 14 a second"
    )


@pytest.mark.parametrize(
    ("changes", "check", "verdict"),
    [
        ({"ProductionAccessEnabled": False}, "SES production access", Verdict.FAIL),
        ({"EnforcementStatus": "PROBATION"}, "SES sending", Verdict.WARN),
        ({"EnforcementStatus": "SHUTDOWN", "SendingEnabled": False}, "SES sending", Verdict.FAIL),
        ({"SendingEnabled": False}, "SES sending", Verdict.FAIL),
        (
            {"SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 200.0}},
            "SES quota",
            Verdict.FAIL,
        ),
        (
            {"SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 170.0}},
            "SES quota",
            Verdict.WARN,
        ),
    ],
    ids=["sandbox", "under-review", "shut-down", "sending-disabled", "quota-used", "quota-85%"],
)
def test_what_stops_or_threatens_sending_at_the_account(
    changes: dict[str, object], check: str, verdict: Verdict
) -> None:
    assert verdicts(account_findings(account(**changes)))[check] is verdict


# --- DNS ----------------------------------------------------------------------------------------


def test_dmarc_at_the_from_domain_or_at_its_organizational_domain() -> None:
    at_domain = StubDns(txt={"_dmarc.support.acme.com": ["v=DMARC1; p=quarantine; rua=x"]})
    at_parent = StubDns(txt={"_dmarc.acme.com": ["v=DMARC1; p=none"]})

    assert dmarc_finding("support.acme.com", at_domain) == Finding(
        "DMARC", Verdict.OK, "_dmarc.support.acme.com: p=quarantine"
    )
    assert dmarc_finding("support.acme.com", at_parent).detail == "_dmarc.acme.com: p=none"


@pytest.mark.parametrize(
    ("dns_records", "says"),
    [
        (StubDns(txt={"_dmarc.acme.com": ["google-site-verification=x"]}), "no DMARC record"),
        (StubDns(txt={"_dmarc.acme.com": ["v=DMARC1; p=none", "v=DMARC1; p=reject"]}), "2 DMARC"),
        (StubDns(failing=frozenset({"_dmarc.acme.com"})), "could not look up _dmarc.acme.com"),
    ],
    ids=["none", "two", "dns-down"],
)
def test_no_usable_dmarc_record_is_a_warning(dns_records: StubDns, says: str) -> None:
    finding = dmarc_finding("acme.com", dns_records)

    assert finding.verdict is Verdict.WARN
    assert says in finding.detail


def test_the_mail_from_domain_needs_ses_s_mx_and_one_spf_record_including_amazonses() -> None:
    good = StubDns(
        txt={"bounce.acme.com": ["v=spf1 include:amazonses.com ~all"]},
        mx={"bounce.acme.com": [(10, "feedback-smtp.eu-central-1.amazonses.com.")]},
    )
    wrong_region = StubDns(
        txt={"bounce.acme.com": ["v=spf1 include:amazonses.com ~all", "v=spf1 -all"]},
        mx={"bounce.acme.com": [(10, "feedback-smtp.us-east-1.amazonses.com.")]},
    )

    assert verdicts(spf_findings("bounce.acme.com", "eu-central-1", good)) == {
        "MAIL FROM MX": Verdict.OK,
        "SPF": Verdict.OK,
    }
    mx, spf = spf_findings("bounce.acme.com", "eu-central-1", wrong_region)
    assert (mx.verdict, spf.verdict) == (Verdict.WARN, Verdict.WARN)
    assert "2 SPF records" in spf.detail
    assert spf_findings(None, "eu-central-1", good) == []


class StandInResolver:
    """dnspython's Resolver.resolve, answering from a table: the network is the only part
    replaced."""

    def __init__(self, answers: dict[tuple[str, str], list[str]], error: Exception | None = None):
        self.answers, self.error = answers, error

    def resolve(self, name: str, record_type: str) -> list[dns.rdata.Rdata]:
        if self.error is not None:
            raise self.error
        if (name, record_type) not in self.answers:
            raise dns.resolver.NXDOMAIN()
        kind = dns.rdatatype.from_text(record_type)
        return [
            dns.rdata.from_text(dns.rdataclass.IN, kind, text)
            for text in self.answers[(name, record_type)]
        ]


def test_dnspython_answers_are_read_as_text_joining_long_txt_records() -> None:
    long_spf = '"v=spf1 include:amazonses.com" " ~all"'
    records = DnsPythonRecords(
        StandInResolver(
            {
                ("bounce.acme.com", "TXT"): [long_spf],
                ("bounce.acme.com", "MX"): ["10 feedback-smtp.eu-central-1.amazonses.com."],
            }
        )
    )

    assert records.txt("bounce.acme.com") == ["v=spf1 include:amazonses.com ~all"]
    assert records.mx("bounce.acme.com") == [(10, "feedback-smtp.eu-central-1.amazonses.com.")]
    assert records.txt("_dmarc.acme.com") == []


def test_a_dns_that_does_not_answer_is_told_from_a_missing_record() -> None:
    records = DnsPythonRecords(StandInResolver({}, dns.exception.Timeout()))

    with pytest.raises(DnsLookupError, match="timed out"):
        records.txt("_dmarc.acme.com")


# --- sending and queues -------------------------------------------------------------------------

LIMITS = ReputationLimits(0.04, 0.0008)


def test_a_paused_sender_blocks_sending_and_says_why_and_how_to_resume() -> None:
    paused = SendingStatus(datetime(2025, 3, 4, 9, 30, tzinfo=UTC), "SES's bounce rate ...")

    [finding] = sending_findings(paused, Reputation(0.043, None), LIMITS)

    assert finding.verdict is Verdict.FAIL
    assert finding.detail.startswith("paused since 2025-03-04 09:30 UTC: SES's bounce rate ...")
    assert "now bounce 4.3 % (pauses at 4 %)" in finding.detail
    assert "surveys sending resume" in finding.fix


def test_rates_over_the_limits_block_sending_before_the_sender_notices() -> None:
    [finding] = sending_findings(SendingStatus(), Reputation(None, 0.0009), LIMITS)

    assert finding.verdict is Verdict.FAIL
    assert "the sender pauses at its next survey" in finding.detail


def test_dead_letters_are_a_warning_with_what_to_run() -> None:
    findings = queue_findings(
        [
            QueueDepth("Survey queue", waiting=3, delayed=2, in_flight=1),
            QueueDepth("Survey dead letters", 2, 0, 0, "surveys redrive surveys"),
            QueueDepth("Writeback dead letters", 0, 0, 0, "surveys redrive writebacks"),
        ]
    )

    assert findings == [
        Finding(
            "Survey queue",
            Verdict.OK,
            "3 waiting, 1 being sent, 2 delayed (send windows, or the pause)",
        ),
        Finding("Survey dead letters", Verdict.WARN, "2 waiting", "surveys redrive surveys"),
        Finding("Writeback dead letters", Verdict.OK, "empty"),
    ]
