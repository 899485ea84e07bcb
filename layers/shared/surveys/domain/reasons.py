"""Why a score was low: the reasons a rating page offers once the chosen score is negative.

Each reason has a stable id, so reports, events and the Kustomer attribute read the same
whatever the recipient's language. The built-in reasons are translated in the catalogs; a
trigger may add its own as `id=Label`, shown as written in every language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from surveys.domain.i18n import N_, text

BUILT_IN_REASONS: dict[str, str] = {
    "too_long": N_("It took too long"),
    "repeated": N_("I had to repeat myself"),
    "not_solved": N_("The answer did not solve my problem"),
    "treatment": N_("The way I was treated"),
    "hard_to_reach": N_("It was hard to reach you"),
    "passed_around": N_("I was passed from one person to another"),
    "unclear": N_("The answer was hard to understand"),
    "other": N_("Something else"),
}
DEFAULT_REASONS = ("too_long", "repeated", "not_solved", "treatment", "other")
MOST_REASONS = 10
REASON_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
LABEL_LENGTH = 80


@dataclass(frozen=True)
class Reason:
    id: str
    # English for a built-in reason (translated when shown), as written for a trigger's own.
    label: str
    built_in: bool

    def label_in(self, language: str) -> str:
        return text(self.label, language) if self.built_in else self.label


class ReasonSettingError(ValueError):
    pass


def parse_reason(entry: str) -> Reason:
    """A trigger's reason setting entry: a built-in id, or `id=Label` for one of its own."""
    reason_id, separator, label = (part.strip() for part in entry.partition("="))
    if not REASON_ID.match(reason_id):
        raise ReasonSettingError(
            f"reason id {reason_id!r} must be lower case letters, digits and _ (up to 32), "
            "starting with a letter"
        )
    if not separator:
        if reason_id not in BUILT_IN_REASONS:
            raise ReasonSettingError(
                f"{reason_id!r} is no built-in reason ({', '.join(BUILT_IN_REASONS)}); "
                f"give your own as {reason_id}=Label"
            )
        return Reason(reason_id, BUILT_IN_REASONS[reason_id], built_in=True)
    if not label or len(label) > LABEL_LENGTH or any(char in label for char in "<>\r\n"):
        raise ReasonSettingError(
            f"the label of reason {reason_id!r} must be 1 to {LABEL_LENGTH} characters, "
            "without < > or line breaks"
        )
    return Reason(reason_id, label, built_in=False)


def parse_reasons(entries: tuple[str, ...]) -> tuple[Reason, ...]:
    reasons = tuple(parse_reason(entry) for entry in entries)
    ids = [reason.id for reason in reasons]
    duplicated = sorted({reason_id for reason_id in ids if ids.count(reason_id) > 1})
    if duplicated:
        raise ReasonSettingError(f"reasons listed twice: {', '.join(duplicated)}")
    if len(reasons) > MOST_REASONS:
        raise ReasonSettingError(f"at most {MOST_REASONS} reasons; got {len(reasons)}")
    return reasons


def sort_chosen(
    offered: tuple[Reason, ...], submitted: list[str]
) -> tuple[tuple[str, ...], list[str]]:
    """The submitted reason ids that were offered, in the offered order and each once, and
    those that were not (a forged or stale form)."""
    wanted = set(submitted)
    known = tuple(reason.id for reason in offered if reason.id in wanted)
    unknown = sorted(wanted - set(known))
    return known, unknown


def labels(offered: tuple[Reason, ...], chosen: tuple[str, ...], language: str) -> list[str]:
    by_id = {reason.id: reason for reason in offered}
    return [by_id[reason_id].label_in(language) for reason_id in chosen if reason_id in by_id]
