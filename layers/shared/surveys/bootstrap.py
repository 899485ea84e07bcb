"""Builds the adapters from the settings and the secrets, once per Lambda container: each is
kept for as long as what it was built from stays the same."""

from __future__ import annotations

import os
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities import parameters
from botocore.config import Config

from surveys.adapters import aws_session
from surveys.adapters.secrets import read_secret
from surveys.config import settings
from surveys.domain.branding import Branding
from surveys.domain.link_keys import LinkKeys

# Each adapter is imported where it is built: a function imports only those it uses (the rating
# webhook never loads the Kustomer client, requests or the queue's models), which its cold start
# would otherwise pay for.
if TYPE_CHECKING:
    from surveys.adapters.alert_topic import SnsAlertTopic
    from surveys.adapters.event_bus import EventBridgeBus
    from surveys.adapters.kustomer.client import KustomerClient
    from surveys.adapters.mailer import SesMailer
    from surveys.adapters.survey_queue import SqsSurveyQueue

AWS_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})

# Extra KustomerClient arguments for every client built from now on: tests and benchmarks run
# the client on a simulated clock.
_kustomer_client_options: dict[str, Any] = {}


def configure_kustomer_client(**options: Any) -> None:
    """Build every Kustomer client from now on with these extra arguments (e.g. `sleep`); no
    arguments go back to the defaults."""
    _kustomer_client_options.clear()
    _kustomer_client_options.update(options)
    _kustomer_client_for.cache_clear()


def reset() -> None:
    """Forget every adapter and cached secret, as a new container would: for the local runtime
    starting a new deployment, and for the admin's commands switching stacks."""
    for cached in (_kustomer_client_for, _aws_client, _survey_queue, _mailer, _event_bus):
        cached.cache_clear()
    aws_session.forget()
    parameters.clear_caches()
    _key_ring_refreshed_at[0] = float("-inf")


@lru_cache(maxsize=4)
def _kustomer_client_for(
    api_base: str, api_key: str, share: float, search_limit: int
) -> KustomerClient:
    from surveys.adapters.kustomer.client import KustomerClient

    return KustomerClient(
        api_base,
        api_key,
        rate_limit_share=share,
        search_limit_per_minute=search_limit,
        **_kustomer_client_options,
    )


def kustomer_client() -> KustomerClient:
    """The container's client; rebuilt only when the key in Secrets Manager changes."""
    from surveys.adapters.kustomer.endpoints import kustomer_api_base

    current = settings()
    return _kustomer_client_for(
        kustomer_api_base(current.need("kustomer_org_url")),
        read_secret(current.need("kustomer_api_key_secret")),
        current.kustomer_rate_limit_share,
        current.kustomer_search_limit,
    )


# A link naming a key this container does not know re-reads the secret at most this often: a
# key made by `surveys rotate-link-key` within the cache's five minutes, not a forged name.
KEY_RING_REFRESH_SECONDS = 60
_key_ring_refreshed_at = [float("-inf")]


def link_signing_keys(needing: str | None = None) -> LinkKeys:
    """The link-signing key ring. `needing`: the key a link names; a ring without it is read
    again from Secrets Manager, past the cache, once a minute at most."""
    secret = settings().need("link_signing_key_secret")
    ring = LinkKeys.from_secret(read_secret(secret))
    if needing is None or ring.key(needing) or ring.retired_at(needing):
        return ring
    if time.monotonic() - _key_ring_refreshed_at[0] < KEY_RING_REFRESH_SECONDS:
        return ring
    _key_ring_refreshed_at[0] = time.monotonic()
    return LinkKeys.from_secret(read_secret(secret, fresh=True))


def address_hash_key() -> bytes:
    """The key of the hashed suppressions `surveys forget` leaves."""
    return read_secret(settings().need("address_hash_key_secret")).encode("utf-8")


@lru_cache(maxsize=8)
def _aws_client(service: str, region: str | None, endpoint: str | None) -> Any:
    return aws_session.boto3_session().client(service, config=AWS_CLIENT_CONFIG)  # type: ignore[call-overload]


def aws_client(service: str) -> Any:
    """A boto3 client for the region and endpoint of the environment as it is now."""
    return _aws_client(service, os.environ.get("AWS_REGION"), os.environ.get("AWS_ENDPOINT_URL"))


@lru_cache(maxsize=4)
def _survey_queue(queue_url: str) -> SqsSurveyQueue:
    from surveys.adapters.survey_queue import SqsSurveyQueue

    return SqsSurveyQueue(aws_client("sqs"), queue_url)


def survey_queue() -> SqsSurveyQueue:
    return _survey_queue(settings().need("survey_queue_url"))


@lru_cache(maxsize=4)
def _mailer(configuration_set: str) -> SesMailer:
    from surveys.adapters.mailer import SesMailer

    return SesMailer(aws_client("sesv2"), configuration_set)


def mailer() -> SesMailer:
    return _mailer(settings().need("ses_configuration_set"))


@lru_cache(maxsize=4)
def _event_bus(bus_name: str) -> EventBridgeBus:
    from surveys.adapters.event_bus import EventBridgeBus

    return EventBridgeBus(aws_client("events"), bus_name)


def event_bus() -> EventBridgeBus:
    return _event_bus(settings().need("event_bus_name"))


def alert_topic() -> SnsAlertTopic:
    from surveys.adapters.alert_topic import SnsAlertTopic

    return SnsAlertTopic(aws_client("sns"), settings().need("alert_topic_arn"))


def branding() -> Branding:
    current = settings()
    return Branding(
        company_name=current.need("company_name"),
        sender_name=current.need("sender_name"),
        sender_address=current.need("sender_address"),
        public_base_url=current.need("public_base_url"),
    )
