"""SES's identities for a From address: the address itself, its domain and the domain's
parents, as GetEmailIdentity answers for each that exists."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


def email_domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def parent_domains(domain: str) -> list[str]:
    """acme.example.com, then example.com: SES and DMARC both fall back to parent domains."""
    labels = domain.split(".")
    return [".".join(labels[index:]) for index in range(len(labels) - 1)]


def ses_identities(sesv2: Any, sender_address: str) -> dict[str, dict[str, Any]]:
    """GetEmailIdentity for the From address, its domain and the domain's parents."""
    found = {}
    for name in [sender_address.lower(), *parent_domains(email_domain(sender_address))]:
        try:
            found[name] = sesv2.get_email_identity(EmailIdentity=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NotFoundException":
                raise
    return found
