"""`surveys agents list|sync`: the Kustomer users ratings are attributed to, and their teams."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from cli.errors import CommandError
from cli.stack import Stack
from surveys import bootstrap
from surveys.usecases.agents import (
    Agent,
    AgentSyncError,
    AgentSyncReport,
    imported_agents,
    sync_agents_with_stored_key,
)


def register(subcommands: Any) -> None:
    agents = subcommands.add_parser("agents", help="list or refresh the agents from Kustomer")
    actions = agents.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="print the imported agents")
    actions.add_parser(
        "sync",
        help="import new Kustomer users and teams, update renamed ones, drop removed ones",
    )
    agents.set_defaults(run=run)


def _named(agent: Agent) -> str:
    return f"{agent.name} <{agent.email}>" if agent.email else agent.name


def print_sync(report: AgentSyncReport) -> None:
    print(
        f"Agents: {report.imported} imported ({len(report.added)} added, "
        f"{len(report.updated)} updated, {len(report.removed)} removed, "
        f"{report.unchanged} unchanged)"
    )
    for agent in report.added:
        print(f"  added    {_named(agent)}")
    for before, after in report.updated:
        print(f"  updated  {_named(before)} -> {_named(after)}")
    for agent in report.removed:
        print(f"  removed  {_named(agent)}")
    _print_team_sync(report)


def _print_team_sync(report: AgentSyncReport) -> None:
    teams = report.teams
    if teams.not_imported_because:
        print(
            f"Teams: not imported ({teams.not_imported_because}); agents are, and reports by "
            f"team keep the {teams.unchanged} teams imported before"
        )
        return
    print(
        f"Teams: {teams.imported} imported ({len(teams.added)} added, "
        f"{len(teams.renamed)} renamed, {len(teams.removed)} removed, "
        f"{teams.unchanged} unchanged)"
    )
    for team in teams.added:
        print(f"  added    {team.name}")
    for before, after in teams.renamed:
        print(f"  renamed  {before.name} -> {after.name}")
    for team in teams.removed:
        print(f"  removed  {team.name}")


def _print_list(agents: list[Agent]) -> None:
    if not agents:
        print("No agents imported yet: run `surveys connect`.")
        return
    name_width = max(len(agent.name) for agent in agents)
    email_width = max(len(agent.email or "-") for agent in agents)
    print(f"{'name':<{name_width}}  {'email':<{email_width}}  {'Kustomer user id':<24}  synced")
    for agent in agents:
        print(
            f"{agent.name:<{name_width}}  {agent.email or '-':<{email_width}}  "
            f"{agent.user_id:<24}  {agent.synced_at:%Y-%m-%d %H:%M}"
        )
    print(f"{len(agents)} agents")


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    with stack.as_admin():
        if arguments.action == "list":
            _print_list(imported_agents())
            return 0
        try:
            report = sync_agents_with_stored_key(bootstrap.kustomer_client, datetime.now(UTC))
        except AgentSyncError as error:
            raise CommandError(f"agents not synced: {error}") from None
    print_sync(report)
    return 0
