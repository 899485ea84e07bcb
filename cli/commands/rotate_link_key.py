"""`surveys rotate-link-key [--retire-previous]`: a new key signs survey links from now on."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cli.errors import ExitCode
from cli.interaction import add_output_option, add_yes_option, confirm, emit
from cli.stack import Stack

if TYPE_CHECKING:
    from surveys.usecases.link_keys import Rotation


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
            "from then on, unsubscribe links in emails already sent included; it asks first."
        ),
    )
    command.add_argument(
        "--retire-previous",
        action="store_true",
        help="retire every previous key now: links they signed are refused",
    )
    add_output_option(command)
    add_yes_option(command)
    command.set_defaults(run=run)


def _rotation_lines(rotation: Rotation, cache_seconds: int) -> list[str]:
    ring = rotation.after
    lines = [
        f"{ring.current_id} signs every new link (the functions take it up within "
        f"{cache_seconds // 60} minutes; links it signed open at once)"
    ]
    lines += [
        f"{key.key_id} signs no more; it verifies the links it signed until "
        f"{key.kept_until:%Y-%m-%d} (the last unsubscribe link it may have signed)"
        for key in ring.keys
        if key.kept_until is not None
    ]
    lines += [
        f"{key_id} retired: links it signed are refused within {cache_seconds // 60} minutes"
        for key_id in rotation.retired_now
    ]
    return lines


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    if arguments.retire_previous:
        confirm(
            arguments,
            [
                "A new key will sign every new link, and every previous key is retired now: "
                "every link signed before is refused, unsubscribe links in emails already sent "
                "included."
            ],
            action="rotate-link-key --retire-previous",
        )
    with stack.as_admin():
        from surveys.adapters.secrets import SECRET_CACHE_SECONDS
        from surveys.config import settings
        from surveys.usecases.link_keys import rotate_link_key

        rotation = rotate_link_key(
            settings().need("link_signing_key_secret"),
            datetime.now(UTC),
            retire_previous=arguments.retire_previous,
        )
    emit(
        arguments,
        {
            "current_key": rotation.after.current_id,
            "kept_until": {
                key.key_id: key.kept_until
                for key in rotation.after.keys
                if key.kept_until is not None
            },
            "retired_now": rotation.retired_now,
        },
        lambda: print("\n".join(_rotation_lines(rotation, SECRET_CACHE_SECONDS))),
    )
    return ExitCode.DONE
