"""`surveys trigger show|set|activate|deactivate METRIC`: one trigger per metric."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cli.errors import CommandError
from cli.interaction import add_output_option, add_yes_option, confirm, emit, tell
from cli.stack import Stack
from surveys.domain.metrics import METRICS
from surveys.domain.scan_window import first_watermark
from surveys.domain.triggers import TriggerSettings

LIST_FIELDS = {
    name for name, field in TriggerSettings.model_fields.items() if "tuple" in str(field.annotation)
}
SETTABLE = sorted(set(TriggerSettings.model_fields) - {"metric", "active", "activated_at"})
DONE = {"set": "updated", "activate": "activated", "deactivate": "deactivated"}


def _complete_setting(prefix: str, **_: Any) -> list[str]:
    return [f"{name}=" for name in SETTABLE if name.startswith(prefix)]


def register(subcommands: Any) -> None:
    trigger = subcommands.add_parser(
        "trigger", help="show, change, activate or deactivate a trigger"
    )
    actions = trigger.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="print a trigger's settings")
    show.add_argument("metric", choices=sorted(METRICS))
    add_output_option(show)
    change = actions.add_parser(
        "set",
        help="change settings: NAME=VALUE ...",
        description=(
            "Lists are comma-separated (channels=email,chat); an empty value restores the "
            "default (sender_name=); send_window=09:00-18:00@Europe/Berlin or send_window=. "
            "On an active trigger it shows each change and asks first. "
            f"Settings: {', '.join(SETTABLE)}."
        ),
    )
    change.add_argument("metric", choices=sorted(METRICS))
    change.add_argument("settings", nargs="+", metavar="NAME=VALUE").completer = _complete_setting
    for name, text in (
        ("activate", "start surveying (says which conversations it will survey, then asks)"),
        ("deactivate", "stop sending (says how many surveys wait, then asks)"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("metric", choices=sorted(METRICS))
    for action in (change, actions.choices["activate"], actions.choices["deactivate"]):
        add_output_option(action)
        add_yes_option(action)
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


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def _print(settings: TriggerSettings) -> None:
    print(f"{settings.metric_definition.name} ({settings.metric}) trigger")
    for name, value in settings.model_dump(mode="json").items():
        if name != "metric":
            print(f"  {name:<27} {_shown(value)}")


def _differences(before: TriggerSettings, after: TriggerSettings) -> dict[str, dict[str, Any]]:
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return {
        name: {"before": old[name], "after": new[name]} for name in new if old[name] != new[name]
    }


def _activation_plan(trigger: TriggerSettings, now: datetime) -> list[str]:
    quiet = timedelta(hours=trigger.delay_hours)
    backfill = timedelta(hours=trigger.backfill_hours)
    again = " again: its scan restarts from now" if trigger.active else ""
    plan = [
        f"The {trigger.metric} trigger will be activated{again}. It emails the customer of every "
        f"conversation with channel {', '.join(trigger.channels)} and status "
        f"{', '.join(trigger.statuses)} once it has had no update for {trigger.delay_hours} h."
    ]
    if backfill:
        since = first_watermark(now, quiet, backfill)
        plan.append(
            f"Its first scan also surveys the conversations last updated from "
            f"{since:%Y-%m-%d %H:%M} to {now - quiet:%Y-%m-%d %H:%M} UTC "
            f"(backfill_hours={trigger.backfill_hours})."
        )
    else:
        plan.append("Conversations that went quiet before now are not surveyed (no backfill).")
    return plan


def _deactivation_plan(trigger: TriggerSettings, waiting: int) -> list[str]:
    return [
        f"The {trigger.metric} trigger will be deactivated: no more {trigger.metric} surveys "
        "are sent.",
        f"{waiting} surveys wait on the survey queue (of every metric); those of "
        f"{trigger.metric} will be recorded as skipped, not sent. Surveys, answers and "
        "settings stay.",
    ]


def _change_plan(trigger: TriggerSettings, changed: dict[str, dict[str, Any]]) -> list[str]:
    return [
        f"The {trigger.metric} trigger is active; from its next scan on {len(changed)} "
        "setting(s) change:",
        *(
            f"  {name}: {_shown(change['before'])} -> {_shown(change['after'])}"
            for name, change in changed.items()
        ),
    ]


def _report(
    arguments: argparse.Namespace,
    result: str,
    trigger: TriggerSettings,
    changed: dict[str, dict[str, Any]],
) -> int:
    def text() -> None:
        print(f"{trigger.metric} trigger {result} ({'active' if trigger.active else 'inactive'})")
        _print(trigger)

    emit(
        arguments,
        {"metric": trigger.metric, "result": result, "changed": changed, "trigger": trigger},
        text,
    )
    return 0


def _change(stack: Stack, arguments: argparse.Namespace) -> int:
    from surveys.usecases.triggers import (
        activate_trigger,
        change_trigger,
        deactivate_trigger,
        preview_trigger_change,
        trigger_settings,
    )

    metric, action = arguments.metric, arguments.action
    command = f"trigger {action} {metric}"
    now = datetime.now(UTC)
    if action == "set":
        change = parse_settings(arguments.settings)
        current, wanted = preview_trigger_change(metric, change)
        changed = _differences(current, wanted)
        if not changed:
            return _report(arguments, "unchanged", current, changed)
        if current.active:
            confirm(arguments, _change_plan(current, changed), action=command)
        updated = change_trigger(metric, change)
    elif action == "activate":
        current = trigger_settings(metric)
        confirm(arguments, _activation_plan(current, now), action=command)
        updated = activate_trigger(metric, now)
    else:
        current = trigger_settings(metric)
        if not current.active:
            tell(f"The {metric} trigger is not active; nothing to deactivate.")
            return _report(arguments, "unchanged", current, {})
        confirm(
            arguments, _deactivation_plan(current, stack.messages_in("SurveyQueue")), action=command
        )
        updated = deactivate_trigger(metric)
    return _report(arguments, DONE[action], updated, _differences(current, updated))


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    from cli.commands.sending import pause_lines
    from surveys.usecases.sending_guard import sending_status
    from surveys.usecases.triggers import TriggerSettingsError, trigger_settings

    with stack.as_admin():
        try:
            if arguments.action != "show":
                return _change(stack, arguments)
            settings = trigger_settings(arguments.metric)
            paused = pause_lines(sending_status(), stack)

            def text() -> None:
                _print(settings)
                if paused:
                    print("\n".join(paused))

            emit(arguments, settings, text)
            return 0
        except TriggerSettingsError as error:
            raise CommandError(f"{arguments.metric} trigger not changed: {error}") from None
