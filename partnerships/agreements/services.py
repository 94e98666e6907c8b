"""Drafting, parties, versions, review comments and the workflow of an agreement."""

import calendar
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from num2words import num2words
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from partnerships.agreements import drafting_rules
from partnerships.agreements.models import (
    FUNDING,
    PROGRAMS,
    Agreement,
    AgreementParty,
    AgreementVersion,
    Comment,
    Kind,
    Status,
)
from partnerships.agreements.permissions import can_approve, can_edit
from partnerships.agreements.rules import (
    COMMENTABLE,
    EDITABLE,
    SIGNATORY_EDITABLE,
    SIGNED,
    may_amend,
    renewal_under_way,
)
from partnerships.clauses import services as clauses
from partnerships.core.errors import DomainError
from partnerships.core.formatting import long_date_id, office_today
from partnerships.core.models import utcnow
from partnerships.extensions import db
from partnerships.numbering import services as numbering
from partnerships.organisations.models import Official, Partner
from partnerships.organisations.scope import office_subtree_ids

PROGRAM_NAMES = {
    "JKK": "Jaminan Kecelakaan Kerja (JKK)",
    "JKM": "Jaminan Kematian (JKM)",
    "JHT": "Jaminan Hari Tua (JHT)",
    "JP": "Jaminan Pensiun (JP)",
    "JKP": "Jaminan Kehilangan Pekerjaan (JKP)",
}
FUNDING_NAMES = {
    "apbd": "Anggaran Pendapatan dan Belanja Daerah (APBD)",
    "apbdes": "Anggaran Pendapatan dan Belanja Desa (APBDes)",
    "other": "sumber lain yang sah dan tidak mengikat",
}
PARTY_ROLES = ["PIHAK KESATU", "PIHAK KEDUA", "PIHAK KETIGA", "PIHAK KEEMPAT", "PIHAK KELIMA"]
NUMBER_MAX = 120  # agreement_parties.number


class AgreementError(DomainError):
    """A refused change; `field` names the form input at fault."""


class ConflictError(AgreementError):
    """Somebody else saved first; nothing was overwritten."""


class WorkflowError(AgreementError):
    """A move the workflow does not allow, with the reason."""


def stale_form() -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed this agreement while you were editing. "
            "Reload the page to see their changes; nothing was saved."
        )
    )


@contextmanager
def _refuse_stale() -> Iterator[None]:
    """An agreement row changed by another transaction since it was read (its lock_version
    moved on) is a conflict for the user, never a crash."""
    try:
        yield
    except StaleDataError as error:
        raise stale_form() from error


# ---- dates and words --------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def end_of_term(start: date, months: int) -> date:
    """A 12-month term from 1 January 2027 ends on 31 December 2027."""
    return date.fromordinal(add_months(start, months).toordinal() - 1)


def join_id(items: list[str]) -> str:
    """'A', 'A dan B', 'A, B, dan C' — Indonesian enumeration."""
    if len(items) <= 2:
        return " dan ".join(items)
    return ", ".join(items[:-1]) + ", dan " + items[-1]


def in_words(n: int) -> str:
    return f"{n} ({num2words(n, lang='id')})"


def party_role(position: int) -> str:
    return PARTY_ROLES[position - 1] if position <= len(PARTY_ROLES) else f"PIHAK {position}"


# ---- reading ----------------------------------------------------------------------------


def latest_version(agreement: Agreement) -> AgreementVersion | None:
    return db.session.scalar(
        select(AgreementVersion)
        .where(AgreementVersion.agreement_id == agreement.id)
        .order_by(AgreementVersion.number.desc())
        .limit(1)
    )


def family_kind(agreement_kind: str, parent: Agreement | None) -> str:
    """Which clause set applies: an addendum or renewal follows what it amends or renews."""
    if agreement_kind in (Kind.MOU, Kind.PKS):
        return agreement_kind
    while parent is not None and parent.kind not in (Kind.MOU, Kind.PKS):
        parent = parent.parent
    return parent.kind if parent is not None else Kind.PKS


def clause_set(agreement_kind: str, parent: Agreement | None) -> str:
    """Which library set drafts this kind: addenda and renewals have their own; a library
    without one (loaded before they existed) falls back to the family's MoU or PKS set."""
    if agreement_kind in (Kind.ADDENDUM, Kind.RENEWAL) and clauses.library(agreement_kind):
        return agreement_kind
    return family_kind(agreement_kind, parent)


def _region_name(partner: Partner) -> str:
    """'Kota Denpasar' as stored; a village with its kind: 'Kelurahan Sesetan', 'Desa ...'."""
    from partnerships.regions.models import RegionKind

    region = partner.region
    prefix = {RegionKind.KELURAHAN: "Kelurahan", RegionKind.DESA: "Desa"}.get(region.kind)
    return f"{prefix} {region.name}" if prefix else region.name


def clause_context(agreement: Agreement) -> dict[str, Any]:
    names = [p.name for p in agreement.parties]
    partners = [p.partner for p in agreement.parties if p.partner]
    term = agreement.term_months
    parent = agreement.parent
    return {
        **drafting_rules.parent_context(parent),
        "masa_berlaku": drafting_rules.term_phrase(
            agreement, f"{in_words(term)} bulan" if term else None
        ),
        "jenis": family_kind(agreement.kind, parent),
        "para_pihak": join_id(names),
        "pihak_kesatu": names[0] if names else "",
        "pihak_kedua": names[1] if len(names) > 1 else "",
        "kantor": agreement.office.name,
        "tentang": agreement.subject,
        "program": join_id([PROGRAM_NAMES[p] for p in agreement.programs]),
        "pendanaan": FUNDING_NAMES.get(agreement.funding, agreement.funding),
        "jangka_waktu": f"{in_words(term)} bulan" if term else "jangka waktu yang disepakati",
        "tanggal_mulai": long_date_id(agreement.effective_on) if agreement.effective_on else "...",
        "tanggal_berakhir": long_date_id(agreement.ends_on) if agreement.ends_on else "...",
        "tempat": agreement.place,
        "wilayah": _region_name(partners[0]) if partners else agreement.office.name,
        "induk": f"{parent.title}" if parent is not None else "",
        "rangkap": in_words(max(len(names), 2)),
    }


def family_tree(agreement: Agreement, visible: Select) -> list[tuple[int, Agreement]]:
    """The whole chain (MoU → PKS → addenda, renewals) as (depth, agreement), depth-first,
    limited to `visible` (the user's scoped query). One query per generation, not per node."""
    root = agreement
    while root.parent_id is not None:
        parent = db.session.scalar(visible.where(Agreement.id == root.parent_id))
        if parent is None:
            break
        root = parent
    children: dict[int, list[Agreement]] = {}
    generation = [root.id]
    while generation:
        rows = db.session.scalars(
            visible.where(Agreement.parent_id.in_(generation)).order_by(Agreement.id)
        ).all()
        for row in rows:
            children.setdefault(row.parent_id, []).append(row)
        generation = [row.id for row in rows]
    ordered: list[tuple[int, Agreement]] = []

    def walk(node: Agreement, depth: int) -> None:
        ordered.append((depth, node))
        for child in children.get(node.id, []):
            walk(child, depth + 1)

    walk(root, 0)
    return ordered


# ---- drafting ---------------------------------------------------------------------------


def _check_dates(data: dict[str, Any]) -> tuple[date | None, int | None]:
    start, end, term = data.get("effective_on"), data.get("ends_on"), data.get("term_months")
    if term is not None and term <= 0:
        raise AgreementError(_("The term must be at least one month."), "term_months")
    if start and term and not end:
        try:
            end = end_of_term(start, term)
        except (ValueError, OverflowError) as error:  # past the year 9999
            raise AgreementError(
                _("The term runs past any possible date."), "term_months"
            ) from error
    if start and end and end < start:
        raise AgreementError(_("The agreement cannot end before it starts."), "ends_on")
    signed = data.get("signed_on")
    if signed and end and end < signed:
        raise AgreementError(_("The agreement cannot end before it is signed."), "ends_on")
    return end, term


def _check_programs(data: dict[str, Any]) -> None:
    programs = data.get("programs") or []
    if not programs:
        raise AgreementError(_("Choose at least one program."), "programs")
    if set(programs) - set(PROGRAMS):
        raise AgreementError(_("Unknown program."), "programs")
    if data.get("funding") not in FUNDING:
        raise AgreementError(_("Choose the funding source."), "funding")


def create(data: dict[str, Any], actor) -> Agreement:
    """A new draft: the office as PIHAK KESATU, the partners after it, and version 1 of the
    text prefilled from the clause library (an addendum starts from the amended text)."""
    kind = data["kind"]
    parent = db.session.get(Agreement, data["parent_id"]) if data.get("parent_id") else None
    if kind in (Kind.ADDENDUM, Kind.RENEWAL) and parent is None:
        raise AgreementError(_("Choose the agreement this one amends or renews."), "parent_id")
    if kind == Kind.PKS and parent is not None and parent.kind != Kind.MOU:
        raise AgreementError(_("A PKS implements a memorandum of understanding."), "parent_id")
    if kind == Kind.MOU and parent is not None:
        raise AgreementError(_("A memorandum of understanding has no parent."), "parent_id")
    if kind in (Kind.ADDENDUM, Kind.RENEWAL) and parent.status not in SIGNED:
        raise AgreementError(_("Only a signed agreement can be amended or renewed."), "parent_id")
    if kind == Kind.ADDENDUM and not may_amend(parent):
        raise AgreementError(
            _("An agreement that has ended is not amended; renew it instead."), "parent_id"
        )
    if kind == Kind.RENEWAL and renewal_under_way(parent):
        raise AgreementError(
            _("A renewal of this agreement is already under way; continue that one."),
            "parent_id",
        )
    _check_programs(data)
    ends_on, term = _check_dates(data)
    partner_ids = list(data.get("partner_ids") or [])
    if not partner_ids and parent is not None:
        partner_ids = [p.partner_id for p in parent.parties if p.partner_id]
    check_partners(data["office_id"], partner_ids)
    agreement = Agreement(
        kind=kind,
        title=data["title"].strip(),
        subject=data["subject"].strip(),
        programs=list(data["programs"]),
        funding=data["funding"],
        place=data["place"].strip(),
        effective_on=data.get("effective_on"),
        ends_on=ends_on,
        term_months=term,
        signed_on=data.get("signed_on"),
        office_id=data["office_id"],
        parent=parent,
        status=Status.DRAFT,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(agreement)
    db.session.flush()
    db.session.add(AgreementParty(agreement=agreement, position=1, office_id=agreement.office_id))
    for position, partner_id in enumerate(partner_ids, start=2):
        db.session.add(
            AgreementParty(agreement=agreement, position=position, partner_id=partner_id)
        )
    db.session.flush()
    db.session.refresh(agreement, ["parties"])
    source = clause_set(kind, parent)
    if kind == Kind.ADDENDUM and source != Kind.ADDENDUM:  # no addendum set: the amended text
        articles = list((latest_version(parent) or AgreementVersion(articles=[])).articles)
    else:
        articles = clauses.prefill(source, clause_context(agreement))
    _add_version(agreement, articles, actor, _("First draft"))
    return agreement


def _require(agreement: Agreement, allowed: set[Status], message: str) -> None:
    if agreement.status not in allowed:
        raise WorkflowError(message)


def update_details(agreement: Agreement, data: dict[str, Any], expected_lock: int | None) -> None:
    """Save the details form, if nobody changed the agreement since the form was opened
    (`expected_lock` is the lock_version it was opened at; None when the form did not say)."""
    _require(
        agreement,
        EDITABLE,
        _("Only a draft can be changed; a signed text changes through an addendum."),
    )
    if expected_lock is None or expected_lock != agreement.lock_version:
        raise stale_form()
    _check_programs(data)
    ends_on, term = _check_dates(data)
    for key in ("title", "subject", "place"):
        setattr(agreement, key, data[key].strip())
    agreement.programs, agreement.funding = list(data["programs"]), data["funding"]
    agreement.effective_on, agreement.ends_on, agreement.term_months = (
        data.get("effective_on"),
        ends_on,
        term,
    )
    agreement.signed_on = data.get("signed_on")
    from partnerships.agreements.search import refresh_search

    # The title and subject are searched: re-index with the edit, in the same transaction.
    with _refuse_stale():
        refresh_search(agreement)


def _clean_articles(articles: list[dict[str, str]]) -> list[dict[str, str]]:
    cleaned = []
    for index, article in enumerate(articles, start=1):
        heading = (article.get("heading") or "").strip()
        body = (article.get("body") or "").strip()
        if not heading and not body:
            continue  # an empty row the drafter left
        if not heading or not body:
            raise AgreementError(
                _("Article %(n)d needs both a heading and a text.", n=index), "articles"
            )
        cleaned.append({"heading": heading, "body": body})
    if not cleaned:
        raise AgreementError(_("An agreement needs at least one article."), "articles")
    return cleaned


def _add_version(agreement: Agreement, articles, actor, note: str | None) -> AgreementVersion:
    current = latest_version(agreement)
    version = AgreementVersion(
        agreement=agreement,
        agreement_id=agreement.id,
        number=(current.number if current else 0) + 1,
        articles=articles,
        note=note,
        author_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise ConflictError(
            _(
                "Someone else saved a new version at the same moment. Reload "
                "the page; nothing was overwritten."
            )
        ) from error
    from partnerships.agreements.search import refresh_search

    with _refuse_stale():
        refresh_search(agreement, articles)
    return version


def save_articles(
    agreement: Agreement, articles, base_version: int | None, actor, note: str | None = None
) -> AgreementVersion:
    """Save the edited text as a new immutable version, if nobody saved since `base_version`
    (None when the form did not say which version it started from)."""
    _require(
        agreement,
        EDITABLE,
        _("Only a draft can be changed; a signed text changes through an addendum."),
    )
    if base_version is None:
        raise stale_form()
    current = latest_version(agreement)
    if current is not None and current.number != base_version:
        raise ConflictError(
            _(
                "Version %(n)d was saved by %(who)s while you were editing version %(base)d. "
                "Nothing was overwritten: reload, then apply your changes again.",
                n=current.number,
                who=current.author.name if current.author else "—",
                base=base_version,
            )
        )
    return _add_version(agreement, _clean_articles(articles), actor, note)


def check_partners(office_id: int, partner_ids: list[int]) -> None:
    """The partners of an agreement: at least one, none twice, none deleted, and each managed
    by the owning office or an office below it — so the partner's own office always sees the
    agreement its partner's users see."""
    if not partner_ids:
        raise AgreementError(_("Choose at least one government partner."), "partner_ids")
    if len(set(partner_ids)) != len(partner_ids):
        raise AgreementError(_("A partner is listed twice."), "partner_ids")
    allowed = set(
        db.session.scalars(
            attachable_partners(office_id)
            .where(Partner.id.in_(partner_ids))
            .with_only_columns(Partner.id)
        )
    )
    if set(partner_ids) - allowed:
        raise AgreementError(
            _("A partner managed by another office cannot be a party here."), "partner_ids"
        )


def attachable_partners(office_id: int) -> Select:
    """Partners an agreement of this office may name: those it or an office below it manages."""
    return select(Partner).where(
        ~Partner.is_deleted, Partner.office_id.in_(office_subtree_ids(office_id))
    )


def _party_key(party: AgreementParty) -> tuple[str, int | None]:
    return ("office", party.office_id) if party.office_id else ("partner", party.partner_id)


def set_parties(
    agreement: Agreement, partner_ids: list[int] | None, entries: dict[int, dict[str, Any]]
) -> None:
    """`partner_ids` (drafts only) replaces the partners; `entries` sets signatory and number
    per party position as the parties stand when called (the rows the user saw)."""
    # Tie each entry to its party, not its row: a reorder in the same save moves the party.
    by_party = {_party_key(p): entries[p.position] for p in agreement.parties
                if p.position in entries}  # fmt: skip
    if partner_ids is not None:
        _require(agreement, EDITABLE, _("The parties of a draft only can be changed."))
        check_partners(agreement.office_id, partner_ids)
        current = {p.partner_id: p for p in agreement.parties if p.partner_id}
        keep = [current[pid] for pid in partner_ids if pid in current]
        for party in agreement.parties:
            if party.partner_id and party.partner_id not in partner_ids:
                db.session.delete(party)
        db.session.flush()
        # Renumber through a free range first so the (agreement, position) key never clashes.
        for offset, party in enumerate(keep):
            party.position = 1000 + offset
        db.session.flush()
        position = 2
        for pid in partner_ids:
            party = current.get(pid)
            if party is None:
                party = AgreementParty(agreement=agreement, partner_id=pid, position=position)
                db.session.add(party)
            party.position = position
            position += 1
        db.session.flush()
        db.session.refresh(agreement, ["parties"])
    if entries:
        _require(
            agreement,
            SIGNATORY_EDITABLE,
            _("Signatories and numbers are fixed once the agreement is signed."),
        )
    for party in agreement.parties:
        entry = by_party.get(_party_key(party))
        if entry is None:
            continue
        signatory_id = entry.get("signatory_id")
        official = db.session.get(Official, signatory_id) if signatory_id else None
        if signatory_id:
            belongs = (
                official is not None
                and not official.is_deleted
                and (
                    (party.partner_id and official.partner_id == party.partner_id)
                    or (party.office_id and official.office_id == party.office_id)
                )
            )
            if not belongs:
                raise AgreementError(
                    _(
                        "%(name)s does not serve %(party)s.",
                        name=official.name if official else "?",
                        party=party.name,
                    ),
                    f"signatory_{party.position}",
                )
            if agreement.signed_on and not official.serves_on(agreement.signed_on):
                raise AgreementError(
                    _(
                        "%(name)s is not in office on the signing date %(day)s.",
                        name=official.name,
                        day=long_date_id(agreement.signed_on),
                    ),
                    f"signatory_{party.position}",
                )
        party.signatory = official  # the object, so party.signatory is current at once
        number = (entry.get("number") or "").strip() or None
        if number and len(number) > NUMBER_MAX:
            raise AgreementError(
                _("A number has at most %(n)d characters.", n=NUMBER_MAX),
                f"number_{party.position}",
            )
        # An empty entry keeps the issued number (a page opened before it was issued).
        if party.office_id and party.number and number and number != party.number:
            raise AgreementError(
                _("The office's number is issued by the register and cannot be typed over."),
                f"number_{party.position}",
            )
        if party.partner_id:
            party.number = number
    from partnerships.agreements.search import refresh_search

    with _refuse_stale():
        db.session.flush()
        refresh_search(agreement)


# ---- comments ---------------------------------------------------------------------------


def add_comment(agreement: Agreement, user, article_index: int, body: str) -> Comment:
    _require(agreement, COMMENTABLE, _("Comments are taken while a draft is in review."))
    version = latest_version(agreement)
    if version is None or not 0 <= article_index < len(version.articles):
        raise AgreementError(_("Choose an article of the current version."), "article_index")
    if not body.strip():
        raise AgreementError(_("Write the comment."), "body")
    comment = Comment(
        agreement=agreement,
        agreement_id=agreement.id,
        version_number=version.number,
        article_index=article_index,
        author_id=user.id,
        body=body.strip(),
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def resolve_comment(comment: Comment, user) -> None:
    if comment.resolved_at is None:
        comment.resolved_at, comment.resolved_by_id = utcnow(), user.id
        db.session.flush()


def open_comment_count(agreement: Agreement) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(
                Comment.agreement_id == agreement.id,
                Comment.parent_id.is_(None),  # a thread is resolved on its first comment
                Comment.resolved_at.is_(None),
            )
        )
        or 0
    )


# ---- workflow ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    source: frozenset[Status]
    target: Status
    label: Any
    managers_only: bool = False


MOVES = {
    "submit": Move(frozenset({Status.DRAFT}), Status.IN_REVIEW, _l("Submit for review")),
    "return": Move(
        frozenset({Status.IN_REVIEW}), Status.DRAFT, _l("Return to drafting"), managers_only=True
    ),
    "approve": Move(
        frozenset({Status.IN_REVIEW}), Status.APPROVED, _l("Approve"), managers_only=True
    ),
    "request_signature": Move(
        frozenset({Status.APPROVED}), Status.AWAITING_SIGNATURE, _l("Send for signature")
    ),
    "activate": Move(
        frozenset({Status.AWAITING_SIGNATURE}), Status.ACTIVE, _l("Record the signing")
    ),
    "terminate": Move(
        frozenset({Status.ACTIVE}), Status.TERMINATED, _l("Terminate"), managers_only=True
    ),
}

STATUS_LABELS = {
    Status.DRAFT: _l("Draft"),
    Status.IN_REVIEW: _l("In review"),
    Status.APPROVED: _l("Approved"),
    Status.AWAITING_SIGNATURE: _l("Awaiting signature"),
    Status.ACTIVE: _l("Active"),
    Status.EXPIRED: _l("Expired"),
    Status.TERMINATED: _l("Terminated"),
    Status.SUPERSEDED: _l("Superseded"),
}


def available_moves(agreement: Agreement, user) -> list[str]:
    return [
        name
        for name, move in MOVES.items()
        if agreement.status in move.source
        and can_edit(user, agreement)
        and (not move.managers_only or can_approve(user, agreement))
    ]


def transition(
    agreement: Agreement,
    action: str,
    user,
    *,
    signed_on: date | None = None,
    reason: str | None = None,
    today: date | None = None,
) -> None:
    """Move the agreement along the workflow, or refuse with the reason."""
    today = today or office_today()
    move = MOVES.get(action)
    if move is None:
        raise WorkflowError(_("Unknown action."))
    if agreement.status not in move.source:
        raise WorkflowError(
            _(
                "Cannot %(action)s: the agreement is %(status)s.",
                action=str(move.label).lower(),
                status=str(STATUS_LABELS[Status(agreement.status)]).lower(),
            )
        )
    if not can_edit(user, agreement) or (move.managers_only and not can_approve(user, agreement)):
        raise WorkflowError(
            _("Only a manager of the owning office may %(action)s.", action=str(move.label).lower())
        )
    if action in ("approve", "request_signature", "activate"):
        version = latest_version(agreement)
        if blank := drafting_rules.blank_refusal(version.articles if version else [], action):
            raise WorkflowError(blank)
    if action == "submit":
        if not drafting_rules.has_partner(agreement):
            raise WorkflowError(
                _(
                    "A draft goes to review with at least one government partner: "
                    "choose it under Parties and signatories first."
                )
            )
        from partnerships.agreements.review import mark_sent_for_review

        mark_sent_for_review(agreement)
    elif action == "approve":
        if open_count := open_comment_count(agreement):
            raise WorkflowError(
                _(
                    "%(n)d review comments are still open; resolve them before approval.",
                    n=open_count,
                )
            )
        agreement.approved_by_id, agreement.approved_at = user.id, utcnow()
    elif action == "request_signature":
        _issue_office_number(agreement, today)
    elif action == "activate":
        _record_signing(agreement, signed_on, today)
    elif action == "terminate" and not (reason or "").strip():
        raise WorkflowError(_("Give the reason for termination."))
    agreement.status = move.target
    agreement.status_reason = (reason or "").strip() or None
    if action == "activate":
        _after_activation(agreement, today)
    with _refuse_stale():
        db.session.flush()


def _issue_office_number(agreement: Agreement, today: date) -> None:
    party = next(p for p in agreement.parties if p.office_id)
    if not party.number:
        try:
            issued = numbering.issue(
                agreement.office_id,
                agreement.numbered_as,
                today,
                subject_type="Agreement",
                subject_id=agreement.id,
            )
        except numbering.NumberingError as error:
            raise WorkflowError(str(error)) from error
        party.number = issued.text


def _record_signing(agreement: Agreement, signed_on: date | None, today: date) -> None:
    if signed_on is None:
        raise WorkflowError(_("Enter the date the agreement was signed."))
    if signed_on > today:
        raise WorkflowError(_("The signing date cannot be in the future."))
    for party in agreement.parties:
        if party.signatory is None:
            raise WorkflowError(_("Choose who signed for %(party)s.", party=party.name))
        if not party.signatory.serves_on(signed_on):
            raise WorkflowError(
                _(
                    "%(name)s was not in office on %(day)s.",
                    name=party.signatory.name,
                    day=long_date_id(signed_on),
                )
            )
    agreement.signed_on = signed_on
    if agreement.effective_on is None:
        agreement.effective_on = signed_on
        if agreement.term_months and agreement.ends_on is None:  # a typed end date stands
            agreement.ends_on = end_of_term(signed_on, agreement.term_months)
    if agreement.ends_on and agreement.ends_on < agreement.effective_on:
        raise WorkflowError(_("The agreement cannot end before it starts."))
    if agreement.ends_on and agreement.ends_on < signed_on:
        raise WorkflowError(_("The agreement cannot end before it is signed."))


def _after_activation(agreement: Agreement, today: date) -> None:
    parent = agreement.parent
    # A parent terminated meanwhile stays terminated, with its reason.
    if (
        agreement.kind == Kind.RENEWAL
        and parent is not None
        and parent.status in (Status.ACTIVE, Status.EXPIRED)
    ):
        agreement.parent.status = Status.SUPERSEDED
        agreement.parent.status_reason = f"renewal #{agreement.id}"
    if agreement.ends_on and agreement.ends_on < today:
        agreement.status = Status.EXPIRED  # recording an old agreement that has already ended
