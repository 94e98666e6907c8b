"""The audit part of an auditor's dossier: the entries about a set of records, and the chain
segments that prove them, as plain data the domains above write into the archive.

A linear hash chain proves an entry only together with every entry after it up to a signed
checkpoint, so each dossier entry comes with the segment from it to the next checkpoint (the
checkpoints are daily, so segments stay short), or to the head when no checkpoint has been
signed since. Entries of the segment that the reader may not read in the app are given as their
hashes alone ("withheld"): their links are checked offline, their content cannot be.
`offline.py`, shipped in the archive, does the recomputing.
"""

import bisect
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import format_datetime
from sqlalchemy import Select, and_, or_, select

from partnerships.audit import readable
from partnerships.audit.anchors import Anchor, signed_anchors
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import EXPORT_FIELDS, GENESIS, canonical_time
from partnerships.core.roles import Role
from partnerships.extensions import db
from partnerships.organisations.scope import office_subtree_ids

# The parts of an agreement, found by the `agreement_id` their images carry.
AGREEMENT_PARTS = (*readable.AGREEMENT_CHILDREN, "Commitment", "CommitmentTerm")
# Records of other domains that name their subject (`subject_type`, `subject_id`).
SUBJECT_RECORDS = ("IssuedNumber", "Document", "SigningEntry")
# The parts of a commitment, by its `commitment_id`.
COMMITMENT_PARTS = (*readable.COMMITMENT_CHILDREN, "CommitmentComment")
# The partner's own rows, by `partner_id`.
PARTNER_PARTS = ("Official", "ContactPerson")
OFFLINE_SCRIPT = Path(__file__).with_name("offline.py")


@dataclass
class Subjects:
    """What a dossier covers: agreements (with their parts, commitments and documents) and
    partners (with their officials, contact persons and documents)."""

    agreements: set[int] = field(default_factory=set)
    commitments: set[int] = field(default_factory=set)
    partners: set[int] = field(default_factory=set)


def _office_scope(user) -> set[int] | None:
    """The offices whose entries `user` may have in a dossier; None: all of them (admins and
    national auditors)."""
    if user.role == Role.ADMIN or user.office_id is None:
        return None
    return office_subtree_ids(user.office_id)


def _key_in(key: str, ids: set[int]):
    return or_(
        AuditEntry.after[key].as_integer().in_(ids),
        AuditEntry.before[key].as_integer().in_(ids),
    )


def _subject_in(subject_type: str, ids: set[int]):
    return or_(
        and_(
            AuditEntry.after["subject_type"].as_string() == subject_type,
            AuditEntry.after["subject_id"].as_integer().in_(ids),
        ),
        and_(
            AuditEntry.before["subject_type"].as_string() == subject_type,
            AuditEntry.before["subject_id"].as_integer().in_(ids),
        ),
    )


def _own(object_type: str, ids: set[int]):
    return and_(AuditEntry.object_type == object_type, AuditEntry.object_id.in_(_strings(ids)))


def _strings(ids: Iterable[int]) -> list[str]:
    return [str(i) for i in sorted(ids)]


def commitments_under(agreements: set[int]) -> set[int]:
    """The commitments the trail recorded under these agreements (deleted ones included)."""
    if not agreements:
        return set()
    rows = db.session.scalars(
        select(AuditEntry.object_id)
        .where(AuditEntry.object_type == "Commitment", _key_in("agreement_id", agreements))
        .distinct()
    )
    return {int(r) for r in rows if r and r.isdigit()}


def relevant(
    user, subjects: Subjects, since: datetime | None = None, until: datetime | None = None
) -> list[AuditEntry]:
    """The entries about `subjects` within the user's scope (`since` ≤ time < `until` when
    given), oldest first: two queries however many records they name."""
    commitments = subjects.commitments | commitments_under(subjects.agreements)
    conditions = []
    if subjects.agreements:
        conditions += [
            _own("Agreement", subjects.agreements),
            and_(
                AuditEntry.object_type.in_(AGREEMENT_PARTS),
                _key_in("agreement_id", subjects.agreements),
            ),
            and_(
                AuditEntry.object_type.in_(SUBJECT_RECORDS),
                _subject_in("Agreement", subjects.agreements),
            ),
        ]
    if commitments:
        conditions += [
            _own("Commitment", commitments),
            and_(
                AuditEntry.object_type.in_(COMMITMENT_PARTS),
                _key_in("commitment_id", commitments),
            ),
        ]
    if subjects.partners:
        conditions += [
            _own("Partner", subjects.partners),
            and_(
                AuditEntry.object_type.in_(PARTNER_PARTS),
                _key_in("partner_id", subjects.partners),
            ),
            and_(
                AuditEntry.object_type.in_(SUBJECT_RECORDS),
                _subject_in("Partner", subjects.partners),
            ),
        ]
    if not conditions:
        return []
    stmt: Select = select(AuditEntry).where(or_(*conditions))
    offices = _office_scope(user)
    if offices is not None:
        stmt = stmt.where(AuditEntry.office_id.in_(offices))
    if since is not None:
        stmt = stmt.where(AuditEntry.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.occurred_at < until)
    return list(db.session.scalars(stmt.order_by(AuditEntry.seq)))


def record(entry: AuditEntry | dict[str, Any]) -> dict[str, Any]:
    """An entry exactly as it was hashed (the time in its canonical form), with its hash."""
    get = entry.get if isinstance(entry, dict) else lambda name: getattr(entry, name)
    values = {name: get(name) for name in EXPORT_FIELDS}
    values["occurred_at"] = canonical_time(values["occurred_at"])
    return values


# ---- the proof ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Entries `first`..`last` of the chain: they end on `anchor` (a signed checkpoint), or,
    newer than every checkpoint, on the head as it was (`head_hash`)."""

    first: int
    last: int
    anchor: Anchor | None
    head_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_seq": self.first,
            "last_seq": self.last,
            "head_hash": self.head_hash,
            "checkpoint": json.loads(self.anchor.line()) if self.anchor else None,
        }


def segments(entries: list[AuditEntry]) -> list[Segment]:
    """The shortest stretches of the chain that carry `entries` to a checkpoint: entries
    between two checkpoints share the later one; entries after the last run to the head."""
    if not entries:
        return []
    anchors, _findings = signed_anchors()  # what is wrong with them, the audit page reports
    ends = [a.seq for a in anchors]
    head = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).one()
    groups: dict[int | None, int] = {}  # anchor index → the group's first entry
    for entry in entries:
        index = bisect.bisect_left(ends, entry.seq)
        key = index if index < len(anchors) else None
        groups.setdefault(key, entry.seq)
    found = []
    for index, first in groups.items():
        if index is None:
            found.append(Segment(first, head.seq, None, head.hash))
        else:
            anchor = anchors[index]
            found.append(Segment(first, anchor.seq, anchor, anchor.head_hash))
    return sorted(found, key=lambda s: s.first)


def chain_lines(user, found: list[Segment], relevant_seqs: set[int]) -> Iterator[str]:
    """The segments as JSON lines, read from the database a batch at a time: each entry in
    full when the user may read it in the app (admins and auditors within their scope; anyone
    else only the dossier's own entries), else its hashes alone."""
    reads_trail = user.role in (Role.ADMIN, Role.AUDITOR)
    offices = _office_scope(user)
    table = AuditEntry.__table__
    for segment in found:
        stmt = (
            select(table)
            .where(table.c.seq.between(segment.first, segment.last))
            .order_by(table.c.seq)
        )
        for row in db.session.execute(stmt).yield_per(2000):
            values = row._asdict()
            shown = values["seq"] in relevant_seqs or (
                reads_trail and (offices is None or values["office_id"] in offices)
            )
            if shown:
                line = record(values)
            else:
                line = {
                    "seq": values["seq"],
                    "prev_hash": values["prev_hash"],
                    "hash": values["hash"],
                    "withheld": True,
                }
            yield json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n"


def checkpoint_lines(found: list[Segment]) -> str:
    """The checkpoints the segments end on, each exactly as a line of the checkpoint file."""
    return "".join(s.anchor.line() for s in found if s.anchor is not None)


# ---- in words -----------------------------------------------------------------------------

READABLE_HEADER = [
    "seq",
    "time",
    "actor",
    "action",
    "record_type",
    "record",
    "changes",
    "ip",
    "prev_hash",
    "hash",
]


def readable_rows(entries: list[AuditEntry]) -> list[list[Any]]:
    """The entries as the audit pages say them (names, not ids; one query per kind of row)."""
    rows = readable.present(entries, show_all=True)
    lines = []
    for entry, row in zip(entries, rows, strict=True):
        changes = "; ".join(
            f"{c.label}: {c.before if c.before is not None else '—'} → "
            f"{c.after if c.after is not None else '—'}"
            for c in row.changes
        )
        lines.append(
            [
                entry.seq,
                format_datetime(entry.occurred_at, "yyyy-MM-dd HH:mm:ss ZZZZZ"),
                f"{row.actor} ({row.actor_detail})" if row.actor_detail else row.actor,
                row.action_label,
                row.type_label,
                row.object_name,
                changes,
                entry.ip or "",
                entry.prev_hash,
                entry.hash,
            ]
        )
    return lines


def offline_script() -> bytes:
    return OFFLINE_SCRIPT.read_bytes()


__all__ = [
    "GENESIS",
    "Segment",
    "Subjects",
    "chain_lines",
    "checkpoint_lines",
    "offline_script",
    "readable_rows",
    "record",
    "relevant",
    "segments",
]
