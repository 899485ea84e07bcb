"""`surveys rotate-link-key [--retire-previous]`: a new key signs survey links from now on."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from cli.errors import CommandError
from cli.stack import Stack
from surveys.adapters.secrets import SECRET_CACHE_SECONDS
from surveys.config import settings
from surveys.usecases.link_keys import rotate_link_key


def register(subcommands: Any) -> None:
    command = subcommands.add_parser(
        "rotate-link-key",
        help="a new key signs survey links; links already sent keep working until they expire",
        description=(
            "Makes a new link-signing key the one that signs every new link. Links name the key "
            "that signed them, so the previous keys still verify theirs: each is kept until the "
            "last link it signed has expired, the unsubscribe links about ten years on, and is "
            "retired by the first rotation after that. --retire-previous retires every "
            "previous key now, for a key that may have leaked: every link it signed is refused "
            "from then on, unsubscribe links in emails already sent included."
        ),
    )
    command.add_argument(
        "--retire-previous",
        action="store_true",
        help="retire every previous key now: links they signed are refused",
    )
    command.add_argument("--yes", action="store_true", help="with --retire-previous: do not ask")
    command.set_defaults(run=run)


def _confirmed(assume_yes: bool) -> bool:
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        raise CommandError(
            "--retire-previous closes every link sent before: confirm on a terminal, or pass --yes"
        )
    answer = input("Refuse every link signed before, unsubscribe links included? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    if arguments.retire_previous and not _confirmed(arguments.yes):
        print("Nothing changed")
        return 1
    with stack.as_admin():
        rotation = rotate_link_key(
            settings().need("link_signing_key_secret"),
            datetime.now(UTC),
            retire_previous=arguments.retire_previous,
        )
    ring = rotation.after
    minutes = SECRET_CACHE_SECONDS // 60
    print(
        f"{ring.current_id} signs every new link (the functions take it up within {minutes} "
        "minutes; links it signed open at once)"
    )
    for key in ring.keys:
        if key.kept_until is not None:
            print(
                f"{key.key_id} signs no more; it verifies the links it signed until "
                f"{key.kept_until:%Y-%m-%d} (the last unsubscribe link it may have signed)"
            )
    for key_id in rotation.retired_now:
        print(f"{key_id} retired: links it signed are refused from now on")
    return 0
