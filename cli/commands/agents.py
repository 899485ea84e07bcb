"""`surveys agents list|sync`: the Kustomer users ratings are attributed to, and their teams."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cli.errors import CommandError
from cli.interaction import add_output_option, emit
from cli.stack import Stack

if TYPE_CHECKING:
    from surveys.usecases.agents import Agent, AgentSyncReport


def register(subcommands: Any) -> None:
    agents = subcommands.add_parser("agents", help="list or refresh the agents from Kustomer")
    actions = agents.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="print the imported agents")
    sync = actions.add_parser(
        "sync",
        help="import new Kustomer users and teams, update renamed ones, drop removed ones",
        description=(
            "Makes the imported agents and teams match Kustomer's users and teams. It asks for "
            "no confirmation: it copies what Kustomer has, changes nothing a customer sees, "
            "and running it again changes nothing."
        ),
    )
    add_output_option(listing)
    add_output_option(sync)
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


def sync_json(report: AgentSyncReport) -> dict[str, Any]:
    teams = report.teams
    return {
        "imported": report.imported,
        "added": report.added,
        "updated": [{"before": before, "after": after} for before, after in report.updated],
        "removed": report.removed,
        "unchanged": report.unchanged,
        "teams": {
            "imported": teams.imported,
            "added": teams.added,
            "renamed": [{"before": before, "after": after} for before, after in teams.renamed],
            "removed": teams.removed,
            "unchanged": teams.unchanged,
            "not_imported_because": teams.not_imported_because,
        },
    }


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    from surveys import bootstrap
    from surveys.usecases.agents import (
        AgentSyncError,
        imported_agents,
        sync_agents_with_stored_key,
    )

    with stack.as_admin():
        if arguments.action == "list":
            agents = imported_agents()
            emit(arguments, {"agents": agents}, lambda: _print_list(agents))
            return 0
        try:
            report = sync_agents_with_stored_key(bootstrap.kustomer_client, datetime.now(UTC))
        except AgentSyncError as error:
            raise CommandError(f"agents not synced: {error}") from None
    emit(arguments, sync_json(report), lambda: print_sync(report))
    return 0
