"""`surveys rotate-link-key` on the local runtime: links sent before a rotation keep working,
links of a retired key are refused, and a function that cached the old ring opens a link of
the new key at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from cli.main import main
from local.kustomer_sim import KustomerSimulator
from local.recipient import PERSON_CLICKING_SEND, answer
from local.runtime.runtime import LocalRuntime, SentEmail
from surveys import bootstrap
from surveys.domain.link_keys import LinkKeys
from tests.conftest import function_environment
from tests.integration.helpers import add_due_conversation

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def local_stack(runtime: LocalRuntime, tmp_path: Path) -> list[str]:
    path = tmp_path / "stack.json"
    runtime.stack().write_local_file(path)
    return ["--local-file", str(path)]


def _send_one(runtime: LocalRuntime, simulator: KustomerSimulator, address: str) -> SentEmail:
    """A survey to `address`, sent now: its conversation went quiet since the last scan."""
    before = len(runtime.sent_emails())
    scanned_at = NOW + timedelta(hours=before)
    add_due_conversation(simulator, scanned_at, quiet_hours=48.5, emails=(address,))
    runtime.scan(scanned_at)
    runtime.deliver()
    [sent] = runtime.sent_emails()[before:]
    return sent


def _status(link: str) -> int:
    return requests.get(link, headers=PERSON_CLICKING_SEND, timeout=10).status_code


def _rotate(local_stack: list[str], capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    capsys.readouterr()
    assert main([*local_stack, "rotate-link-key", *flags]) == 0
    return capsys.readouterr().out


def test_links_signed_before_a_rotation_work_and_those_of_a_retired_key_do_not(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _send_one(runtime, simulator, "before@example.com")
    assert "/r/k" not in before.rating_links()[5]

    rotated = _rotate(local_stack, capsys)

    kept_until = (datetime.now(UTC) + timedelta(days=365 + 3650)).date()
    assert "k1 signs every new link" in rotated
    assert f"k0 signs no more; it verifies the links it signed until {kept_until}" in rotated
    # Five minutes on, the sender's cached key ring is stale; the rating webhook's is not, and
    # it must fetch the new key itself when a link names it.
    runtime.expire_cached_secrets("SenderFunction")
    after = _send_one(runtime, simulator, "after@example.com")
    assert "/r/k1." in after.rating_links()[5]
    assert "/u/k1." in after.unsubscribe_link
    assert _status(before.rating_links()[5]) == 200
    assert _status(before.unsubscribe_link) == 200
    assert answer(before.rating_links()[5], 5, "signed with the first key").status_code == 200
    assert answer(after.rating_links()[6], 6).status_code == 200

    retired = _rotate(local_stack, capsys, "--retire-previous", "--yes")

    assert "k2 signs every new link" in retired
    assert "k0 retired: links it signed are refused within 5 minutes" in retired
    assert "k1 retired" in retired
    runtime.expire_cached_secrets()
    for link in (before.rating_links()[5], before.unsubscribe_link, after.rating_links()[6]):
        assert _status(link) == 410, link
    one_click = requests.post(
        after.unsubscribe_link, data={"List-Unsubscribe": "One-Click"}, timeout=10
    )
    assert one_click.status_code == 410
    assert runtime.table_items("SuppressionsTable") == []
    latest = _send_one(runtime, simulator, "latest@example.com")
    assert _status(latest.rating_links()[4]) == 200


def test_retiring_the_previous_keys_asks_first(
    runtime: LocalRuntime, local_stack: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*local_stack, "rotate-link-key", "--retire-previous"]) == 2

    assert "add --yes to go ahead without asking" in capsys.readouterr().err
    secret = runtime.environment("SenderFunction")["LINK_SIGNING_KEY_SECRET"]
    value = runtime.moto.client("secretsmanager").get_secret_value(SecretId=secret)
    assert LinkKeys.from_secret(value["SecretString"]).current_id == "k0"


def test_a_container_that_cached_the_old_ring_reads_it_again_for_a_new_key(
    runtime: LocalRuntime,
) -> None:
    secrets_manager = runtime.moto.client("secretsmanager")
    secret = runtime.environment("RatingWebhookFunction")["LINK_SIGNING_KEY_SECRET"]
    with function_environment(runtime, "RatingWebhookFunction"):
        cached = bootstrap.link_signing_keys()
        rotated = cached.rotated(b"made-by-another-admin", NOW)
        secrets_manager.put_secret_value(SecretId=secret, SecretString=rotated.to_secret())

        assert bootstrap.link_signing_keys().current_id == "k0"
        assert bootstrap.link_signing_keys(needing="k1").current_id == "k1"

        # A link naming a key nobody made does not send every request to Secrets Manager: the
        # ring is read again at most once a minute.
        again = rotated.rotated(b"third", NOW)
        secrets_manager.put_secret_value(SecretId=secret, SecretString=again.to_secret())
        assert bootstrap.link_signing_keys(needing="k2").key("k2") is None
