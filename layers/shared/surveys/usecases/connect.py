"""Connect: check the admin's Kustomer API key, store it, and prepare Kustomer for the surveys.

The key is stored only once it has passed every check, and each step is idempotent, so running
connect again with the same key changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from surveys.adapters.kustomer.client import KustomerClient
from surveys.adapters.kustomer.endpoints import kustomer_api_base
from surveys.adapters.kustomer.errors import (
    KustomerAuthError,
    KustomerBusyError,
    KustomerError,
    KustomerUnavailableError,
)
from surveys.adapters.kustomer.permissions import (
    ACCESS_CHECKS,
    DEFINE_CUSTOM_ATTRIBUTES,
    AccessCheck,
)
from surveys.adapters.kustomer.resources import ApiKeyIdentity
from surveys.adapters.secrets import store_secret
from surveys.config import settings
from surveys.observability import logger
from surveys.usecases.agents import AgentSyncReport, sync_agents
from surveys.usecases.triggers import all_programs

# The role set docs/admin.md asks the admin for, as Nicereply's Kustomer integration does; it covers
# every call the system makes.
RECOMMENDED_ROLES = ("org.admin.read", "org.admin.write", "org.user.read", "org.user.write")


class ConnectError(Exception):
    """Connect cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class ConnectReport:
    api_base: str
    key: ApiKeyIdentity | None
    checked: tuple[AccessCheck, ...]
    # custom attribute name -> type, as Kustomer lists it
    attributes_created: dict[str, str]
    attributes_present: dict[str, str]
    secret_id: str
    # False when the secret already held this key
    key_stored: bool
    agents: AgentSyncReport


def api_base_for(org_url: str | None, deployed_org_url: str) -> str:
    """The stack's Kustomer API root; an org URL other than the deployed one is refused, since
    the functions read the org from the deploy parameter, not from anything connect stores."""
    deployed = kustomer_api_base(deployed_org_url)
    if org_url is None or kustomer_api_base(org_url).lower() == deployed.lower():
        return deployed
    raise ConnectError(
        f"this stack is deployed for the Kustomer org {deployed_org_url} (API {deployed}), not "
        f"{org_url.strip()}. The functions take the org from the deploy parameter KustomerOrgUrl: "
        f"redeploy with KustomerOrgUrl={org_url.strip()} (sam deploy --guided, or "
        "parameter_overrides in samconfig.toml), then run connect again. Nothing was stored."
    )


def survey_attributes() -> dict[str, str]:
    """Name -> display name of the conversation custom attributes the writeback sets: per
    program, a number for the score, a text for the comment and one for the reasons' ids, named
    as the program says (programs of one metric usually share them)."""
    wanted: dict[str, str] = {}
    for trigger in all_programs():
        metric_key = trigger.metric
        wanted.setdefault(trigger.score_attribute_name(), f"{metric_key.upper()} score")
        wanted.setdefault(trigger.comment_attribute_name(), f"{metric_key.upper()} comment")
        wanted.setdefault(trigger.reason_attribute_name(), f"{metric_key.upper()} reasons")
    return wanted


def _verify_key(client: KustomerClient, api_base: str) -> ApiKeyIdentity | None:
    try:
        identity = client.api_key_identity()
        # A call the surveys can do without is not probed: the agents' import says if it is
        # refused, once.
        denied = [check for check in ACCESS_CHECKS if check.needed and not client.allows(check)]
    except KustomerAuthError as error:
        raise ConnectError(
            f"Kustomer at {api_base} refused the API key ({error.status}: {error.detail}). Check "
            "that the whole key was pasted, that it has not expired and that it belongs to this "
            "org. Nothing was stored."
        ) from None
    if denied:
        held = f"The key has the roles {', '.join(identity.roles)}. " if identity else ""
        raise ConnectError(
            "the API key lacks roles the surveys need; nothing was stored.\n"
            + "".join(
                f"  {check.call} ({check.purpose}) was refused with 403: it needs "
                f"{check.required_roles}\n"
                for check in denied
            )
            + f"{held}Give the key these roles, or use a key with the roles "
            f"{', '.join(RECOMMENDED_ROLES)}, and run connect again."
        )
    return identity


def _ensure_attributes(client: KustomerClient) -> tuple[dict[str, str], dict[str, str]]:
    """Create the survey attributes that are missing; returns (created, already present)."""
    wanted = survey_attributes()
    defined = client.conversation_custom_attributes()
    missing = {name: shown for name, shown in wanted.items() if name not in defined}
    if missing:
        try:
            defined = client.define_conversation_custom_attributes(missing)
        except KustomerAuthError as error:
            if error.status != 403:
                raise
            raise ConnectError(
                f"{DEFINE_CUSTOM_ATTRIBUTES.call} ({DEFINE_CUSTOM_ATTRIBUTES.purpose}) was "
                f"refused with 403: the key needs {DEFINE_CUSTOM_ATTRIBUTES.required_roles}. "
                f"Give it the role, or create {', '.join(sorted(missing))} on the Conversation "
                "klass yourself (Settings > Platform > Klasses), and run connect again. Nothing "
                "was stored."
            ) from None
        still_missing = sorted(set(missing) - set(defined))
        if still_missing:
            raise ConnectError(
                f"Kustomer accepted {DEFINE_CUSTOM_ATTRIBUTES.call} but does not list "
                f"{', '.join(still_missing)}: create them on the Conversation klass (Settings > "
                "Platform > Klasses) and run connect again."
            )
    created = {name: defined[name] for name in missing}
    present = {name: defined[name] for name in wanted if name not in missing}
    return created, present


def connect(api_key: str, org_url: str | None, now: datetime) -> ConnectReport:
    deployed = settings()
    api_base = api_base_for(org_url, deployed.need("kustomer_org_url"))
    client = KustomerClient(api_base, api_key, rate_limit_share=deployed.kustomer_rate_limit_share)
    try:
        identity = _verify_key(client, api_base)
        created, present = _ensure_attributes(client)
        stored = store_secret(deployed.need("kustomer_api_key_secret"), api_key)
        agents = sync_agents(client, now)
    except KustomerUnavailableError as error:
        raise ConnectError(
            f"Kustomer at {api_base} did not answer ({error}); check the org URL and try again"
        ) from None
    except KustomerBusyError as error:
        raise ConnectError(f"Kustomer at {api_base} is too busy to connect now ({error})") from None
    except KustomerError as error:
        raise ConnectError(str(error)) from None
    logger.info(
        "Connected to Kustomer",
        extra={
            "api_base": api_base,
            "attributes_created": sorted(created),
            "key_stored": stored,
        },
    )
    return ConnectReport(
        api_base=api_base,
        key=identity,
        checked=tuple(check for check in ACCESS_CHECKS if check.needed),
        attributes_created=created,
        attributes_present=present,
        secret_id=deployed.need("kustomer_api_key_secret"),
        key_stored=stored,
        agents=agents,
    )
