"""Secrets Manager through Powertools Parameters, cached for a few minutes per container."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

SECRET_CACHE_SECONDS = 300


class MissingSecretError(RuntimeError):
    pass


def read_secret(secret_id: str) -> str:
    value = parameters.get_secret(secret_id, max_age=SECRET_CACHE_SECONDS)
    text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
    if not text.strip():
        raise MissingSecretError(f"secret {secret_id} is empty")
    return text.strip()
