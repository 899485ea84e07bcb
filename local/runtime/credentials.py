"""Each function signs its AWS calls with its own role's credentials, as in its own container.

Lambda gives a function its role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_SESSION_TOKEN, and the local runtime does the same while a function runs. But here every
function shares one process, and the shared layer builds its AWS clients once per process (as
once per container): a client made while the scanner ran would go on signing with the scanner's
role when the sender uses it. So every botocore session of this process resolves its
credentials to an object that reads those variables whenever a request is signed: each call is
made with the rights of the function running at that moment (or of the admin, outside one).
"""

from __future__ import annotations

import os
from typing import Any

import boto3
import botocore.credentials
from botocore.credentials import CredentialProvider, Credentials, ReadOnlyCredentials


class EnvironmentCredentials(Credentials):
    """Whatever the environment holds when a request is signed."""

    def __init__(self) -> None:
        self.method = "local-runtime-environment"
        self.account_id = None

    # botocore's Credentials keeps these as attributes; here they are read at each signing.
    @property
    def access_key(self) -> str:  # type: ignore[override]
        return os.environ["AWS_ACCESS_KEY_ID"]

    @property
    def secret_key(self) -> str:  # type: ignore[override]
        return os.environ["AWS_SECRET_ACCESS_KEY"]

    @property
    def token(self) -> str | None:  # type: ignore[override]
        return os.environ.get("AWS_SESSION_TOKEN") or None

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        return ReadOnlyCredentials(self.access_key, self.secret_key, self.token, None)


class _EnvironmentProvider(CredentialProvider):
    METHOD = "local-runtime-environment"

    def load(self) -> Credentials | None:
        return EnvironmentCredentials() if "AWS_ACCESS_KEY_ID" in os.environ else None


_default_resolver = botocore.credentials.create_credential_resolver


def _resolver_reading_environment_per_request(*args: Any, **kwargs: Any) -> Any:
    resolver = _default_resolver(*args, **kwargs)
    resolver.insert_before("env", _EnvironmentProvider())
    return resolver


def sign_with_current_environment() -> None:
    """From now on, every botocore session of this process resolves credentials this way."""
    botocore.credentials.create_credential_resolver = _resolver_reading_environment_per_request
    # boto3's default session may have resolved static credentials already.
    boto3.DEFAULT_SESSION = None


def environment_of(credentials: dict[str, Any]) -> dict[str, str]:
    """STS credentials (or an access key) as the variables Lambda sets."""
    environment = {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
    }
    if credentials.get("SessionToken"):
        environment["AWS_SESSION_TOKEN"] = credentials["SessionToken"]
    return environment
