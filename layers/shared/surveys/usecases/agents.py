"""Agents and teams: the Kustomer users that ratings are attributed to, and the teams reports
group them by, imported by `connect` and kept in step with Kustomer by `agents sync`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from surveys.adapters.kustomer.client import KustomerClient
from surveys.adapters.kustomer.errors import (
    KustomerAuthError,
    KustomerBusyError,
    KustomerError,
    KustomerNotFoundError,
    KustomerUnavailableError,
)
from surveys.adapters.kustomer.permissions import LIST_TEAMS, LIST_USERS
from surveys.adapters.kustomer.resources import KustomerTeam
from surveys.adapters.secrets import MissingSecretError
from surveys.adapters.store.state import (
    AgentItem,
    TeamItem,
    all_agents,
    all_teams,
    forget_imported,
    save_agent,
    save_team,
)
from surveys.observability import logger

Source = TypeVar("Source")
Stored = TypeVar("Stored", AgentItem, TeamItem)
View = TypeVar("View")


class AgentSyncError(RuntimeError):
    """The stored API key cannot list Kustomer's users or teams; the message says what to do."""


@dataclass(frozen=True)
class Agent:
    user_id: str
    name: str
    email: str | None
    synced_at: datetime


@dataclass(frozen=True)
class Team:
    team_id: str
    name: str
    synced_at: datetime


@dataclass(frozen=True)
class TeamSyncReport:
    added: tuple[Team, ...]
    # (before, after) for every team renamed in Kustomer
    renamed: tuple[tuple[Team, Team], ...]
    removed: tuple[Team, ...]
    unchanged: int
    # Why Kustomer's teams could not be read (the key lacks the role, or the org has no teams
    # endpoint); the teams imported before stay as they were.
    not_imported_because: str | None = None

    @property
    def imported(self) -> int:
        return len(self.added) + len(self.renamed) + self.unchanged


@dataclass(frozen=True)
class AgentSyncReport:
    added: tuple[Agent, ...]
    # (before, after) for every agent whose name or email changed in Kustomer
    updated: tuple[tuple[Agent, Agent], ...]
    removed: tuple[Agent, ...]
    unchanged: int
    teams: TeamSyncReport

    @property
    def imported(self) -> int:
        return len(self.added) + len(self.updated) + self.unchanged


def _agent(item: AgentItem) -> Agent:
    return Agent(item.user_id, item.name, item.email, item.synced_at)


def _team(item: TeamItem) -> Team:
    return Team(item.team_id, item.name, item.synced_at)


def imported_agents() -> list[Agent]:
    return sorted(
        map(_agent, all_agents()), key=lambda agent: (agent.name.casefold(), agent.user_id)
    )


@dataclass(frozen=True)
class _Mirrored(Generic[View]):
    added: tuple[View, ...]
    changed: tuple[tuple[View, View], ...]
    removed: tuple[View, ...]
    unchanged: int


def _mirror(
    wanted: dict[str, Source],
    stored: dict[str, Stored],
    *,
    same: Callable[[Stored, Source], bool],
    save: Callable[[Source], Stored],
    view: Callable[[Stored], View],
) -> _Mirrored[View]:
    """Make the stored items match Kustomer's: save new and changed ones, delete gone ones.
    Items that did not change are not rewritten, so a repeated sync writes nothing."""
    added, changed, removed = [], [], []
    for key, source in wanted.items():
        item = stored.get(key)
        if item is not None and same(item, source):
            continue
        replacement = save(source)
        if item is None:
            added.append(view(replacement))
        else:
            changed.append((view(item), view(replacement)))
    for key, item in stored.items():
        if key not in wanted:
            forget_imported(item)
            removed.append(view(item))
    unchanged = len(wanted) - len(added) - len(changed)
    return _Mirrored(tuple(added), tuple(changed), tuple(removed), unchanged)


def sync_agents(client: KustomerClient, now: datetime) -> AgentSyncReport:
    """Make the imported agents match Kustomer's users (and the teams Kustomer's teams). Surveys
    keep the agent's name from when they were sent, so dropping an agent is safe."""
    agents = _mirror(
        {user.id: user for user in client.users() if user.is_agent},
        {item.user_id: item for item in all_agents()},
        same=lambda item, user: (item.name, item.email) == (user.name, user.email),
        save=lambda user: save_agent(user.id, user.name, user.email, now),
        view=_agent,
    )
    report = AgentSyncReport(
        agents.added,
        agents.changed,
        agents.removed,
        agents.unchanged,
        teams=sync_teams(client, now),
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


def _kustomer_teams(client: KustomerClient) -> tuple[dict[str, KustomerTeam], str | None]:
    """Kustomer's teams, or why they cannot be read. Reports by team need them; surveys do not,
    so a key without the team role, or an org without the endpoint, still imports agents."""
    try:
        return {team.id: team for team in client.teams()}, None
    except KustomerAuthError as error:
        if error.status != 403:
            raise
        return {}, (
            f"Kustomer answered 403 to {LIST_TEAMS.call}: the API key needs "
            f"{LIST_TEAMS.required_roles}"
        )
    except KustomerNotFoundError:
        return {}, f"Kustomer answered 404 to {LIST_TEAMS.call}: this org lists no teams"


def sync_teams(client: KustomerClient, now: datetime) -> TeamSyncReport:
    """Make the imported teams match Kustomer's, as `sync_agents` does for users."""
    kustomer_teams, unreadable = _kustomer_teams(client)
    if unreadable is not None:
        logger.warning("Teams not imported", extra={"reason": unreadable})
        return TeamSyncReport((), (), (), len(all_teams()), not_imported_because=unreadable)
    teams = _mirror(
        kustomer_teams,
        {item.team_id: item for item in all_teams()},
        same=lambda item, team: item.name == team.name,
        save=lambda team: save_team(team.id, team.name, now),
        view=_team,
    )
    report = TeamSyncReport(teams.added, teams.changed, teams.removed, teams.unchanged)
    logger.info(
        "Teams synced",
        extra={
            "added": len(report.added),
            "renamed": len(report.renamed),
            "removed": len(report.removed),
            "unchanged": report.unchanged,
        },
    )
    return report


def sync_agents_with_stored_key(
    stored_key_client: Callable[[], KustomerClient], now: datetime
) -> AgentSyncReport:
    """`agents sync`: the same sync, with a client on the key `connect` stored."""
    try:
        return sync_agents(stored_key_client(), now)
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
    except (KustomerError, KustomerUnavailableError, KustomerBusyError) as error:
        raise AgentSyncError(f"Kustomer could not list the users: {error}") from None
