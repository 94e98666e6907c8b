"""What agreements commit their parties to, in auditors' dossiers; and the dossier of one
partner for a period, which spans agreements and commitments and so lives here, above both.

A partner's dossier for a period holds the agreements the partner is a party to whose life
overlaps the period (from their creation, or their start if earlier, to their end: a renewal
being negotiated counts before it takes effect), each complete (every version,
document and attachment, whenever made, since the text in force may be older than the period);
what the partner owes under them, with every figure and its evidence; the letters and other
documents issued to the partner within the period; and the audit entries recorded within the
period about all of these and the partner's own records, with the chain segments that prove
them. Who may take it: as for an agreement's dossier, within the office managing the partner.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import get_timezone
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from partnerships.agreements import dossier as agreement_dossier
from partnerships.agreements.models import Agreement, AgreementParty
from partnerships.agreements.permissions import visible_agreements
from partnerships.audit.dossier import Subjects
from partnerships.commitments.models import (
    Commitment,
    CommitmentTerm,
    Evidence,
    RealisationFigure,
)
from partnerships.commitments.permissions import visible_commitments
from partnerships.core.formatting import long_date_id, office_today
from partnerships.core.roles import Role
from partnerships.documents import dossier as files
from partnerships.documents.dossier import Archive, Issuer, safe_name
from partnerships.extensions import db
from partnerships.organisations.models import ContactPerson, Official, Partner
from partnerships.organisations.scope import office_subtree_ids

FIGURE_HEADER = [
    "id",
    "period_end",
    "period_label",
    "value",
    "workers",
    "source",
    "note",
    "status",
    "submitted_by",
    "decided_by",
    "decided_at",
    "reject_reason",
    "deleted",
    "evidence",
]


def evidence_name(evidence: Evidence) -> str:
    return f"{evidence.id}-{safe_name(evidence.purpose)}-{safe_name(evidence.original_name)}"


def write_commitments(archive: Archive, commitments: list[Commitment]) -> None:
    """commitments/ID/: the commitment with its terms (commitment.json), its figures
    (figures.csv, deleted and rejected ones too) and their evidence. Three queries for any
    number of commitments."""
    ids = [c.id for c in commitments]
    if not ids:
        return
    terms: dict[int, list[CommitmentTerm]] = {i: [] for i in ids}
    for term in db.session.scalars(
        select(CommitmentTerm)
        .where(CommitmentTerm.commitment_id.in_(ids))
        .order_by(CommitmentTerm.commitment_id, CommitmentTerm.id)
    ):
        terms[term.commitment_id].append(term)
    figures: dict[int, list[RealisationFigure]] = {i: [] for i in ids}
    for figure in db.session.scalars(
        select(RealisationFigure)
        .where(RealisationFigure.commitment_id.in_(ids))
        .order_by(
            RealisationFigure.commitment_id, RealisationFigure.period_end, RealisationFigure.id
        )
    ):
        figures[figure.commitment_id].append(figure)
    evidence: dict[int, list[Evidence]] = {i: [] for i in ids}
    for item in db.session.scalars(
        select(Evidence).where(Evidence.commitment_id.in_(ids)).order_by(Evidence.id)
    ):
        evidence[item.commitment_id].append(item)
    for commitment in commitments:
        folder = f"commitments/{commitment.id}"
        archive.add_json(
            f"{folder}/commitment.json",
            _commitment_data(commitment, terms[commitment.id], evidence[commitment.id]),
            f"Komitmen: {commitment.title}",
        )
        archive.add_csv(
            f"{folder}/figures.csv",
            FIGURE_HEADER,
            (_figure_row(f) for f in figures[commitment.id]),
            f"Angka realisasi: {commitment.title}",
        )
        for item in evidence[commitment.id]:
            agreement_dossier.add_upload(
                archive,
                f"{folder}/evidence/{evidence_name(item)}",
                item,
                f"Bukti: {item.original_name}",
            )


def _figure_row(figure: RealisationFigure) -> list[Any]:
    return [
        figure.id,
        figure.period_end,
        figure.period_label,
        figure.value,
        figure.workers,
        figure.source,
        figure.note,
        figure.status,
        figure.submitted_by.name if figure.submitted_by else "",
        figure.decided_by.name if figure.decided_by else "",
        figure.decided_at,
        figure.reject_reason,
        figure.is_deleted,
        f"evidence/{evidence_name(figure.evidence)}" if figure.evidence else "",
    ]


def _commitment_data(
    commitment: Commitment, terms: list[CommitmentTerm], evidence: list[Evidence]
) -> dict[str, Any]:
    return {
        "id": commitment.id,
        "agreement_id": commitment.agreement_id,
        "agreement": commitment.agreement.title,
        "owed_by": commitment.partner.name,
        "article": commitment.article,
        "kind": commitment.kind,
        "title": commitment.title,
        "description": commitment.description,
        "terms_now": commitment.term_values(),
        "status": commitment.status,
        "status_on": commitment.status_on,
        "done_on": commitment.done_on,
        "done_note": commitment.done_note,
        "deleted": commitment.is_deleted,
        "terms_history": [
            {
                "set_by_agreement_id": t.agreement_id,
                "set_by_agreement": t.agreement.title if t.agreement else None,
                "values": t.set_values,
                "note": t.note,
                "recorded_by": t.recorded_by.name if t.recorded_by else None,
                "recorded_at": t.recorded_at,
            }
            for t in terms
        ],
        "evidence": [
            {
                "file": f"evidence/{evidence_name(e)}",
                "purpose": e.purpose,
                "uploaded_name": e.original_name,
                "content_type": e.content_type,
                "size": e.size,
                "sha256": e.sha256,
                "uploaded_at": e.created_at,
                "deleted": e.is_deleted,
            }
            for e in evidence
        ],
    }


def _commitments_of(user, agreement_ids: Iterable[int], partner_id: int | None = None):
    ids = sorted(set(agreement_ids))
    if not ids:
        return []
    stmt = visible_commitments(user).where(Commitment.agreement_id.in_(ids))
    if partner_id is not None:
        stmt = stmt.where(Commitment.partner_id == partner_id)
    return list(db.session.scalars(stmt.order_by(Commitment.agreement_id, Commitment.id)))


def _agreement_part(archive: Archive, agreements: list[Agreement], user) -> None:
    """An agreement's dossier: the commitments recorded under it and its family."""
    write_commitments(archive, _commitments_of(user, (a.id for a in agreements)))


agreement_dossier.register_part("commitments", _agreement_part)


# ---- one partner, one period --------------------------------------------------------------


def may_download(user, partner: Partner) -> bool:
    """Admins and national auditors: any partner; managers and office auditors: the partners
    their office (or one below it) manages."""
    if not agreement_dossier.may_download(user):
        return False
    if user.role == Role.ADMIN or user.office_id is None:
        return True
    return partner.office_id in office_subtree_ids(user.office_id)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The form's proposal: the office's year so far."""
    today = today or office_today()
    return date(today.year, 1, 1), today


def _moment(day: date) -> datetime:
    """The start of `day` at the office, as an aware moment."""
    return get_timezone().localize(datetime.combine(day, time.min))


def agreements_in_period(user, partner: Partner, since: date, until: date) -> list[Agreement]:
    """The agreements `user` may see that `partner` is a party to and whose life overlaps the
    period: from its creation, or the start of its term if that is earlier (an agreement entered
    after it was signed), until the end of its term (open while it has none)."""
    parties = select(AgreementParty.agreement_id).where(AgreementParty.partner_id == partner.id)
    starts = func.coalesce(Agreement.effective_on, Agreement.signed_on)
    stmt = (
        visible_agreements(user)
        .where(Agreement.id.in_(parties))
        .where(or_(Agreement.ends_on.is_(None), Agreement.ends_on >= since))
        .where(or_(starts <= until, Agreement.created_at < _moment(until + timedelta(days=1))))
    )
    # the parties, for each agreement's folder, in one more query
    stmt = stmt.options(selectinload(Agreement.parties))
    return list(db.session.scalars(stmt.order_by(Agreement.id)))


def _partner_data(partner: Partner) -> dict[str, Any]:
    officials = db.session.scalars(
        select(Official).where(Official.partner_id == partner.id).order_by(Official.id)
    ).all()
    contacts = db.session.scalars(
        select(ContactPerson)
        .where(ContactPerson.partner_id == partner.id)
        .order_by(ContactPerson.id)
    ).all()
    return {
        "id": partner.id,
        "name": partner.name,
        "kind": partner.kind,
        "region_code": partner.region_code,
        "managing_office": partner.office.name,
        "parent": partner.parent.name if partner.parent else None,
        "address": partner.address,
        "phone": partner.phone,
        "email": partner.email,
        "deleted": partner.is_deleted,
        "officials": [
            {
                "name": o.name,
                "title": o.title,
                "identifier_kind": o.identifier_kind,
                "identifier": o.identifier,
                "tenure_start": o.tenure_start,
                "tenure_end": o.tenure_end,
                "deleted": o.is_deleted,
            }
            for o in officials
        ],
        "contact_persons": [
            {
                "name": c.name,
                "position": c.position,
                "phone": c.phone,
                "email": c.email,
                "deleted": c.is_deleted,
            }
            for c in contacts
        ],
    }


def build(partner: Partner, user, since: date, until: date) -> agreement_dossier.Built:
    """The partner's dossier for `since`..`until` (both days included); the manifest is
    registered (flushed: the request commits)."""
    today = office_today()
    root = f"berkas-audit-mitra-{partner.id}-{since:%Y%m%d}-{until:%Y%m%d}"
    archive = agreement_dossier.new_archive(root)
    with archive.building():
        archive.add_json("partner.json", _partner_data(partner), f"Data mitra: {partner.name}")
        agreements = agreements_in_period(user, partner, since, until)
        agreement_dossier.write_agreements(archive, agreements)
        commitments = _commitments_of(user, (a.id for a in agreements), partner.id)
        write_commitments(archive, commitments)
        start, end = _moment(since), _moment(until + timedelta(days=1))
        letters = [
            d for d in files.documents_of("Partner", [partner.id]) if since <= d.issued_on <= until
        ]
        for document, data in files.stored_documents(letters):
            name = f"partner/documents/{files.document_name(document)}"
            if data is None:
                archive.note_missing(name, document.sha256, "tidak ada di penyimpanan atau berubah")
            else:
                archive.add(name, data, files.describe(document))
        audit = agreement_dossier.write_audit(
            archive,
            user,
            Subjects(
                agreements={a.id for a in agreements},
                commitments={c.id for c in commitments},
                partners={partner.id},
            ),
            start,
            end,
        )
        period = f"{long_date_id(since)} s.d. {long_date_id(until)}"
        title = f"Mitra: {partner.name}"
        issuer = Issuer(
            subject=("Partner", partner.id),
            office_id=partner.office_id,
            office_name=partner.office.name,
            title=title,
            details=[
                ("Periode", period),
                ("Kantor pengelola", partner.office.name),
                ("Mencakup", f"{len(agreements)} perjanjian, {len(commitments)} komitmen"),
            ],
            requested_by=user.name,
            user_id=user.id,
            filename=f"{root}-manifest.pdf",
            issued_on=today,
        )
        covers = [
            f"{agreement_dossier.KIND_NAMES.get(a.kind, a.kind)}: {a.title}" for a in agreements
        ]
        covers += [f"Komitmen: {c.title}" for c in commitments]
        text = files.readme(
            agreement_dossier.readme_data(
                archive, user, title, audit, covers=covers or ["—"], period=period
            )
        )
        zipped, manifest = files.finish(archive, issuer, text)
    return agreement_dossier.Built(zipped, f"{root}.zip", manifest)
