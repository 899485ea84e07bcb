"""A keyed hash of an email address: what stays of a forgotten person on the suppression list,
so that they are still never emailed, while nobody without the key can tell whose address it is
or test a guess (an unkeyed hash of an address is reversed by hashing candidate addresses)."""

from __future__ import annotations

import hashlib
import hmac

ADDRESS_HASH_PREFIX = "hmac-sha256:"


def normalized_address(address: str) -> str:
    """Mailbox providers treat addresses case-insensitively in practice."""
    return address.strip().lower()


def address_hash(address: str, key: bytes) -> str:
    digest = hmac.new(key, normalized_address(address).encode("utf-8"), hashlib.sha256)
    return ADDRESS_HASH_PREFIX + digest.hexdigest()


def is_address_hash(text: str) -> bool:
    return text.startswith(ADDRESS_HASH_PREFIX)
