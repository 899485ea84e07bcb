"""DNS for `surveys doctor` in tests: answers from a table, no network."""

from __future__ import annotations

from surveys.usecases.doctor.email_checks import DnsLookupError


class StubDns:
    """DNS answers by name; a name listed as failing raises as an unreachable DNS would."""

    def __init__(
        self,
        txt: dict[str, list[str]] | None = None,
        mx: dict[str, list[tuple[int, str]]] | None = None,
        failing: frozenset[str] = frozenset(),
    ) -> None:
        self._txt, self._mx, self._failing = txt or {}, mx or {}, failing

    def txt(self, name: str) -> list[str]:
        if name in self._failing:
            raise DnsLookupError("The DNS operation timed out.")
        return self._txt.get(name, [])

    def mx(self, name: str) -> list[tuple[int, str]]:
        return self._mx.get(name, [])
