"""The SES identity the local runtime provisions from template.yaml, with and without
SenderDomain, and a survey sent through it. moto keeps the DKIM signing settings it is given
(it verifies at once and has no DKIM tokens or MAIL FROM domain to show)."""

from __future__ import annotations

from datetime import UTC, datetime

from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime
from tests.conftest import start_runtime
from tests.integration.helpers import add_due_conversation

NOW = datetime.now(UTC).replace(microsecond=0)


def _identities(runtime: LocalRuntime) -> dict[str, str]:
    listed = runtime.moto.client("sesv2").list_email_identities()["EmailIdentities"]
    return {identity["IdentityName"]: identity["IdentityType"] for identity in listed}


def test_with_a_sender_domain_the_domain_is_the_identity_and_signs_with_2048_bit_dkim(
    simulator: KustomerSimulator,
) -> None:
    runtime = start_runtime(simulator, BackfillHours="720", SenderDomain="acme.example.com")
    try:
        identity = runtime.moto.client("sesv2").get_email_identity(EmailIdentity="acme.example.com")
        add_due_conversation(simulator, NOW)
        runtime.scan(NOW)
        runtime.deliver()

        assert _identities(runtime) == {"acme.example.com": "DOMAIN"}
        assert identity["DkimAttributes"]["SigningEnabled"] is True
        assert identity["DkimAttributes"]["NextSigningKeyLength"] == "RSA_2048_BIT"
        [sent] = runtime.sent_emails()
        assert sent.message["From"].addresses[0].addr_spec == "surveys@acme.example.com"
    finally:
        runtime.stop()


def test_without_it_the_from_address_is_the_identity(runtime: LocalRuntime) -> None:
    assert _identities(runtime) == {"surveys@acme.example.com": "EMAIL_ADDRESS"}
