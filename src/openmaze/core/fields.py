"""Typed field parsers: every rule about a value a client sends, written once.

A field object does two things from one definition:

- `parse(raw)` reads a value as it arrives - a JSON value, a form field or a query-string
  value (both strings) - and returns it, or raises `FieldError` with the message the client
  sees;
- `schema()` is the JSON Schema of exactly the values `parse` accepts, which the OpenAPI
  document is built from. `tests/core/test_fields.py` holds every pair to agreement on
  sample values, so the document can neither promise what the server refuses nor hide
  what it takes.

Integers (ids, `type`, `marked_at`, `vote`) are accepted in the same forms everywhere:

- a JSON integer, or a JSON number without a fractional part (`8.0`: JSON Schema's
  `integer` includes it);
- text - forms (pytvmaze sends `vote=8`), query strings, and numeric strings in JSON (a C#
  client sends `marked_at` as one): ASCII digits, an optional sign, optional ASCII
  whitespace around them. That is Yii2's integer rule (`^\\s*[+-]?\\d+\\s*$`): TVmaze answers
  with Yii2's error body, so its integer fields most likely read text the same way. `"²"`
  and other Unicode digits are not digits here, though `str.isdigit()` says they are;
- never a boolean: JSON `true` is not 1 to the client that sent it.

Digits are counted before `int()` sees them: Python refuses to convert more than 4,300
digits (a ValueError, which would be a 500), and no field here needs more than 20.

Ids: every id column is a 32-bit INTEGER (PostgreSQL's; an id above 2**31-1 makes asyncpg
raise before the query runs, and SQLite's driver overflows above 2**63-1), so `ID` bounds
them before any reaches the database. Path ids are `PathId` (or `ID.path(...)`): out of
range or not a number is a 404 "Page not found." from the app's validation handler, as
TVmaze answers a URL that names nothing. `tests/hardening/test_ids.py` walks every route,
the account pages included, for ids declared without these bounds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import Path, Query

from openmaze.core.errors import VALIDATION_FAILED, ApiError

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

MIN_ID = 1
MAX_ID = 2**31 - 1  # PostgreSQL INTEGER
MAX_EPOCH = 2**53  # beyond any real timestamp, inside every JSON number reader's exact range


class FieldError(ValueError):
    """One value is not acceptable; `message` says why, for the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FieldErrors(ValueError):
    """Per-field validation errors: {"type": ["..."]}, the `errors` of a TVmaze 422."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors

    def api_error(self, message: str = VALIDATION_FAILED) -> ApiError:
        return ApiError(422, message, self.errors)


class Field(Protocol[T_co]):
    """What every field object offers."""

    def parse(self, raw: Any) -> T_co: ...

    def schema(self) -> dict[str, Any]: ...


def parse_fields(raw: Mapping[str, Any], fields: Mapping[str, Field[Any]]) -> dict[str, Any]:
    """Every named field of a body, parsed; the errors of all of them at once (`FieldErrors`)."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, parser in fields.items():
        try:
            values[name] = parser.parse(raw.get(name))
        except FieldError as exc:
            errors[name] = [exc.message]
    if errors:
        raise FieldErrors(errors)
    return values


def _described(schema: dict[str, Any], description: str | None) -> dict[str, Any]:
    return {**schema, "description": description} if description else schema


def described(field: Field[Any], description: str) -> dict[str, Any]:
    """A field's schema with a description for one place it is used."""
    return _described(field.schema(), description)


class _Valued(Generic[T]):
    """A field defined by `value(raw)`, the value or None; `parse` raises its `message` for None."""

    __slots__ = ()
    message: str

    def value(self, raw: Any) -> T | None:
        raise NotImplementedError

    def parse(self, raw: Any) -> T:
        parsed = self.value(raw)
        if parsed is None:
            raise FieldError(self.message)
        return parsed


# --- integers ----------------------------------------------------------------------------

SPACE = " \t\n\x0b\x0c\r"  # ASCII whitespace: what may surround an integer (PCRE's \s)
_SPACE_CLASS = r"[\t\n\x0b\x0c\r ]"
_MAX_DIGITS = 20  # more significant digits than any bound here: such a number is only ever out of range
_HUGE = 10**_MAX_DIGITS


def digits_value(text: str) -> int | None:
    """The value of a string of ASCII digits; None for anything else.

    More than 20 significant digits read as 10**20, which is outside every range here,
    without converting thousands of digits."""
    if not (text.isdigit() and text.isascii()):
        return None
    if len(text) <= _MAX_DIGITS:  # every id and epoch a client sends: one int() and done
        return int(text)
    significant = text.lstrip("0")
    if len(significant) > _MAX_DIGITS:
        return _HUGE
    return int(significant) if significant else 0


def digits_in_range(text: str, low: int, high: int) -> int | None:
    """Plain ASCII digits (no sign, no space, at most 20) within low..high, else None: what the
    fast path (`openmaze.core.fastpath`) serves itself; it leaves anything else to FastAPI."""
    if not (text.isdigit() and text.isascii()) or len(text) > _MAX_DIGITS:
        return None  # a longer run of digits is zero-padded or out of range: not plainly valid
    value = int(text)
    return value if low <= value <= high else None


_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


def timestamp_seconds(value: Any) -> int | None:
    """Epoch seconds from an ISO 8601 time as other services write it (exports, webhooks):
    any offset or `Z`, .NET's seven-digit fractions, a space for the `T`, no zone meaning
    UTC. None for anything else, and for a time outside (1970, MAX_EPOCH]."""
    if type(value) is not str or not 10 <= len(value.strip()) <= 40:
        return None
    stamp = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    stamp = _LONG_FRACTION.sub(r"\1", stamp)  # datetime reads at most six fractional digits
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        seconds = int(moment.timestamp())
    except (OverflowError, OSError, ValueError):
        return None
    return seconds if 0 < seconds <= MAX_EPOCH else None


def integer(raw: Any) -> int | None:
    """Any integer in one of the accepted forms, its bounds unchecked; None if `raw` is not one.

    For a value that names an object, where an integer out of range is simply "not found"
    and anything else is malformed."""
    kind = type(raw)  # not isinstance: bool is an int subclass, and JSON true is no integer
    if kind is int:
        number: int = raw
        return number
    if kind is float:
        return int(raw) if raw.is_integer() else None
    if kind is str:
        text: str = raw.strip(SPACE)
        sign = 1
        if text and text[0] in "+-":
            sign = -1 if text[0] == "-" else 1
            text = text[1:]
        value = digits_value(text)
        return None if value is None else sign * value
    return None


@dataclass(frozen=True, slots=True)
class Int(_Valued[int]):
    """An integer within low..high (both at least 0)."""

    low: int
    high: int
    message: str = "Must be an integer."
    description: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.high:
            raise ValueError("Int fields are ranges of non-negative integers")

    def value(self, raw: Any) -> int | None:
        """The integer, or None when `raw` is not one within the bounds."""
        number = integer(raw)
        return number if number is not None and self.low <= number <= self.high else None

    def contains(self, number: int) -> bool:
        return self.low <= number <= self.high

    def schema(self) -> dict[str, Any]:
        return _described(
            {
                "anyOf": [
                    {"type": "integer", "minimum": self.low, "maximum": self.high},
                    {"type": "string", "pattern": integer_pattern(self.low, self.high)},
                ]
            },
            self.description,
        )

    def path(self, **options: Any) -> Any:
        """The FastAPI `Path(...)` of a path parameter with these bounds (for `Annotated[int, ...]`)."""
        return Path(ge=self.low, le=self.high, **options)

    def query(self, **options: Any) -> Any:
        """The FastAPI `Query(...)` of a query parameter with these bounds."""
        return Query(ge=self.low, le=self.high, **options)


@cache
def integer_pattern(low: int, high: int) -> str:
    """A regular expression for the text forms of the integers low..high (0 <= low).

    Written with explicit character classes, not `\\d` or `\\s`, which mean Unicode
    digits and spaces in some regex engines (Python's, Rust's) and ASCII ones in others."""
    number = rf"\+?0*(?:{_range_pattern(low, high)})"
    if low == 0:
        number = f"(?:{number}|-0+)"
    return f"^{_SPACE_CLASS}*{number}{_SPACE_CLASS}*$"


def _range_pattern(low: int, high: int) -> str:
    """Alternatives matching the numbers low..high written without leading zeros."""
    parts: list[str] = []
    for length in range(len(str(low)), len(str(high)) + 1):
        first = 10 ** (length - 1) if length > 1 else 0
        lo, hi = max(low, first), min(high, 10**length - 1)
        if lo <= hi:
            parts.extend(_same_length(str(lo), str(hi)))
    return "|".join(parts)


def _same_length(lo: str, hi: str) -> list[str]:
    """Alternatives matching the numbers lo..hi, digit strings of one length."""
    if not lo:
        return [""]
    if lo[0] == hi[0]:
        return [lo[0] + rest for rest in _same_length(lo[1:], hi[1:])]
    width = len(lo) - 1
    out: list[str] = []
    first, last = int(lo[0]), int(hi[0])
    if lo[1:] != "0" * width:  # lo's first digit covers only part of its range
        out.extend(lo[0] + rest for rest in _same_length(lo[1:], "9" * width))
        first += 1
    partial_last = hi[1:] != "9" * width
    if partial_last:
        last -= 1
    if first <= last:
        digit = str(first) if first == last else f"[{first}-{last}]"
        out.append(digit + ("" if width == 0 else "[0-9]" if width == 1 else f"[0-9]{{{width}}}"))
    if partial_last:
        out.extend(hi[0] + rest for rest in _same_length("0" * width, hi[1:]))
    return out


@dataclass(frozen=True, slots=True)
class Nullable(Generic[T]):
    """A field that may be left out: None (JSON null, absent) and "" (an empty form field) give None."""

    field: Field[T]
    description: str | None = None

    def parse(self, raw: Any) -> T | None:
        if raw is None or (type(raw) is str and raw == ""):
            return None
        return self.field.parse(raw)

    def schema(self) -> dict[str, Any]:
        inner = self.field.schema()
        options = inner["anyOf"] if set(inner) <= {"anyOf", "description"} else [inner]
        return _described(
            {"anyOf": [*options, {"type": "null"}, {"type": "string", "maxLength": 0}]},
            self.description or inner.get("description"),
        )


# --- text --------------------------------------------------------------------------------

# What str.strip() removes, spelled out so the schema's patterns can name the same set:
# Python's whitespace (str.isspace()), which includes a few control characters.
TEXT_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_TEXT_SPACE_CLASS = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CONTROL_CLASS = r"\x00-\x1f\x7f-\x9f"  # Unicode category Cc, exactly
_CONTROL_OR_SPACE_CLASS = r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def _has_control(text: str) -> bool:
    return any(ch <= "\x1f" or "\x7f" <= ch <= "\x9f" for ch in text)


@dataclass(frozen=True, slots=True)
class Text:
    """A string, trimmed of whitespace, that must not be blank.

    `max_length` counts the string as sent (before trimming), as JSON Schema's `maxLength`
    does; with `controls=False`, no control character may remain once trimmed."""

    blank: str
    not_text: str
    max_length: int | None = None
    too_long: str = ""
    controls: bool = True
    control: str = ""
    description: str | None = None

    def parse(self, raw: Any) -> str:
        if raw is None:
            raise FieldError(self.blank)
        if type(raw) is not str:
            raise FieldError(self.not_text)
        if self.max_length is not None and len(raw) > self.max_length:
            raise FieldError(self.too_long)
        text: str = raw.strip(TEXT_SPACE)
        if not text:
            raise FieldError(self.blank)
        if not self.controls and _has_control(text):
            raise FieldError(self.control)
        return text

    def schema(self) -> dict[str, Any]:
        if self.controls:
            pattern = f"[^{_TEXT_SPACE_CLASS}]"  # some character that is not whitespace
        else:
            visible, inner, space = f"[^{_CONTROL_OR_SPACE_CLASS}]", f"[^{_CONTROL_CLASS}]", f"[{_TEXT_SPACE_CLASS}]"
            # Trimmed: starts and ends visible, with no control character between.
            pattern = f"^{space}*{visible}(?:{inner}*{visible})?{space}*$"
        schema: dict[str, Any] = {"type": "string", "pattern": pattern}
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        return _described(schema, self.description)


@dataclass(frozen=True, slots=True)
class AnyText:
    """Any string (a query-string value always is one)."""

    description: str | None = None

    def parse(self, raw: Any) -> str:
        if type(raw) is not str:
            raise FieldError("Must be a string.")
        text: str = raw
        return text

    def schema(self) -> dict[str, Any]:
        return _described({"type": "string"}, self.description)


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# RFC 3339's full-date, less the year 0000, which no Python date (and no airdate) has.
_DATE_PATTERN = r"^(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-[0-9]{2}-[0-9]{2}$"


@dataclass(frozen=True, slots=True)
class Date:
    """A calendar date as YYYY-MM-DD, returned as that text."""

    message: str
    description: str | None = None

    def parse(self, raw: Any) -> str:
        if type(raw) is str and _DATE.fullmatch(raw):
            try:
                return dt.date.fromisoformat(raw).isoformat()
            except ValueError:
                pass
        raise FieldError(self.message)

    def schema(self) -> dict[str, Any]:
        return _described({"type": "string", "format": "date", "pattern": _DATE_PATTERN}, self.description)


_FLAG_WORDS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class Flag:
    """A boolean: JSON true/false or 0/1; text true/false, 1/0, yes/no, on/off in any case."""

    message: str = "must be true or false"
    description: str | None = None

    def parse(self, raw: Any) -> bool:
        kind = type(raw)
        if kind is bool:
            flag: bool = raw
            return flag
        if kind is int or kind is float:
            number = integer(raw)
            if number in (0, 1):
                return number == 1
        elif kind is str:
            # ASCII lower-casing: str.lower() also folds a few non-ASCII letters to ASCII ones.
            word = raw.strip(SPACE).translate(_ASCII_LOWER)
            if word in _FLAG_WORDS:
                return _FLAG_WORDS[word]
        raise FieldError(self.message)

    def schema(self) -> dict[str, Any]:
        words = "|".join(sorted("".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in w) for w in _FLAG_WORDS))
        return _described(
            {
                "anyOf": [
                    {"type": "boolean"},
                    {"type": "integer", "minimum": 0, "maximum": 1},
                    {"type": "string", "pattern": f"^{_SPACE_CLASS}*(?:{words}){_SPACE_CLASS}*$"},
                ]
            },
            self.description,
        )


@dataclass(frozen=True, slots=True)
class ImdbId(_Valued[str]):
    """An IMDb title id: `tt0944947`, `TT944947`, or the number alone (`944947`, as the spec's
    integer form); returned as IMDb writes it, `tt` and at least 7 digits."""

    message: str = "An IMDb ID looks like tt0944947 or 944947."
    description: str | None = None

    def value(self, raw: Any) -> str | None:
        if type(raw) is int or type(raw) is float:
            number = integer(raw)
            return None if number is None or number < 0 else f"tt{number:07d}"
        if type(raw) is not str:
            return None
        text = raw.strip(SPACE)
        if text[:2] in ("tt", "tT", "Tt", "TT"):
            text = text[2:]
        if not (text.isdigit() and text.isascii()):
            return None
        return "tt" + text.zfill(7)

    def schema(self) -> dict[str, Any]:
        pattern = f"^{_SPACE_CLASS}*(?:[tT][tT])?[0-9]+{_SPACE_CLASS}*$"
        return _described(
            {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": pattern}]}, self.description
        )


@dataclass(frozen=True, slots=True)
class Names:
    """Comma-separated names from a fixed set (`?embed=cast,episodes`); blanks between commas
    are skipped, repeats kept once, the order kept."""

    allowed: frozenset[str]
    message: str
    description: str | None = None

    def parse(self, raw: Any) -> list[str]:
        if type(raw) is not str:
            raise FieldError(self.message)
        wanted: list[str] = []
        for part in raw.split(","):
            name = part.strip(TEXT_SPACE)
            if not name:
                continue
            if name not in self.allowed:
                raise FieldError(self.message)
            if name not in wanted:
                wanted.append(name)
        return wanted

    def schema(self) -> dict[str, Any]:
        space = f"[{_TEXT_SPACE_CLASS}]*"
        item = f"{space}(?:{'|'.join(re.escape(n) for n in sorted(self.allowed))})?{space}"
        return _described({"type": "string", "pattern": f"^{item}(?:,{item})*$"}, self.description)


# --- query parameters read by hand -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryParam(Generic[T]):
    """A query parameter a route reads itself (`read`), documented from the same field (`doc`)."""

    name: str
    field: Field[T]
    description: str
    required: bool = False

    def doc(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "in": "query",
            "required": self.required,
            "description": self.description,
            "schema": self.field.schema(),
        }

    def read(self, query: Mapping[str, str]) -> T | None:
        """The parsed value; None when absent. Missing and required is TVmaze's (Yii2's) 400;
        malformed is a 422 naming the parameter."""
        raw = query.get(self.name)
        if raw is None:
            if self.required:
                raise ApiError(400, f"Missing required parameters: {self.name}")
            return None
        try:
            return self.field.parse(raw)
        except FieldError as exc:
            raise ApiError(422, VALIDATION_FAILED, {self.name: [exc.message]}) from None


def query_doc(*params: QueryParam[Any]) -> dict[str, Any]:
    """`openapi_extra` documenting query parameters read by hand."""
    return {"parameters": [param.doc() for param in params]}


def object_schema(
    properties: Mapping[str, Field[Any] | dict[str, Any]], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A JSON object body's schema from its fields (unknown keys are ignored, so allowed)."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {name: f if isinstance(f, dict) else f.schema() for name, f in properties.items()},
    }
    if required:
        schema["required"] = list(required)
    return schema


# --- the fields of this API --------------------------------------------------------------

ID = Int(MIN_ID, MAX_ID, description="An id: 1 to 2**31-1")
PathId = Annotated[int, ID.path()]
"""An integer path parameter that is a valid id; anything else is a 404 before the route runs."""

MARK_TYPE = Int(0, 2, "Type must be 0 (watched), 1 (acquired) or 2 (skipped).", "0 watched, 1 acquired, 2 skipped")
MARKED_AT = Int(
    0,
    MAX_EPOCH,
    "Marked at must be an epoch timestamp in seconds, 0 or null.",
    "Epoch seconds when the user watched the episode; 0 for unknown",
)
EPOCH = Int(0, MAX_EPOCH)  # followed_at, voted_at
VOTE = Int(1, 10, "Vote must be an integer from 1 to 10.", "1 to 10")
IMDB_ID = ImdbId()
# Season and episode numbers (season 0 holds specials on media servers).
NUMBER = Int(0, MAX_ID)

TAG_NAME_MAX = 100  # tables.tags.name is String(100)
TAG_NAME = Text(
    blank="Name cannot be blank.",
    not_text="Name must be a string.",
    max_length=TAG_NAME_MAX,
    too_long=f"Name should contain at most {TAG_NAME_MAX} characters.",
    # PostgreSQL refuses NUL in text; other control characters are never meant in a label.
    controls=False,
    control="Name must not contain control characters.",
    description=f"Trimmed; unique among the user's tags; at most {TAG_NAME_MAX} characters",
)
