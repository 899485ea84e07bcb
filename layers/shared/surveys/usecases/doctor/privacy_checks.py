"""The data's lifecycle, as doctor shows it: the erasures recorded by `surveys forget`, and the
link-signing keys (which signs, which are kept for the links they signed, which are retired)."""

from __future__ import annotations

from collections.abc import Sequence

from surveys.adapters.store.erasures import ErasureItem
from surveys.domain.link_keys import LinkKeys
from surveys.usecases.doctor.findings import Finding, Verdict


def erasure_finding(erasures: Sequence[ErasureItem]) -> Finding:
    if not erasures:
        return Finding("Erasures", Verdict.OK, "none recorded (surveys forget records each run)")
    latest = erasures[-1]
    erased = ", ".join(f"{count} {kind}" for kind, count in latest.erased.items() if count)
    return Finding(
        "Erasures",
        Verdict.OK,
        f"{len(erasures)} recorded; latest {latest.erased_at:%Y-%m-%d %H:%M} UTC by "
        f"{latest.erased_by}, named by {latest.named_by}: {erased or 'nothing was held'}",
    )


def link_key_finding(ring: LinkKeys) -> Finding:
    current = ring.current
    since = f" since {current.created_at:%Y-%m-%d}" if current.created_at else ""
    parts = [f"{current.key_id} signs{since}"]
    parts += [
        f"{key.key_id} kept for its links until {key.kept_until:%Y-%m-%d}"
        for key in ring.keys
        if key.kept_until is not None
    ]
    if ring.retired:
        parts.append("retired: " + ", ".join(key.key_id for key in ring.retired))
    return Finding("Link keys", Verdict.OK, "; ".join(parts))
