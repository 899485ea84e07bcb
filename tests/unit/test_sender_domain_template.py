"""Domain authentication in template.yaml: with SenderDomain, an SES domain identity with Easy DKIM
(2048-bit) and a custom MAIL FROM domain, and an output for every DNS record to add; without it,
the single-address identity as before."""

from __future__ import annotations

from typing import Any

import pytest

from local.runtime.template import LocalNames, TemplateResolver, load_template

TEMPLATE = load_template()
PSEUDO = {"AWS::Region": "eu-central-1", "AWS::StackName": "surveys", "AWS::AccountId": "1"}
REQUIRED = {"KustomerOrgUrl": "acme.kustomerapp.com", "SenderAddress": "surveys@acme.com"}
REQUIRED["CompanyName"] = "Acme"


def resolver(**parameters: str) -> TemplateResolver:
    names = LocalNames()
    for number in (1, 2, 3):
        names.attributes[("SenderDomainIdentity", f"DkimDNSTokenName{number}")] = (
            f"token{number}._domainkey.acme.com"
        )
        names.attributes[("SenderDomainIdentity", f"DkimDNSTokenValue{number}")] = (
            f"token{number}.dkim.amazonses.com"
        )
    resolving = TemplateResolver(TEMPLATE, {}, names, PSEUDO)
    resolving.parameters = resolving.parameter_values({**REQUIRED, **parameters})
    return resolving


def dns_records(resolving: TemplateResolver) -> dict[str, Any]:
    """The outputs naming a DNS record, as the stack shows them."""
    return {
        name: resolving.resolve(output["Value"])
        for name, output in TEMPLATE["Outputs"].items()
        if name.startswith("Dns") and resolving.condition(output["Condition"])
    }


def test_sender_domain_is_optional() -> None:
    assert TEMPLATE["Parameters"]["SenderDomain"]["Default"] == ""


def test_the_domain_identity_signs_with_2048_bit_dkim_and_sends_from_a_subdomain() -> None:
    identity = TEMPLATE["Resources"]["SenderDomainIdentity"]
    properties = resolver(SenderDomain="acme.com").resolve(identity["Properties"])

    assert identity["Type"] == "AWS::SES::EmailIdentity"
    assert identity["Condition"] == "HasSenderDomain"
    assert properties["EmailIdentity"] == "acme.com"
    assert properties["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
    assert properties["DkimAttributes"] == {"SigningEnabled": True}
    assert properties["MailFromAttributes"]["MailFromDomain"] == "bounce.acme.com"


@pytest.mark.parametrize(
    ("parameters", "address_identity", "domain_identity"),
    [
        ({}, True, False),
        ({"CreateSenderIdentity": "false"}, False, False),
        ({"SenderDomain": "acme.com"}, False, True),
        ({"SenderDomain": "acme.com", "CreateSenderIdentity": "false"}, False, True),
    ],
)
def test_one_identity_covers_the_sender(
    parameters: dict[str, str], address_identity: bool, domain_identity: bool
) -> None:
    resolving = resolver(**parameters)

    assert resolving.condition("CreateSenderIdentity") is address_identity
    assert resolving.condition("HasSenderDomain") is domain_identity


def test_the_outputs_list_every_dns_record_to_add() -> None:
    assert dns_records(resolver(SenderDomain="acme.com")) == {
        "DnsDkimRecord1": "token1._domainkey.acme.com CNAME token1.dkim.amazonses.com",
        "DnsDkimRecord2": "token2._domainkey.acme.com CNAME token2.dkim.amazonses.com",
        "DnsDkimRecord3": "token3._domainkey.acme.com CNAME token3.dkim.amazonses.com",
        "DnsMailFromMxRecord": "bounce.acme.com MX 10 feedback-smtp.eu-central-1.amazonses.com",
        "DnsMailFromSpfRecord": 'bounce.acme.com TXT "v=spf1 include:amazonses.com ~all"',
        "DnsDmarcRecord": '_dmarc.acme.com TXT "v=DMARC1; p=none; adkim=r; aspf=r"',
    }


def test_without_a_sender_domain_there_are_no_records_to_add() -> None:
    assert dns_records(resolver()) == {}
