"""`surveys trigger list|create|show|set|activate|deactivate|order|delete`: the survey programs,
several per metric if need be, each for its own audience."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cli.errors import CommandError
from cli.interaction import add_output_option, add_yes_option, confirm, emit, tell
from cli.stack import Stack
from surveys.domain.metrics import METRICS
from surveys.domain.programs import audience, specificity
from surveys.domain.scan_window import first_watermark
from surveys.domain.triggers import TriggerSettings, settable_fields

SETTINGS = {setting.name: setting for setting in settable_fields()}
SETTABLE = list(SETTINGS)
DONE = {
    "create": "created",
    "set": "updated",
    "activate": "activated",
    "deactivate": "deactivated",
}


def _complete_setting(prefix: str, **_: Any) -> list[str]:
    return [f"{name}=" for name in SETTABLE if name.startswith(prefix)]


def register(subcommands: Any) -> None:
    trigger = subcommands.add_parser(
        "trigger",
        help="list, create, show, change, activate, order or delete survey programs",
        description=(
            "A program is a metric's trigger for one audience (brands, queues, tags, channels, "
            "statuses) with its own texts, branding and timing. Each metric has one of its own "
            "name (ces, csat, nps). Where several active programs of a metric cover a "
            "conversation, the most specific surveys it (naming brands, queues or tags beats "
            "taking all), then the first in `trigger list`."
        ),
    )
    actions = trigger.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every program, in the order that breaks ties")
    add_output_option(listing)
    create = actions.add_parser(
        "create",
        help="a new inactive program: NAME --metric METRIC [NAME=VALUE ...]",
        description=f"Settings as for `trigger set`: {', '.join(SETTABLE)}.",
    )
    create.add_argument("program", metavar="NAME", help="e.g. ces-globex: a-z, 0-9 and -")
    # Settings may follow the metric (argparse takes no positionals after an option's value).
    create.add_argument(
        "--metric",
        nargs="+",
        required=True,
        metavar=("METRIC", "NAME=VALUE"),
        help=f"{', '.join(sorted(METRICS))}, then any settings",
    )
    create.add_argument("settings", nargs="*", metavar="NAME=VALUE").completer = _complete_setting
    add_output_option(create)
    show = actions.add_parser("show", help="print a program's settings")
    show.add_argument("program", metavar="NAME")
    add_output_option(show)
    change = actions.add_parser(
        "set",
        help="change settings: NAME=VALUE ...",
        description=(
            "Lists are comma-separated (channels=email,chat); an empty value restores the "
            "default (sender_name=); send_window=09:00-18:00@Europe/Berlin or send_window=. "
            "On an active program it shows each change and asks first. "
            f"Settings: {', '.join(SETTABLE)}."
        ),
    )
    change.add_argument("program", metavar="NAME")
    change.add_argument("settings", nargs="+", metavar="NAME=VALUE").completer = _complete_setting
    for name, text in (
        ("activate", "start surveying (says which conversations it will survey, then asks)"),
        ("deactivate", "stop sending (says how many surveys wait, then asks)"),
        ("delete", "take an inactive program out of the list (asks first)"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("program", metavar="NAME")
    order = actions.add_parser(
        "order",
        help="put programs first, in this order: ties between programs go to the first",
    )
    order.add_argument("programs", nargs="+", metavar="NAME")
    for name in ("set", "activate", "deactivate", "delete", "order"):
        add_output_option(actions.choices[name])
        add_yes_option(actions.choices[name])
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
        elif SETTINGS[name].is_list:
            change[name] = [item.strip() for item in value.split(",") if item.strip()]
        elif value.strip() == "":
            change[name] = SETTINGS[name].default
        else:
            change[name] = value.strip()
    return change


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def _print(settings: TriggerSettings) -> None:
    print(f"{settings.name}: a {settings.metric_definition.name} ({settings.metric}) program")
    print(f"  {'audience':<27} {audience(settings)}")
    for name, value in settings.as_json_dict().items():
        if name not in ("name", "metric"):
            print(f"  {name:<27} {_shown(value)}")


def _differences(before: TriggerSettings, after: TriggerSettings) -> dict[str, dict[str, Any]]:
    old, new = before.as_json_dict(), after.as_json_dict()
    return {
        name: {"before": old[name], "after": new[name]} for name in new if old[name] != new[name]
    }


def _activation_plan(trigger: TriggerSettings, now: datetime) -> list[str]:
    quiet = timedelta(hours=trigger.delay_hours)
    backfill = timedelta(hours=trigger.backfill_hours)
    again = " again: its scan restarts from now" if trigger.active else ""
    plan = [
        f"The {trigger.name} program ({trigger.metric}) will be activated{again}. It emails the "
        f"customer of every conversation with channel {', '.join(trigger.channels)} and status "
        f"{', '.join(trigger.statuses)}, audience {audience(trigger)}, once it has had no "
        f"update for {trigger.delay_hours} h; where another active {trigger.metric} program "
        "covers a conversation too, the more specific one surveys it (then the first in "
        "`trigger list`)."
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
        f"The {trigger.name} program will be deactivated: it sends no more {trigger.metric} "
        "surveys; other active programs of the metric take the conversations of its audience "
        "that they cover and have not scanned yet.",
        f"{waiting} surveys wait on the survey queue (of every program); those of "
        f"{trigger.name} will be recorded as skipped, not sent. Surveys, answers and "
        "settings stay.",
    ]


def _change_plan(trigger: TriggerSettings, changed: dict[str, dict[str, Any]]) -> list[str]:
    return [
        f"The {trigger.name} program is active; from its next scan on {len(changed)} "
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
        print(f"{trigger.name} program {result} ({'active' if trigger.active else 'inactive'})")
        _print(trigger)

    emit(
        arguments,
        {
            "program": trigger.name,
            "metric": trigger.metric,
            "result": result,
            "changed": changed,
            "trigger": trigger,
        },
        text,
    )
    return 0


def _change(stack: Stack, arguments: argparse.Namespace) -> int:
    from surveys.usecases.triggers import (
        activate_trigger,
        change_trigger,
        create_program,
        deactivate_trigger,
        preview_trigger_change,
        trigger_settings,
    )

    name, action = arguments.program, arguments.action
    command = f"trigger {action} {name}"
    now = datetime.now(UTC)
    if action == "create":
        metric, *settings = arguments.metric
        if metric not in METRICS:
            raise CommandError(f"--metric {metric!r}: choose from {', '.join(sorted(METRICS))}")
        change = parse_settings([*arguments.settings, *settings])
        created = create_program(name, metric, change)
        return _report(arguments, DONE[action], created, {})
    if action == "set":
        change = parse_settings(arguments.settings)
        current, wanted = preview_trigger_change(name, change)
        changed = _differences(current, wanted)
        if not changed:
            return _report(arguments, "unchanged", current, changed)
        if current.active:
            confirm(arguments, _change_plan(current, changed), action=command)
        updated = change_trigger(name, change)
    elif action == "activate":
        current = trigger_settings(name)
        confirm(arguments, _activation_plan(current, now), action=command)
        updated = activate_trigger(name, now)
    else:
        current = trigger_settings(name)
        if not current.active:
            tell(f"The {name} program is not active; nothing to deactivate.")
            return _report(arguments, "unchanged", current, {})
        confirm(
            arguments, _deactivation_plan(current, stack.messages_in("SurveyQueue")), action=command
        )
        updated = deactivate_trigger(name)
    return _report(arguments, DONE[action], updated, _differences(current, updated))


def _list_rows(programs: list[TriggerSettings]) -> list[dict[str, Any]]:
    return [
        {
            "position": position,
            "program": program.name,
            "metric": program.metric,
            "active": program.active,
            "audience": audience(program),
            "specificity": specificity(program),
            "channels": list(program.channels),
            "delay_hours": program.delay_hours,
            "language": program.language,
            "sender_name": program.sender_name,
            "company_name": program.company_name,
        }
        for position, program in enumerate(programs, start=1)
    ]


def _list(arguments: argparse.Namespace) -> int:
    from surveys.usecases.triggers import all_programs

    rows = _list_rows(all_programs())

    def text() -> None:
        width = max(len("program"), *(len(row["program"]) for row in rows))
        print(f"{'#':>2}  {'program':<{width}}  {'metric':<6}  {'active':<6}  audience")
        for row in rows:
            print(
                f"{row['position']:>2}  {row['program']:<{width}}  {row['metric']:<6}  "
                f"{'yes' if row['active'] else 'no':<6}  {row['audience']}"
            )
        print(
            "Where several active programs of a metric cover a conversation, the most specific "
            "surveys it, then the first in this list (`surveys trigger order NAME ...`)."
        )

    emit(arguments, {"programs": rows}, text)
    return 0


def _delete(arguments: argparse.Namespace) -> int:
    from surveys.usecases.triggers import delete_program, trigger_settings

    name = arguments.program
    program = trigger_settings(name)
    confirm(
        arguments,
        [
            f"The {name} program ({program.metric}, {audience(program)}) will be deleted: it "
            "leaves `trigger list`, and its scan progress goes.",
            "Answers to the surveys it sent are still recorded and written back with its "
            "settings; its surveys stay in reports.",
        ],
        action=f"trigger delete {name}",
    )
    delete_program(name)
    emit(
        arguments,
        {"program": name, "result": "deleted"},
        lambda: print(f"{name} program deleted"),
    )
    return 0


def _order(arguments: argparse.Namespace) -> int:
    from surveys.usecases.triggers import order_programs, program_names

    first = list(arguments.programs)
    current = program_names()
    unknown = [name for name in first if name not in current]
    if unknown:
        raise CommandError(f"no program named {', '.join(unknown)}; `surveys trigger list`")
    wanted = [*first, *(name for name in current if name not in first)]
    if wanted == current:
        emit(
            arguments,
            {"order": current, "result": "unchanged"},
            lambda: print("Order unchanged: " + ", ".join(current)),
        )
        return 0
    confirm(
        arguments,
        [
            "Ties between equally specific programs go to the first; the order becomes:",
            *(f"  {position}. {name}" for position, name in enumerate(wanted, start=1)),
        ],
        action="trigger order",
    )
    order = order_programs(first)
    emit(
        arguments,
        {"order": order, "result": "reordered"},
        lambda: print("Order: " + ", ".join(order)),
    )
    return 0


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    from cli.commands.sending import pause_lines
    from surveys.usecases.sending_guard import sending_status
    from surveys.usecases.triggers import TriggerSettingsError, trigger_settings

    subject = getattr(arguments, "program", None) or "programs"
    with stack.as_admin():
        try:
            if arguments.action == "list":
                return _list(arguments)
            if arguments.action == "delete":
                return _delete(arguments)
            if arguments.action == "order":
                return _order(arguments)
            if arguments.action != "show":
                return _change(stack, arguments)
            settings = trigger_settings(arguments.program)
            paused = pause_lines(sending_status(), stack)

            def text() -> None:
                _print(settings)
                if paused:
                    print("\n".join(paused))

            emit(arguments, settings, text)
            return 0
        except TriggerSettingsError as error:
            if arguments.action in ("list", "show"):
                raise CommandError(str(error)) from None
            raise CommandError(f"{subject} not changed: {error}") from None
