"""When the sender stops: SES's bounce and complaint rates against the limits set at deploy.

SES computes both rates for the whole AWS account over a representative volume of its recent
email, puts the account under review at a 5 % bounce or 0.1 % complaint rate, and may pause all
of its sending at 10 % or 0.5 %: also every other email the account sends. The sender pauses
itself earlier, at limits below those (template parameters), and stays paused until an admin
resumes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Where SES puts an account under review, as its reputation metrics messages say
# (docs.aws.amazon.com/ses/latest/dg/reputationdashboardmessages.html).
SES_REVIEW_BOUNCE_RATE = 0.05
SES_REVIEW_COMPLAINT_RATE = 0.001


@dataclass(frozen=True)
class ReputationLimits:
    """The rates, as fractions (0.04 is 4 %), at which the sender pauses."""

    bounce_rate: float
    complaint_rate: float


@dataclass(frozen=True)
class Reputation:
    """SES's latest rates as fractions; None where SES has published none (an account that
    never had a bounce, or a complaint, has no such metric)."""

    bounce_rate: float | None
    complaint_rate: float | None
    measured_at: datetime | None = None


def percent(rate: float | None) -> str:
    return "none published" if rate is None else f"{rate * 100:.3g} %"


def pause_reason(
    reputation: Reputation, limits: ReputationLimits, tolerated: Reputation | None = None
) -> str | None:
    """Why the sender must pause, or None. A rate an admin accepted when resuming (`tolerated`)
    pauses it again only once it rises above what it was then."""
    reasons = []
    for name, rate, limit, accepted, review in (
        (
            "bounce",
            reputation.bounce_rate,
            limits.bounce_rate,
            tolerated.bounce_rate if tolerated else None,
            SES_REVIEW_BOUNCE_RATE,
        ),
        (
            "complaint",
            reputation.complaint_rate,
            limits.complaint_rate,
            tolerated.complaint_rate if tolerated else None,
            SES_REVIEW_COMPLAINT_RATE,
        ),
    ):
        if rate is None or rate < limit or (accepted is not None and rate <= accepted):
            continue
        reasons.append(
            f"SES's {name} rate for the account is {percent(rate)}, at or over the "
            f"{percent(limit)} at which the sender pauses (SES reviews accounts at "
            f"{percent(review)})"
        )
    return "; ".join(reasons) or None
