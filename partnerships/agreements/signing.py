"""Signing an agreement, party by party, and the record of it.

When the agreement is sent for signature the office prints the final text (never DRAF), seals
it with its own certificate and registers it: that sealed PDF is what every partner signs, and
the office's own party counts as signed by the seal. Each partner then signs one of two ways:
its certified electronic signature (the PDF comes back signed by its provider and must be our
sealed PDF plus its new signature), or wet ink (a scan of the signed paper, with who signed and
when). Recording the signing needs every party's signature and number; it issues the sealed
berita acara that lists them with the SHA-256 of each signed document.

Dates are checked by the day at the office (BABEL_DEFAULT_TIMEZONE, WITA for the pilot), never
by the moment: a wet-ink signature is known by its day only. A partner's wet-ink signature is
dated from the day the office sealed the text and sent it for signature (that day included) to
today; the agreement's signing date, given when the signing is recorded, from the day the last
party signed (that day included) to today. Each party signed on (`signature_day`): the office by
its seal on the day the text was sealed and sent (the sealed document's issue day), a partner in
wet ink on the day typed, a partner's certified signature on the day its signature states, read
in the office's time zone.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from babel.dates import format_datetime
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select

from partnerships.agreements import printing
from partnerships.agreements.errors import AgreementError, WorkflowError
from partnerships.agreements.models import Agreement, AgreementParty, Status
from partnerships.agreements.parties import party_role
from partnerships.agreements.queries import latest_version
from partnerships.core import uploads
from partnerships.core.errors import DomainError
from partnerships.core.formatting import DOC_LOCALE, long_date, office_today
from partnerships.core.models import utcnow
from partnerships.core.roles import Role
from partnerships.documents import sealing, verification
from partnerships.documents import services as documents
from partnerships.documents.forms import KIND_LABELS
from partnerships.documents.models import DocKind, Document, Origin, SigningEntry, SigningMode
from partnerships.documents.rendering import RenderRefused
from partnerships.extensions import db

SUBJECT = "Agreement"
SIGNER_MAX = 300  # document_signings.signer_name

MODE_LABELS = {
    SigningMode.SEAL: _l("Office's digital seal"),
    SigningMode.CERTIFIED: _l("Certified electronic signature"),
    SigningMode.WET_INK: _l("Wet ink (scan)"),
    SigningMode.NONE: _l("Not signed"),
}
# The documents domain names every kind; the agreement page says more of its own.
DOCUMENT_LABELS = {
    **KIND_LABELS,
    DocKind.AGREEMENT: _l("Agreement text, sealed"),
    DocKind.SIGNED_UPLOAD: _l("Signed by the partner (certified)"),
    DocKind.WET_INK_SCAN: _l("Signed in wet ink (scan)"),
    DocKind.SIGNING_RECORD: _l("Signing record (berita acara)"),
}
# The berita acara is formal Indonesian whatever the reader's language.
MODE_WORDS_ID = {
    SigningMode.SEAL: "Segel elektronik kantor",
    SigningMode.CERTIFIED: "Tanda tangan elektronik tersertifikasi",
    SigningMode.WET_INK: "Tanda tangan basah (hasil pindaian)",
    SigningMode.NONE: "Tidak ditandatangani",
}


def _subject(agreement: Agreement) -> tuple[str, int]:
    return (SUBJECT, agreement.id)


# ---- reading ----------------------------------------------------------------------------


def entries(agreement: Agreement) -> dict[int, SigningEntry]:
    """The agreement's signing entries by party position."""
    rows = db.session.scalars(
        select(SigningEntry).where(
            SigningEntry.subject_type == SUBJECT, SigningEntry.subject_id == agreement.id
        )
    )
    return {row.party_position: row for row in rows}


def sent_document(agreement: Agreement) -> Document | None:
    """The sealed final text the parties sign (the latest, should there be several)."""
    return db.session.scalar(
        select(Document)
        .where(
            Document.subject_type == SUBJECT,
            Document.subject_id == agreement.id,
            Document.kind == DocKind.AGREEMENT,
            Document.sealed.is_(True),
            Document.is_draft.is_(False),
        )
        .order_by(Document.version.desc())
        .limit(1)
    )


def signature_day(entry: SigningEntry) -> date | None:
    """The day at the office a party signed on: the office's seal on the day the text was
    sealed and sent (the sealed document's issue day), any other signature on the day of its
    moment in the office's time zone (a wet-ink signature is kept as the start of its day)."""
    if entry.mode == SigningMode.SEAL and entry.document is not None:
        return entry.document.issued_on
    return entry.signed_at.astimezone(get_timezone()).date() if entry.signed_at else None


def last_signature(
    agreement: Agreement, found: dict[int, SigningEntry] | None = None
) -> tuple[date, str] | None:
    """The day the last party signed and that party's name (of two on one day, the one
    recorded later); None before anyone has. `found`: its entries, when already read."""
    days = [
        (day, entry.created_at, entry.party_name)
        for entry in (entries(agreement) if found is None else found).values()
        if (day := signature_day(entry))
    ]
    if not days:
        return None
    day, _recorded, party = max(days, key=lambda row: row[:2])
    return day, party


def visible_documents(agreement: Agreement, user) -> Select:
    """The agreement's documents `user` may see and download: all of them for the office side;
    for a partner user the sealed text, the berita acara and what its own party uploaded, never
    another partner's upload. The caller has already checked the agreement is visible."""
    return documents_of_agreements([agreement.id], user).order_by(Document.created_at, Document.id)


def documents_of_agreements(agreement_ids, user) -> Select:
    """The documents of the agreements `agreement_ids` (ids, or a select of them, that the
    caller has already scoped to what `user` may see), as visible_documents tells them apart."""
    stmt = select(Document).where(
        Document.subject_type == SUBJECT, Document.subject_id.in_(agreement_ids)
    )
    if user.role == Role.PARTNER:
        own_documents = (
            select(SigningEntry.document_id)
            .join(
                AgreementParty,
                and_(
                    AgreementParty.agreement_id == SigningEntry.subject_id,
                    AgreementParty.position == SigningEntry.party_position,
                ),
            )
            .where(
                SigningEntry.subject_type == SUBJECT,
                SigningEntry.subject_id.in_(agreement_ids),
                SigningEntry.document_id.is_not(None),
                AgreementParty.partner_id == user.partner_id,
            )
        )
        stmt = stmt.where(
            or_(
                and_(
                    Document.kind.in_([DocKind.AGREEMENT, DocKind.SIGNING_RECORD]),
                    Document.is_draft.is_(False),
                ),
                Document.id.in_(own_documents),
            )
        )
    return stmt


# An auditor's dossier manifest records one download (what the dossier held, for whoever
# took it), not the agreement: every download registers one, so the agreement's list would
# grow by a row each time. They stay in the store, verifiable by their QR, and each download
# is in the audit trail; the list shows the agreement's own documents.
NOT_LISTED = (DocKind.DOSSIER_MANIFEST,)


def listed_documents(agreement: Agreement, user) -> Select:
    """The documents the agreement page lists for `user`: those it may see, but for the
    dossier manifests (NOT_LISTED)."""
    return visible_documents(agreement, user).where(Document.kind.not_in(NOT_LISTED))


@dataclass(frozen=True)
class PartySigning:
    """One party's line in the signing section of the agreement page."""

    party: AgreementParty
    role: str
    entry: SigningEntry | None

    @property
    def signed(self) -> bool:
        return self.entry is not None

    @property
    def day_only(self) -> bool:
        """A wet-ink signature is known by its day; a seal or certificate by its moment."""
        return self.entry is not None and self.entry.mode == SigningMode.WET_INK

    @property
    def may_sign_here(self) -> bool:
        """A partner signs through the page; the office's party is signed by its seal."""
        return self.party.partner_id is not None and self.entry is None


def signing_state(
    agreement: Agreement, found: dict[int, SigningEntry] | None = None
) -> list[PartySigning]:
    found = entries(agreement) if found is None else found
    return [
        PartySigning(party=p, role=party_role(p.position), entry=found.get(p.position))
        for p in agreement.parties
    ]


def may_record_signatures(agreement: Agreement) -> bool:
    """Are partners' signatures taken now (between sending and recording the signing)?"""
    return agreement.status == Status.AWAITING_SIGNATURE


# ---- sending for signature: the sealed final text -----------------------------------------


def seal_for_signature(agreement: Agreement, actor, today: date) -> Document:
    """Print the final text, seal it and register it; the office's party is signed by the
    seal. Refused (WorkflowError) with what the document lacks. The opening states the planned
    signing day, or else the day it is sent."""
    day = agreement.signed_on or today
    needed = printing.missing(agreement, signed=True, on=day)
    if needed:
        raise WorkflowError(_cannot_print(needed))
    version = latest_version(agreement)
    token = documents.new_verify_token()
    with _documents_refused():
        pdf = printing.agreement_pdf(agreement, on=day)
        sealed = sealing.seal(
            pdf, office_id=agreement.office_id, verify_url=documents.verify_url(token)
        )
    document = documents.register(
        sealed,
        kind=DocKind.AGREEMENT,
        subject=_subject(agreement),
        title=agreement.title,
        filename=printing.filename(agreement),
        office_id=agreement.office_id,
        issued_on=today,
        number=agreement.office_number,
        agreement_version=version.number,
        sealed=True,
        verify_token=token,
        user_id=getattr(actor, "id", None),
    )
    office_party = next(p for p in agreement.parties if p.office_id)
    db.session.add(
        SigningEntry(
            subject_type=SUBJECT,
            subject_id=agreement.id,
            party_position=office_party.position,
            party_name=office_party.name,
            mode=SigningMode.SEAL,
            # the seal is applied for the office's signatory, whose block the text carries
            signer_name=office_party.signatory.name if office_party.signatory else None,
            signed_at=utcnow(),
            document_id=document.id,
            sha256=document.sha256,
            office_id=agreement.office_id,
            recorded_by_id=getattr(actor, "id", None),
        )
    )
    db.session.flush()
    return document


@contextmanager
def _documents_refused() -> Iterator[None]:
    """A document that cannot be printed, rendered or sealed refuses the move with the reason
    (what the text lacks, a render over its bounds, an office without its certificate)."""
    try:
        yield
    except printing.PrintRefused as refused:
        raise WorkflowError(_cannot_print(refused.missing)) from refused
    except (RenderRefused, DomainError) as error:
        raise WorkflowError(str(error)) from error


def _cannot_print(missing: list[str]) -> str:
    return _(
        "The agreement cannot be printed for signature: %(missing)s.",
        missing="; ".join(str(m) for m in missing),
    )


# ---- a partner signs ----------------------------------------------------------------------


def _signing_party(agreement: Agreement, position: int) -> AgreementParty:
    """The partner party at `position`, which has not signed yet, while signatures are taken."""
    if not may_record_signatures(agreement):
        raise WorkflowError(_("Signatures are recorded while the agreement awaits signature."))
    party = next((p for p in agreement.parties if p.position == position), None)
    if party is None:
        raise WorkflowError(_("The agreement has no such party."))
    if party.partner_id is None:
        raise WorkflowError(_("The office's party is signed by its seal when the text is sent."))
    if position in entries(agreement):
        raise WorkflowError(_("%(party)s has already signed.", party=party.name))
    return party


def _checked(stream, filename: str | None, *, signed: bool = False) -> uploads.CheckedFile:
    try:
        # a signed PDF: the signature check that follows says precisely what is wrong with it
        return uploads.check(stream, filename, pdf_structure=not signed)
    except uploads.UploadError as error:
        raise AgreementError(str(error), "file") from error


def _entry(
    agreement: Agreement,
    party: AgreementParty,
    mode: SigningMode,
    signer_name: str,
    signed_at: datetime,
    document: Document,
    actor,
) -> SigningEntry:
    entry = SigningEntry(
        subject_type=SUBJECT,
        subject_id=agreement.id,
        party_position=party.position,
        party_name=party.name,
        mode=mode,
        signer_name=signer_name,
        signed_at=signed_at,
        document_id=document.id,
        sha256=document.sha256,
        office_id=agreement.office_id,
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _store_upload(
    agreement: Agreement,
    party: AgreementParty,
    checked: uploads.CheckedFile,
    kind: DocKind,
    what: str,
    actor,
) -> Document:
    """A party's signed copy in the store, tied to the text version that was sent."""
    sent = sent_document(agreement)
    return documents.register(
        checked.data,
        kind=kind,
        subject=_subject(agreement),
        title=f"{agreement.title} ({what})",
        filename=checked.original_name,
        office_id=agreement.office_id,
        issued_on=office_today(),
        content_type=checked.content_type,
        origin=Origin.UPLOADED,
        number=party.number,
        agreement_version=sent.agreement_version if sent else None,
        user_id=getattr(actor, "id", None),
    )


def verdict_refusal(verdict: verification.Verdict) -> str:
    """What a refused certified upload is told: the verifier's verdict, in the user's words."""
    return _("The signed PDF was refused: %(reason)s", reason=verdict.message)


def record_certified(
    agreement: Agreement, position: int, stream, filename: str | None, actor
) -> SigningEntry:
    """A partner's certified electronic signature: the PDF the office sent, signed by the
    partner's provider and uploaded back. It must be exactly our sealed PDF plus at least one
    new intact signature; the signer is named from its certificate."""
    party = _signing_party(agreement, position)
    sent = sent_document(agreement)
    if sent is None:
        raise WorkflowError(_("The agreement has no sealed text to sign; send it for signature."))
    checked = _checked(stream, filename, signed=True)
    if checked.content_type != "application/pdf":
        raise AgreementError(
            _("A certified signature comes back as a signed PDF; this file is not a PDF."), "file"
        )
    if checked.sha256 == sent.sha256:
        raise AgreementError(
            _(
                "This is the PDF the office sent, without %(party)s's signature: upload the "
                "PDF its signatory signed.",
                party=party.name,
            ),
            "file",
        )
    # the sent PDF plus a new intact, trusted signature that is not our seal (never raises)
    verdict = verification.check_signed_upload(checked.data, sent=documents.content(sent))
    if not verdict.ok or not verdict.signers:
        raise AgreementError(verdict_refusal(verdict), "file")
    document = _store_upload(
        agreement, party, checked, DocKind.SIGNED_UPLOAD, f"ditandatangani {party.name}", actor
    )
    name = ", ".join(verdict.signers)[:SIGNER_MAX]
    # when the partner's signature says it was made (its signer's clock), else now
    new = [s for s in verdict.signatures if s.signer in verdict.signers and s.signed_at]
    signed_at = new[-1].signed_at if new else utcnow()
    return _entry(agreement, party, SigningMode.CERTIFIED, name, signed_at, document, actor)


def record_wet_ink(
    agreement: Agreement,
    position: int,
    stream,
    filename: str | None,
    actor,
    *,
    signer_name: str,
    signed_on: date | None,
    today: date | None = None,
) -> SigningEntry:
    """A partner's signature in wet ink: the scan of the signed paper (PDF or image, checked by
    its content and size), who signed and on which day: not before the day the office sealed
    the text and sent it for signature, not after today (days at the office)."""
    party = _signing_party(agreement, position)
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise AgreementError(_("Enter who signed for %(party)s.", party=party.name), "signer_name")
    if len(signer_name) > SIGNER_MAX:
        raise AgreementError(_("A name has at most %(n)d characters.", n=SIGNER_MAX), "signer_name")
    if signed_on is None:
        raise AgreementError(_("Enter the date it was signed."), "signed_on")
    if signed_on > (today or office_today()):
        raise AgreementError(_("The signing date cannot be in the future."), "signed_on")
    sent = sent_document(agreement)
    if sent is not None and signed_on < sent.issued_on:
        # the scan is of the text the office sealed: nobody signed it before it existed
        raise AgreementError(
            _(
                "The signing date cannot be before %(day)s, the day the office sealed the text "
                "and sent it for signature.",
                day=long_date(sent.issued_on),
            ),
            "signed_on",
        )
    checked = _checked(stream, filename)
    ours = documents.by_hash(checked.sha256)
    if any(d.origin == Origin.GENERATED for d in ours):
        # our own sealed text (or berita acara) is no scan of a paper someone signed
        raise AgreementError(
            _(
                "This file is a document the office issued, not a scan of the signed paper: "
                "upload the scan of the page %(party)s signed.",
                party=party.name,
            ),
            "file",
        )
    document = _store_upload(
        agreement, party, checked, DocKind.WET_INK_SCAN, f"ditandatangani basah {party.name}", actor
    )
    # a day, not a moment: kept as the start of that day at the office (pytz's zone is
    # localized: given as tzinfo it would take the zone's first, local mean time offset)
    signed_at = get_timezone().localize(datetime.combine(signed_on, time(0))).astimezone(UTC)
    return _entry(agreement, party, SigningMode.WET_INK, signer_name, signed_at, document, actor)


# ---- recording the signing -----------------------------------------------------------------


def unsigned_reason(
    agreement: Agreement, found: dict[int, SigningEntry] | None = None
) -> str | None:
    """Why the signing cannot be recorded yet as far as the parties go: one has not signed, or
    has no number for the agreement; None when every party has both."""
    found = entries(agreement) if found is None else found
    for party in agreement.parties:
        if party.position not in found:
            return _(
                "%(party)s has not signed yet: upload its signed PDF or the scan of its "
                "signature under Signing.",
                party=party.name,
            )
    for party in agreement.parties:
        if not (party.number or "").strip():
            return _(
                "Record the number %(party)s gave the agreement in its own register, under "
                "Parties and signatories.",
                party=party.name,
            )
    return None


def all_signed(agreement: Agreement, found: dict[int, SigningEntry] | None = None) -> bool:
    """Has every party signed, with its number? (The page offers "Record the signing" then.)"""
    return unsigned_reason(agreement, found) is None


def require_complete(agreement: Agreement) -> None:
    """Before the signing is recorded: the text signed is the text as it stands, every party
    has signed and has its own number for the agreement."""
    sent = sent_document(agreement)
    version = latest_version(agreement)
    if sent is None:
        raise WorkflowError(_("The agreement has no sealed text to sign; send it for signature."))
    if version is not None and sent.agreement_version != version.number:
        raise WorkflowError(
            _(
                "Version %(sent)s was sealed for signature but the text is now version %(now)s: "
                "what was signed is not the current text.",
                sent=sent.agreement_version,
                now=version.number,
            )
        )
    if reason := unsigned_reason(agreement):
        raise WorkflowError(reason)


def require_signing_date(agreement: Agreement, signed_on: date) -> None:
    """The agreement's signing date (which starts its term when no start was typed) is not
    before the day the last party signed; that day itself is accepted (days at the office)."""
    last = last_signature(agreement)
    if last is not None and signed_on < last[0]:
        raise WorkflowError(
            _(
                "The signing date cannot be before %(day)s, the day %(party)s signed.",
                day=long_date(last[0]),
                party=last[1],
            )
        )


def record_data(agreement: Agreement, actor, today: date, sent: Document) -> dict:
    """The berita acara as plain data (strings, numbers, dates) for its template."""
    found = entries(agreement)
    zone = get_timezone()
    rows = []
    for party in agreement.parties:
        entry = found[party.position]
        local = entry.signed_at.astimezone(zone) if entry.signed_at else None
        rows.append(
            {
                "role": party_role(party.position),
                "name": party.name,
                "number": party.number or "",
                "signer": entry.signer_name or "",
                "mode": MODE_WORDS_ID[SigningMode(entry.mode)],
                "signed_on": local.date() if local else None,
                # a wet-ink signature has a day only; a seal or certified signature a moment
                "signed_time": format_datetime(local, "HH.mm zzz", tzinfo=zone, locale=DOC_LOCALE)
                if local and entry.mode != SigningMode.WET_INK
                else "",
                "document": entry.document.filename if entry.document else "",
                "sha256": entry.sha256 or "",
            }
        )
    office_party = next(p for p in agreement.parties if p.office_id)
    return {
        "title": f"Berita Acara Penandatanganan {agreement.title}",
        "agreement_title": agreement.title,
        "subject": agreement.subject,
        "office": f"BPJS Ketenagakerjaan {agreement.office.name}",
        "place": agreement.place,
        "recorded_on": today,
        "signed_on": agreement.signed_on,
        "version": sent.agreement_version,
        "text_sha256": sent.sha256,
        "numbers": [{"role": r["role"], "name": r["name"], "number": r["number"]} for r in rows],
        "parties": rows,
        "recorded_by": getattr(actor, "name", None) or str(actor),
        "office_signatory": office_party.signatory.name if office_party.signatory else "",
        "office_signatory_title": office_party.signatory.title if office_party.signatory else "",
    }


def issue_signing_record(agreement: Agreement, actor, today: date) -> Document:
    """The sealed berita acara: parties, signers, modes, times and the hashes signed."""
    sent = sent_document(agreement)
    with _documents_refused():
        return documents.issue(
            "signing_record.html",
            record_data(agreement, actor, today, sent),
            kind=DocKind.SIGNING_RECORD,
            subject=_subject(agreement),
            title=f"Berita Acara Penandatanganan {agreement.title}",
            filename=f"berita-acara-penandatanganan-{agreement.id}.pdf",
            office_id=agreement.office_id,
            issued_on=today,
            number=agreement.office_number,
            agreement_version=sent.agreement_version,
            user_id=getattr(actor, "id", None),
        )
