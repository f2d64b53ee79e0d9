"""The field parsers (`openmaze.core.fields`): what each accepts and refuses, and the
guarantee the OpenAPI document rests on - each field's JSON Schema accepts exactly the
values its parser accepts (checked with jsonschema_rs, the validator schemathesis uses, on
fixed samples and on values hypothesis draws from the schema's own patterns)."""

from __future__ import annotations

import random
import re
import time
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openmaze.auth.service import POLL_FIELDS, START_FIELDS
from openmaze.core.fields import (
    EPOCH,
    ID,
    IMDB_ID,
    MARK_TYPE,
    MARKED_AT,
    MAX_EPOCH,
    MAX_ID,
    NUMBER,
    TAG_NAME,
    TEXT_SPACE,
    VOTE,
    AnyText,
    Field,
    FieldError,
    FieldErrors,
    Flag,
    Int,
    Nullable,
    digits_in_range,
    digits_value,
    integer,
    integer_pattern,
    parse_fields,
    timestamp_seconds,
)
from openmaze.marks.service import MARK_FIELDS
from openmaze.public.people import CREDIT_EMBEDS, PERSON_EMBEDS
from openmaze.public.routes import AIRDATE as EPISODES_BY_DATE
from openmaze.public.service import (
    ALTERNATE_EPISODE_EMBEDS,
    ALTERNATE_LIST_EMBEDS,
    EPISODE_EMBEDS,
    SEASON_EMBEDS,
    SHOW_EMBEDS,
)
from openmaze.scrobble.by_show import AIRDATE

# Every field object the API parses with and documents from.
FIELDS: dict[str, Field[Any]] = {
    "id": ID,
    "type": MARK_TYPE,
    "type or absent": MARK_FIELDS["type"],
    "marked_at": MARKED_AT,
    "marked_at or absent": MARK_FIELDS["marked_at"],
    "epoch": EPOCH,
    "vote": VOTE,
    "season/episode number": NUMBER,
    "tag name": TAG_NAME,
    "email": START_FIELDS["email"],
    "email_confirmation": START_FIELDS["email_confirmation"],
    "poll token": POLL_FIELDS["token"],
    "airdate": AIRDATE,
    "episodesbydate date": EPISODES_BY_DATE,
    "imdb id": IMDB_ID,
    "show embeds": SHOW_EMBEDS,
    "episode embeds": EPISODE_EMBEDS,
    "season embeds": SEASON_EMBEDS,
    "alternate list embeds": ALTERNATE_LIST_EMBEDS,
    "alternate episode embeds": ALTERNATE_EPISODE_EMBEDS,
    "person embeds": PERSON_EMBEDS,
    **{f"{kind} embeds": names for kind, names in CREDIT_EMBEDS.items()},
    "search text": AnyText(),
    "flag": Flag(),
}


def accepts(field: Field[Any], value: Any) -> bool:
    try:
        field.parse(value)
    except FieldError:
        return False
    return True


def refuses(field: Field[Any], raw: Any, message: str) -> None:
    with pytest.raises(FieldError) as caught:
        field.parse(raw)
    assert caught.value.message == message, raw


def validator(field: Field[Any]) -> Any:
    return jsonschema_rs.validator_for(field.schema(), validate_formats=True)


# --- integers ----------------------------------------------------------------------------


def test_ids() -> None:
    for raw, value in [(1, 1), ("1", 1), (1.0, 1), (" 7 ", 7), ("\t7\r\n", 7), ("+7", 7), ("007", 7)]:
        assert ID.parse(raw) == value, raw
    assert ID.parse(MAX_ID) == ID.parse(str(MAX_ID)) == MAX_ID
    refused = [0, -1, MAX_ID + 1, 2**64, "0", "-1", "1.5", 1.5, "1e3", "0x10", "1_000", "1 2", "", " ", "+", "-"]
    refused += ["\u00b2", "\u0661", "\uff11", "7\u3000", "9" * 5000, None, True, False, [], {}, [1]]
    for raw in refused:
        with pytest.raises(FieldError):
            ID.parse(raw)


def test_mark_fields() -> None:
    nullable_type, nullable_at = MARK_FIELDS["type"], MARK_FIELDS["marked_at"]
    assert [nullable_type.parse(v) for v in (None, "", 0, 1, 2, "2", 2.0, " 1 ")] == [None, None, 0, 1, 2, 2, 2, 1]
    for raw in (3, -1, "watched", True, 1.5, " ", "--1"):
        refuses(nullable_type, raw, "Type must be 0 (watched), 1 (acquired) or 2 (skipped).")
    assert [nullable_at.parse(v) for v in (None, "", 0, "1700000000", MAX_EPOCH, "-0")] == [
        None,
        None,
        0,
        1_700_000_000,
        MAX_EPOCH,
        0,
    ]
    for raw in (-1, MAX_EPOCH + 1, "9007199254740993", "--5", "\u00b2", "1\x00", [1], {}, True):
        refuses(nullable_at, raw, "Marked at must be an epoch timestamp in seconds, 0 or null.")


def test_votes() -> None:
    assert [VOTE.parse(v) for v in (1, "8", 8.0, " 10 ", 10)] == [1, 8, 8, 10, 10]
    for raw in (0, 11, 5.5, True, "eight", None, "", 2**70, "5\x00"):
        refuses(VOTE, raw, "Vote must be an integer from 1 to 10.")


def test_integer_reads_any_integer_without_converting_thousands_of_digits() -> None:
    assert [integer(v) for v in (5, -5, 5.0, "5", " -5 ", "+5", "-0", "00")] == [5, -5, 5, 5, -5, 5, 0, 0]
    assert [integer(v) for v in ("", "-", "5.0", "1e3", "\u00b2", True, None, [5])] == [None] * 8
    started = time.perf_counter()
    assert integer("9" * 100_000) == 10**20  # out of every range, like the number itself
    assert integer("-" + "9" * 100_000) == -(10**20)
    assert integer("0" * 100_000 + "42") == 42
    assert time.perf_counter() - started < 1
    assert digits_value("") is None and digits_value("12") == 12 and digits_value("+1") is None
    assert digits_in_range("2147483647", 1, MAX_ID) == MAX_ID
    assert [digits_in_range(v, 1, MAX_ID) for v in ("2147483648", "0", " 1", "\u00b2", "9" * 5000)] == [None] * 5


def test_int_fields_are_non_negative_ranges() -> None:
    with pytest.raises(ValueError):
        Int(-1, 5)
    with pytest.raises(ValueError):
        Int(5, 4)


@pytest.mark.parametrize(("low", "high"), [(0, 0), (0, 2), (1, 10), (5, 5), (37, 4321), (0, 999), (100, 1000)])
def test_integer_pattern_small_ranges_exhaustively(low: int, high: int) -> None:
    pattern, field = re.compile(integer_pattern(low, high)), Int(low, high)
    for n in range(0, high * 2 + 20):
        for text in (str(n), f" {n}\n", f"+{n}", f"00{n}", f"-{n}", f"{n}x"):
            assert bool(pattern.search(text)) == (field.value(text) is not None), text


@pytest.mark.parametrize(("low", "high"), [(1, MAX_ID), (0, MAX_EPOCH), (0, MAX_ID // 250 - 1)])
def test_integer_pattern_large_ranges_near_the_bounds_and_at_random(low: int, high: int) -> None:
    pattern, field = re.compile(integer_pattern(low, high)), Int(low, high)
    rng = random.Random(14)
    numbers = [
        *range(low, low + 200),
        *range(high - 200, high + 200),
        *(rng.randint(0, high * 11) for _ in range(5000)),
    ]
    numbers += [10**k for k in range(25)] + [10**k - 1 for k in range(1, 25)]
    for n in numbers:
        text = str(n)
        assert bool(pattern.search(text)) == (field.value(text) is not None), text


# --- text, dates, flags, IMDb ids, embeds ------------------------------------------------


def test_tag_names() -> None:
    assert TAG_NAME.parse("  Favourites\t") == "Favourites"
    assert TAG_NAME.parse("\u3000名前 ★\u3000") == "名前 ★"
    assert TAG_NAME.parse("x" * 100) == "x" * 100
    assert TAG_NAME.parse("a b") == "a b"
    refused: list[tuple[Any, str]] = [
        (None, "Name cannot be blank."),
        ("", "Name cannot be blank."),
        (" \t\n\u3000", "Name cannot be blank."),
        ("\x85", "Name cannot be blank."),  # a control character, but whitespace to str.strip()
        (5, "Name must be a string."),
        (["x"], "Name must be a string."),
        ("x" * 101, "Name should contain at most 100 characters."),
        (" " + "x" * 100, "Name should contain at most 100 characters."),  # counted as sent
        ("a\x00b", "Name must not contain control characters."),
        ("a\tb", "Name must not contain control characters."),
        ("a\x9fb", "Name must not contain control characters."),
    ]
    for raw, message in refused:
        refuses(TAG_NAME, raw, message)


def test_text_space_is_what_str_strip_removes() -> None:
    assert set(TEXT_SPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


def test_dates() -> None:
    assert AIRDATE.parse("2020-02-29") == "2020-02-29"
    for raw in ("2021-02-29", "2020-1-01", "20200101", " 2020-01-01", "2020-01-01 ", "0000-01-01", "yesterday", None):
        refuses(AIRDATE, raw, "Airdate must be a date as YYYY-MM-DD.")


def test_flags() -> None:
    flag = Flag()
    for raw, value in [(True, True), (False, False), (1, True), (0.0, False), ("true", True), (" YES ", True)]:
        assert flag.parse(raw) is value, raw
    for raw, value in [("Off", False), ("0", False), ("on", True), ("FaLsE", False)]:
        assert flag.parse(raw) is value, raw
    for raw in (2, -1, 0.5, "maybe", "tru", "", None, "ye\u017f", [True]):
        refuses(flag, raw, "must be true or false")
    assert Nullable(flag).parse("") is None and Nullable(flag).parse(None) is None


def test_imdb_ids() -> None:
    for raw in ("tt0944947", "TT944947", "tT944947", 944947, " tt944947\n", "944947"):
        assert IMDB_ID.parse(raw) == "tt0944947", raw
    assert IMDB_ID.parse("tt12345678") == "tt12345678"
    for raw in ("nm123", "tt", "", "tt-1", "tt 1", -5, True, 1.5, "tt\u00b2", None):
        refuses(IMDB_ID, raw, "An IMDb ID looks like tt0944947 or 944947.")


def test_embed_names() -> None:
    assert SHOW_EMBEDS.parse("cast") == ["cast"]
    assert SHOW_EMBEDS.parse(" cast , ,episodes,cast") == ["cast", "episodes"]
    assert SHOW_EMBEDS.parse("") == SHOW_EMBEDS.parse(" , ") == []
    for raw in ("bogus", "cast,bogus", "Cast", "show", None):
        refuses(SHOW_EMBEDS, raw, "Invalid embed type")
    assert EPISODE_EMBEDS.parse("show") == ["show"]


def test_parse_fields_reports_every_field() -> None:
    assert parse_fields({"vote": "8"}, {"vote": VOTE}) == {"vote": 8}
    with pytest.raises(FieldErrors) as caught:
        parse_fields({"type": 9, "marked_at": "x", "vote": 1}, {**MARK_FIELDS, "vote": VOTE})
    assert set(caught.value.errors) == {"type", "marked_at"}
    assert caught.value.api_error().status == 422


# --- each field's schema accepts exactly what its parser accepts --------------------------

SAMPLES: list[Any] = [
    None,
    True,
    False,
    [],
    {},
    [1],
    {"a": 1},
    *(0, 1, 2, 3, 9, 10, 11, -1, -(2**63), 944947),
    *(MAX_ID, MAX_ID + 1, MAX_EPOCH, MAX_EPOCH + 1, 2**63, 2**64, 10**30),
    *(0.0, -0.0, 1.0, 1.5, 8.0, 1e300, -1e300, 2.0**53, 2.0**53 + 2),
    *("", " ", "\t", "\n", "0", "1", "2", "10", "11", " 1 ", "\t2\n", "+1", "-0", "-1", "01", "000", "+", "-"),
    *("1.0", "1e3", "0x10", "1_000", "1 2", "\u00b2", "\u0661", "\uff11", "1\x00", "--5", " +5 "),
    *(str(MAX_ID), str(MAX_ID + 1), str(MAX_EPOCH), str(MAX_EPOCH + 1), "9" * 5000, "0" * 300 + "7"),
    *("true", "TRUE", " yes ", "no", "On", "off", "maybe", "ye\u017f", "tru"),
    *("2020-01-01", "2020-02-29", "2021-02-29", "0000-01-01", "0001-01-01", "20200101", "2020-1-1", " 2020-01-01"),
    *("tt0944947", "TT944947", "944947", "tt", "nm0000001", " tt1 ", "tt\u00b2"),
    *("cast", "cast,episodes", " cast , ,episodes", "cast,bogus", "episodes,episodes", "show", "Cast", ","),
    *("a", "Name", " a ", "a b", "a\x00b", "a\tb", "\ta\t", "\u3000a\u3000", "\ufeffa", "\x85", "\xa0", "a\x85"),
    *("x" * 100, "x" * 101, " " + "x" * 99, " " + "x" * 100, "🎬 Ünïcödé 名前", "a@example.com", " a@b.c "),
]


@pytest.mark.parametrize("name", FIELDS)
def test_schema_accepts_exactly_what_the_parser_accepts(name: str) -> None:
    field, check = FIELDS[name], validator(FIELDS[name])
    for value in SAMPLES:
        assert check.is_valid(value) == accepts(field, value), (name, repr(value)[:80])


def _patterns(schema: Any) -> list[str]:
    """Every `pattern` in a schema, to draw matching (and near-matching) strings from."""
    if isinstance(schema, dict):
        found = [schema["pattern"]] if "pattern" in schema else []
        return found + [p for v in schema.values() for p in _patterns(v)]
    if isinstance(schema, list):
        return [p for v in schema for p in _patterns(v)]
    return []


def _values(field: Field[Any]) -> st.SearchStrategy[Any]:
    drawn: list[st.SearchStrategy[Any]] = [st.from_regex(p) for p in _patterns(field.schema())]
    bounds = [v for k, v in _walk(field.schema()) if k in ("minimum", "maximum")]
    near = [st.integers(min_value=b - 3, max_value=b + 3) for b in bounds]
    return st.one_of(
        *drawn,
        *near,
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=120),
        st.booleans(),
        st.none(),
    )


def _walk(schema: Any) -> list[tuple[str, Any]]:
    if isinstance(schema, dict):
        return [(k, v) for k, v in schema.items() if not isinstance(v, (dict, list))] + [
            kv for v in schema.values() for kv in _walk(v)
        ]
    if isinstance(schema, list):
        return [kv for v in schema for kv in _walk(v)]
    return []


@pytest.mark.parametrize("name", FIELDS)
def test_schema_and_parser_agree_on_drawn_values(name: str) -> None:
    field, check = FIELDS[name], validator(FIELDS[name])

    @given(value=_values(field))
    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def agree(value: Any) -> None:
        assert check.is_valid(value) == accepts(field, value), repr(value)[:80]

    agree()


def test_every_pattern_in_the_document_comes_from_a_field(app: Any) -> None:
    """No hand-written pattern: the document's text rules are the parsers' own."""
    known = {p for field in FIELDS.values() for p in _patterns(field.schema())}
    assert set(_patterns(app.openapi())) <= known


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2024-03-01T20:15:00.000Z", 1709324100),  # Trakt
        ("2024-03-01 20:15:00", 1709324100),  # TV Time: a space, no zone (UTC)
        ("2024-03-01T20:15:00.1234567Z", 1709324100),  # .NET (Jellyfin, Emby): seven digits
        ("2024-03-01T22:15:00+02:00", 1709324100),
        (" 2024-03-01T20:15:00Z ", 1709324100),
        ("1970-01-01T00:00:00Z", None),  # epoch zero is no one's watch time
        ("2024-02-30T20:15:00Z", None),
        ("yesterday", None),
        ("2024-03-01T20:15:00Z" + "0" * 40, None),
        (1709324100, None),  # integers are the callers' to accept
    ],
)
def test_timestamp_seconds_reads_the_times_other_services_write(value: Any, seconds: int | None) -> None:
    assert timestamp_seconds(value) == seconds
