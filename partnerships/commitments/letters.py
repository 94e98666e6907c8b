"""Progress letters (surat dinas): what an office writes a partner's head each month about
what the partner committed to, where each commitment stands and the charts behind it.

The letter is drawn in three steps so that the slow one holds no lock: `reserve` checks what the
letter needs and keeps its number and date (a short transaction), `letter_data` reads everything
the letter says into plain data (dicts, lists, strings, numbers, dates: never rows), and
`render` hands that to the documents domain, which renders pdf_templates/letter.html, seals it
and registers it. `issue_letter` runs the three in one transaction for a page; the bulk job
commits between them, so two workers render side by side. Asking again for a partner and period
returns the letter already issued: no second number, no second document.

Which commitments a letter reports: the partner's, under agreements in force at some time in
the month (signed, from their start to their end). Whom it is addressed to: the partner's
official in office on the letter's date who signed an agreement in force for it, else one whose
title names a head (Bupati, Kepala ...), else the longest serving; signed by the issuing office's
head, chosen the same way. A letter missing either, or with nothing to report, is refused with
every reason at once.
"""

import re
import unicodedata
from calendar import monthrange
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from num2words import num2words
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from partnerships.agreements.models import Agreement
from partnerships.commitments import chart, queries
from partnerships.commitments.errors import CommitmentError
from partnerships.commitments.models import (
    PERCENT_METRICS,
    Commitment,
    Kind,
    ProgressLetter,
)
from partnerships.commitments.rules import SIGNED
from partnerships.commitments.services import period_label
from partnerships.commitments.status import ActionProgress, Progress, Verdict
from partnerships.core import formatting
from partnerships.documents import services as documents
from partnerships.documents.models import DocKind, Document
from partnerships.extensions import db
from partnerships.numbering import services as numbering
from partnerships.organisations.models import Office, Official, Partner
from partnerships.organisations.services import officials_serving
from partnerships.regions.models import Region

TEMPLATE = "letter.html"
PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR = 2000
# Titles that name the head of a government or an office, as they begin.
HEAD_TITLES = (
    "gubernur",
    "bupati",
    "wali kota",
    "walikota",
    "kepala",
    "lurah",
    "perbekel",
    "ketua",
)
REGION_PREFIXES = ("Kabupaten ", "Kota ", "Provinsi ")


class LetterRefused(CommitmentError):
    """The letter cannot be issued; `missing` says every reason, in the user's language."""

    def __init__(self, missing: list[str]):
        super().__init__(" ".join(missing))
        self.missing = missing


@dataclass(frozen=True)
class Period:
    key: str  # "2026-10"
    start: date
    end: date

    @property
    def label(self) -> str:
        """'October 2026' in the user's language (pages)."""
        return format_date(self.start, "MMMM y")


def parse_period(raw: str | None, today: date | None = None) -> Period:
    """'2026-10' as the month it names; refused when malformed, before 2000 or (given `today`)
    a month that has not begun."""
    match = PERIOD.match((raw or "").strip())
    month = int(match.group(2)) if match else 0
    if not match or not 1 <= month <= 12 or int(match.group(1)) < FIRST_YEAR:
        raise CommitmentError(_("Choose a month, as 2026-10."), "period")
    start = date(int(match.group(1)), month, 1)
    end = start.replace(day=monthrange(start.year, start.month)[1])
    if today is not None and start > today:
        raise CommitmentError(_("A letter reports on a month that has begun."), "period")
    return Period(f"{start:%Y-%m}", start, end)


def default_period(today: date) -> str:
    """The month before `today`'s: the one a letter usually reports on."""
    last = today.replace(day=1).toordinal() - 1
    return f"{date.fromordinal(last):%Y-%m}"


# ---- what a letter reports --------------------------------------------------------------


def in_force(period: Period) -> Select:
    """Ids of the signed agreements in force at some time during `period`."""
    begins = func.coalesce(Agreement.effective_on, Agreement.signed_on)
    return select(Agreement.id).where(
        Agreement.is_deleted.is_(False),
        Agreement.status.in_(SIGNED),
        begins <= period.end,
        Agreement.ends_on.is_(None) | (Agreement.ends_on >= period.start),
    )


def reported(partner_id: int, period: Period) -> list[Commitment]:
    """The partner's commitments a letter for `period` reports, with their agreements and
    parties loaded (one query each)."""
    return list(
        db.session.scalars(
            select(Commitment)
            .options(selectinload(Commitment.agreement).selectinload(Agreement.parties))
            .where(
                Commitment.partner_id == partner_id,
                Commitment.is_deleted.is_(False),
                Commitment.agreement_id.in_(in_force(period)),
            )
            .order_by(Commitment.agreement_id, Commitment.article, Commitment.id)
        )
    )


def partners_to_write(office_id: int, period: Period) -> list[int]:
    """The partners the office manages that owe something under an agreement in force in
    `period`: whom the bulk job writes to."""
    return list(
        db.session.scalars(
            select(Partner.id)
            .where(
                Partner.office_id == office_id,
                Partner.is_deleted.is_(False),
                Partner.id.in_(
                    select(Commitment.partner_id).where(
                        Commitment.is_deleted.is_(False),
                        Commitment.agreement_id.in_(in_force(period)),
                    )
                ),
            )
            .order_by(Partner.name, Partner.id)
        )
    )


def _head(officials: list[Official], signed: set[int]) -> Official | None:
    """Who heads a partner or office among those in office: one who signed an agreement in
    force for it, else one whose title names a head, else whoever has served longest."""
    if not officials:
        return None
    for official in officials:
        if official.id in signed:
            return official
    heads = [o for o in officials if o.title.strip().lower().startswith(HEAD_TITLES)]
    return min(heads or officials, key=lambda o: (o.tenure_start, o.id))


@dataclass
class Basis:
    """What a letter rests on, loaded once: refusals and the letter's text read the same."""

    partner: Partner
    office: Office
    period: Period
    on: date
    commitments: list[Commitment]
    addressee: Official | None
    signer: Official | None


def gather(partner: Partner, period: Period, on: date) -> Basis:
    commitments = reported(partner.id, period)
    parties = [p for c in commitments for p in c.agreement.parties]
    partner_signed = {p.signatory_id for p in parties if p.partner_id == partner.id}
    office_signed = {p.signatory_id for p in parties if p.office_id == partner.office_id}
    return Basis(
        partner=partner,
        office=partner.office,
        period=period,
        on=on,
        commitments=commitments,
        addressee=_head(officials_serving(on=on, partner_id=partner.id), partner_signed),
        signer=_head(officials_serving(on=on, office_id=partner.office_id), office_signed),
    )


def missing(basis: Basis) -> list[str]:
    """Every reason the letter cannot be written yet (empty: it can)."""
    reasons = []
    if not basis.commitments:
        reasons.append(
            _(
                "%(partner)s has nothing to report for %(period)s: none of its commitments "
                "comes from an agreement in force that month.",
                partner=basis.partner.name,
                period=basis.period.label,
            )
        )
    if basis.addressee is None:
        reasons.append(
            _(
                "Nobody is recorded in office at %(partner)s on %(day)s to address the letter "
                "to: record its head under Officials.",
                partner=basis.partner.name,
                day=formatting.long_date(basis.on),
            )
        )
    if basis.signer is None:
        reasons.append(
            _(
                "Nobody is recorded in office at %(office)s on %(day)s to sign the letter: "
                "record the office's head under Officials.",
                office=basis.office.name,
                day=formatting.long_date(basis.on),
            )
        )
    return reasons


# ---- issuing ----------------------------------------------------------------------------


def existing(partner_id: int, period: str) -> ProgressLetter | None:
    return db.session.scalar(
        select(ProgressLetter).where(
            ProgressLetter.partner_id == partner_id, ProgressLetter.period == period
        )
    )


def reserve(partner: Partner, period: Period, on: date, actor=None) -> ProgressLetter:
    """The letter for the partner and period: the one already reserved, else a new one with
    the office's next letter number and `on` as its date (refused, before any number is drawn,
    when it has nothing to report, nobody to address or nobody to sign)."""
    letter = existing(partner.id, period.key)
    if letter is not None:
        return letter
    reasons = missing(gather(partner, period, on))
    if reasons:
        raise LetterRefused(reasons)
    letter = ProgressLetter(
        partner_id=partner.id,
        office_id=partner.office_id,
        period=period.key,
        number="",
        issued_on=on,
        created_by_id=getattr(actor, "id", None),
    )
    try:
        # Another worker reserving the same letter at the same moment: the unique key decides,
        # and the loser takes the winner's letter (and draws no number).
        with db.session.begin_nested():
            db.session.add(letter)
    except IntegrityError:
        found = existing(partner.id, period.key)
        if found is None:
            raise
        return found
    number = numbering.issue(
        partner.office_id, "letter", on, subject_type="ProgressLetter", subject_id=letter.id
    )
    letter.number = number.text
    db.session.flush()
    return letter


@dataclass(frozen=True)
class Ticket:
    """A reserved letter's particulars as plain values, read before its transaction ends, so
    that rendering touches no row (and, on SQLite, holds no lock)."""

    letter_id: int
    partner_id: int
    office_id: int
    period: str
    number: str
    issued_on: date
    filename: str

    @classmethod
    def of(cls, letter: ProgressLetter) -> "Ticket":
        return cls(
            letter_id=letter.id,
            partner_id=letter.partner_id,
            office_id=letter.office_id,
            period=letter.period,
            number=letter.number,
            issued_on=letter.issued_on,
            filename=filename(letter),
        )


def render(ticket: Ticket, data: dict[str, Any], user_id: int | None = None) -> Document:
    """Render, seal and register the letter's PDF from `data` (letter_data), and link it."""
    document = documents.issue(
        TEMPLATE,
        data,
        kind=DocKind.PROGRESS_LETTER,
        subject=("Partner", ticket.partner_id),
        title=data["title"],
        filename=ticket.filename,
        office_id=ticket.office_id,
        issued_on=ticket.issued_on,
        number=ticket.number,
        period=ticket.period,
        user_id=user_id,
    )
    letter = db.session.get(ProgressLetter, ticket.letter_id)
    letter.document_id = document.id
    db.session.flush()
    return document


def rehearse() -> bytes | None:
    """Write the latest letter again without keeping it (nothing is flushed or stored; the
    PDF is returned): a worker then starts its first letter with the queries compiled and
    the signer loaded. None when no letter has been written yet."""
    latest = db.session.scalar(select(ProgressLetter).order_by(ProgressLetter.id.desc()).limit(1))
    if latest is None:
        return None
    return documents.rehearse(TEMPLATE, letter_data(latest), office_id=latest.office_id)


def issue_letter(partner: Partner, period: Period, on: date, actor=None) -> ProgressLetter:
    """Reserve, write and render in the caller's transaction (the partner page's button)."""
    letter = reserve(partner, period, on, actor)
    if letter.document_id is None:
        render(Ticket.of(letter), letter_data(letter), getattr(actor, "id", None))
    return letter


def filename(letter: ProgressLetter) -> str:
    slug = unicodedata.normalize("NFKD", letter.partner.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")[:80] or "mitra"
    return f"surat-perkembangan-{letter.period}-{slug}.pdf"


# ---- the letter as plain data -----------------------------------------------------------


def _place(region: Region | None) -> str:
    """'Denpasar' from 'Kota Denpasar': how a letter names a town."""
    if region is None:
        return ""
    for prefix in REGION_PREFIXES:
        if region.name.startswith(prefix):
            return region.name.removeprefix(prefix)
    return region.name


def _town(code: str | None) -> str:
    """The regency or city a region code lies in ('51.71.01.1003' → 'Denpasar'), or ''."""
    if not code or len(code) < 5:
        return ""
    return _place(db.session.get(Region, code[:5]))


def _unit(commitment: Commitment) -> str:
    if commitment.kind == Kind.BUDGET:
        return "rupiah"
    return "percent" if commitment.metric in PERCENT_METRICS else "count"


def _value(value: float | Decimal | None, unit: str) -> int | Decimal | None:
    """A value as the document filters format it: whole rupiah and counts, percents to 0.1."""
    if value is None:
        return None
    if unit == "percent":
        return Decimal(str(round(float(value), 1)))
    return round(float(value))


def _official(official: Official) -> dict[str, Any]:
    return {
        "name": official.name,
        "title": official.title,
        "identifier_kind": official.identifier_kind or "",
        "identifier": official.identifier or "",
    }


def _chart(found: Progress, points, unit: str) -> dict[str, Any]:
    def label(value: float) -> str:
        plain = _value(value, unit)
        if unit == "rupiah":
            return formatting.rupiah_id(plain)
        return formatting.number_id(plain) + ("%" if unit == "percent" else "")

    return asdict(chart.draw(found, points, label))


def _commitment(
    index: int, commitment: Commitment, found: Progress | ActionProgress, points
) -> dict[str, Any]:
    unit = _unit(commitment)
    item: dict[str, Any] = {
        "no": index,
        "title": commitment.title,
        "kind": str(commitment.kind),
        "metric": commitment.metric or "",
        "unit": unit,
        "verdict": str(found.verdict),
        "due_on": commitment.due_on,
    }
    if isinstance(found, ActionProgress):
        return {**item, "done_on": commitment.done_on, "chart": None, "figures": []}
    latest = found.latest
    return {
        **item,
        "baseline": _value(found.baseline, unit),
        "baseline_on": found.baseline_on,
        "target": _value(found.target, unit),
        "due_on": found.due_on,
        "latest": {"value": _value(latest.value, unit), "on": latest.on} if latest else None,
        "expected": _value(found.expected, unit),
        "projected": _value(found.projected, unit),
        "fiscal_year": commitment.fiscal_year,
        "workers": commitment.workers,
        "months": commitment.months,
        "programs": list(commitment.programs or []),
        "figures": [{"on": p.on, "value": _value(p.value, unit)} for p in points],
        "chart": _chart(found, points, unit),
    }


def _agreements(commitments: list[Commitment], partner_id: int) -> list[dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for commitment in commitments:
        agreement = commitment.agreement
        if agreement.id in seen:
            continue
        theirs = next((p.number for p in agreement.parties if p.partner_id == partner_id), None)
        seen[agreement.id] = {
            "title": agreement.title,
            "number": agreement.office_number or "",
            "partner_number": theirs or "",
            "signed_on": agreement.signed_on,
        }
    return list(seen.values())


def letter_data(letter: ProgressLetter) -> dict[str, Any]:
    """Everything the letter says, as plain data for pdf_templates/letter.html."""
    period = parse_period(letter.period)
    basis = gather(letter.partner, period, letter.issued_on)
    partner, office = basis.partner, basis.office
    # The status as it stood at the end of the month (or on the letter's date, when it is
    # written before the month is out), from the figures accepted up to then.
    as_of = min(period.end, letter.issued_on)
    targets = [c.id for c in basis.commitments if c.kind != Kind.ACTION]
    points = queries.accepted_points(targets, as_of)
    items = []
    for index, commitment in enumerate(basis.commitments, start=1):
        found = queries.progress(commitment, points.get(commitment.id, []), as_of)
        items.append(_commitment(index, commitment, found, points.get(commitment.id, [])))
    charts = sum(1 for item in items if item["chart"] is not None)
    copies = []
    if office.parent is not None:
        copies.append(f"Kepala {office.parent.name}")
    if partner.parent_id is not None:
        copies.append(partner.parent.name)
    copies.append("Arsip")
    month = period_label(period.start)
    return {
        "title": f"Surat Perkembangan Komitmen {partner.name} {month}",
        "number": letter.number,
        "issued_on": letter.issued_on,
        "place": _place(office.region),
        "nature": "Biasa",
        # the charts, in one annex: "1 (satu) berkas"
        "attachment": f"1 ({num2words(1, lang='id')}) berkas" if charts else "-",
        "subject": f"Laporan Perkembangan Pelaksanaan Komitmen Kerja Sama Periode {month}",
        "period": {"label": month, "start": period.start, "end": period.end, "as_of": as_of},
        "office": {
            "name": office.name,
            "address": office.address or "",
            "town": _place(office.region),
        },
        "partner": {"name": partner.name, "town": _town(partner.region_code)},
        "addressee": _official(basis.addressee),
        "signer": _official(basis.signer),
        "agreements": _agreements(basis.commitments, partner.id),
        "commitments": items,
        "verdicts": _count(items),
        "copies": copies,
    }


def _count(items: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """How many commitments have each status, in the order of the statuses."""
    counted = [(str(v), sum(1 for i in items if i["verdict"] == v)) for v in Verdict]
    return [(verdict, n) for verdict, n in counted if n]
