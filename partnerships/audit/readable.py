"""The trail as a person reads it: object types, fields and actions in the user's language,
values formatted (office time, status words, names instead of ids), technical noise set apart.

The audit domain sits below the domains it records, so it imports none of them: models are
found by name in the mapper registry, and the domains' own value labels (agreement statuses,
partner kinds, roles ...) are handed over by the app factory through `label_values`.
Names of related rows are looked up in one query per model for a whole page (no N+1).
"""

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask import url_for
from flask_babel import format_datetime, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select

from partnerships.audit.models import AuditEntry
from partnerships.core.formatting import long_date, long_datetime, number
from partnerships.core.policy import can
from partnerships.core.safety import MAX_ID
from partnerships.extensions import db

TYPE_LABELS = {
    "Agreement": _l("Agreement"),
    "AgreementParty": _l("Agreement party"),
    "AgreementVersion": _l("Version"),
    "Comment": _l("Comment"),
    "IssuedNumber": _l("Issued number"),
    "Attachment": _l("Attachment"),
    "Partner": _l("Partner"),
    "Official": _l("Official"),
    "Office": _l("Office"),
    "User": _l("User"),
    "NumberPattern": _l("Numbering pattern"),
    "Clause": _l("Clause"),
    "Region": _l("Regions"),
    "AuditEntry": _l("Audit trail"),
    "Commitment": _l("Commitment"),
    "CommitmentTerm": _l("Terms of a commitment"),
    "RealisationFigure": _l("Realisation figure"),
    "Evidence": _l("Evidence"),
    "ContributionRate": _l("Contribution rate"),
    "NotificationPreference": _l("E-mail notification setting"),
    "Event": _l("Event"),
    "EventAttachment": _l("Event attachment"),
    "EventContribution": _l("Registrations counted from an event"),
    "FollowUp": _l("Follow-up"),
    "FollowUpEvidence": _l("Evidence of a follow-up"),
    "CalendarFeed": _l("Calendar feed"),
}

ACTION_LABELS = {
    "insert": _l("created"),
    "update": _l("changed"),
    "delete": _l("deleted"),
    "restore": _l("restored"),
    "remove": _l("removed"),
    "login": _l("signed in"),
    "logout": _l("signed out"),
    "login_failed": _l("sign-in failed"),
    "audit_export": _l("exported the audit trail"),
    "agreements_export": _l("exported agreements"),
    "regions_import": _l("imported regions"),
}
# Sign-ins and sign-outs: many, rarely what an auditor looks for; a filter leaves them out.
SESSION_ACTIONS = ("login", "logout", "login_failed")

# Columns that change with every save and tell a reader nothing: hidden unless asked for.
NOISE = frozenset(
    {
        "id",
        "created_at",
        "updated_at",
        "lock_version",
        "search_text",
        "stored_name",
        "issued_at",
        "subject_type",
    }
)

FIELD_LABELS = {
    "id": _l("ID"),
    "name": _l("Name"),
    "title": _l("Title"),
    "kind": _l("Type"),
    "status": _l("Status"),
    "subject": _l("Subject"),
    "programs": _l("Programs"),
    "funding": _l("Funding"),
    "place": _l("Place"),
    "signed_on": _l("Signed on"),
    "effective_on": _l("In force from"),
    "ends_on": _l("Ends on"),
    "term_months": _l("Term (months)"),
    "office_id": _l("Office"),
    "partner_id": _l("Partner"),
    "parent_id": _l("Parent"),
    "region_code": _l("Region"),
    "regions": _l("Regions served"),
    "address": _l("Address"),
    "created_by_id": _l("Created by"),
    "approved_by_id": _l("Approved by"),
    "approved_at": _l("Approved at"),
    "status_reason": _l("Reason for the status"),
    "search_text": _l("Search text"),
    "lock_version": _l("Edit counter"),
    "created_at": _l("Created at"),
    "updated_at": _l("Updated at"),
    "is_deleted": _l("Deleted"),
    "agreement_id": _l("Agreement"),
    "position": _l("Party order"),
    "signatory_id": _l("Signatory"),
    "number": _l("Number"),
    "articles": _l("Articles"),
    "note": _l("Note"),
    "author_id": _l("Author"),
    "version_number": _l("Version"),
    "article_index": _l("Article"),
    "body": _l("Text"),
    "resolved_at": _l("Resolved at"),
    "email_enabled": _l("E-mail notifications"),
    "user_id": _l("User"),
    "resolved_by_id": _l("Resolved by"),
    "sent_for_review_at": _l("Sent for review"),
    "original_name": _l("File name"),
    "stored_name": _l("Stored file"),
    "content_type": _l("File type"),
    "size": _l("Size"),
    "sha256": _l("SHA-256"),
    "uploaded_by_id": _l("Uploaded by"),
    "doc_type": _l("Document"),
    "doc_kind": _l("Document"),
    "year": _l("Year"),
    "pattern": _l("Pattern"),
    "unit": _l("Unit"),
    "classification": _l("Classification"),
    "seq": _l("Running number"),
    "text": _l("Number"),
    "subject_type": _l("Numbered record"),
    "subject_id": _l("Numbered record"),
    "issued_at": _l("Issued at"),
    "email": _l("E-mail"),
    "role": _l("Role"),
    "password_hash": _l("Password"),
    "session_token": _l("Sessions"),
    "active": _l("Active"),
    "last_login_at": _l("Last sign-in"),
    "identifier_kind": _l("ID type"),
    "identifier": _l("ID number"),
    "tenure_start": _l("In office from"),
    "tenure_end": _l("In office until"),
    "heading": _l("Heading"),
    "format": _l("Format"),
    "object_type": _l("Record type"),
    "object_id": _l("Record"),
    "action": _l("Action"),
    "actor": _l("Who"),
    "from": _l("From"),
    "until": _l("Until"),
    "commitment_id": _l("Commitment"),
    "article": _l("Article"),
    "description": _l("Description"),
    "fiscal_year": _l("Fiscal year"),
    "account_code": _l("Budget account code"),
    "amount": _l("Amount"),
    "workers": _l("Workers"),
    "months": _l("Months"),
    "metric": _l("What is counted"),
    "baseline_value": _l("Baseline value"),
    "baseline_on": _l("Baseline date"),
    "target_value": _l("Target value"),
    "due_on": _l("Due date"),
    "done_on": _l("Done on"),
    "done_note": _l("What was done"),
    "set_values": _l("Terms set"),
    "recorded_by_id": _l("Recorded by"),
    "recorded_at": _l("Recorded at"),
    "purpose": _l("Purpose"),
    "period_end": _l("Period ending on"),
    "period_label": _l("Period"),
    "value": _l("Value"),
    "source": _l("Source"),
    "evidence_id": _l("Evidence"),
    "submitted_by_id": _l("Submitted by"),
    "decided_by_id": _l("Decided by"),
    "decided_at": _l("Decided at"),
    "reject_reason": _l("Reason for rejection"),
    "program": _l("Program"),
    "basis": _l("Basis"),
    "minimum": _l("Minimum"),
    "valid_from": _l("Valid from"),
    "valid_to": _l("Valid until"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "timezone": _l("Time zone"),
    "all_day": _l("All day"),
    "venue": _l("Venue"),
    "planned_attendance": _l("Planned attendance"),
    "actual_attendance": _l("Actual attendance"),
    "new_registrations": _l("New registrations"),
    "registrations_note": _l("Note on the registrations"),
    "summary": _l("Summary"),
    "minutes": _l("Minutes"),
    "postponed_from": _l("Originally planned for"),
    "postpone_reason": _l("Reason for postponing"),
    "cancel_reason": _l("Reason for cancelling"),
    "partners": _l("Partners"),
    "agreements": _l("Agreements"),
    "commitments": _l("Commitments"),
    "audience_rows": _l("Audience"),
    "event_id": _l("Event"),
    "caption": _l("Caption"),
    "thumbnail_stored_name": _l("Thumbnail"),
    "registrations": _l("Registrations"),
    "figure_id": _l("Realisation figure"),
    "assignee_user_id": _l("Assignee"),
    "done_at": _l("Done at"),
    "done_by_id": _l("Done by"),
    "last_reminded_on": _l("Last reminded on"),
    "token_hash": _l("Secret token"),
    "revoked_at": _l("Revoked at"),
}

# Fields holding the id of another row, and the model whose name stands for it.
REFERENCES = {
    "office_id": "Office",
    "partner_id": "Partner",
    "signatory_id": "Official",
    "agreement_id": "Agreement",
    "region_code": "Region",
    "regions": "Region",
    "created_by_id": "User",
    "approved_by_id": "User",
    "author_id": "User",
    "resolved_by_id": "User",
    "uploaded_by_id": "User",
    "commitment_id": "Commitment",
    "recorded_by_id": "User",
    "submitted_by_id": "User",
    "decided_by_id": "User",
    "user_id": "User",
    "event_id": "Event",
    "partners": "Partner",
    "agreements": "Agreement",
    "commitments": "Commitment",
    "assignee_user_id": "User",
    "done_by_id": "User",
}
# A parent is a row of the same kind (a PKS's MoU, a branch's Kanwil, a partner's parent).
SELF_PARENTS = ("Agreement", "Office", "Partner")
# What names a row of each model, and the page that shows it.
NAME_COLUMNS = {
    "Agreement": "title",
    "Partner": "name",
    "Office": "name",
    "Official": "name",
    "User": "name",
    "Region": "name",
    "Commitment": "title",
    "Event": "title",
    "FollowUp": "description",
}
PAGES = {
    "Agreement": ("agreements.show", "agreement_id"),
    "Partner": ("organisations.partner", "partner_id"),
    "Office": ("organisations.office", "office_id"),
    "User": ("auth.user_edit", "user_id"),
    "Commitment": ("commitments.show", "commitment_id"),
    "Event": ("events.show", "event_id"),
    "FollowUp": ("events.follow_up", "follow_up_id"),
}
# Rows that belong to an agreement: named after it, shown in its history.
AGREEMENT_CHILDREN = ("AgreementParty", "AgreementVersion", "Comment", "Attachment")
# Rows that belong to a commitment: its terms, figures and evidence.
COMMITMENT_CHILDREN = ("CommitmentTerm", "RealisationFigure", "Evidence")
# A row's history includes its children's: parent type → (child types, the key naming it).
# An agreement's includes the commitments recorded under it and the terms it set for any.
CHILDREN = {
    "Agreement": ((*AGREEMENT_CHILDREN, "Commitment", "CommitmentTerm"), "agreement_id"),
    "Commitment": (COMMITMENT_CHILDREN, "commitment_id"),
}

_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LONG_TEXT = 300
AMOUNTS = frozenset({"size", "amount", "workers", "minimum"})

# ---- vocabulary handed over by the domains (see partnerships.register_audit_vocabulary) --

_value_labels: dict[tuple[str | None, str], Mapping] = {}
_value_writers: dict[tuple[str, str], Callable[[Any], str]] = {}
_party_role: list[Callable[[int], str]] = []


def model(name: str) -> Any:
    """The model class called `name` (found in the mapper registry, not imported)."""
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == name:
            return mapper.class_
    return None


def label_values(object_type: str | None, field_name: str, labels: Mapping) -> None:
    """Show `field_name` of `object_type` (None: of any type) through `labels` (value → label)."""
    _value_labels[(object_type, field_name)] = labels


def write_values(object_type: str, field_name: str, writer: Callable[[Any], str]) -> None:
    """Show `field_name` of `object_type` as `writer(value)` says (a structured value, such as
    the terms a commitment was given, in words)."""
    _value_writers[(object_type, field_name)] = writer


def name_party_roles(role: Callable[[int], str]) -> None:
    """How a party's position is called ('PIHAK KEDUA')."""
    _party_role[:] = [role]


def office_zone() -> str:
    """The timezone the pages show times in, by name ('Waktu Indonesia Tengah')."""
    return format_datetime(datetime.now(UTC), "zzzz")


def type_label(object_type: str) -> str:
    return str(TYPE_LABELS.get(object_type, object_type))


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ").capitalize()


# ---- what the page shows ---------------------------------------------------------------


@dataclass
class Change:
    label: str
    before: str | None  # None: nothing before (a new row)
    after: str | None  # None: nothing after (a removed row)
    noise: bool = False


@dataclass
class Row:
    seq: int
    occurred_at: datetime
    action: str
    action_label: str
    actor: str
    actor_detail: str
    ip: str | None
    type_label: str
    object_name: str
    url: str | None
    history_url: str | None
    changes: list[Change] = field(default_factory=list)
    hidden: int = 0  # technical fields left out


class _Names:
    """Names (and whether the row is still there) of the rows a page mentions, one query per
    model."""

    def __init__(self) -> None:
        self.wanted: dict[str, set] = defaultdict(set)
        self.found: dict[str, dict[Any, tuple[str, bool]]] = {}

    def want(self, model: str, value: Any) -> None:
        if model in NAME_COLUMNS and value not in (None, ""):
            values = value if isinstance(value, list) else [value]
            self.wanted[model].update(v for v in values if isinstance(v, int | str))

    def load(self) -> None:
        for name, values in self.wanted.items():
            cls = model(name)
            if cls is None:
                continue
            [pk] = inspect(cls).primary_key
            keys = {_as_key(v, pk.type.python_type) for v in values} - {None}
            if not keys:
                continue
            deleted = getattr(cls, "is_deleted", None)
            columns = [pk, getattr(cls, NAME_COLUMNS[name])]
            if deleted is not None:
                columns.append(deleted)
            rows = db.session.execute(select(*columns).where(pk.in_(keys)))
            self.found[name] = {r[0]: (r[1], not (len(r) > 2 and r[2])) for r in rows}

    def name(self, model: str, value: Any) -> str | None:
        row = self.found.get(model, {}).get(_as_key(value, int if model != "Region" else str))
        return row[0] if row else None

    def alive(self, model: str, value: Any) -> bool:
        row = self.found.get(model, {}).get(_as_key(value, int if model != "Region" else str))
        return bool(row and row[1])


def _as_key(value: Any, kind: type) -> Any:
    try:
        key = kind(value)
    except (TypeError, ValueError):
        return None
    return None if kind is int and not 0 < key <= MAX_ID else key


def _snapshot(entry: AuditEntry) -> dict[str, Any]:
    """The row as the entry last saw it (after, or before for a removal)."""
    return entry.after if isinstance(entry.after, dict) else entry.before or {}


def _reference(object_type: str, key: str, snapshot: dict) -> str | None:
    if key == "parent_id" and object_type in SELF_PARENTS:
        return object_type
    if key == "subject_id" and snapshot.get("subject_type") in NAME_COLUMNS:
        return snapshot["subject_type"]
    return REFERENCES.get(key)


def _agreement_of(entry: AuditEntry) -> Any:
    snapshot = _snapshot(entry)
    if entry.object_type in AGREEMENT_CHILDREN:
        return snapshot.get("agreement_id")
    if entry.object_type == "IssuedNumber" and snapshot.get("subject_type") == "Agreement":
        return snapshot.get("subject_id")
    return None


def present(entries: Iterable[AuditEntry], *, show_all: bool = False) -> list[Row]:
    """The page's entries as rows a person reads."""
    entries = list(entries)
    names = _Names()
    for entry in entries:
        names.want("User", entry.actor_id)
        names.want(entry.object_type, entry.object_id)
        names.want("Agreement", _agreement_of(entry))
        for image in (entry.before, entry.after):
            if isinstance(image, dict):
                for key, value in image.items():
                    if model := _reference(entry.object_type, key, image):
                        names.want(model, value)
    names.load()
    return [_row(entry, names, show_all) for entry in entries]


def _row(entry: AuditEntry, names: _Names, show_all: bool) -> Row:
    actor = names.name("User", entry.actor_id) if entry.actor_id else None
    object_name, url = _object(entry, names)
    history_url = None
    if entry.object_id:
        history_url = url_for(
            "audit.object", object_type=entry.object_type, object_id=entry.object_id
        )
    changes = _changes(entry, names, show_all)
    shown = changes if show_all else [c for c in changes if not c.noise]
    return Row(
        seq=entry.seq,
        occurred_at=entry.occurred_at,
        action=entry.action,
        action_label=action_label(entry.action),
        actor=actor or _system_actor(entry.actor_label),
        actor_detail=entry.actor_label if actor else "",
        ip=entry.ip,
        type_label=type_label(entry.object_type),
        object_name=object_name,
        url=url,
        history_url=history_url,
        changes=shown,
        hidden=len(changes) - len(shown),
    )


def _system_actor(label: str) -> str:
    if label == "anonymous":
        return gettext("Not signed in")
    if label == "system" or label.startswith("cli:"):
        return gettext("System (%(task)s)", task=label.removeprefix("cli:"))
    return label


def _link(model: str, value: Any, names: _Names) -> str | None:
    page = PAGES.get(model)
    if page is None or not names.alive(model, value) or not can(page[0]):
        return None
    return url_for(page[0], **{page[1]: int(value)})


def _object(entry: AuditEntry, names: _Names) -> tuple[str, str | None]:
    """What the entry is about, named as people know it, and the page showing it."""
    kind, oid, snap = entry.object_type, entry.object_id, _snapshot(entry)
    if kind in NAME_COLUMNS and oid:
        name = names.name(kind, oid) or snap.get(NAME_COLUMNS[kind]) or snap.get("email")
        if kind == "User" and not name and snap.get("email"):
            name = snap["email"]
        if name:
            return name, _link(kind, oid, names)
    agreement_id = _agreement_of(entry)
    agreement = names.name("Agreement", agreement_id) or (
        gettext("agreement %(id)s", id=agreement_id) if agreement_id else ""
    )
    url = _link("Agreement", agreement_id, names) if agreement_id else None
    if kind == "AgreementParty":
        position = snap.get("position")
        role = _party_role[0](position) if _party_role and isinstance(position, int) else ""
        who = names.name("Partner", snap.get("partner_id")) or names.name(
            "Office", snap.get("office_id")
        )
        role = f"{role} ({who})" if who else role
        return gettext("%(role)s on %(agreement)s", role=role, agreement=agreement), url
    if kind == "AgreementVersion":
        text = gettext("Version %(n)s of %(agreement)s", n=snap.get("number"), agreement=agreement)
        return text, url
    if kind == "Comment":
        article = snap.get("article_index")
        article = article + 1 if isinstance(article, int) else "?"
        text = gettext("Comment on article %(n)s of %(agreement)s", n=article, agreement=agreement)
        return text, url
    if kind == "Attachment":
        text = gettext(
            "%(file)s on %(agreement)s", file=snap.get("original_name"), agreement=agreement
        )
        return text, url
    if kind in COMMITMENT_CHILDREN:
        cid = snap.get("commitment_id")
        commitment = names.name("Commitment", cid) or gettext("commitment %(id)s", id=cid)
        detail = {
            "RealisationFigure": f"{type_label(kind)} {snap.get('period_label') or ''}".strip(),
            "Evidence": snap.get("original_name") or type_label(kind),
        }.get(kind, type_label(kind))
        text = gettext("%(what)s for %(commitment)s", what=detail, commitment=commitment)
        return text, _link("Commitment", cid, names)
    if kind == "IssuedNumber" and snap.get("text"):
        if agreement:
            return f"{snap['text']} ({agreement})", url
        return snap["text"], None
    if kind == "NumberPattern" and snap.get("pattern"):
        office = names.name("Office", snap.get("office_id"))
        return (f"{snap['pattern']} ({office})" if office else snap["pattern"]), None
    if kind == "Clause" and snap.get("heading"):
        return snap["heading"], None
    if oid:
        return f"{type_label(kind)} {oid}", None
    return type_label(kind), None


def _changes(entry: AuditEntry, names: _Names, show_all: bool = True) -> list[Change]:
    before = entry.before if isinstance(entry.before, dict) else None
    after = entry.after if isinstance(entry.after, dict) else None
    # A sign-in is its own statement; the columns it touched say nothing more.
    quiet = entry.action in ("login", "logout")
    return _compare(entry.object_type, before, after, names, quiet, show_all)


def _compare(
    kind: str,
    before: dict | None,
    after: dict | None,
    names: _Names,
    quiet: bool = False,
    show_all: bool = True,
) -> list[Change]:
    def change(key: str, old: Any, new: Any, side: str = "both") -> Change:
        noise = quiet or key in NOISE
        if noise and not show_all:  # only counted ("3 more"): not worth formatting
            return Change(key, None, None, noise=True)
        return Change(
            field_label(key),
            None if side == "after" else format_value(kind, key, old, names, before),
            None if side == "before" else format_value(kind, key, new, names, after),
            noise=noise,
        )

    if before is not None and after is not None:
        keys = [k for k in after if before.get(k) != after.get(k)]
        keys += [k for k in before if k not in after]
        return [change(k, before.get(k), after.get(k)) for k in keys]
    image, side = (after, "after") if after is not None else (before, "before")
    return [
        change(key, value, value, side)
        for key, value in (image or {}).items()
        if value not in (None, "", [], {})
    ]


def format_value(
    object_type: str, key: str, value: Any, names: _Names | None = None, image=None
) -> str:
    """One stored value as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, str) and value.startswith("***"):  # redacted at capture
        return gettext("hidden, changed") if value != "***" else gettext("hidden")
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if writer := _value_writers.get((object_type, key)):
        return _shorten(writer(value))
    labels = _value_labels.get((object_type, key)) or _value_labels.get((None, key))
    if labels is not None and isinstance(value, str | int):
        label = labels.get(value)
        if label is not None:
            return str(label)
    model = _reference(object_type, key, image or {})
    if names is not None and model is not None:
        values = value if isinstance(value, list) else [value]
        return ", ".join(names.name(model, v) or f"#{v}" for v in values)
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return ngettext("%(num)d article", "%(num)d articles", len(value))
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return _shorten(json.dumps(value, ensure_ascii=False, sort_keys=True))
    if isinstance(value, int | float):
        return number(value) if key in AMOUNTS else str(value)  # years and counters as typed
    text = str(value)
    if _ISO_TIME.match(text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        return long_datetime(moment)  # in the office's (the user's) timezone
    if _ISO_DAY.match(text):
        try:
            return long_date(date.fromisoformat(text))
        except ValueError:
            return text
    return _shorten(text)


def _shorten(text: str) -> str:
    return text if len(text) <= LONG_TEXT else text[:LONG_TEXT].rstrip() + "…"
