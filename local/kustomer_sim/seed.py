"""Reproducible demo data: agents, teams, customers and conversations on both sides of the
survey rule.

The rule the system applies (the README's first lines): a conversation gets a survey when it came
in by email, is done, has been quiet for 48 hours, and its customer has an email address.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from local.kustomer_sim.simulator import KustomerSimulator

SURVEY_CUSTOM_ATTRIBUTES = (
    "cesScoreNum",
    "cesCommentTxt",
    "csatScoreNum",
    "csatCommentTxt",
    "npsScoreNum",
    "npsCommentTxt",
    "cesReasonStr",
    "csatReasonStr",
    "npsReasonStr",
)

AGENTS = (
    ("Maya Patel", "maya.patel@example.com"),
    ("Jonas Becker", "jonas.becker@example.com"),
    ("Aisha Okafor", "aisha.okafor@example.com"),
    ("Lucas Moreau", "lucas.moreau@example.com"),
)

# Each agent works in one team: AGENTS[i] in TEAMS[i % len(TEAMS)].
TEAMS = ("Orders & Delivery", "Billing", "Accounts")

FIRST_NAMES = (
    "Emma", "Noah", "Olivia", "Mateo", "Chloé", "Lukas", "Priya", "Kenji", "Sofia", "Daniel",
    "Amara", "Henrik", "Isabela", "Tomás", "Hannah", "Ravi", "Léa", "Oliver", "Yara", "Finn",
)  # fmt: skip
LAST_NAMES = (
    "Johnson", "García", "Schneider", "Dubois", "Rossi", "Nakamura", "Singh", "O'Brien",
    "Kowalski", "Silva", "Andersen", "Müller", "Costa", "Nguyen", "Haddad", "van Dijk",
)  # fmt: skip
LOCALES = ("en-us", "en-us", "en-gb", "fr-fr", "de-de", "es-es", "pt-br", "nl-nl", "it-it")
# A customer's time zone where Kustomer knows one; it may be null, as for the Dutch customers here.
TIME_ZONE_BY_LOCALE = {
    "en-us": "America/New_York",
    "en-gb": "Europe/London",
    "fr-fr": "Europe/Paris",
    "de-de": "Europe/Berlin",
    "es-es": "Europe/Madrid",
    "pt-br": "America/Sao_Paulo",
    "it-it": "Europe/Rome",
}
CUSTOMER_DOMAINS = ("example.org", "example.net", "example.com")

SUBJECTS = (
    "Where is my order #{number}?",
    "Refund for a damaged item (order #{number})",
    "Can't reset my password",
    "Please change the delivery address for order #{number}",
    "Invoice needed for order #{number}",
    "Question about my subscription renewal",
    "Wrong size delivered in order #{number}",
    "Promo code not applied at checkout",
    "Account locked after too many login attempts",
    "How do I cancel my plan?",
    "Package marked delivered but not received",
    "Charged twice for order #{number}",
)


@dataclass
class SeedSummary:
    """Conversation ids by what the survey scanner should do with them."""

    eligible: list[str] = field(default_factory=list)
    # conversation id -> why the scanner must not survey it
    ineligible: dict[str, str] = field(default_factory=dict)
    # Returned by the eligibility search, but the customer has no email to send to.
    no_email: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    # user id -> the id of the team the user's conversations are assigned to
    team_of_user: dict[str, str] = field(default_factory=dict)
    # Brand name -> id: the org runs two brands; every third eligible conversation is Globex's.
    brands: dict[str, str] = field(default_factory=dict)
    # conversation id -> its brand's name
    brand_of: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _IneligibleCase:
    reason: str
    status: str
    channels: tuple[str, ...]
    quiet_for: timedelta


INELIGIBLE_CASES = (
    _IneligibleCase("channel chat", "done", ("chat",), timedelta(days=3)),
    _IneligibleCase("channel sms", "done", ("sms",), timedelta(days=5)),
    _IneligibleCase("status open", "open", ("email",), timedelta(days=4)),
    _IneligibleCase("status snoozed", "snoozed", ("email",), timedelta(days=3)),
    _IneligibleCase("updated 3h ago", "done", ("email",), timedelta(hours=3)),
    _IneligibleCase("updated 47h ago", "done", ("email",), timedelta(hours=47)),
    # Beyond Kustomer's two-year search window, so no search returns it.
    _IneligibleCase("updated 800 days ago", "done", ("email",), timedelta(days=800)),
)
BRANDS = ("Acme", "Globex")
ELIGIBLE_QUIET_MIN = timedelta(hours=49)
ELIGIBLE_QUIET_MAX = timedelta(days=10)


def seed_demo(
    simulator: KustomerSimulator, now: datetime, eligible: int, rng: random.Random
) -> SeedSummary:
    for name in SURVEY_CUSTOM_ATTRIBUTES:
        simulator.define_custom_attribute(name)
    org_founded = now - timedelta(days=1000)
    summary = SeedSummary(
        users=[simulator.add_user(n, e, created_at=org_founded) for n, e in AGENTS],
        teams=[simulator.add_team(name, created_at=org_founded) for name in TEAMS],
    )
    summary.team_of_user = {
        user_id: summary.teams[index % len(summary.teams)]
        for index, user_id in enumerate(summary.users)
    }
    brand_id = _object_id(rng)
    # Drawn from a generator of its own, so the rest of the seeded data stays as it was.
    summary.brands = {BRANDS[0]: brand_id, BRANDS[1]: _object_id(random.Random(brand_id))}
    email_queue_id = _object_id(rng)
    tag_ids = [_object_id(rng) for _ in range(3)]
    for tag_id, name in zip(tag_ids, ("vip", "billing", "follow-up"), strict=True):
        simulator.add_tag(name, tag_id)
    used_emails: set[str] = set()

    def conversation(
        status: str,
        channels: tuple[str, ...],
        quiet_for: timedelta,
        email: bool,
        brand: str = brand_id,
    ) -> str:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        emails = [_unique_email(first, last, rng, used_emails)] if email else []
        updated_at = now - quiet_for
        locale = rng.choice(LOCALES)
        customer_id = simulator.add_customer(
            f"{first} {last}",
            emails,
            locale,
            created_at=org_founded,
            time_zone=TIME_ZONE_BY_LOCALE.get(locale),
        )
        agent = rng.choice(summary.users)
        return simulator.add_conversation(
            customer_id,
            status=status,
            channels=channels,
            updated_at=updated_at,
            created_at=updated_at - timedelta(minutes=rng.randint(30, 72 * 60)),
            assigned_user_ids=[agent],
            assigned_team_ids=[summary.team_of_user[agent]],
            subject=rng.choice(SUBJECTS).format(number=rng.randint(10_000, 99_999)),
            tags=rng.sample(tag_ids, rng.randint(0, 2)),
            brand_id=brand,
            queue_id=email_queue_id if "email" in channels else None,
            message_count=rng.randint(2, 9),
        )

    for index in range(eligible):
        quiet_seconds = rng.uniform(
            ELIGIBLE_QUIET_MIN.total_seconds(), ELIGIBLE_QUIET_MAX.total_seconds()
        )
        brand = BRANDS[1 if index % 3 == 1 else 0]
        conversation_id = conversation(
            "done", ("email",), timedelta(seconds=quiet_seconds), True, summary.brands[brand]
        )
        summary.eligible.append(conversation_id)
        summary.brand_of[conversation_id] = brand
    for case in INELIGIBLE_CASES:
        conversation_id = conversation(case.status, case.channels, case.quiet_for, email=True)
        summary.ineligible[conversation_id] = case.reason
    summary.no_email.append(conversation("done", ("email",), timedelta(hours=60), email=False))
    return summary


def _object_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(96):024x}"


def _unique_email(first: str, last: str, rng: random.Random, used: set[str]) -> str:
    ascii_name = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore")
    local_part = re.sub(r"[^a-z.]", "", ascii_name.decode().lower())
    domain = rng.choice(CUSTOMER_DOMAINS)
    email, suffix = f"{local_part}@{domain}", 1
    while email in used:
        suffix += 1
        email = f"{local_part}{suffix}@{domain}"
    used.add(email)
    return email
