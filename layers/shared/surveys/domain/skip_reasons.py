"""Why a queued survey was not emailed, in a few stable words.

The survey keeps the whole explanation ("SES rejected the email: ..."); metrics and dashboards
group by these codes, which never carry an address or a number.
"""

from __future__ import annotations

from enum import StrEnum


class SkipReason(StrEnum):
    TRIGGER_INACTIVE = "trigger_inactive"
    CUSTOMER_NOT_FOUND = "customer_not_found"
    NO_EMAIL_ADDRESS = "no_email_address"
    INVALID_EMAIL_ADDRESS = "invalid_email_address"
    SES_REJECTED = "ses_rejected"
    RECENTLY_SURVEYED = "recently_surveyed"
    ADDRESS_SUPPRESSED = "address_suppressed"

    @property
    def is_suppression(self) -> bool:
        """Held back on purpose, to spare the customer, rather than because sending failed."""
        return self in _SUPPRESSIONS


_SUPPRESSIONS = frozenset({SkipReason.RECENTLY_SURVEYED, SkipReason.ADDRESS_SUPPRESSED})
