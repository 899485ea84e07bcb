"""One botocore session for every AWS client of a container.

Each botocore session loads botocore's endpoint rules and service models anew (JSON files of a
few MB, the largest part of a cold request's CPU). boto3's clients, Powertools' secrets provider
and every PynamoDB model would each make a session of their own; they share this one, so the
data is read once."""

from __future__ import annotations

from functools import cache

import boto3
import botocore.session


@cache
def botocore_session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def boto3_session() -> boto3.session.Session:
    return boto3.session.Session(botocore_session=botocore_session())


def forget() -> None:
    """A new session from now on: the admin's commands switching stacks and credentials."""
    boto3_session.cache_clear()
    botocore_session.cache_clear()
