"""Capture every insert, update and soft delete of audited models into the hash chain.

Audited models carry an `__audit__` dict (options: `redact`, `collections`) and an
`audit_office_id` property that tells office-scoped auditors whose row it is. Capture happens in
the flush itself, in the same transaction as the change: no change lands without its entry.
"""

import dataclasses
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import g, has_request_context, request
from flask_babel import format_datetime, gettext
from sqlalchemy import Connection, event, insert, inspect, select, text
from sqlalchemy.orm import Session

from partnerships.audit.anchors import Anchor, Finding, sign, signed_anchors
from partnerships.audit.anchors import record as record_anchor
from partnerships.audit.models import AuditEntry
from partnerships.audit.readable import action_label, type_label
from partnerships.core.actor import acting_as as acting_as  # re-exported for tests and scripts
from partnerships.core.actor import cli_actor
from partnerships.core.exports import stream_csv
from partnerships.core.formatting import long_datetime, number
from partnerships.core.models import utcnow
from partnerships.extensions import db

log = logging.getLogger(__name__)

GENESIS = "0" * 64
# Any constant works; it names "the audit chain" among PostgreSQL advisory locks.
CHAIN_LOCK_KEY = 72_010_001
REDACTED = "***"


class HardDeleteRefused(RuntimeError):
    """Records of consequence are soft-deleted; a hard delete is a programming error."""


# ---- who did it -------------------------------------------------------------------------


def _actor() -> tuple[int | None, str, str | None]:
    if has_request_context():
        # Read what Flask-Login already loaded; never trigger a user query inside a flush.
        user = getattr(g, "_login_user", None)
        ip = request.remote_addr
        if user is not None and getattr(user, "is_authenticated", False):
            return user.id, user.email, ip
        return None, "anonymous", ip
    return None, cli_actor() or "system", None


# ---- what changed -----------------------------------------------------------------------


def to_jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return canonical_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def canonical_time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _is_audited(obj: Any) -> bool:
    return hasattr(type(obj), "__audit__")


def _stored_row(session: Session, obj: Any) -> dict[str, Any] | None:
    """The row of `obj` as the database holds it now, read before the flush rewrites it.

    Attribute history alone cannot give the before image: it has no old value for an attribute
    set while unloaded (expired by a commit), and none for a column an `onupdate` default
    rewrites during the flush (`updated_at`).
    """
    state = inspect(obj)
    if state.key is None:
        return None
    mapper = state.mapper
    stmt = select(*(attr.columns[0] for attr in mapper.column_attrs)).where(
        *(column == value for column, value in zip(mapper.primary_key, state.key[1], strict=True))
    )
    row = session.connection().execute(stmt).first()
    if row is None:
        return None
    return {attr.key: value for attr, value in zip(mapper.column_attrs, row, strict=True)}


def _snapshots(obj: Any, stored: dict[str, Any] | None = None) -> tuple[dict, dict]:
    """(before, after) of every column and audited collection of `obj`; `stored` is its row as
    it was before the flush, when it had one."""
    options = type(obj).__audit__
    redact = options.get("redact", set())
    skip = options.get("skip", set())  # derived columns (search text) that would only bloat it
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in skip:
            continue
        hist = state.attrs[key].history
        now = hist.added[0] if hist.added else getattr(obj, key)
        if stored is not None:
            was = stored[key]
        else:
            was = hist.deleted[0] if hist.deleted else (now if not hist.added else None)
        if key in redact:
            before[key] = REDACTED if was is not None else None
            after[key] = REDACTED + (" (changed)" if hist.has_changes() and was else "")
            continue
        before[key], after[key] = to_jsonable(was), to_jsonable(now)
    for key, field in options.get("collections", {}).items():
        hist = state.attrs[key].history
        unchanged = [getattr(o, field) for o in hist.unchanged]
        before[key] = sorted(unchanged + [getattr(o, field) for o in hist.deleted])
        after[key] = sorted(unchanged + [getattr(o, field) for o in hist.added])
    return before, after


def _object_id(obj: Any) -> str:
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(v) for v in key)


_STORED = "audit_stored_rows"
_PENDING = "audit_pending_entries"
_REMOVED = "audit_removed_entries"


_LOCKED = "audit_chain_locked"  # the transaction that holds the chain's lock


def _lock_chain(session: Session) -> None:
    """PostgreSQL: the chain's lock (see `append`), once per transaction, taken before the
    transaction writes or locks any row. Every writer takes its locks in that one order, so
    none waits for a row held by another that waits for the chain: a bulk letter's document
    insert against a letter issued from the partner page (the same version number), a job's
    count locked FOR UPDATE against a letter already written, a worker taking over jobs
    against a live task. (SQLite: every transaction holds the write lock from its start.)"""
    connection = session.connection()
    transaction = session.get_transaction()
    if session.info.get(_LOCKED) is transaction:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    session.info[_LOCKED] = transaction


@event.listens_for(Session, "before_flush")
def _chain_lock_first(session: Session, _context, _instances) -> None:
    if session.new or session.dirty or session.deleted:
        _lock_chain(session)


@event.listens_for(Session, "do_orm_execute")
def _chain_lock_before_row_locks(state) -> None:
    """Statements run through the session that lock rows: UPDATE, DELETE, INSERT, and SELECT
    ... FOR UPDATE."""
    locking = state.is_update or state.is_delete or state.is_insert
    if locking or (state.is_select and state.statement._for_update_arg is not None):
        _lock_chain(state.session)


@event.listens_for(Session, "before_flush")
def _refuse_hard_delete(session: Session, _context, _instances) -> None:
    removed = []
    for obj in session.deleted:
        if not _is_audited(obj):
            continue
        if not type(obj).__audit__.get("removable"):
            raise HardDeleteRefused(f"{type(obj).__name__} is soft-deleted, never hard-deleted")
        # Working rows of a draft (a party taken off it) may go; the trail keeps what they held.
        before = {a.key: to_jsonable(getattr(obj, a.key)) for a in inspect(obj).mapper.column_attrs}
        entry = _entry("remove", obj, before, None)
        entry["office_id"] = getattr(obj, "audit_office_id", None)
        removed.append(entry)
    session.info[_REMOVED] = removed
    session.info.pop(_PENDING, None)  # left over from a flush that failed
    session.info[_STORED] = {
        obj: _stored_row(session, obj) for obj in session.dirty if _is_audited(obj)
    }


@event.listens_for(Session, "after_flush")
def _capture(session: Session, _context) -> None:
    """Take the before/after images while the attribute history still holds them; the entries
    are appended in `_append_captured`, once the new rows are persistent."""
    stored = session.info.pop(_STORED, {})
    pending: list[tuple[Any, dict[str, Any]]] = []
    for obj in session.new:
        if _is_audited(obj):
            _, after = _snapshots(obj)
            pending.append((obj, _entry("insert", obj, None, after)))
    for obj in session.dirty:
        if not _is_audited(obj) or not session.is_modified(obj, include_collections=True):
            continue
        before, after = _snapshots(obj, stored.get(obj))
        if before == after:
            continue
        action = _session_action(obj, before, after) or "update"
        if "is_deleted" in before and before["is_deleted"] != after["is_deleted"]:
            action = "delete" if after["is_deleted"] else "restore"
        pending.append((obj, _entry(action, obj, before, after)))
    session.info[_PENDING] = pending


@event.listens_for(Session, "after_flush_postexec")
def _append_captured(session: Session, _context) -> None:
    """Append the flush's entries, still inside its transaction. The office is read only now:
    `audit_office_id` may follow a relationship (an official's partner), which does not load on
    a row that is still pending during `after_flush`."""
    pending = session.info.pop(_PENDING, None) or []
    removed = session.info.pop(_REMOVED, None) or []
    for obj, entry in pending:
        entry["office_id"] = getattr(obj, "audit_office_id", None)
    if pending or removed:
        append(session.connection(), removed + [entry for _, entry in pending])


def _session_action(obj: Any, before: dict, after: dict) -> str | None:
    """'login' or 'logout' when an update only records a sign-in or ends the sessions.

    A model names such columns in `__audit__["session"]`: column → (action, columns that may
    change with it), e.g. a sign-in may rehash the password."""
    changed = {k for k in after if before.get(k) != after.get(k)} - {"updated_at"}
    for column, (action, companions) in type(obj).__audit__.get("session", {}).items():
        if column in changed and changed <= {column, *companions}:
            return action
    return None


def _entry(action: str, obj: Any, before: dict | None, after: dict | None) -> dict[str, Any]:
    return {
        "action": action,
        "object_type": type(obj).__name__,
        "object_id": _object_id(obj),
        "office_id": None,  # see _append_captured
        "before": before,
        "after": after,
    }


def record_event(
    action: str,
    object_type: str,
    object_id: str | None = None,
    detail: dict[str, Any] | None = None,
    office_id: int | None = None,
) -> None:
    """Log something that is not a row change: a login, an import, an export."""
    db.session.flush()
    append(
        db.session.connection(),
        [
            {
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "office_id": office_id,
                "before": None,
                "after": detail,
            }
        ],
    )


# ---- the chain --------------------------------------------------------------------------


def entry_hash(record: dict[str, Any]) -> str:
    payload = {
        "seq": record["seq"],
        "occurred_at": canonical_time(record["occurred_at"]),
        "actor_id": record["actor_id"],
        "actor_label": record["actor_label"],
        "ip": record["ip"],
        "action": record["action"],
        "object_type": record["object_type"],
        "object_id": record["object_id"],
        "office_id": record["office_id"],
        "before": record["before"],
        "after": record["after"],
        "prev_hash": record["prev_hash"],
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def append(connection: Connection, entries: list[dict[str, Any]]) -> None:
    """Append entries to the chain, serialised so that two writers never fork it.

    PostgreSQL: a transaction-scoped advisory lock, held until commit. SQLite: every transaction
    already holds the write lock (BEGIN IMMEDIATE, see extensions.py).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    table = AuditEntry.__table__
    last = connection.execute(
        select(table.c.seq, table.c.hash).order_by(table.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    actor_id, actor_label, ip = _actor()
    now = utcnow()
    rows = []
    for entry in entries:
        seq += 1
        record = {
            "seq": seq,
            "occurred_at": now,
            "actor_id": actor_id,
            "actor_label": actor_label,
            "ip": ip,
            "prev_hash": prev,
            **entry,
        }
        record["hash"] = prev = entry_hash(record)
        rows.append(record)
    connection.execute(insert(table), rows)


@dataclass
class Verification:
    checked: int  # entries verified before the first break (all of them, when none)
    broken_seq: int | None = None  # the first entry that does not fit the chain
    head_seq: int = 0  # the newest entry read, and its hash
    head_hash: str = GENESIS
    anchor: Anchor | None = None  # the latest genuine checkpoint
    findings: list[Finding] = dataclasses.field(default_factory=list)  # the chain's break first

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def reason(self) -> str | None:
        return self.findings[0].message() if self.findings else None

    def summary(self) -> list[str]:
        """The result in the user's language (Indonesian on the command line), for the page
        and the CLI alike."""
        if not self.ok:
            return [finding.message() for finding in self.findings]
        lines = [
            gettext("The audit chain is intact: %(n)s entries verified.", n=number(self.checked))
        ]
        if self.anchor is None:
            lines.append(
                gettext(
                    "No checkpoint has been signed yet, so a cut-off end of the trail cannot be "
                    "detected until `flask audit checkpoint` runs."
                )
            )
        else:
            lines.append(
                gettext(
                    "It matches the latest signed checkpoint, of %(time)s (entry %(seq)s).",
                    time=long_datetime(self.anchor.signed_at),
                    seq=number(self.anchor.seq),
                )
            )
        return lines


def verify() -> Verification:
    """Recompute the whole chain in order and name the first entry that does not fit; then hold
    it against the signed checkpoints: entries a checkpoint counted must still be there, with
    the hashes it signed (see anchors.py)."""
    genuine, checkpoint_findings = signed_anchors()
    signed: dict[int, list[Anchor]] = {}
    for anchor in genuine:
        signed.setdefault(anchor.seq, []).append(anchor)
    table = AuditEntry.__table__
    result = db.session.execute(select(table).order_by(table.c.seq)).yield_per(2000)
    expected_seq, prev, checked = 1, GENESIS, 0
    head_seq, head_hash = 0, GENESIS
    broken: Finding | None = None
    broken_seq: int | None = None
    rewritten: Finding | None = None
    rows = iter(result)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except (ValueError, TypeError) as error:  # a stored value no reader can parse
            log.warning("audit entry after %s cannot be read: %s", head_seq, error)
            garbled = Finding.of("garbled", seq=head_seq + 1)
            broken_seq, broken = (head_seq + 1, garbled) if broken is None else (broken_seq, broken)
            return Verification(checked, broken_seq, head_seq, head_hash, None, [broken])
        record = row._asdict()
        seq = head_seq = record["seq"]
        head_hash = record["hash"]
        for anchor in signed.get(seq, ()):
            if rewritten is None and record["hash"] != anchor.head_hash:
                rewritten = Finding.of("rewritten", seq=seq, time=anchor.signed_at)
        if broken is not None:
            continue  # read on: the checkpoints further up are checked all the same
        if seq != expected_seq:
            broken_seq, broken = expected_seq, Finding.of("missing", seq=expected_seq)
        elif record["prev_hash"] != prev:
            broken_seq, broken = seq, Finding.of("unlinked", seq=seq)
        elif entry_hash(record) != record["hash"]:
            broken_seq, broken = seq, Finding.of("altered", seq=seq)
        else:
            prev, expected_seq, checked = record["hash"], expected_seq + 1, checked + 1
    latest = genuine[-1] if genuine else None
    cut: Finding | None = None
    if latest is not None and latest.seq > head_seq:
        values = {"time": latest.signed_at, "count": latest.count}
        if head_seq == 0:
            cut = Finding.of("emptied", **values)
        else:
            cut = Finding.of(
                "tail_missing", first=head_seq + 1, last=latest.seq, head=head_seq, **values
            )
    findings = [f for f in (broken, cut, rewritten) if f is not None] + checkpoint_findings
    return Verification(checked, broken_seq, head_seq, head_hash, latest, findings)


def checkpoint() -> tuple[Verification, Anchor | None]:
    """Verify the chain and, if it holds, sign a checkpoint of its head (flushed; the caller
    commits). A chain that does not verify is not signed: the checkpoint would vouch for it."""
    result = verify()
    if not result.ok:
        return result, None
    anchor = sign(result.head_seq, result.head_hash, result.checked, utcnow())
    record_anchor(anchor)
    return result, anchor


# ---- reading it back --------------------------------------------------------------------

EXPORT_FIELDS = [
    "seq", "occurred_at", "actor_id", "actor_label", "ip", "action", "object_type",
    "object_id", "office_id", "before", "after", "prev_hash", "hash",
]  # fmt: skip


def _export_record(entry: AuditEntry) -> dict[str, Any]:
    record = {field: getattr(entry, field) for field in EXPORT_FIELDS}
    record["occurred_at"] = canonical_time(entry.occurred_at)
    return record


def _stream(stmt, batch: int = 2000) -> Iterator[AuditEntry]:
    """Run the query lazily, inside the streaming response, a batch at a time."""
    yield from db.session.scalars(stmt.execution_options(yield_per=batch))


# Readable columns after the raw ones: the time in office time, action and type in words.
READABLE_FIELDS = ["occurred_at_local", "action_label", "object_type_label"]


def export_csv(stmt) -> Iterator[str]:
    def rows():
        for entry in _stream(stmt):
            record = _export_record(entry)
            for key in ("before", "after"):
                record[key] = json.dumps(record[key], ensure_ascii=False, sort_keys=True)
            readable = [
                format_datetime(entry.occurred_at, "yyyy-MM-dd HH:mm:ss ZZZZZ"),
                action_label(entry.action),
                type_label(entry.object_type),
            ]
            yield [record[field] for field in EXPORT_FIELDS] + readable

    return stream_csv(EXPORT_FIELDS + READABLE_FIELDS, rows())


def export_json(stmt) -> Iterator[str]:
    yield "["
    for i, entry in enumerate(_stream(stmt)):
        yield ("," if i else "") + json.dumps(_export_record(entry), ensure_ascii=False)
    yield "]"
