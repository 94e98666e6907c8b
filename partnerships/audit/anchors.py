"""Signed checkpoints of the audit chain's head, kept where the database cannot rewrite them.

The hash chain proves that no entry was changed or removed *between* others, but someone with
database access can still delete the newest entries, or rewrite the tail and hash it again: the
shorter chain verifies. A checkpoint records how far the chain had come (the entry `seq`, its
hash, the number of entries, the time) and is signed with an HMAC key the database never holds
(AUDIT_ANCHOR_KEY). Each one is written twice: to the `audit_checkpoints` table, and as a line
appended to AUDIT_ANCHOR_FILE, out of the database's reach. The file is authoritative; a
checkpoint in the table that the file lacks, or one with a bad signature, is reported.
"""

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from partnerships.audit.models import AuditCheckpoint
from partnerships.core.formatting import long_datetime, number
from partnerships.extensions import db

PURPOSE = "partnerships-audit-checkpoint-v1"  # signatures made for this, and nothing else


@dataclass(frozen=True)
class Anchor:
    """A checkpoint as signed: entry `seq` (of `count`) had hash `head_hash` at `signed_at`."""

    seq: int
    head_hash: str
    count: int
    signed_at: datetime
    signature: str

    def payload(self) -> bytes:
        fields = {
            "purpose": PURPOSE,
            "seq": self.seq,
            "head_hash": self.head_hash,
            "count": self.count,
            "signed_at": _canonical(self.signed_at),
        }
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def line(self) -> str:
        """The anchor as one line of the checkpoint file."""
        fields = {
            "seq": self.seq,
            "head_hash": self.head_hash,
            "count": self.count,
            "signed_at": _canonical(self.signed_at),
            "signature": self.signature,
        }
        return json.dumps(fields, sort_keys=True) + "\n"

    @classmethod
    def from_line(cls, line: str) -> "Anchor":
        """Raises ValueError (or KeyError, TypeError) on anything not written by `line`."""
        fields = json.loads(line)
        return cls(
            seq=_int(fields["seq"]),
            head_hash=_str(fields["head_hash"]),
            count=_int(fields["count"]),
            signed_at=datetime.strptime(_str(fields["signed_at"]), TIME_FORMAT).replace(tzinfo=UTC),
            signature=_str(fields["signature"]),
        )

    @classmethod
    def from_row(cls, row: AuditCheckpoint) -> "Anchor":
        return cls(row.seq, row.head_hash, row.entry_count, row.signed_at, row.signature)


TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _canonical(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError("not an integer")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


# ---- signing ----------------------------------------------------------------------------


def _key() -> bytes:
    return current_app.config["AUDIT_ANCHOR_KEY"].encode()


def signature(anchor: Anchor, key: bytes) -> str:
    return hmac.new(key, anchor.payload(), hashlib.sha256).hexdigest()


def is_genuine(anchor: Anchor, key: bytes) -> bool:
    return hmac.compare_digest(signature(anchor, key), anchor.signature)


def anchor_file() -> Path | None:
    configured = current_app.config.get("AUDIT_ANCHOR_FILE")
    return Path(configured) if configured else None


def sign(seq: int, head_hash: str, count: int, signed_at: datetime) -> Anchor:
    unsigned = Anchor(seq, head_hash, count, signed_at, "")
    return Anchor(seq, head_hash, count, signed_at, signature(unsigned, _key()))


def record(anchor: Anchor) -> None:
    """Write the checkpoint to the table (flushed; the caller commits) and append it to the
    file, before the commit: if the commit then fails, the file holds a checkpoint the table
    lacks, which is reported but vouches only for entries that were there. A row the file
    lacks is what a forger would leave, and the file is written to be trusted over it."""
    path = anchor_file()
    if path is None:
        raise RuntimeError("AUDIT_ANCHOR_FILE is not set")
    db.session.add(
        AuditCheckpoint(
            seq=anchor.seq,
            head_hash=anchor.head_hash,
            entry_count=anchor.count,
            signed_at=anchor.signed_at,
            signature=anchor.signature,
        )
    )
    db.session.flush()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: every write lands at the end, whatever else has the file open.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, anchor.line().encode())
        os.fsync(fd)
    finally:
        os.close(fd)


# ---- what verification finds ------------------------------------------------------------

MESSAGES = {
    # the chain itself (services.verify)
    "missing": _l("Entry %(seq)s is missing."),
    "unlinked": _l("Entry %(seq)s does not follow the previous entry."),
    "altered": _l("The content of entry %(seq)s does not match its hash."),
    "garbled": _l(
        "Entry %(seq)s holds a value that cannot be read: it was changed outside the "
        "application. Entries after it were not checked."
    ),
    # the chain against the checkpoints
    "tail_missing": _l(
        "Entries %(first)s to %(last)s are missing: the checkpoint of %(time)s signed "
        "%(count)s entries, and the trail now ends at entry %(head)s."
    ),
    "emptied": _l(
        "The audit trail is empty, but the checkpoint of %(time)s signed %(count)s entries."
    ),
    "rewritten": _l(
        "The chain was rewritten: entry %(seq)s no longer has the hash that the checkpoint of "
        "%(time)s signed."
    ),
    # the checkpoints themselves
    "unreadable": _l("The checkpoint file %(path)s cannot be read, so it was not checked."),
    "bad_line": _l(
        "Line %(line)s of the checkpoint file is not a checkpoint signed with this server's key."
    ),
    "bad_row": _l("Checkpoint #%(id)s in the database is not signed with this server's key."),
    "not_in_file": _l(
        "Checkpoint #%(id)s in the database (entry %(seq)s, %(time)s) is not in the "
        "checkpoint file."
    ),
    "not_in_table": _l(
        "The checkpoint of %(time)s (entry %(seq)s) in the checkpoint file is missing from the "
        "database."
    ),
}


@dataclass(frozen=True)
class Finding:
    """Something verification found wrong: a `MESSAGES` key and the values it names."""

    kind: str
    values: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, kind: str, **values: Any) -> "Finding":
        return cls(kind, tuple(values.items()))

    def message(self) -> str:
        """The finding in the user's language (Indonesian outside a request: the CLI)."""
        values = {
            key: long_datetime(value) if isinstance(value, datetime) else _shown(value)
            for key, value in self.values
        }
        return MESSAGES[self.kind] % values


def _shown(value: Any) -> str:
    return number(value) if isinstance(value, int) and not isinstance(value, bool) else str(value)


def signed_anchors() -> tuple[list[Anchor], list[Finding]]:
    """The genuine checkpoints (file and table), oldest first, and what is wrong with the rest:
    file lines and rows not signed with the key, rows the file lacks, file lines the table
    lacks."""
    key = _key()
    findings: list[Finding] = []
    in_file: list[Anchor] = []
    path = anchor_file()
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path else []
    except FileNotFoundError:
        lines = []  # no checkpoint signed yet
    except OSError:  # e.g. written by a cron user this process may not read
        lines = None
        findings.append(Finding.of("unreadable", path=str(path)))
    for number_, line in enumerate(lines or [], start=1):
        if not line.strip():
            continue
        try:
            anchor = Anchor.from_line(line)
        except (ValueError, KeyError, TypeError):
            anchor = None
        if anchor is None or not is_genuine(anchor, key):
            findings.append(Finding.of("bad_line", line=number_))
            continue
        in_file.append(anchor)
    file_signatures = {a.signature for a in in_file}
    in_table: list[Anchor] = []
    for row in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        anchor = Anchor.from_row(row)
        if not is_genuine(anchor, key):
            findings.append(Finding.of("bad_row", id=row.id))
            continue
        in_table.append(anchor)
        if lines is not None and anchor.signature not in file_signatures:
            findings.append(
                Finding.of("not_in_file", id=row.id, seq=anchor.seq, time=anchor.signed_at)
            )
    table_signatures = {a.signature for a in in_table}
    for anchor in in_file:
        if anchor.signature not in table_signatures:
            findings.append(Finding.of("not_in_table", seq=anchor.seq, time=anchor.signed_at))
    genuine = {a.signature: a for a in in_file + in_table}.values()
    return sorted(genuine, key=lambda a: (a.seq, a.signed_at)), findings
