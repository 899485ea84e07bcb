"""`surveys connect` and `surveys agents`, run in-process against the local runtime and the
Kustomer simulator over HTTP, the way an admin runs them after a deploy."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from local.kustomer_sim import KustomerSimulator
from local.kustomer_sim.simulator import DEFAULT_ROLES
from local.runtime.runtime import LocalRuntime, RuntimeOptions
from surveys.adapters.store.state import find_agent
from tests.conftest import TEST_PARAMETERS

KEY_AT_DEPLOY = "REPLACE_ME_WITH_THE_KUSTOMER_API_KEY"
KUSTOMER_KEY = "kustomer-key-for-connect"
SURVEY_ATTRIBUTES = {
    "cesScoreNum": "number",
    "cesCommentTxt": "text",
    "csatScoreNum": "number",
    "csatCommentTxt": "text",
    "npsScoreNum": "number",
    "npsCommentTxt": "text",
    # The ids of the reasons ticked with a negative score.
    "cesReasonStr": "string",
    "csatReasonStr": "string",
    "npsReasonStr": "string",
}
AGENTS = {
    "Maya Patel": "maya.patel@example.com",
    "Jonas Becker": "jonas.becker@example.com",
    "Aisha Okafor": "aisha.okafor@example.com",
}


@dataclass
class Deployment:
    kustomer: KustomerSimulator
    runtime: LocalRuntime
    stack_file: Path
    user_ids: dict[str, str]

    def secret(self) -> str:
        secret_id = self.runtime.environment("ScannerFunction")["KUSTOMER_API_KEY_SECRET"]
        value = self.runtime.moto.client("secretsmanager").get_secret_value(SecretId=secret_id)
        return str(value["SecretString"])

    def secret_versions(self) -> int:
        secret_id = self.runtime.environment("ScannerFunction")["KUSTOMER_API_KEY_SECRET"]
        listed = self.runtime.moto.client("secretsmanager").list_secret_version_ids(
            SecretId=secret_id
        )
        return len(listed["Versions"])

    def agents(self) -> dict[str, dict[str, Any]]:
        return {
            item["user_id"]: item
            for item in self.runtime.table_items("StateTable")
            if item["key"].startswith("agent#")
        }

    def agent_names(self) -> dict[str, str]:
        return {user_id: item["name"] for user_id, item in self.agents().items()}

    def team_names(self) -> dict[str, str]:
        return {
            item["team_id"]: item["name"]
            for item in self.runtime.table_items("StateTable")
            if item["key"].startswith("team#")
        }


@contextmanager
def deployment(tmp_path: Path, roles: Sequence[str] = DEFAULT_ROLES) -> Iterator[Deployment]:
    """A fresh Kustomer org (no survey attributes yet) and a stack deployed for it, whose secret
    still holds the placeholder the template creates it with."""
    kustomer = KustomerSimulator(api_key=KUSTOMER_KEY, roles=roles)
    kustomer.start()
    user_ids = {name: kustomer.add_user(name, email) for name, email in AGENTS.items()}
    runtime = LocalRuntime(
        RuntimeOptions(
            kustomer_api_key=KEY_AT_DEPLOY,
            parameters={**TEST_PARAMETERS, "KustomerOrgUrl": kustomer.base_url},
        )
    ).start()
    stack_file = tmp_path / "stack.json"
    runtime.stack().write_local_file(stack_file)
    try:
        yield Deployment(kustomer, runtime, stack_file, user_ids)
    finally:
        runtime.stop()
        kustomer.stop()


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[Deployment]:
    with deployment(tmp_path) as ready:
        yield ready


def surveys(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch, *arguments: str, key: str = ""
) -> int:
    """Run the admin's command line tool; `key` is what the admin pipes into it."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{key}\n"))
    return main(["--local-file", str(deployed.stack_file), *arguments])


def test_connect_checks_the_key_creates_the_attributes_and_imports_the_agents(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert surveys(deployed, monkeypatch, "connect", key=KUSTOMER_KEY) == 0

    output = capsys.readouterr().out
    assert KUSTOMER_KEY not in output
    assert set(deployed.kustomer.custom_attributes()) == set(SURVEY_ATTRIBUTES)
    for name, kind in SURVEY_ATTRIBUTES.items():
        assert f"created  {name} ({kind})" in output
    assert deployed.secret() == KUSTOMER_KEY
    assert deployed.agent_names() == {user_id: name for name, user_id in deployed.user_ids.items()}
    maya = deployed.agents()[deployed.user_ids["Maya Patel"]]
    assert maya["email"] == "maya.patel@example.com"
    # The sender attributes a rating to the conversation's assigned agent with find_agent.
    with deployed.runtime.stack().as_function("SenderFunction"):
        agent = find_agent(deployed.user_ids["Jonas Becker"])
    assert agent is not None and agent.name == "Jonas Becker"


@pytest.mark.parametrize(
    ("missing_role", "refused_call", "needed_role"),
    [
        ("org.user.write", "POST /v1/notes", "org.user.note.write"),
        ("org.user.write", "PATCH /v1/conversations/{id}", "org.user.conversation.write"),
        ("org.user.read", "GET /v1/customers/{id}", "org.user.customer.read"),
        ("org.admin.write", "PUT /v1/metadata/conversation", "org.admin.metadata.write"),
    ],
)
def test_a_key_lacking_a_role_is_refused_naming_the_call_and_role_and_nothing_is_stored(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    missing_role: str,
    refused_call: str,
    needed_role: str,
) -> None:
    roles = [role for role in DEFAULT_ROLES if role != missing_role]
    with deployment(tmp_path, roles) as deployed:
        assert surveys(deployed, monkeypatch, "connect", key=KUSTOMER_KEY) == 2

        error = capsys.readouterr().err
        assert f"{refused_call} (" in error
        assert needed_role in error
        assert "Nothing was stored" in error or "nothing was stored" in error
        assert deployed.secret() == KEY_AT_DEPLOY
        assert deployed.kustomer.custom_attributes() == {}
        assert deployed.agents() == {}


def test_a_wrong_key_is_refused_and_nothing_is_stored(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert surveys(deployed, monkeypatch, "connect", key="not-the-key") == 2

    error = capsys.readouterr().err
    assert "refused the API key (401" in error
    assert "not-the-key" not in error
    assert deployed.secret() == KEY_AT_DEPLOY
    assert deployed.kustomer.custom_attributes() == {}
    assert deployed.agents() == {}


def test_an_org_other_than_the_deployed_one_is_refused_before_any_call(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ("connect", "--org-url", "acme.kustomerapp.com")

    assert surveys(deployed, monkeypatch, *arguments, key=KUSTOMER_KEY) == 2

    assert "redeploy with KustomerOrgUrl=acme.kustomerapp.com" in capsys.readouterr().err
    assert deployed.kustomer.request_log == []
    assert deployed.secret() == KEY_AT_DEPLOY


def test_connecting_again_changes_nothing_and_duplicates_nothing(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    connect = ("connect", "--org-url", deployed.kustomer.base_url)
    assert surveys(deployed, monkeypatch, *connect, key=KUSTOMER_KEY) == 0
    agents_before, versions_before = deployed.agents(), deployed.secret_versions()
    capsys.readouterr()
    deployed.kustomer.reset_request_log()

    assert surveys(deployed, monkeypatch, *connect, key=KUSTOMER_KEY) == 0

    output = capsys.readouterr().out
    for name, kind in SURVEY_ATTRIBUTES.items():
        assert f"present  {name} ({kind})" in output
    assert "API key already in secret" in output
    assert "0 added, 0 updated, 0 removed, 3 unchanged" in output
    assert not [call for call in deployed.kustomer.request_log if call[0] == "PUT"]
    assert deployed.agents() == agents_before
    assert deployed.secret_versions() == versions_before
    assert deployed.secret() == KUSTOMER_KEY


def test_connect_creates_the_attributes_the_trigger_settings_name(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    change = ("trigger", "set", "csat", "score_attribute=satisfactionNum")
    assert surveys(deployed, monkeypatch, *change) == 0

    assert surveys(deployed, monkeypatch, "connect", key=KUSTOMER_KEY) == 0

    created = deployed.kustomer.custom_attributes()
    assert "satisfactionNum" in created
    assert "csatScoreNum" not in created


def test_agents_sync_picks_up_new_renamed_and_removed_users(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert surveys(deployed, monkeypatch, "connect", key=KUSTOMER_KEY) == 0
    kustomer, ids = deployed.kustomer, deployed.user_ids
    new_id = kustomer.add_user("Lucas Moreau", "lucas.moreau@example.com")
    kustomer.rename_user(ids["Aisha Okafor"], "Aisha Okafor-Bello")
    kustomer.remove_user(ids["Jonas Becker"])
    capsys.readouterr()

    assert surveys(deployed, monkeypatch, "agents", "sync") == 0

    output = capsys.readouterr().out
    assert "1 added, 1 updated, 1 removed, 1 unchanged" in output
    assert "Aisha Okafor <aisha.okafor@example.com> -> Aisha Okafor-Bello" in output
    assert deployed.agent_names() == {
        ids["Maya Patel"]: "Maya Patel",
        ids["Aisha Okafor"]: "Aisha Okafor-Bello",
        new_id: "Lucas Moreau",
    }
    assert surveys(deployed, monkeypatch, "agents", "list") == 0
    listing = capsys.readouterr().out
    assert "Lucas Moreau" in listing and "Jonas Becker" not in listing
    assert "3 agents" in listing


def test_connect_imports_the_teams_and_agents_sync_picks_up_new_renamed_and_removed_ones(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kustomer = deployed.kustomer
    billing, orders = kustomer.add_team("Billing"), kustomer.add_team("Orders")
    assert surveys(deployed, monkeypatch, "connect", key=KUSTOMER_KEY) == 0
    assert "Teams: 2 imported (2 added, 0 renamed, 0 removed, 0 unchanged)" in (
        capsys.readouterr().out
    )
    assert deployed.team_names() == {billing: "Billing", orders: "Orders"}
    accounts = kustomer.add_team("Accounts")
    kustomer.rename_team(billing, "Billing & Refunds")
    kustomer.remove_team(orders)

    assert surveys(deployed, monkeypatch, "agents", "sync") == 0

    output = capsys.readouterr().out
    assert "Teams: 2 imported (1 added, 1 renamed, 1 removed, 0 unchanged)" in output
    assert "renamed  Billing -> Billing & Refunds" in output
    assert "removed  Orders" in output
    assert deployed.team_names() == {billing: "Billing & Refunds", accounts: "Accounts"}


def test_agents_sync_without_the_team_read_role_imports_the_agents_and_names_the_role_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with deployment(tmp_path, roles=["org.user.user.read"]) as ready:
        ready.kustomer.add_team("Billing")
        secret_id = ready.runtime.environment("ScannerFunction")["KUSTOMER_API_KEY_SECRET"]
        ready.runtime.moto.client("secretsmanager").put_secret_value(
            SecretId=secret_id, SecretString=KUSTOMER_KEY
        )

        assert surveys(ready, monkeypatch, "agents", "sync") == 0

        assert set(ready.agent_names().values()) == set(AGENTS)
        assert ready.team_names() == {}
    output = capsys.readouterr().out
    assert output.count("403 to GET /v1/teams") == 1
    assert "org.user.team.read" in output
    assert "Agents: 3 imported" in output


def test_agents_sync_before_connect_says_to_connect(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert surveys(deployed, monkeypatch, "agents", "sync") == 2

    assert "run `surveys connect`" in capsys.readouterr().err
    assert deployed.agents() == {}
