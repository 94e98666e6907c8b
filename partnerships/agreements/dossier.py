"""The auditor's dossier of an agreement: one zip with every version's text, every stored
document and attachment, the audit entries with the chain segments that prove them, and a
sealed manifest, checked offline with `sha256sum -c` and `pdfsig` (documents.dossier).

An agreement's dossier covers the agreement and everything under it: the PKS under an MoU, the
addenda that amend it and the renewals that succeed it, and theirs in turn (the same family the
agreement page draws below it), but not the agreement above it, which has its own dossier. The
commitments domain adds what the agreements commit their parties to (`register_part`).

Who: admins, auditors (national, or of the owning office or one above it) and the managers of
those offices. Not partner users: the dossier holds the internal drafts and the office's audit
trail (names, addresses, every change), which they cannot read in the app either; nor staff,
who do not read the audit trail.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from babel.dates import format_datetime
from flask import current_app
from flask_babel import get_timezone
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from partnerships.agreements.models import Agreement, AgreementVersion, Attachment
from partnerships.agreements.parties import party_role
from partnerships.agreements.permissions import DOSSIER_READERS, visible_agreements
from partnerships.audit import dossier as audit_dossier
from partnerships.core import uploads
from partnerships.core.formatting import office_today
from partnerships.core.models import utcnow
from partnerships.core.roles import Role
from partnerships.documents import dossier as files
from partnerships.documents.dossier import Archive, Issuer, safe_name
from partnerships.documents.models import Document, SigningEntry
from partnerships.extensions import db

# The dossier is a document: it speaks formal Indonesian, whatever the reader's language.
KIND_NAMES = {
    "mou": "Kesepakatan Bersama",
    "pks": "Perjanjian Kerja Sama",
    "addendum": "Adendum",
    "renewal": "Perpanjangan",
}
ATTACHMENT_NAMES = {"signed_original": "Pindaian naskah asli", "annex": "Lampiran"}

Part = Callable[[Archive, list[Agreement], Any], None]
_PARTS: dict[str, Part] = {}


def register_part(name: str, write: Part) -> None:
    """Let a higher domain add its files for these agreements (`write(archive, agreements,
    user)`), as page sections do; registering a name again replaces it."""
    _PARTS[name] = write


def may_download(user) -> bool:
    """Whether `user` may take dossiers at all; which ones is the agreements' scope."""
    role = getattr(user, "role", None)
    return role is not None and DOSSIER_READERS.allows(Role(role))


def family(agreement: Agreement, visible: Select) -> list[Agreement]:
    """The agreement and everything under it within `visible`, depth first in id order; one
    query per generation, the parties loaded with them."""
    loaded = visible.options(selectinload(Agreement.parties))
    root = db.session.scalar(loaded.where(Agreement.id == agreement.id))
    if root is None:
        return []
    children: dict[int, list[Agreement]] = {}
    generation = [root.id]
    seen = {root.id}
    while generation:
        rows = db.session.scalars(
            loaded.where(Agreement.parent_id.in_(generation)).order_by(Agreement.id)
        ).all()
        rows = [r for r in rows if r.id not in seen]
        for row in rows:
            children.setdefault(row.parent_id, []).append(row)
            seen.add(row.id)
        generation = [row.id for row in rows]
    ordered: list[Agreement] = []

    def walk(node: Agreement) -> None:
        ordered.append(node)
        for child in children.get(node.id, []):
            walk(child)

    walk(root)
    return ordered


def folder_of(index: int, agreement: Agreement) -> str:
    return f"agreements/{index:02d}-{safe_name(agreement.kind)}-{agreement.id}"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(get_timezone())
    return format_datetime(local, "d MMMM y HH.mm zzz", locale="id_ID")


def version_text(agreement: Agreement, version: AgreementVersion) -> str:
    """A version as a person reads it: what it is, then its articles (Pasal) in full."""
    lines = [
        agreement.title.upper(),
        f"tentang {agreement.subject}",
        "",
        f"Jenis: {KIND_NAMES.get(agreement.kind, agreement.kind)}",
        f"Versi {version.number}, disimpan {_when(version.created_at)}"
        + (f" oleh {version.author.name}" if version.author else ""),
    ]
    if version.note:
        lines.append(f"Catatan: {version.note}")
    if version.sent_for_review_at:
        lines.append(
            f"Dikirim kepada para pihak untuk direviu: {_when(version.sent_for_review_at)}"
        )
    lines.append("")
    for number, article in enumerate(version.articles or [], start=1):
        lines += [
            f"Pasal {number}",
            str(article.get("heading", "")),
            "",
            str(article.get("body", "")),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def _party(party) -> dict[str, Any]:
    signatory = party.signatory
    return {
        "position": party.position,
        "role": party_role(party.position),
        "name": party.name,
        "number": party.number,
        "signatory": None
        if signatory is None
        else {
            "name": signatory.name,
            "title": signatory.title,
            "identifier_kind": signatory.identifier_kind,
            "identifier": signatory.identifier,
        },
    }


def write_agreements(archive: Archive, agreements: list[Agreement]) -> None:
    """Each agreement's folder: `agreement.json`, `versions/vNNN.txt`, its registered
    documents, attachments and signing record. Five queries for any number of agreements,
    plus one per 64 MB of stored documents."""
    ids = [a.id for a in agreements]
    folders = {a.id: folder_of(i, a) for i, a in enumerate(agreements, start=1)}
    versions: dict[int, list[AgreementVersion]] = {i: [] for i in ids}
    for version in db.session.scalars(
        select(AgreementVersion)
        .where(AgreementVersion.agreement_id.in_(ids))
        .order_by(AgreementVersion.agreement_id, AgreementVersion.number)
    ):
        versions[version.agreement_id].append(version)
    attachments: dict[int, list[Attachment]] = {i: [] for i in ids}
    for attachment in db.session.scalars(
        select(Attachment).where(Attachment.agreement_id.in_(ids)).order_by(Attachment.id)
    ):
        attachments[attachment.agreement_id].append(attachment)
    documents = files.documents_of("Agreement", ids)
    signings: dict[int, list[SigningEntry]] = {i: [] for i in ids}
    for signing in db.session.scalars(
        select(SigningEntry)
        .where(SigningEntry.subject_type == "Agreement", SigningEntry.subject_id.in_(ids))
        .order_by(SigningEntry.subject_id, SigningEntry.party_position)
    ):
        signings[signing.subject_id].append(signing)
    by_subject: dict[int, list[Document]] = {i: [] for i in ids}
    for document in documents:
        by_subject[document.subject_id].append(document)

    for agreement in agreements:
        folder = folders[agreement.id]
        listed = []
        for version in versions[agreement.id]:
            name = f"{folder}/versions/v{version.number:03d}.txt"
            archive.add_text(
                name,
                version_text(agreement, version),
                f"Naskah versi {version.number}: {agreement.title}",
            )
            listed.append(
                {
                    "number": version.number,
                    "file": name.removeprefix(folder + "/"),
                    "created_at": version.created_at,
                    "author": version.author.name if version.author else None,
                    "note": version.note,
                    "sent_for_review_at": version.sent_for_review_at,
                }
            )
        archive.add_json(
            f"{folder}/agreement.json",
            _agreement_data(
                agreement,
                listed,
                by_subject[agreement.id],
                attachments[agreement.id],
                signings[agreement.id],
            ),
            f"Data perjanjian: {agreement.title}",
        )
        if signings[agreement.id]:
            archive.add_csv(
                f"{folder}/signings.csv",
                ["position", "party", "mode", "signer", "signed_at", "sha256", "document"],
                (
                    [
                        s.party_position,
                        s.party_name,
                        s.mode,
                        s.signer_name,
                        s.signed_at,
                        s.sha256,
                        "documents/" + _document_file(s.document) if s.document else "",
                    ]
                    for s in signings[agreement.id]
                ),
                f"Berita acara penandatanganan: {agreement.title}",
            )
        for attachment in attachments[agreement.id]:
            add_upload(
                archive,
                f"{folder}/attachments/{attachment_name(attachment)}",
                attachment,
                f"{ATTACHMENT_NAMES.get(attachment.kind, 'Lampiran')}: {attachment.original_name}",
            )
    for document, data in files.stored_documents(documents):
        name = f"{folders[document.subject_id]}/documents/{_document_file(document)}"
        if data is None:
            archive.note_missing(name, document.sha256, "tidak ada di penyimpanan atau berubah")
        else:
            archive.add(name, data, files.describe(document))


def attachment_name(attachment) -> str:
    return f"{attachment.id}-{safe_name(attachment.kind)}-{safe_name(attachment.original_name)}"


def _document_file(document: Document) -> str:
    return files.document_name(document)


def add_upload(archive: Archive, name: str, stored, description: str) -> None:
    """An uploaded file (core.uploads) under the hash recorded when it came in: a file that is
    gone or changed since is listed as missing, never put in under a new hash."""
    path = uploads.path_of(stored.stored_name)
    try:
        data = path.read_bytes()
    except OSError:
        archive.note_missing(name, stored.sha256, "tidak ada di penyimpanan")
        return
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        archive.note_missing(name, stored.sha256, "berubah sejak diunggah")
        return
    archive.add(name, data, description)


def _agreement_data(agreement, versions, documents, attachments, signings) -> dict[str, Any]:
    return {
        "id": agreement.id,
        "kind": agreement.kind,
        "kind_name": KIND_NAMES.get(agreement.kind, agreement.kind),
        "title": agreement.title,
        "subject": agreement.subject,
        "status": agreement.status,
        "status_reason": agreement.status_reason,
        "office": agreement.office.name,
        "parent_id": agreement.parent_id,
        "programs": agreement.programs,
        "funding": agreement.funding,
        "place": agreement.place,
        "signed_on": agreement.signed_on,
        "effective_on": agreement.effective_on,
        "ends_on": agreement.ends_on,
        "term_months": agreement.term_months,
        "deleted": agreement.is_deleted,
        "parties": [_party(p) for p in agreement.parties],
        "versions": versions,
        "documents": [
            {
                "file": "documents/" + _document_file(d),
                "kind": d.kind,
                "version": d.version,
                "title": d.title,
                "number": d.number,
                "issued_on": d.issued_on,
                "origin": d.origin,
                "sealed": d.sealed,
                "draft": d.is_draft,
                "printed_from_version": d.agreement_version,
                "registered_name": d.filename,
                "sha256": d.sha256,
            }
            for d in documents
        ],
        "attachments": [
            {
                "file": "attachments/" + attachment_name(a),
                "kind": a.kind,
                "uploaded_name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "uploaded_at": a.created_at,
                "deleted": a.is_deleted,
            }
            for a in attachments
        ],
        "signings": [
            {
                "position": s.party_position,
                "party": s.party_name,
                "mode": s.mode,
                "signer": s.signer_name,
                "signed_at": s.signed_at,
                "sha256": s.sha256,
            }
            for s in signings
        ],
    }


# ---- the audit part (shared with the partner's dossier) ----------------------------------


@dataclass(frozen=True)
class AuditPart:
    entries: int
    segments: list[audit_dossier.Segment]


def write_audit(
    archive: Archive,
    user,
    subjects: audit_dossier.Subjects,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditPart:
    """audit/: the entries (exact JSON, and CSV in words), the chain segments proving them,
    the checkpoints they end on; and the stand-alone script that recomputes them."""
    entries = audit_dossier.relevant(user, subjects, since, until)
    archive.add_json(
        "audit/entries.json",
        [audit_dossier.record(e) for e in entries],
        "Jejak audit: entri persis seperti di-hash",
    )
    archive.add_csv(
        "audit/entries.csv",
        audit_dossier.READABLE_HEADER,
        audit_dossier.readable_rows(entries),
        "Jejak audit: entri yang dapat dibaca",
    )
    found = audit_dossier.segments(entries)
    archive.add_json(
        "audit/segments.json",
        [s.as_dict() for s in found],
        "Jejak audit: ruas rantai dan titik periksanya",
    )
    with archive.open("audit/chain.jsonl", "Jejak audit: ruas rantai hash") as out:
        for line in audit_dossier.chain_lines(user, found, {e.seq for e in entries}):
            out.write(line.encode())
    archive.add_text(
        "audit/checkpoints.jsonl",
        audit_dossier.checkpoint_lines(found),
        "Jejak audit: titik periksa bertanda tangan",
    )
    archive.add(
        "verify_audit_chain.py",
        audit_dossier.offline_script(),
        "Skrip pemeriksa rantai audit (Python, pustaka standar)",
    )
    return AuditPart(len(entries), found)


def readme_data(archive: Archive, user, title: str, audit: AuditPart, **extra) -> dict[str, Any]:
    return {
        "title": title,
        "root": archive.root,
        "created": _when(archive.created),
        "requested_by": f"{user.name} ({user.email})",
        "entries": audit.entries,
        "segments": len(audit.segments),
        "signed_segments": sum(1 for s in audit.segments if s.anchor is not None),
        "reads_whole_trail": user.role in (Role.ADMIN, Role.AUDITOR) and user.office_id is None,
        "missing": archive.missing,
        "period": None,
        **extra,
    }


def new_archive(root: str) -> Archive:
    return Archive(root, utcnow(), current_app.config.get("DOSSIER_MAX_BYTES"))


# ---- one agreement ------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    file: IO[bytes]
    filename: str
    manifest: Document


def build(agreement: Agreement, user) -> Built:
    """The agreement's dossier; the manifest is registered (flushed: the request commits)."""
    today = office_today()
    agreements = family(agreement, visible_agreements(user))
    archive = new_archive(f"berkas-audit-{safe_name(agreement.kind)}-{agreement.id}-{today:%Y%m%d}")
    with archive.building():
        write_agreements(archive, agreements)
        for write in _PARTS.values():
            write(archive, agreements, user)
        audit = write_audit(
            archive, user, audit_dossier.Subjects(agreements={a.id for a in agreements})
        )
        number = agreement.office_number
        title = f"{KIND_NAMES.get(agreement.kind, agreement.kind)}: {agreement.title}"
        details = [
            ("Nomor", number or "—"),
            ("Kantor pemilik", agreement.office.name),
            ("Mencakup", f"{len(agreements)} perjanjian (perjanjian ini dan turunannya)"),
        ]
        issuer = Issuer(
            subject=("Agreement", agreement.id),
            office_id=agreement.office_id,
            office_name=agreement.office.name,
            title=title,
            details=details,
            requested_by=user.name,
            user_id=user.id,
            filename=f"{archive.root}-manifest.pdf",
            issued_on=today,
        )
        text = files.readme(
            readme_data(
                archive,
                user,
                title,
                audit,
                covers=[f"{KIND_NAMES.get(a.kind, a.kind)}: {a.title}" for a in agreements],
            )
        )
        zipped, manifest = files.finish(archive, issuer, text)
    return Built(zipped, f"{archive.root}.zip", manifest)
