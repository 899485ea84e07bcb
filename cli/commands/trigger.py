"""`surveys trigger show|set|activate|deactivate METRIC`: one trigger per metric."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from cli.commands.sending import pause_lines
from cli.errors import CommandError
from cli.stack import Stack
from surveys.domain.metrics import METRICS
from surveys.domain.triggers import TriggerSettings
from surveys.usecases.sending_guard import sending_status
from surveys.usecases.triggers import (
    TriggerSettingsError,
    activate_trigger,
    change_trigger,
    deactivate_trigger,
    trigger_settings,
)

LIST_FIELDS = {
    name for name, field in TriggerSettings.model_fields.items() if "tuple" in str(field.annotation)
}
SETTABLE = sorted(set(TriggerSettings.model_fields) - {"metric", "active", "activated_at"})


def register(subcommands: Any) -> None:
    trigger = subcommands.add_parser(
        "trigger", help="show, change, activate or deactivate a trigger"
    )
    actions = trigger.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="print a trigger's settings")
    show.add_argument("metric", choices=sorted(METRICS))
    show.add_argument("--json", action="store_true", help="machine-readable output")
    change = actions.add_parser(
        "set",
        help="change settings: NAME=VALUE ...",
        description=(
            "Lists are comma-separated (channels=email,chat); an empty value restores the "
            "default (sender_name=); send_window=09:00-18:00@Europe/Berlin or send_window=. "
            f"Settings: {', '.join(SETTABLE)}."
        ),
    )
    change.add_argument("metric", choices=sorted(METRICS))
    change.add_argument("settings", nargs="+", metavar="NAME=VALUE")
    for name, text in (("activate", "start surveying"), ("deactivate", "stop sending")):
        action = actions.add_parser(name, help=text)
        action.add_argument("metric", choices=sorted(METRICS))
    trigger.set_defaults(run=run)


def _send_window(text: str) -> dict[str, str] | None:
    if not text:
        return None
    hours, _, zone = text.partition("@")
    start, separator, end = hours.partition("-")
    if not separator:
        raise CommandError(
            f"send_window {text!r}: use START-END[@ZONE], e.g. 09:00-18:00@Europe/Berlin"
        )
    window = {"start": start.strip(), "end": end.strip()}
    if zone:
        window["timezone"] = zone.strip()
    return window


def parse_settings(pairs: list[str]) -> dict[str, Any]:
    change: dict[str, Any] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not separator:
            raise CommandError(f"{pair!r} is not NAME=VALUE")
        if name not in SETTABLE:
            raise CommandError(f"unknown setting {name!r}; settings are: {', '.join(SETTABLE)}")
        if name == "send_window":
            change[name] = _send_window(value.strip())
        elif name in LIST_FIELDS:
            change[name] = [item.strip() for item in value.split(",") if item.strip()]
        elif value.strip() == "":
            change[name] = TriggerSettings.model_fields[name].default
        else:
            change[name] = value.strip()
    return change


def _print(settings: TriggerSettings, as_json: bool) -> None:
    if as_json:
        print(settings.model_dump_json(indent=2))
        return
    print(f"{settings.metric_definition.name} ({settings.metric}) trigger")
    for name, value in settings.model_dump(mode="json").items():
        if name == "metric":
            continue
        shown = json.dumps(value) if isinstance(value, dict | list) else value
        print(f"  {name:<27} {'-' if value is None else shown}")


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    with stack.as_admin():
        try:
            if arguments.action == "show":
                _print(trigger_settings(arguments.metric), arguments.json)
                paused = [] if arguments.json else pause_lines(sending_status(), stack)
                if paused:
                    print("\n".join(paused))
                return 0
            if arguments.action == "set":
                updated = change_trigger(arguments.metric, parse_settings(arguments.settings))
            elif arguments.action == "activate":
                updated = activate_trigger(arguments.metric, datetime.now(UTC))
            else:
                updated = deactivate_trigger(arguments.metric)
        except TriggerSettingsError as error:
            raise CommandError(f"{arguments.metric} trigger not changed: {error}") from None
    done = {"set": "updated", "activate": "activated", "deactivate": "deactivated"}[
        arguments.action
    ]
    print(f"{arguments.metric} trigger {done} ({'active' if updated.active else 'inactive'})")
    _print(updated, as_json=False)
    return 0
