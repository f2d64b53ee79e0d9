"""Catalog and user-object ids as they arrive from clients: the one place their range is checked.

Every id column is an INTEGER: PostgreSQL's is 32-bit (an id above 2**31-1 makes asyncpg
raise before the query runs) and SQLite's driver raises OverflowError above 2**63-1. Either
would surface as a 500. So an id is checked here before it reaches the database:

- Path ids: declare the parameter as `PathId` (`show_id: PathId`). Out of range, zero,
  negative or not a number is a 404 "Page not found." - what TVmaze answers for a URL that
  names nothing - raised by the app's validation handler for any path parameter. The bounds
  also appear in the OpenAPI document (`minimum`/`maximum`), so fuzzers and clients see them.
- Ids inside bodies or query strings: `as_id(value)` gives the int, or None when the value
  cannot be an id (then the caller answers 404 for "no such object" or 422 for a malformed
  field, whichever its route documents).

`tests/hardening/test_ids.py` walks the app's routes and fails for any integer path
parameter declared without these bounds, so a new route cannot forget them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

MIN_ID = 1
MAX_ID = 2**31 - 1  # PostgreSQL INTEGER

PathId = Annotated[int, Path(ge=MIN_ID, le=MAX_ID)]
"""An integer path parameter that is a valid id; anything else is a 404 before the route runs."""


def in_range(value: int) -> bool:
    return MIN_ID <= value <= MAX_ID


def as_id(value: Any) -> int | None:
    """An id from JSON, a form or a query string (5, 5.0, "5"); None if it cannot be one.

    Booleans are not ids (JSON `true` is not 1 to a client that sent it).
    """
    if isinstance(value, bool):
        return None
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        # isascii: str.isdigit() accepts '²', which int() then refuses.
        if text.isascii() and text.isdigit() and len(text) <= 10:
            number = int(text)
    if number is None or not in_range(number):
        return None
    return number
