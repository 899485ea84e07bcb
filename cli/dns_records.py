"""DNS records as `surveys doctor` reads them, through dnspython."""

from __future__ import annotations

from typing import Any

import dns.exception
import dns.resolver

from surveys.usecases.doctor.email_checks import DnsLookupError

LOOKUP_SECONDS = 5.0


class DnsPythonRecords:
    """A record that does not exist is an empty answer; a DNS that does not answer raises
    DnsLookupError. `resolver` is dnspython's (the system's by default), or a stand-in."""

    def __init__(self, resolver: Any | None = None) -> None:
        self._resolver = resolver

    def _answer(self, name: str, record_type: str) -> list[Any]:
        try:
            if self._resolver is None:
                self._resolver = dns.resolver.Resolver()
                self._resolver.lifetime = LOOKUP_SECONDS
            return list(self._resolver.resolve(name, record_type))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.DNSException as error:
            raise DnsLookupError(str(error) or type(error).__name__) from error

    def txt(self, name: str) -> list[str]:
        # A TXT record longer than 255 characters comes as several strings, to be joined.
        return [
            b"".join(record.strings).decode("utf-8", "replace")
            for record in self._answer(name, "TXT")
        ]

    def mx(self, name: str) -> list[tuple[int, str]]:
        return [
            (int(record.preference), record.exchange.to_text())
            for record in self._answer(name, "MX")
        ]
