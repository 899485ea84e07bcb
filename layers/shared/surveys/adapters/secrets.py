"""Secrets Manager through Powertools Parameters, cached for a few minutes per container."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters import constants as parameter_providers

from surveys.adapters.aws_session import boto3_session

SECRET_CACHE_SECONDS = 300


class MissingSecretError(RuntimeError):
    pass


def read_secret(secret_id: str, *, fresh: bool = False) -> str:
    """The secret's value, from the cache unless `fresh`."""
    # Powertools' default provider, made on the shared session rather than one of its own.
    providers = parameter_providers.DEFAULT_PROVIDERS
    if "secrets" not in providers:
        providers["secrets"] = parameters.SecretsProvider(boto3_session=boto3_session())
    value = parameters.get_secret(secret_id, max_age=SECRET_CACHE_SECONDS, force_fetch=fresh)
    text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
    if not text.strip():
        raise MissingSecretError(f"secret {secret_id} is empty")
    return text.strip()


def store_secret(secret_id: str, value: str) -> bool:
    """Make `value` the secret's current version unless it already is (a new version each time
    would look like a key rotation); True when it changed."""
    secrets_manager = boto3_session().client("secretsmanager")
    if secrets_manager.get_secret_value(SecretId=secret_id).get("SecretString") == value:
        return False
    secrets_manager.put_secret_value(SecretId=secret_id, SecretString=value)
    # Powertools would go on serving the old value from its cache for SECRET_CACHE_SECONDS.
    parameters.clear_caches()
    return True
