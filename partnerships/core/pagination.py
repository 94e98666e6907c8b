"""Keyset pagination: pages are addressed by the last row seen, never by OFFSET, so page 4,000
costs the same as page 1 and rows inserted meanwhile do not shift what the user sees."""

import base64
import json
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from flask import current_app, request
from sqlalchemy import Select, and_, or_

from partnerships.core.safety import MAX_ID
from partnerships.extensions import db

# ---- sort keys: (SQL expression, read the value from a row, parse it back from a cursor) ----
# A cursor comes back from the URL; a value of the wrong type (an edited URL) raises, and
# keyset_page then shows the first page instead of sending nonsense to the database.


def cursor_id(value) -> int:
    if type(value) is not int or not 0 <= value <= MAX_ID:
        raise ValueError("not an id")
    return value


def cursor_text(value) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("not a text")
    return value


def cursor_day(value) -> date:
    return date.fromisoformat(cursor_text(value))


def id_key(column) -> tuple:
    return (column, attrgetter(column.key), cursor_id)


def text_key(column) -> tuple:
    return (column, attrgetter(column.key), cursor_text)


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None
    is_first: bool


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, width: int) -> list[Any] | None:
    """A malformed cursor (edited URL) just means 'first page'."""
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != width:
        return None
    return values


def list_args() -> dict[str, str]:
    """The request's query string for a list page's links (next page, exports, sorting): a
    plain dict, as a template's `args.get(...)` on a MultiDict raises (slowly) for each missing
    key, once per drop-down option."""
    return request.args.to_dict()


def keyset_page(
    stmt: Select,
    columns: list,
    cursor: str | None,
    *,
    descending: bool = False,
    size: int | None = None,
    scalars: bool = True,
) -> Page:
    """Order `stmt` by `columns` (the last must be unique) and return the page after `cursor`.

    `columns` are (SQL expression, getter[, parse]) tuples: the getter reads the cursor value
    from a result row, the optional parse turns it back from JSON (dates, for instance).
    """
    size = size or current_app.config["PAGE_SIZE"]
    exprs = [column[0] for column in columns]
    after = decode_cursor(cursor, len(columns))
    if after is not None:
        try:
            after = [c[2](v) if len(c) > 2 else v for c, v in zip(columns, after, strict=True)]
        except (TypeError, ValueError, OverflowError):
            after = None  # a tampered cursor means "first page"
    if after is not None:
        stmt = stmt.where(_after(exprs, after, descending))
    order = [e.desc() if descending else e.asc() for e in exprs]
    result = db.session.execute(stmt.order_by(*order).limit(size + 1))
    rows = list(result.scalars() if scalars else result)
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = encode_cursor([column[1](last) for column in columns])
    return Page(items=items, next_cursor=next_cursor, is_first=after is None)


def _after(exprs: list, values: list, descending: bool):
    """(a, b, c) > (x, y, z) spelled out, so it works on every database."""
    clauses = []
    for i, expr in enumerate(exprs):
        equal = [exprs[j] == values[j] for j in range(i)]
        beyond = expr < values[i] if descending else expr > values[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)
