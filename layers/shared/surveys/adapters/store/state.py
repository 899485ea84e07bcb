"""The state table: what the system keeps besides surveys and ratings, one kind per key
prefix: imported agents and teams, the survey-fatigue claims on customers and the sender's
pause here; the survey programs (trigger settings, their order, scan progress) in
`programs.py`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DeleteError, PutError
from pynamodb.models import Model

from surveys.adapters.store.tables import (
    TableName,
    get_or_none,
    is_condition_failure,
    region,
    retention_deadline,
)
from surveys.domain.reputation import Reputation


class AgentItem(Model):
    """A Kustomer user imported by `connect` / `agents sync`, so ratings name their agent."""

    class Meta:
        table_name = TableName("state_table")
        region = region()

    key = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    synced_at = UTCDateTimeAttribute()


class TeamItem(Model):
    """A Kustomer team imported by `connect` / `agents sync`, so reports by team name it."""

    class Meta:
        table_name = TableName("state_table")
        region = region()

    key = UnicodeAttribute(hash_key=True)
    team_id = UnicodeAttribute()
    name = UnicodeAttribute()
    synced_at = UTCDateTimeAttribute()


class CustomerContactItem(Model):
    """When a customer was last surveyed, by any metric: the survey fatigue guard."""

    class Meta:
        table_name = TableName("state_table")
        region = region()

    key = UnicodeAttribute(hash_key=True)
    last_survey_id = UnicodeAttribute()
    last_surveyed_at = UTCDateTimeAttribute()
    # Deleted with the survey that made the claim.
    retain_until = TTLAttribute(null=True)


# --- agents and teams -----------------------------------------------------------------------


def _agent_key(user_id: str) -> str:
    return f"agent#{user_id}"


def _team_key(team_id: str) -> str:
    return f"team#{team_id}"


def find_agent(user_id: str) -> AgentItem | None:
    return get_or_none(AgentItem, _agent_key(user_id), consistent_read=False)


def find_team(team_id: str) -> TeamItem | None:
    return get_or_none(TeamItem, _team_key(team_id), consistent_read=False)


def all_agents() -> list[AgentItem]:
    """Every imported agent. A filtered scan of the state table: only admin commands need the
    whole list, and they run rarely."""
    return list(AgentItem.scan(AgentItem.key.startswith(_agent_key("")), consistent_read=True))


def all_teams() -> list[TeamItem]:
    """Every imported team, scanned like `all_agents`."""
    return list(TeamItem.scan(TeamItem.key.startswith(_team_key("")), consistent_read=True))


def save_agent(user_id: str, name: str, email: str | None, synced_at: datetime) -> AgentItem:
    agent = AgentItem(
        _agent_key(user_id), user_id=user_id, name=name, email=email, synced_at=synced_at
    )
    agent.save()
    return agent


def save_team(team_id: str, name: str, synced_at: datetime) -> TeamItem:
    team = TeamItem(_team_key(team_id), team_id=team_id, name=name, synced_at=synced_at)
    team.save()
    return team


def forget_imported(item: AgentItem | TeamItem) -> None:
    """An agent or team that is gone from Kustomer."""
    item.delete()


# --- survey fatigue ---------------------------------------------------------------------------


def _customer_contact_key(customer_id: str) -> str:
    return f"customer#{customer_id}"


def claim_customer_contact(customer_id: str, survey_id: str, now: datetime, days: int) -> bool:
    """Record that this survey contacts the customer, unless another survey did within `days`.
    A retry of the same survey keeps its claim."""
    contact = CustomerContactItem(
        _customer_contact_key(customer_id),
        last_survey_id=survey_id,
        last_surveyed_at=now,
        retain_until=retention_deadline(now),
    )
    try:
        contact.save(
            condition=CustomerContactItem.key.does_not_exist()
            | (CustomerContactItem.last_surveyed_at < now - timedelta(days=days))
            | (CustomerContactItem.last_survey_id == survey_id)
        )
    except PutError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def customer_contact_survey(customer_id: str) -> str | None:
    """The survey that last contacted the customer, while its fatigue claim stands."""
    contact = get_or_none(CustomerContactItem, _customer_contact_key(customer_id))
    return contact.last_survey_id if contact else None


def release_customer_contact(customer_id: str, survey_id: str) -> None:
    """Undo a claim whose email was never sent, so the customer can be surveyed again."""
    try:
        CustomerContactItem(_customer_contact_key(customer_id)).delete(
            condition=CustomerContactItem.last_survey_id == survey_id
        )
    except DeleteError as error:
        if not is_condition_failure(error):
            raise


def customer_contacts_of(customer_ids: Collection[str]) -> list[CustomerContactItem]:
    """The survey-fatigue claims on these customers: for forget and export."""
    keys = {_customer_contact_key(customer_id) for customer_id in customer_ids}
    if not keys:
        return []
    return sorted(CustomerContactItem.batch_get(keys), key=lambda item: item.key)


def customer_contacts_kept_for_good() -> list[CustomerContactItem]:
    """Survey-fatigue claims made before retention existed: without a deletion date."""
    return list(
        CustomerContactItem.scan(
            CustomerContactItem.key.startswith(_customer_contact_key(""))
            & CustomerContactItem.retain_until.does_not_exist(),
            consistent_read=True,
        )
    )


def set_customer_contact_retention(contact: CustomerContactItem, until: datetime) -> None:
    contact.update(actions=[CustomerContactItem.retain_until.set(until)])


def erase_customer_contact(contact: CustomerContactItem) -> None:
    contact.delete()


# --- the sender's pause (surveys/usecases/sending_guard.py) ----------------------------------

SENDING_STATE_KEY = "sending#state"


class SendingStateItem(Model):
    """Whether the sender is paused, why, and what an admin accepted when resuming it."""

    class Meta:
        table_name = TableName("state_table")
        region = region()

    key = UnicodeAttribute(hash_key=True)
    paused_at = UTCDateTimeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    resumed_at = UTCDateTimeAttribute(null=True)
    # The rates when an admin resumed despite them: they pause the sender again only once a
    # rate rises above them.
    tolerated_bounce_rate = NumberAttribute(null=True)
    tolerated_complaint_rate = NumberAttribute(null=True)

    @property
    def tolerated(self) -> Reputation | None:
        if self.tolerated_bounce_rate is None and self.tolerated_complaint_rate is None:
            return None
        return Reputation(self.tolerated_bounce_rate, self.tolerated_complaint_rate)


def find_sending_state() -> SendingStateItem | None:
    return get_or_none(SendingStateItem, SENDING_STATE_KEY)


def record_pause(reason: str, now: datetime) -> SendingStateItem:
    """Pause the sender; when another sender paused it first, its pause (and reason) stands."""
    item = SendingStateItem(SENDING_STATE_KEY, paused_at=now, reason=reason)
    try:
        item.save(condition=SendingStateItem.paused_at.does_not_exist())
    except PutError as error:
        if not is_condition_failure(error):
            raise
        return find_sending_state() or item
    return item


def record_resume(now: datetime, tolerated: Reputation | None) -> SendingStateItem:
    item = SendingStateItem(
        SENDING_STATE_KEY,
        resumed_at=now,
        tolerated_bounce_rate=tolerated.bounce_rate if tolerated else None,
        tolerated_complaint_rate=tolerated.complaint_rate if tolerated else None,
    )
    item.save()
    return item
