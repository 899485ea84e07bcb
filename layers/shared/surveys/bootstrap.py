"""Builds the adapters once per Lambda container from the settings and the secrets."""

from __future__ import annotations

from functools import cache, lru_cache

import boto3
from botocore.config import Config

from surveys.adapters.kustomer import KustomerClient, kustomer_api_base
from surveys.adapters.mailer import SesMailer
from surveys.adapters.secrets import read_secret
from surveys.adapters.survey_queue import SqsSurveyQueue
from surveys.config import ConfigurationError, settings
from surveys.usecases.send_survey import Branding

AWS_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@lru_cache(maxsize=1)
def _kustomer_client_for(api_base: str, api_key: str, share: float) -> KustomerClient:
    return KustomerClient(api_base, api_key, rate_limit_share=share)


def kustomer_client() -> KustomerClient:
    """The container's client; rebuilt only when the key in Secrets Manager changes."""
    current = settings()
    return _kustomer_client_for(
        kustomer_api_base(current.kustomer_org_url),
        read_secret(current.kustomer_api_key_secret),
        current.kustomer_rate_limit_share,
    )


def link_signing_key() -> bytes:
    return read_secret(settings().link_signing_key_secret).encode("utf-8")


@cache
def survey_queue() -> SqsSurveyQueue:
    return SqsSurveyQueue(
        boto3.client("sqs", config=AWS_CLIENT_CONFIG), settings().survey_queue_url
    )


@cache
def mailer() -> SesMailer:
    return SesMailer(
        boto3.client("sesv2", config=AWS_CLIENT_CONFIG), settings().ses_configuration_set
    )


def branding() -> Branding:
    current = settings()
    if not current.public_base_url:
        raise ConfigurationError("PUBLIC_BASE_URL is empty: survey links would have no host")
    return Branding(
        company_name=current.company_name,
        sender_name=current.sender_name,
        sender_address=current.sender_address,
        public_base_url=current.public_base_url,
    )
