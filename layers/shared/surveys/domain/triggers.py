"""Trigger settings: per survey program (a metric's trigger for one audience), when a survey
goes out, to whom, and what it says."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime, time, timedelta
from typing import Any, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from surveys.domain import i18n
from surveys.domain.branding import DEFAULT_BRAND_COLOR, brand_color_problem
from surveys.domain.conversations import TriggerRules
from surveys.domain.metrics import METRICS, Metric, metric_by_key
from surveys.domain.reasons import DEFAULT_REASONS, Reason, parse_reasons
from surveys.domain.validated import Check, Validated, validation

# How long a survey link may accept an answer at most; the link-signing keys are kept for it.
LONGEST_LINK_EXPIRY_DAYS = 365

# One per catalog in surveys/locales: adding a language's .po file offers it here.
LANGUAGES = i18n.LANGUAGES
KUSTOMER_CHANNELS = (
    "email",
    "chat",
    "sms",
    "voice",
    "facebook",
    "instagram",
    "whatsapp",
    "twitter-dm",
    "twitter-tweet",
    "form",
)
KUSTOMER_STATUSES = ("open", "snoozed", "done")
# Kustomer custom attribute system names: camelCase with the type as suffix.
_NUMBER_ATTRIBUTE = re.compile(r"^[a-z][A-Za-z0-9]*Num$")
_TEXT_ATTRIBUTE = re.compile(r"^[a-z][A-Za-z0-9]*(Str|Txt)$")
# A Kustomer tag name as the append-tags endpoint takes it; commas would split a CLI list.
_TAG_NAME = re.compile(r"^[^,\r\n<>]{1,64}$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# An https URL without quotes, spaces or angle brackets: it goes into an <img src> as it is.
_LOGO_URL = re.compile(r"^https://[^\s\"'<>]+$")
# A program's name: what the admin types (`surveys trigger show NAME`), and a store key.
_PROGRAM_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
# Set when a program is created (name, metric) or by activate and deactivate, never by `set`.
FIXED_FIELDS = frozenset({"name", "metric", "active", "activated_at"})


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _known_zone(value: str) -> str:
    if not _is_zone(value):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)")
    return value


@dataclass(frozen=True, kw_only=True)
class SendWindow(Validated):
    """Hours of the day, in the customer's time zone where known, when surveys may be sent."""

    whole_name = "send_window"

    start: time
    end: time
    # Used when the customer's zone is unknown.
    timezone: str = field(default="UTC", metadata=validation(check=_known_zone))

    def _inconsistencies(self) -> list[str]:
        if self.start == self.end:
            return ["send window start and end are equal: no time left to send"]
        return []

    def opens_after(self, moment: datetime, customer_zone: str | None) -> datetime | None:
        """None when `moment` is inside the window, else when the window next opens."""
        zone = (
            ZoneInfo(customer_zone)
            if customer_zone and _is_zone(customer_zone)
            else ZoneInfo(self.timezone)
        )
        local = moment.astimezone(zone)
        now = local.timetz().replace(tzinfo=None)
        inside = (
            self.start <= now < self.end
            if self.start < self.end
            else now >= self.start or now < self.end  # a window across midnight
        )
        if inside:
            return None
        opening = datetime.combine(local.date(), self.start, tzinfo=zone)
        if opening <= local:
            opening += timedelta(days=1)
        return opening


def _program_name(value: str) -> str:
    if not _PROGRAM_NAME.match(value):
        raise ValueError(
            f"program name {value!r}: 1 to 40 lowercase letters, digits or hyphens, "
            "starting with a letter (e.g. ces-globex)"
        )
    return value


def _known_metric(value: str) -> str:
    return metric_by_key(value).key


def _some_of(kind: str, known: tuple[str, ...]) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    def check(value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(known))
        if not value or unknown:
            raise ValueError(
                f"{kind} must be some of {', '.join(known)}; got {', '.join(unknown) or 'none'}"
            )
        return tuple(dict.fromkeys(value))

    return check


def _known_language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    return value


def _an_address(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"reply_to {value!r} is not an email address")
    return value


def _readable_color(value: str) -> str:
    problem = brand_color_problem(value)
    if problem:
        raise ValueError(problem)
    return value.lower()


def _https_logo(value: str) -> str:
    if not _LOGO_URL.match(value):
        raise ValueError("logo_url must be an https:// URL")
    return value


def _attribute(setting: str, pattern: re.Pattern[str], kind: str, example: str) -> Check:
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(
                f"{setting} {value!r} must be a Kustomer {kind} attribute name such as {example}"
            )
        return value

    return check


def _known_reasons(value: tuple[str, ...]) -> tuple[str, ...]:
    parse_reasons(value)  # a ReasonSettingError (a ValueError) says what is wrong
    return value


def _tag_name(value: str) -> str:
    if not _TAG_NAME.match(value.strip()):
        raise ValueError(
            "negative_tag must be a Kustomer tag name of 1 to 64 characters, "
            "without commas, < > or line breaks"
        )
    return value.strip()


@dataclass(frozen=True, kw_only=True)
class TriggerSettings(Validated):
    """Everything an admin can set for one survey program; validated on every change. Each
    metric has a program of its own name (`ces`, `csat`, `nps`: the one trigger per metric of
    earlier versions, whose stored settings have no name); others are created by the admin."""

    whole_name = "settings"

    # Empty: the metric's own program (settings stored before there were programs).
    name: str = field(default="", metadata=validation(check=_program_name))
    metric: str = field(metadata=validation(check=_known_metric))
    active: bool = False
    activated_at: datetime | None = None
    delay_hours: float = field(default=48.0, metadata=validation(ge=1, le=720))
    backfill_hours: float = field(default=0.0, metadata=validation(ge=0, le=8760))
    channels: tuple[str, ...] = field(
        default=("email",), metadata=validation(check=_some_of("channels", KUSTOMER_CHANNELS))
    )
    statuses: tuple[str, ...] = field(
        default=("done",), metadata=validation(check=_some_of("statuses", KUSTOMER_STATUSES))
    )
    include_brands: tuple[str, ...] = ()
    exclude_brands: tuple[str, ...] = ()
    include_queues: tuple[str, ...] = ()
    exclude_queues: tuple[str, ...] = ()
    include_tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    fatigue_days: int = field(default=30, metadata=validation(ge=0, le=365))
    sender_name: str | None = field(default=None, metadata=validation(min_length=1, max_length=64))
    reply_to: str | None = field(default=None, metadata=validation(check=_an_address))
    subject: str | None = field(default=None, metadata=validation(min_length=1, max_length=150))
    intro_text: str | None = field(default=None, metadata=validation(min_length=1, max_length=1000))
    company_name: str | None = field(
        default=None, metadata=validation(min_length=1, max_length=100)
    )
    brand_color: str = field(
        default=DEFAULT_BRAND_COLOR, metadata=validation(check=_readable_color)
    )
    logo_url: str | None = field(
        default=None, metadata=validation(max_length=500, check=_https_logo)
    )
    language: str = field(default="en", metadata=validation(check=_known_language))
    question: str | None = field(default=None, metadata=validation(min_length=5, max_length=300))
    score_attribute: str | None = field(
        default=None,
        metadata=validation(
            check=_attribute("score_attribute", _NUMBER_ATTRIBUTE, "number", "cesScoreNum")
        ),
    )
    comment_attribute: str | None = field(
        default=None,
        metadata=validation(
            check=_attribute("comment_attribute", _TEXT_ATTRIBUTE, "text", "cesCommentTxt")
        ),
    )
    link_expiry_days: int = field(
        default=30, metadata=validation(ge=1, le=LONGEST_LINK_EXPIRY_DAYS)
    )
    rating_changes_allowed: bool = True
    rating_change_window_hours: float = field(default=168.0, metadata=validation(ge=0, le=8760))
    send_window: SendWindow | None = None
    # Asked after a negative score: built-in reason ids, or `id=Label` for a trigger's own.
    reasons: tuple[str, ...] = field(
        default=DEFAULT_REASONS, metadata=validation(check=_known_reasons)
    )
    reason_attribute: str | None = field(
        default=None,
        metadata=validation(
            check=_attribute("reason_attribute", _TEXT_ATTRIBUTE, "text", "cesReasonStr")
        ),
    )
    # Added to the conversation in Kustomer on a negative answer, for workflows and queues.
    negative_tag: str | None = field(default=None, metadata=validation(check=_tag_name))
    # One reminder to a recipient who has not answered this many days after the survey; 0: none.
    reminder_after_days: int = field(default=3, metadata=validation(ge=0, le=30))
    reminder_subject: str | None = field(
        default=None, metadata=validation(min_length=1, max_length=150)
    )
    reminder_intro_text: str | None = field(
        default=None, metadata=validation(min_length=1, max_length=1000)
    )

    def __post_init__(self) -> None:
        if not self.name:
            # The metric's own program; with no metric either, both are reported missing.
            object.__setattr__(self, "name", self.metric or MISSING)
        super().__post_init__()

    def _inconsistencies(self) -> list[str]:
        problems = []
        for kind in ("brands", "queues", "tags"):
            both = set(getattr(self, f"include_{kind}")) & set(getattr(self, f"exclude_{kind}"))
            if both:
                problems.append(f"{', '.join(sorted(both))} both included and excluded in {kind}")
        if self.name in METRICS and self.name != self.metric:
            problems.append(f"the program named {self.name} surveys {self.name}, not {self.metric}")
        if self.active and self.activated_at is None:
            problems.append("an active trigger needs its activation time")
        return problems

    @property
    def metric_definition(self) -> Metric:
        return metric_by_key(self.metric)

    @property
    def delay(self) -> timedelta:
        return timedelta(hours=self.delay_hours)

    @property
    def backfill(self) -> timedelta:
        return timedelta(hours=self.backfill_hours)

    @property
    def link_lifetime(self) -> timedelta:
        return timedelta(days=self.link_expiry_days)

    @property
    def rules(self) -> TriggerRules:
        return TriggerRules(
            quiet_period=self.delay,
            channels=frozenset(self.channels),
            statuses=frozenset(self.statuses),
            include_brands=frozenset(self.include_brands),
            exclude_brands=frozenset(self.exclude_brands),
            include_queues=frozenset(self.include_queues),
            exclude_queues=frozenset(self.exclude_queues),
            include_tags=frozenset(self.include_tags),
            exclude_tags=frozenset(self.exclude_tags),
        )

    @property
    def reminder_delay(self) -> timedelta:
        return timedelta(days=self.reminder_after_days)

    @property
    def reason_options(self) -> tuple[Reason, ...]:
        return parse_reasons(self.reasons)

    def reason_attribute_name(self) -> str:
        return self.reason_attribute or self.metric_definition.reason_attribute

    def score_attribute_name(self) -> str:
        return self.score_attribute or self.metric_definition.score_attribute

    def comment_attribute_name(self) -> str:
        return self.comment_attribute or self.metric_definition.comment_attribute

    def company(self, deployed_name: str) -> str:
        """The company as this trigger names it, else as the stack's CompanyName does."""
        return self.company_name or deployed_name

    def question_in(self, language: str, company: str) -> str:
        """The trigger's own question, else the metric's question in `language`."""
        if self.question:
            return self.question.replace("{company}", company)
        return i18n.question(self.metric_definition, language, company)


@dataclass(frozen=True)
class SettableField:
    """A setting `surveys trigger set` changes: an empty value restores its default."""

    name: str
    default: Any
    is_list: bool


def settable_fields() -> list[SettableField]:
    """Every setting an admin may set, by name."""
    types = get_type_hints(TriggerSettings)
    return sorted(
        (
            SettableField(each.name, each.default, get_origin(types[each.name]) is tuple)
            for each in fields(TriggerSettings)
            if each.name not in FIXED_FIELDS
        ),
        key=lambda each: each.name,
    )
