"""A finding of `surveys doctor`: a check, its verdict, what was found and what to fix."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
