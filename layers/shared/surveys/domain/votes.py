"""Which votes count: the defence against link scanners.

Mail security gateways fetch every link in an email before the recipient sees it, some in a
real browser that runs scripts and a few that even submit the forms they find. So:

1. Opening a link (GET or HEAD) never records anything.
2. A vote counts only when the request shows that a person acted in a browser. Browsers tell us
   in their fetch metadata (https://www.w3.org/TR/fetch-metadata/), which pages and scanners
   written against plain HTTP do not send: the form must be submitted from our own page
   (`Sec-Fetch-Site: same-origin`) by a navigation the user activated with a click or a key
   (`Sec-Fetch-User: ?1`), or be sent by the page's own script, which sends only after a trusted
   pointer, touch or key event.
3. Several different scores within seconds on one survey is a machine clicking every button,
   not a person changing their mind: every vote of such a burst is held as suspect, also the
   ones already counted, and the rating goes back to what it was before the burst.

Every vote is kept as an audit record with its verdict and the reasons for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

BURST_WINDOW = timedelta(seconds=10)
# Two scores in a few seconds is a person correcting a slip; a scanner clicks every button
# of a scale, and every scale has at least five.
BURST_DISTINCT_SCORES = 3
# Modes of the requests the rating page's script makes (fetch, or sendBeacon on leaving).
SCRIPT_MODES = frozenset({"cors", "same-origin", "no-cors"})
USER_AGENT_KEPT = 200


class VoteVerdict(StrEnum):
    # On record and passed the browser check, not yet judged for a burst: it may yet count.
    RECEIVED = "received"
    KEPT = "kept"
    DROPPED = "dropped"
    HELD = "held"


@dataclass(frozen=True)
class BrowserSignals:
    """What a request says about the client that sent it."""

    fetch_site: str | None
    fetch_mode: str | None
    fetch_user: str | None
    user_agent: str

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> BrowserSignals:
        lowered = {name.lower(): value for name, value in headers.items()}
        return cls(
            fetch_site=lowered.get("sec-fetch-site"),
            fetch_mode=lowered.get("sec-fetch-mode"),
            fetch_user=lowered.get("sec-fetch-user"),
            user_agent=lowered.get("user-agent", "")[:USER_AGENT_KEPT],
        )

    @property
    def sent_by(self) -> str:
        if self.fetch_mode == "navigate":
            return "form"
        if self.fetch_mode in SCRIPT_MODES:
            return "page script"
        return "unknown client"


def not_a_persons_browser(signals: BrowserSignals) -> list[str]:
    """Why this request is not a person acting in a browser on our page; empty when it is."""
    if signals.fetch_site is None:
        return ["no fetch metadata: not sent by a current browser"]
    if signals.fetch_site != "same-origin":
        return [f"not sent from the rating page (Sec-Fetch-Site: {signals.fetch_site})"]
    if signals.fetch_mode == "navigate":
        if signals.fetch_user != "?1":
            return ["form submitted without a person's click or key press"]
        return []
    if signals.fetch_mode in SCRIPT_MODES:
        return []
    return [f"unexpected request mode (Sec-Fetch-Mode: {signals.fetch_mode})"]


@dataclass(frozen=True)
class RecentVote:
    """A vote already on record for the same survey."""

    vote_id: str
    score: int
    received_at: datetime
    verdict: VoteVerdict
    rating_version: int | None


def burst_with(score: int, now: datetime, recent: Sequence[RecentVote]) -> list[RecentVote]:
    """The earlier votes that form a burst with a new vote of `score` at `now`; empty when
    there is none. Dropped votes never counted, so they take no part."""
    window = [
        vote
        for vote in recent
        if vote.verdict is not VoteVerdict.DROPPED and now - vote.received_at <= BURST_WINDOW
    ]
    scores = {vote.score for vote in window} | {score}
    return window if len(scores) >= BURST_DISTINCT_SCORES else []


def burst_reason(votes: int, scores: int) -> str:
    return (
        f"burst: {votes} votes with {scores} different scores within "
        f"{int(BURST_WINDOW.total_seconds())} s"
    )
