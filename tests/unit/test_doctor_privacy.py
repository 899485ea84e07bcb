"""What `surveys doctor` says of the erasure audit and the link-signing keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from surveys.adapters.store.erasures import ErasureItem
from surveys.domain.link_keys import LinkKeys
from surveys.usecases.doctor.findings import Finding, Verdict
from surveys.usecases.doctor.privacy_checks import erasure_finding, link_key_finding

ROTATED_AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _erasure(at: datetime, **counts: int) -> ErasureItem:
    return ErasureItem(
        f"erasure#{at.isoformat()}",
        erased_at=at,
        erased_by="arn:aws:iam::123456789012:user/dpo",
        named_by="email",
        counts=json.dumps(counts),
    )


def test_no_erasure_yet() -> None:
    assert erasure_finding([]) == Finding(
        "Erasures", Verdict.OK, "none recorded (surveys forget records each run)"
    )


def test_the_latest_erasure_says_who_ran_it_and_how_much_it_erased() -> None:
    finding = erasure_finding(
        [
            _erasure(ROTATED_AT, surveys=3),
            _erasure(ROTATED_AT + timedelta(days=2), surveys=2, ratings=1, votes=0),
        ]
    )

    assert finding.detail == (
        "2 recorded; latest 2026-03-03 08:00 UTC by arn:aws:iam::123456789012:user/dpo, "
        "named by email: 2 surveys, 1 ratings"
    )


def test_the_keys_that_sign_are_kept_and_are_retired() -> None:
    ring = (
        LinkKeys.single(b"first")
        .rotated(b"second", ROTATED_AT)
        .rotated(b"third", ROTATED_AT + timedelta(days=10))
        .retiring(["k0"], ROTATED_AT + timedelta(days=10))
    )

    assert link_key_finding(ring) == Finding(
        "Link keys",
        Verdict.OK,
        "k2 signs since 2026-03-11; k1 kept for its links until 2037-03-08; retired: k0",
    )
    assert link_key_finding(LinkKeys.single(b"first")).detail == "k0 signs"
