"""A survey recipient, and a link scanner, over plain HTTP: what the demo and the tests send.

A person's browser tells the rating page, in its fetch metadata, that a person clicked Send on
the page itself (surveys/domain/votes.py); a link scanner sends none of that.
"""

from __future__ import annotations

import requests

TIMEOUT = 10
# What a current browser sends with a form a person submitted from a page of the same origin.
PERSON_CLICKING_SEND = {
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-User": "?1",
    "Sec-Fetch-Dest": "document",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) local-recipient",
}


def form_url(link: str) -> str:
    return link.split("?", 1)[0]


def answer(
    link: str,
    score: int | str | None,
    comment: str | None = None,
    reasons: tuple[str, ...] = (),
) -> requests.Response:
    """Open a rating link, then send the page's form with `score`, the `reasons` ticked and
    `comment` as a person does; the response is the page that follows (thank-you, or why not)."""
    requests.get(link, timeout=TIMEOUT)
    return send_form(link, score, comment, reasons)


def send_form(
    link: str,
    score: int | str | None,
    comment: str | None = None,
    reasons: tuple[str, ...] = (),
) -> requests.Response:
    """Send the rating form as a person's browser does, without opening the page first."""
    form = [
        (name, str(value))
        for name, value in (("score", score), ("comment", comment))
        if value is not None
    ]
    form += [("reason", reason) for reason in reasons]
    return requests.post(form_url(link), data=form, headers=PERSON_CLICKING_SEND, timeout=TIMEOUT)


def confirm_unsubscribe(link: str) -> requests.Response:
    """Open an unsubscribe link and press Unsubscribe."""
    requests.get(link, timeout=TIMEOUT)
    return requests.post(
        link, data={"confirm": "unsubscribe"}, headers=PERSON_CLICKING_SEND, timeout=TIMEOUT
    )


def scan_like_a_security_gateway(links: list[str]) -> list[int]:
    """What an email security gateway does to every link in a message: fetch it, then submit
    each form it found, as fast as it can. Returns the status of every request."""
    statuses = [requests.get(link, timeout=TIMEOUT).status_code for link in links]
    for link in links:
        score = link.rsplit("=", 1)[1] if "score=" in link else None
        form = {"score": score} if score is not None else {"confirm": "unsubscribe"}
        statuses.append(requests.post(form_url(link), data=form, timeout=TIMEOUT).status_code)
    return statuses
