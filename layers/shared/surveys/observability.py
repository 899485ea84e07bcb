"""One Logger, Tracer and Metrics for the whole layer; service names come from the environment."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def mask_email(address: str) -> str:
    """Keep enough of an address to tell two apart in logs, never the whole of it."""
    local, at, domain = address.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"
