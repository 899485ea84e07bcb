"""Rotate the link-signing key: a new key signs every link from now on, while the previous ones
still verify the links they signed, until the last of those expires (surveys/domain/link_keys.py).
Retiring the previous keys at once, when one may have leaked, closes every link they signed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from surveys.adapters.secrets import read_secret, store_secret
from surveys.domain.link_keys import LinkKeys

# As long as the key the stack is deployed with (template.yaml, LinkSigningKeySecret).
NEW_KEY_CHARACTERS = 64


@dataclass(frozen=True)
class Rotation:
    before: LinkKeys
    after: LinkKeys

    @property
    def retired_now(self) -> list[str]:
        before = {key.key_id for key in self.before.retired}
        return [key.key_id for key in self.after.retired if key.key_id not in before]


def new_link_key() -> bytes:
    """Letters and digits, as Secrets Manager generates the first key."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(NEW_KEY_CHARACTERS)).encode("ascii")


def current_link_keys(secret_id: str) -> LinkKeys:
    return LinkKeys.from_secret(read_secret(secret_id, fresh=True))


def rotate_link_key(secret_id: str, now: datetime, *, retire_previous: bool = False) -> Rotation:
    before = current_link_keys(secret_id)
    after = before.rotated(new_link_key(), now)
    if retire_previous:
        after = after.retiring(
            [key.key_id for key in after.keys if key.key_id != after.current_id], now
        )
    store_secret(secret_id, after.to_secret())
    return Rotation(before, after)
