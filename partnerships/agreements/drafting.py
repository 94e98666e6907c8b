"""Drafting an agreement: a new draft from the clause library, its details, and each saved text
as a new immutable version (the search index follows in the same transaction)."""

import calendar
from datetime import date
from typing import Any

from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from num2words import num2words
from sqlalchemy.exc import IntegrityError

from partnerships.agreements import drafting_rules
from partnerships.agreements.errors import (
    AgreementError,
    ConflictError,
    refuse_stale,
    require,
    stale_form,
)
from partnerships.agreements.models import (
    FUNDING,
    PROGRAMS,
    Agreement,
    AgreementParty,
    AgreementVersion,
    Kind,
    Status,
)
from partnerships.agreements.parties import check_partners
from partnerships.agreements.queries import latest_version
from partnerships.agreements.rules import EDITABLE, SIGNED, may_amend, renewal_under_way
from partnerships.agreements.search import refresh_search
from partnerships.clauses import services as clauses
from partnerships.core.formatting import long_date_id
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from partnerships.regions.models import RegionKind

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

# ---- dates and words ---------------------------------------------------------------------


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
    add_version(agreement, articles, actor, _("First draft"))
    return agreement


def update_details(agreement: Agreement, data: dict[str, Any], expected_lock: int | None) -> None:
    """Save the details form, if nobody changed the agreement since the form was opened
    (`expected_lock` is the lock_version it was opened at; None when the form did not say)."""
    require(
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
    # The title and subject are searched: re-index with the edit, in the same transaction.
    with refuse_stale():
        refresh_search(agreement)


def _clean_articles(articles: list[dict[str, str]]) -> list[dict[str, str]]:
    cleaned = []
    for index, article in enumerate(articles, start=1):
        # A heading is one line; a text's line breaks count once, as the browser counted them.
        heading = " ".join((article.get("heading") or "").split())
        body = (article.get("body") or "").replace("\r\n", "\n").strip()
        if not heading and not body:
            continue  # an empty row the drafter left
        if not heading or not body:
            raise AgreementError(
                _("Article %(n)d needs both a heading and a text.", n=index), "articles"
            )
        for text, limit, message in (
            (heading, drafting_rules.MAX_HEADING, _l("The heading of article %(n)d")),
            (body, drafting_rules.MAX_ARTICLE_TEXT, _l("The text of article %(n)d")),
        ):
            if len(text) > limit:
                raise AgreementError(
                    _(
                        "%(what)s has %(length)s characters; at most %(max)s are allowed.",
                        what=message % {"n": index},
                        length=format_number(len(text)),
                        max=format_number(limit),
                    ),
                    "articles",
                )
        cleaned.append({"heading": heading, "body": body})
    if not cleaned:
        raise AgreementError(_("An agreement needs at least one article."), "articles")
    if len(cleaned) > drafting_rules.MAX_ARTICLES:
        raise AgreementError(
            _(
                "An agreement has at most %(max)d articles; this text has %(n)d.",
                max=drafting_rules.MAX_ARTICLES,
                n=len(cleaned),
            ),
            "articles",
        )
    return cleaned


def add_version(agreement: Agreement, articles, actor, note: str | None) -> AgreementVersion:
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
    with refuse_stale():
        refresh_search(agreement, articles)
    return version


def save_articles(
    agreement: Agreement, articles, base_version: int | None, actor, note: str | None = None
) -> AgreementVersion:
    """Save the edited text as a new immutable version, if nobody saved since `base_version`
    (None when the form did not say which version it started from)."""
    require(
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
    return add_version(agreement, _clean_articles(articles), actor, note)
