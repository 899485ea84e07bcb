"""Agents: the Kustomer users that ratings are attributed to, imported by `connect` and kept in
step with Kustomer by `agents sync`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from surveys.adapters.kustomer import (
    LIST_USERS,
    KustomerAuthError,
    KustomerClient,
    KustomerUser,
)
from surveys.adapters.secrets import MissingSecretError
from surveys.adapters.store import AgentItem, agent_key, all_agents
from surveys.bootstrap import kustomer_client
from surveys.observability import logger


class AgentSyncError(RuntimeError):
    """The stored API key cannot list Kustomer's users; the message says what to do."""


@dataclass(frozen=True)
class Agent:
    user_id: str
    name: str
    email: str | None
    synced_at: datetime


@dataclass(frozen=True)
class AgentSyncReport:
    added: tuple[Agent, ...]
    # (before, after) for every agent whose name or email changed in Kustomer
    updated: tuple[tuple[Agent, Agent], ...]
    removed: tuple[Agent, ...]
    unchanged: int

    @property
    def imported(self) -> int:
        return len(self.added) + len(self.updated) + self.unchanged


def _agent(item: AgentItem) -> Agent:
    return Agent(item.user_id, item.name, item.email, item.synced_at)


def _item(user: KustomerUser, now: datetime) -> AgentItem:
    return AgentItem(
        agent_key(user.id), user_id=user.id, name=user.name, email=user.email, synced_at=now
    )


def imported_agents() -> list[Agent]:
    return sorted(
        map(_agent, all_agents()), key=lambda agent: (agent.name.casefold(), agent.user_id)
    )


def sync_agents(client: KustomerClient, now: datetime) -> AgentSyncReport:
    """Make the imported agents match Kustomer's users: add new ones, update renamed ones, drop
    removed ones. Agents that did not change are not rewritten, so a repeated sync writes
    nothing. Surveys keep the agent's name from when they were sent, so dropping is safe."""
    users = {user.id: user for user in client.users() if user.is_agent}
    stored = {item.user_id: item for item in all_agents()}
    added, updated, removed = [], [], []
    for user in users.values():
        item = stored.get(user.id)
        if item is not None and (item.name, item.email) == (user.name, user.email):
            continue
        replacement = _item(user, now)
        replacement.save()
        if item is None:
            added.append(_agent(replacement))
        else:
            updated.append((_agent(item), _agent(replacement)))
    for user_id, item in stored.items():
        if user_id not in users:
            item.delete()
            removed.append(_agent(item))
    report = AgentSyncReport(
        tuple(added), tuple(updated), tuple(removed), len(users) - len(added) - len(updated)
    )
    logger.info(
        "Agents synced",
        extra={
            "added": len(report.added),
            "updated": len(report.updated),
            "removed": len(report.removed),
            "unchanged": report.unchanged,
        },
    )
    return report


def sync_agents_with_stored_key(now: datetime) -> AgentSyncReport:
    """`agents sync`: the same sync, with the key `connect` stored."""
    try:
        return sync_agents(kustomer_client(), now)
    except MissingSecretError:
        raise AgentSyncError("no Kustomer API key is stored yet: run `surveys connect`") from None
    except KustomerAuthError as error:
        if error.status == 403:
            raise AgentSyncError(
                f"Kustomer answered 403 to {LIST_USERS.call}: the stored API key needs "
                f"{LIST_USERS.required_roles}. Run `surveys connect` with a key that has it."
            ) from None
        raise AgentSyncError(
            f"Kustomer refused the stored API key ({error.status}: {error.detail}): run "
            "`surveys connect` with a valid key"
        ) from None
