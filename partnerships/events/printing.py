"""The minutes of a held event (notulen / laporan kegiatan) as a sealed PDF: the plain data
pdf_templates/event_minutes.html receives, and issuing it through the documents domain, which
renders it (bundled assets and inline data only), seals it with the organising office's
certificate and registers it as the event's next version of DocKind.EVENT_MINUTES.

What the minutes say, in formal Indonesian whatever the reader's language: the office's
letterhead; the kind of event and its title; the day(s), hours and zone and the place, opened
in words as formal records are ("Pada hari ini Selasa tanggal ..."); who took part (partners,
audience, attendance planned and actual, new registrations); the agreements it served; the
summary and the minutes as typed; the registrations counted towards commitments; the
follow-ups agreed; the photos (their thumbnails, inline as data: URIs, which the renderer's
fetcher decodes in memory: no file path or URL reaches it); and the signature blocks of the
note-taker (whoever issues them) and, "Mengetahui", the office's head on the day.
"""

import re
import unicodedata
from datetime import date
from typing import Any

from babel.dates import format_time
from flask_babel import gettext as _
from sqlalchemy import select

from partnerships.core.errors import DomainError
from partnerships.core.formatting import DOC_LOCALE, long_date_id
from partnerships.documents import services as documents
from partnerships.documents.models import DocKind, Document
from partnerships.events import attachments, outcomes, rules, timing
from partnerships.events.models import AttachmentKind, Event, FollowUp, FollowUpStatus
from partnerships.extensions import db
from partnerships.organisations.models import Official
from partnerships.organisations.services import officials_serving
from partnerships.regions.models import Region, RegionKind, ancestor_codes

TEMPLATE = "event_minutes.html"
SUBJECT = "Event"
MAX_PHOTOS = 12  # thumbnails in the minutes; the rest stay on the event's page
HEAD_TITLES = ("kepala",)  # how the head of an office's title begins


class MinutesRefused(DomainError):
    """The minutes cannot be issued (the message says why, for the person who asked)."""


# ---- where and when ---------------------------------------------------------------------


def _region_name(region: Region) -> str:
    """A region as formal texts name it: 'Kelurahan Sesetan', 'Kecamatan Denpasar Selatan',
    'Kota Denpasar'."""
    prefix = {
        RegionKind.KELURAHAN: "Kelurahan",
        RegionKind.DESA: "Desa",
        RegionKind.DISTRICT: "Kecamatan",
    }.get(RegionKind(region.kind))
    if prefix and not region.name.lower().startswith(prefix.lower()):
        return f"{prefix} {region.name}"
    return region.name


def place_of(event: Event) -> dict[str, Any]:
    """The venue and the region it lies in, down from the regency: 'Lapangan Puputan,
    Kelurahan Sesetan, Kecamatan Denpasar Selatan, Kota Denpasar'."""
    parts: list[str] = []
    if event.region is not None:
        codes = [c for c in ancestor_codes(event.region_code) if c.count(".") >= 1]
        found = {
            r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(codes)))
        }
        parts = [_region_name(event.region)] + [
            _region_name(found[c]) for c in reversed(codes) if c in found
        ]
    return {"venue": event.venue or "", "region": ", ".join(parts)}


def _clock(moment) -> str:
    """'09.00', as Indonesian writes the hour."""
    return format_time(moment, "HH.mm", locale=DOC_LOCALE)


def when_of(event: Event) -> dict[str, Any]:
    start = timing.local(event.starts_at, event.timezone)
    end = timing.local(event.ends_at, event.timezone)
    return {
        "first_day": timing.first_day(event),
        "last_day": timing.last_day(event),
        "all_day": event.all_day,
        "starts": "" if event.all_day else _clock(start),
        "ends": "" if event.all_day else _clock(end),
        "zone": timing.zone_label(event.timezone),
    }


# ---- who signs --------------------------------------------------------------------------


def office_head(office_id: int, on: date) -> Official | None:
    """Who heads the office on `on`: an official whose title begins 'Kepala', else the
    longest serving."""
    serving = officials_serving(on=on, office_id=office_id)
    if not serving:
        return None
    heads = [o for o in serving if o.title.strip().lower().startswith(HEAD_TITLES)]
    return min(heads or serving, key=lambda o: (o.tenure_start, o.id))


def _official(official: Official) -> dict[str, str]:
    return {
        "name": official.name,
        "title": official.title,
        "identifier_kind": official.identifier_kind or "",
        "identifier": official.identifier or "",
    }


# ---- the minutes as plain data ----------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    """Paragraphs as typed: separated by an empty line; single line breaks kept as spaces."""
    blocks = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    return [" ".join(block.split()) for block in blocks if block.strip()]


def _follow_ups(event_id: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(FollowUp)
        .where(FollowUp.event_id == event_id, FollowUp.is_deleted.is_(False))
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    found = []
    for row in rows:
        if row.assignee is not None:
            who = row.assignee.name
        elif row.partner is not None:
            who = row.partner.name
        else:
            who = row.office.name
        found.append(
            {
                "description": " ".join(row.description.split()),
                "who": who,
                "due_on": row.due_on,
                "done": row.status == FollowUpStatus.DONE,
                "done_note": row.done_note or "",
            }
        )
    return found


def _outcomes(event_id: int) -> list[dict[str, Any]]:
    found = []
    for contribution in outcomes.of_event(event_id):
        commitment, figure = contribution.commitment, contribution.figure
        found.append(
            {
                "commitment": commitment.title,
                "partner": commitment.partner.name,
                "registrations": contribution.registrations,
                "level": round(figure.value) if figure is not None else None,
                "level_on": figure.period_end if figure is not None else None,
            }
        )
    return found


def minutes_data(event: Event, on: date, note_taker: str) -> dict[str, Any]:
    """Everything the minutes say, as plain data for pdf_templates/event_minutes.html."""
    office = event.office
    head = office_head(office.id, on)
    if head is None:
        raise MinutesRefused(
            _(
                "Nobody is recorded in office at %(office)s on %(day)s to sign the minutes: "
                "record the office's head under Officials.",
                office=office.name,
                day=long_date_id(on),
            )
        )
    files = attachments.of_event(event.id)
    photos = []
    for photo in (f for f in files if f.kind == AttachmentKind.PHOTO):
        src = attachments.thumbnail_data_uri(photo)
        if src is not None and len(photos) < MAX_PHOTOS:
            photos.append({"src": src, "caption": photo.caption})
    town = office.region.name if office.region is not None else ""
    for prefix in ("Kabupaten ", "Kota ", "Provinsi "):
        town = town.removeprefix(prefix)
    return {
        "title": f"Notulen {event.title}"[:500],
        "event": {
            "kind": event.kind,
            "title": event.title,
            "audience": list(event.audience),
            "planned": event.planned_attendance,
            "actual": event.actual_attendance,
            "registrations": event.new_registrations,
            "registrations_note": event.registrations_note or "",
            "summary": _paragraphs(event.summary),
            "minutes": _paragraphs(event.minutes),
        },
        "when": when_of(event),
        "place": place_of(event),
        "office": {"name": office.name, "address": office.address or "", "town": town},
        "partners": [p.name for p in event.partners if not p.is_deleted],
        "agreements": [
            {"title": a.title, "number": a.office_number or ""}
            for a in event.agreements
            if not a.is_deleted
        ],
        "outcomes": _outcomes(event.id),
        "follow_ups": _follow_ups(event.id),
        "photos": photos,
        "more_photos": sum(1 for f in files if f.kind == AttachmentKind.PHOTO) - len(photos),
        "annexes": [f.original_name for f in files if f.kind == AttachmentKind.ATTENDANCE_LIST],
        "issued_on": on,
        "note_taker": note_taker,
        "head": _official(head),
    }


# ---- issuing ----------------------------------------------------------------------------


def may_issue(event: Event) -> bool:
    """Minutes record what happened: a held event's."""
    return rules.shows_outcome(event) and not event.is_deleted


def filename(event: Event, version: int) -> str:
    slug = unicodedata.normalize("NFKD", event.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")[:60] or "kegiatan"
    return f"notulen-{event.id}-{slug}-v{version}.pdf"


def issue(event: Event, on: date, actor) -> Document:
    """Render, seal and register the event's minutes as of `on`: a new version each time,
    never replacing an earlier one. MinutesRefused when the event was not held or nobody is
    there to sign; the documents domain's refusals (no certificate, a render stopped) pass."""
    if not may_issue(event):
        raise MinutesRefused(_("Minutes are written for a held event."))
    data = minutes_data(event, on, getattr(actor, "name", "") or "")
    version = documents.next_version(SUBJECT, event.id, DocKind.EVENT_MINUTES)
    return documents.issue(
        TEMPLATE,
        data,
        kind=DocKind.EVENT_MINUTES,
        subject=(SUBJECT, event.id),
        title=data["title"],
        filename=filename(event, version),
        office_id=event.office_id,
        issued_on=on,
        user_id=getattr(actor, "id", None),
    )


def issued(event_id: int) -> list[Document]:
    """The event's minutes, newest first."""
    return list(
        db.session.scalars(
            select(Document)
            .where(
                Document.subject_type == SUBJECT,
                Document.subject_id == event_id,
                Document.kind == DocKind.EVENT_MINUTES,
            )
            .order_by(Document.version.desc())
        )
    )
