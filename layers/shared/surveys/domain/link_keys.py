"""The keys that sign survey links, as a ring: the current key signs every new link, the keys
before it still verify the links they signed, and a key is retired once every link it signed
has expired (or at once, when it may have leaked). A link signed with a retired key is refused.

Tokens name their key (`k2.<payload>.<signature>`). A stack starts with one plain key, `k0`,
whose tokens name no key: the links sent before the first rotation keep working unchanged.
The ring is kept as JSON in the link-signing secret; a secret that is not JSON is that first
plain key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from surveys.domain.triggers import LONGEST_LINK_EXPIRY_DAYS

LEGACY_KEY_ID = "k0"
KEY_ID = re.compile(r"k[0-9]{1,9}")
# An unsubscribe link outlives the rating links of its email by this much: it must work for as
# long as anyone keeps the email.
UNSUBSCRIBE_LINK_LIFETIME = timedelta(days=3650)
# A key that stopped signing is kept this long: the longest rating link, then its email's
# unsubscribe link, may have been signed just before.
LONGEST_LINK_LIFETIME = timedelta(days=LONGEST_LINK_EXPIRY_DAYS) + UNSUBSCRIBE_LINK_LIFETIME


class LinkKeyRingError(ValueError):
    """The link-signing secret holds no ring this code can read."""


@dataclass(frozen=True)
class LinkKey:
    key_id: str
    secret: bytes = field(repr=False)
    created_at: datetime | None = None
    # When it stopped signing new links; None while it is the current key.
    signed_until: datetime | None = None

    @property
    def kept_until(self) -> datetime | None:
        """When the last link it signed expires, and it is retired; None while it signs."""
        return None if self.signed_until is None else self.signed_until + LONGEST_LINK_LIFETIME


@dataclass(frozen=True)
class RetiredKey:
    key_id: str
    retired_at: datetime


@dataclass(frozen=True)
class LinkKeys:
    current_id: str
    keys: tuple[LinkKey, ...]
    retired: tuple[RetiredKey, ...] = ()

    @classmethod
    def single(cls, secret: bytes) -> LinkKeys:
        """The ring of a stack never rotated: its one key, `k0`."""
        return cls(LEGACY_KEY_ID, (LinkKey(LEGACY_KEY_ID, secret),))

    @property
    def current(self) -> LinkKey:
        key = self.key(self.current_id)
        if key is None:
            raise LinkKeyRingError(f"the current key {self.current_id} is not in the ring")
        return key

    def key(self, key_id: str) -> LinkKey | None:
        return next((key for key in self.keys if key.key_id == key_id), None)

    def retired_at(self, key_id: str) -> datetime | None:
        return next((key.retired_at for key in self.retired if key.key_id == key_id), None)

    def rotated(self, new_secret: bytes, now: datetime) -> LinkKeys:
        """A new current key; the one before signs no more and is kept for its links. Keys
        whose links have all expired are retired on the way."""
        ids = [key.key_id for key in self.keys] + [key.key_id for key in self.retired]
        new_id = f"k{max(int(key_id[1:]) for key_id in ids) + 1}"
        previous = tuple(
            replace(key, signed_until=now) if key.key_id == self.current_id else key
            for key in self.keys
        )
        new_key = LinkKey(new_id, new_secret, created_at=now)
        return LinkKeys(new_id, (*previous, new_key), self.retired).without_spent_keys(now)

    def without_spent_keys(self, now: datetime) -> LinkKeys:
        """Retire every previous key whose links have all expired."""
        spent = [key.key_id for key in self.keys if key.kept_until and key.kept_until <= now]
        return self.retiring(spent, now)

    def retiring(self, key_ids: list[str], now: datetime) -> LinkKeys:
        """Retire these previous keys now: links they signed are refused from now on. Their
        secrets leave the ring; their ids stay, so such a link is told apart from a forged one."""
        if self.current_id in key_ids:
            raise LinkKeyRingError("the current key cannot be retired: rotate first")
        return LinkKeys(
            self.current_id,
            tuple(key for key in self.keys if key.key_id not in key_ids),
            (
                *self.retired,
                *(RetiredKey(key.key_id, now) for key in self.keys if key.key_id in key_ids),
            ),
        )

    def to_secret(self) -> str:
        return json.dumps(
            {
                "current": self.current_id,
                "keys": [
                    {
                        "id": key.key_id,
                        "secret": key.secret.decode("utf-8"),
                        "created_at": _moment(key.created_at),
                        "signed_until": _moment(key.signed_until),
                    }
                    for key in self.keys
                ],
                "retired": [
                    {"id": key.key_id, "retired_at": key.retired_at.isoformat()}
                    for key in self.retired
                ],
            },
            indent=1,
        )

    @classmethod
    def from_secret(cls, text: str) -> LinkKeys:
        """The ring a secret holds; a plain (not JSON) secret is the stack's first key."""
        if not text.lstrip().startswith("{"):
            return cls.single(text.encode("utf-8"))
        try:
            data = json.loads(text)
            ring = cls(
                str(data["current"]),
                tuple(
                    LinkKey(
                        str(entry["id"]),
                        str(entry["secret"]).encode("utf-8"),
                        _parsed(entry.get("created_at")),
                        _parsed(entry.get("signed_until")),
                    )
                    for entry in data["keys"]
                ),
                tuple(
                    RetiredKey(str(entry["id"]), datetime.fromisoformat(entry["retired_at"]))
                    for entry in data.get("retired", [])
                ),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise LinkKeyRingError(f"the link-signing secret is not a key ring: {error}") from error
        for key_id in [key.key_id for key in ring.keys] + [key.key_id for key in ring.retired]:
            if not KEY_ID.fullmatch(key_id):
                raise LinkKeyRingError(f"the link-signing secret names a key {key_id!r}")
        if ring.key(ring.current_id) is None:
            raise LinkKeyRingError(f"the current key {ring.current_id} is not in the ring")
        return ring


def _moment(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parsed(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
