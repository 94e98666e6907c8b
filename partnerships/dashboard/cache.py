"""Results kept per process until the data behind them change, for the dashboard's heavier
parts (the rendered home page with its 514-shape map, the scorecard's ranking of every
partner). A result is kept under the state it was computed from: the facts' token (rewritten
with every change of the facts, facts.version), the counts and latest changes of agreements,
partners, officials and offices, and the office's day; any change makes a new key, so nothing
stale is ever served, in any process. Without the state row nothing is kept."""

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from partnerships.agreements.models import Agreement
from partnerships.core.formatting import office_today
from partnerships.dashboard import facts
from partnerships.extensions import db
from partnerships.organisations.models import Office, Official, Partner

SIZE = 64
_kept: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()  # threaded servers share the dictionary


def state() -> tuple | None:
    """The state the dashboard's figures rest on, in two small queries (None: unknown)."""
    token = facts.version()
    if token is None:
        return None
    parts = []
    for model in (Agreement, Partner, Official, Office):
        parts += [
            select(func.count()).select_from(model).scalar_subquery(),
            select(func.max(model.updated_at)).scalar_subquery(),
        ]
    counts = tuple(db.session.execute(select(*parts)).one())
    return (str(db.engine.url), token, counts, office_today())


def kept(key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, or what it gave for `key` in the current state."""
    now = state()
    if now is None:
        return compute()
    full = (now, *key)
    with _lock:
        if full in _kept:
            _kept.move_to_end(full)
            return _kept[full]
    value = compute()  # outside the lock: two first visits may both compute, never wait
    with _lock:
        _kept[full] = value
        while len(_kept) > SIZE:
            _kept.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _kept.clear()
