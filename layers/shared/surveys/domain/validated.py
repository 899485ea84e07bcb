"""Frozen dataclasses that validate themselves, for the records that cross a boundary of ours
(trigger settings in DynamoDB and on the command line, survey requests on the SQS queue).

They were pydantic models; they are plain dataclasses so that the functions reading them on a
customer's first click do not pay for importing pydantic. What pydantic did for them is kept:
values are coerced as its lax mode did (the command line passes strings: "24" to an int, "yes"
to a bool, ISO 8601 to a datetime or a time, a list to a tuple, a dict to a nested record),
bounds are checked (`validation`), then each field's own check; the record's own consistency only
once every field is valid. Every problem is reported at once, in field order, each as
`field: message` in pydantic's words, so the admin sees the same errors. The JSON they write is
byte for byte what pydantic wrote (datetimes in UTC end in Z, tiny floats without an
exponent's leading zero), so items stored by earlier versions read back and compare equal.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import types
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, time, timedelta
from typing import Any, ClassVar, Literal, Self, get_args, get_origin, get_type_hints

# (where, message): where is a dotted path of fields ("send_window.start", "channels.0"), or ""
# for the record as a whole.
Problem = tuple[str, str]
Check = Callable[[Any], Any]

_BOOLEANS = {
    **dict.fromkeys(("0", "off", "f", "false", "n", "no"), False),
    **dict.fromkeys(("1", "on", "t", "true", "y", "yes"), True),
}
# pydantic takes "2.00" for an int, not "2." nor "2.5".
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9][0-9_]*(\.0+)?")


class InvalidInput(ValueError):
    """A record that does not validate: every problem, each as `field: message`."""

    def __init__(self, problems: Iterable[Problem], whole_name: str = "input") -> None:
        self.problems = tuple(problems)
        super().__init__(
            "; ".join(f"{where or whole_name}: {message}" for where, message in self.problems)
        )


def validation(
    *,
    check: Check | None = None,
    ge: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
) -> dict[str, Any]:
    """A field's bounds and its own check (given the coerced value, not None; returns the value
    to keep or raises ValueError with the problem), as `dataclasses.field(metadata=...)`."""
    given = dict(check=check, ge=ge, le=le, min_length=min_length, max_length=max_length)
    return {name: value for name, value in given.items() if value is not None}


class Validated:
    """Base of the validated frozen dataclasses (`@dataclass(frozen=True, kw_only=True)`): built
    from keywords, from a dict (`from_dict`) or from JSON (`from_json`), changed with `changed`,
    written with `to_json` and shown with `as_json_dict`; each of them validates."""

    # How a problem of the record as a whole is named in messages.
    whole_name: ClassVar[str] = "input"
    # False: an unknown key is a problem (a typo in a setting); True: it is left out (a field a
    # later version adds, on a message still queued after a rollback).
    ignores_unknown_keys: ClassVar[bool] = False

    def __post_init__(self) -> None:
        problems = self._coerce_fields()
        if not problems:
            problems = [("", message) for message in self._inconsistencies()]
        if problems:
            raise InvalidInput(problems, self.whole_name)

    def _inconsistencies(self) -> list[str]:
        """What is wrong with the record as a whole, once each field is valid."""
        return []

    def _coerce_fields(self) -> list[Problem]:
        problems: list[Problem] = []
        for field in _fields(type(self)):
            try:
                value = field.valid(getattr(self, field.name))
            except InvalidInput as nested:
                problems += [(_joined(field.name, where), text) for where, text in nested.problems]
            except ValueError as error:
                problems.append((field.name, str(error)))
            else:
                object.__setattr__(self, field.name, value)
        return problems

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        known = _fields(cls)
        names = {field.name for field in known}
        unknown = [] if cls.ignores_unknown_keys else [key for key in data if key not in names]
        extra = [(str(key), "Extra inputs are not permitted") for key in unknown]
        given = {name: data[name] for name in names if name in data}
        missing = {
            field.name: dataclasses.MISSING
            for field in known
            if field.required and field.name not in data
        }
        try:
            record = cls(**given, **missing)
        except InvalidInput as error:
            raise InvalidInput([*error.problems, *extra], cls.whole_name) from None
        if extra:
            raise InvalidInput(extra, cls.whole_name)
        return record

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        try:
            data = json.loads(text)
        except ValueError as error:
            message = getattr(error, "msg", str(error))
            raise InvalidInput([("", f"Invalid JSON: {message}")], cls.whole_name) from None
        if not isinstance(data, dict):
            raise InvalidInput([("", "Input should be an object")], cls.whole_name)
        return cls.from_dict(data)

    def changed(self, **fields: Any) -> Self:
        """A copy with these fields changed, validated as a whole (unknown names are problems)."""
        current = {field.name: getattr(self, field.name) for field in _fields(type(self))}
        return self.from_dict({**current, **fields})

    def as_json_dict(self) -> dict[str, Any]:
        """The fields in order, as JSON has them: tuples as lists, datetimes and times in ISO
        8601 (UTC as Z), nested records as dicts."""
        return {field.name: _json_value(getattr(self, field.name)) for field in _fields(type(self))}

    def to_json(self) -> str:
        """Compact JSON, byte for byte as pydantic's model_dump_json wrote it."""
        return _compact_json(self.as_json_dict())


def _joined(field: str, where: str) -> str:
    return f"{field}.{where}" if where else field


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    coerce: Check
    limits: Mapping[str, Any]
    required: bool

    def valid(self, value: Any) -> Any:
        """The value as the field holds it; ValueError (InvalidInput for a record's or a tuple's
        fields) says what is wrong."""
        if value is dataclasses.MISSING:
            raise ValueError("Field required")
        value = self.coerce(value)
        if value is None:
            return None
        limits = self.limits
        if "le" in limits and not value <= limits["le"]:
            raise ValueError(f"Input should be less than or equal to {limits['le']}")
        if "ge" in limits and not value >= limits["ge"]:
            raise ValueError(f"Input should be greater than or equal to {limits['ge']}")
        if "min_length" in limits and len(value) < limits["min_length"]:
            raise ValueError(f"String should have at least {_characters(limits['min_length'])}")
        if "max_length" in limits and len(value) > limits["max_length"]:
            raise ValueError(f"String should have at most {_characters(limits['max_length'])}")
        check = limits.get("check")
        return check(value) if check else value


def _characters(count: int) -> str:
    return f"{count} character{'s' * (count != 1)}"


# Each record type's fields, worked out from its annotations on first use.
_FIELDS: dict[type[Validated], tuple[_Field, ...]] = {}


def _fields(cls: type[Validated]) -> tuple[_Field, ...]:
    if cls not in _FIELDS:
        hints = get_type_hints(cls)
        _FIELDS[cls] = tuple(
            _Field(
                name=field.name,
                coerce=_coercer(hints[field.name]),
                limits=field.metadata,
                required=(
                    field.default is dataclasses.MISSING
                    and field.default_factory is dataclasses.MISSING
                ),
            )
            for field in dataclasses.fields(cls)  # type: ignore[arg-type]
        )
    return _FIELDS[cls]


def _coercer(kind: Any) -> Check:
    """How a value becomes of type `kind`, as pydantic's lax mode did it."""
    arguments = get_args(kind)
    if isinstance(kind, types.UnionType) and type(None) in arguments:
        (inner,) = (argument for argument in arguments if argument is not type(None))
        coerce = _coercer(inner)
        return lambda value: None if value is None else coerce(value)
    if get_origin(kind) is tuple and arguments[1:] == (...,):
        return _tuple_of(_coercer(arguments[0]))
    if get_origin(kind) is Literal:
        return _one_of(arguments)
    if isinstance(kind, type) and issubclass(kind, Validated):
        return _record_of(kind)
    return _SIMPLE_TYPES[kind]


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ValueError("Input should be a valid string")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _BOOLEANS:
        return _BOOLEANS[value.lower()]
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str | int):
        raise ValueError("Input should be a valid boolean, unable to interpret input")
    raise ValueError("Input should be a valid boolean")


def _integer(value: Any) -> int:
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("Input should be a finite number")
        if not value.is_integer():
            raise ValueError("Input should be a valid integer, got a number with a fractional part")
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if _WHOLE_NUMBER.fullmatch(text):
            try:
                return int(text.partition(".")[0])
            except ValueError:
                pass
        raise ValueError("Input should be a valid integer, unable to parse string as an integer")
    raise ValueError("Input should be a valid integer")


def _number(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if value.isascii():
            try:
                return float(value)
            except ValueError:
                pass
        raise ValueError("Input should be a valid number, unable to parse string as a number")
    raise ValueError("Input should be a valid number")


def _iso_8601(kind: type[datetime] | type[time], unreadable: str, not_text: str) -> Check:
    def coerce(value: Any) -> datetime | time:
        if isinstance(value, kind):
            return value
        if isinstance(value, str):
            try:
                return kind.fromisoformat(value)
            except ValueError:
                pass
            raise ValueError(unreadable)
        raise ValueError(not_text)

    return coerce


_SIMPLE_TYPES: dict[Any, Check] = {
    str: _string,
    bool: _boolean,
    int: _integer,
    float: _number,
    datetime: _iso_8601(
        datetime,
        "Input should be a valid datetime or date, in ISO 8601 (e.g. 2026-12-01T09:00:00Z)",
        "Input should be a valid datetime",
    ),
    time: _iso_8601(
        time,
        "Input should be in a valid time format, HH:MM[:SS] (e.g. 09:00)",
        "Input should be a valid time",
    ),
}


def _tuple_of(coerce_item: Check) -> Check:
    def coerce(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple | set | frozenset):
            raise ValueError("Input should be a valid tuple")
        items, problems = [], []
        for index, item in enumerate(value):
            try:
                items.append(coerce_item(item))
            except ValueError as error:
                problems.append((str(index), str(error)))
        if problems:
            raise InvalidInput(problems)
        return tuple(items)

    return coerce


def _one_of(choices: tuple[Any, ...]) -> Check:
    spelled = [repr(choice) for choice in choices]
    listed = f"{', '.join(spelled[:-1])} or {spelled[-1]}" if len(spelled) > 1 else spelled[0]

    def coerce(value: Any) -> Any:
        if isinstance(value, str) and value in choices:
            return value
        raise ValueError(f"Input should be {listed}")

    return coerce


def _record_of(kind: type[Validated]) -> Check:
    def coerce(value: Any) -> Validated:
        if isinstance(value, kind):
            return value
        if isinstance(value, Mapping):
            return kind.from_dict(value)
        raise ValueError(f"Input should be a valid dictionary or instance of {kind.__name__}")

    return coerce


def _json_value(value: Any) -> Any:
    if isinstance(value, Validated):
        return value.as_json_dict()
    if isinstance(value, tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, datetime | time):
        return value.replace(tzinfo=None).isoformat() + _utc_offset(value)
    return value


def _utc_offset(moment: datetime | time) -> str:
    """As pydantic wrote it: Z for UTC, else ±HH:MM, from the offset in seconds rounded half
    away from zero (the seconds themselves left out)."""
    offset = moment.utcoffset()
    if offset is None:
        return ""
    microseconds = offset // timedelta(microseconds=1)
    seconds = (abs(microseconds) + 500_000) // 1_000_000
    if not seconds:
        return "Z"
    sign = "-" if microseconds < 0 else "+"
    return f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}"


def _compact_json(value: Any) -> str:
    if isinstance(value, dict):
        members = (f"{_compact_json(key)}:{_compact_json(item)}" for key, item in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_compact_json(item) for item in value) + "]"
    if isinstance(value, float):
        return _pydantic_float(value)
    return json.dumps(value, ensure_ascii=False)


def _pydantic_float(number: float) -> str:
    """A float as pydantic writes it: Python's repr, but positional down to 1e-5 (where repr
    switches to an exponent at 1e-4 already) and small exponents without a leading zero."""
    if not math.isfinite(number):
        return "null"
    text = repr(number)
    mantissa, _, exponent = text.partition("e")
    if not exponent.startswith("-"):
        return text
    if int(exponent) == -5:
        sign = "-" if mantissa.startswith("-") else ""
        return f"{sign}0.0000{mantissa.lstrip('-').replace('.', '')}"
    return f"{mantissa}e-{exponent[1:].lstrip('0')}"
