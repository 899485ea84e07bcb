"""Trigger settings: per survey program (a metric's trigger for one audience), when a survey
goes out, to whom, and what it says."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from surveys.domain import i18n
from surveys.domain.branding import DEFAULT_BRAND_COLOR, brand_color_problem
from surveys.domain.conversations import TriggerRules
from surveys.domain.metrics import METRICS, Metric, metric_by_key
from surveys.domain.reasons import DEFAULT_REASONS, Reason, ReasonSettingError, parse_reasons

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


class SendWindow(BaseModel):
    """Hours of the day, in the customer's time zone where known, when surveys may be sent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time
    end: time
    timezone: str = Field(default="UTC", description="used when the customer's zone is unknown")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not _is_zone(value):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)"
            )
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> SendWindow:
        if self.start == self.end:
            raise ValueError("send window start and end are equal: no time left to send")
        return self

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


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class TriggerSettings(BaseModel):
    """Everything an admin can set for one survey program; validated on every change. Each
    metric has a program of its own name (`ces`, `csat`, `nps`: the one trigger per metric of
    earlier versions, whose stored settings have no name); others are created by the admin."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    name: str
    metric: str
    active: bool = False
    activated_at: datetime | None = None
    delay_hours: float = Field(default=48, ge=1, le=720)
    backfill_hours: float = Field(default=0, ge=0, le=8760)
    channels: tuple[str, ...] = ("email",)
    statuses: tuple[str, ...] = ("done",)
    include_brands: tuple[str, ...] = ()
    exclude_brands: tuple[str, ...] = ()
    include_queues: tuple[str, ...] = ()
    exclude_queues: tuple[str, ...] = ()
    include_tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    fatigue_days: int = Field(default=30, ge=0, le=365)
    sender_name: str | None = Field(default=None, min_length=1, max_length=64)
    reply_to: str | None = None
    subject: str | None = Field(default=None, min_length=1, max_length=150)
    intro_text: str | None = Field(default=None, min_length=1, max_length=1000)
    company_name: str | None = Field(default=None, min_length=1, max_length=100)
    brand_color: str = DEFAULT_BRAND_COLOR
    logo_url: str | None = Field(default=None, max_length=500)
    language: str = "en"
    question: str | None = Field(default=None, min_length=5, max_length=300)
    score_attribute: str | None = None
    comment_attribute: str | None = None
    link_expiry_days: int = Field(default=30, ge=1, le=LONGEST_LINK_EXPIRY_DAYS)
    rating_changes_allowed: bool = True
    rating_change_window_hours: float = Field(default=168, ge=0, le=8760)
    send_window: SendWindow | None = None
    # Asked after a negative score: built-in reason ids, or `id=Label` for a trigger's own.
    reasons: tuple[str, ...] = DEFAULT_REASONS
    reason_attribute: str | None = None
    # Added to the conversation in Kustomer on a negative answer, for workflows and queues.
    negative_tag: str | None = None
    # One reminder to a recipient who has not answered this many days after the survey; 0: none.
    reminder_after_days: int = Field(default=3, ge=0, le=30)
    reminder_subject: str | None = Field(default=None, min_length=1, max_length=150)
    reminder_intro_text: str | None = Field(default=None, min_length=1, max_length=1000)

    @model_validator(mode="before")
    @classmethod
    def _named(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("name") and data.get("metric"):
            return {**data, "name": data["metric"]}
        return data

    @field_validator("name")
    @classmethod
    def _program_name(cls, value: str) -> str:
        if not _PROGRAM_NAME.match(value):
            raise ValueError(
                f"program name {value!r}: 1 to 40 lowercase letters, digits or hyphens, "
                "starting with a letter (e.g. ces-globex)"
            )
        return value

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        return metric_by_key(value).key

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(KUSTOMER_CHANNELS))
        if not value or unknown:
            raise ValueError(
                f"channels must be some of {', '.join(KUSTOMER_CHANNELS)}; "
                f"got {', '.join(unknown) or 'none'}"
            )
        return tuple(dict.fromkeys(value))

    @field_validator("statuses")
    @classmethod
    def _known_statuses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(KUSTOMER_STATUSES))
        if not value or unknown:
            raise ValueError(
                f"statuses must be some of {', '.join(KUSTOMER_STATUSES)}; "
                f"got {', '.join(unknown) or 'none'}"
            )
        return tuple(dict.fromkeys(value))

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("reply_to")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError(f"reply_to {value!r} is not an email address")
        return value

    @field_validator("brand_color")
    @classmethod
    def _readable_color(cls, value: str) -> str:
        problem = brand_color_problem(value)
        if problem:
            raise ValueError(problem)
        return value.lower()

    @field_validator("logo_url")
    @classmethod
    def _https_logo(cls, value: str | None) -> str | None:
        if value is not None and not _LOGO_URL.match(value):
            raise ValueError("logo_url must be an https:// URL")
        return value

    @field_validator("score_attribute")
    @classmethod
    def _number_attribute(cls, value: str | None) -> str | None:
        if value is not None and not _NUMBER_ATTRIBUTE.match(value):
            raise ValueError(
                f"score_attribute {value!r} must be a Kustomer number attribute name "
                "such as cesScoreNum"
            )
        return value

    @field_validator("comment_attribute")
    @classmethod
    def _text_attribute(cls, value: str | None) -> str | None:
        if value is not None and not _TEXT_ATTRIBUTE.match(value):
            raise ValueError(
                f"comment_attribute {value!r} must be a Kustomer text attribute name "
                "such as cesCommentTxt"
            )
        return value

    @field_validator("reasons")
    @classmethod
    def _known_reasons(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        try:
            parse_reasons(value)
        except ReasonSettingError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("reason_attribute")
    @classmethod
    def _reason_text_attribute(cls, value: str | None) -> str | None:
        if value is not None and not _TEXT_ATTRIBUTE.match(value):
            raise ValueError(
                f"reason_attribute {value!r} must be a Kustomer text attribute name "
                "such as cesReasonStr"
            )
        return value

    @field_validator("negative_tag")
    @classmethod
    def _tag_name(cls, value: str | None) -> str | None:
        if value is not None and not _TAG_NAME.match(value.strip()):
            raise ValueError(
                "negative_tag must be a Kustomer tag name of 1 to 64 characters, "
                "without commas, < > or line breaks"
            )
        return value.strip() if value is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> TriggerSettings:
        for kind in ("brands", "queues", "tags"):
            both = set(getattr(self, f"include_{kind}")) & set(getattr(self, f"exclude_{kind}"))
            if both:
                raise ValueError(f"{', '.join(sorted(both))} both included and excluded in {kind}")
        if self.name in METRICS and self.name != self.metric:
            raise ValueError(
                f"the program named {self.name} surveys {self.name}, not {self.metric}"
            )
        if self.active and self.activated_at is None:
            raise ValueError("an active trigger needs its activation time")
        return self

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
