"""Rendering clause templates safely, and keeping the library."""

from typing import Any

from flask_babel import gettext as _
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import func, select

from partnerships.clauses.library import DEFAULTS
from partnerships.clauses.models import Clause
from partnerships.extensions import db

# Sandboxed: an admin's template can read the values it is given and nothing else.
_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)

SAMPLE_CONTEXT = {
    "jenis": "pks",
    "para_pihak": "BPJS Ketenagakerjaan Kantor Cabang Bali Denpasar dan Pemerintah Kota Denpasar",
    "pihak_kesatu": "BPJS Ketenagakerjaan Kantor Cabang Bali Denpasar",
    "pihak_kedua": "Pemerintah Kota Denpasar",
    "kantor": "Kantor Cabang Bali Denpasar",
    "tentang": "Pelaksanaan Program Jaminan Sosial Ketenagakerjaan",
    "program": "Jaminan Kecelakaan Kerja (JKK) dan Jaminan Kematian (JKM)",
    "pendanaan": "Anggaran Pendapatan dan Belanja Daerah (APBD)",
    "jangka_waktu": "12 (dua belas) bulan",
    "tanggal_mulai": "1 Januari 2027",
    "tanggal_berakhir": "31 Desember 2027",
    "tempat": "Denpasar",
    "wilayah": "Kota Denpasar",
    "induk": "Kesepakatan Bersama Nomor 001/KB/2016",
    "rangkap": "2 (dua)",
}


class ClauseError(ValueError):
    pass


def render(body: str, context: dict[str, Any]) -> str:
    try:
        return _env.from_string(body).render(**context).strip()
    except TemplateError as error:
        raise ClauseError(_("The clause cannot be filled in: %(error)s", error=str(error))) from error


def library(doc_kind: str) -> list[Clause]:
    return list(db.session.scalars(
        select(Clause)
        .where(Clause.doc_kind == doc_kind, Clause.is_deleted.is_(False))
        .order_by(Clause.position, Clause.id)
    ))


def prefill(doc_kind: str, context: dict[str, Any]) -> list[dict[str, str]]:
    """The library's articles for this kind, filled in with the agreement's data."""
    return [{"heading": c.heading, "body": render(c.body, context)} for c in library(doc_kind)]


def save_clause(clause: Clause | None, data: dict) -> Clause:
    render(data["body"], SAMPLE_CONTEXT)  # refuse a template that would fail on a real draft
    if clause is None:
        clause = Clause()
        db.session.add(clause)
    clause.doc_kind, clause.position = data["doc_kind"], data["position"]
    clause.heading, clause.body = data["heading"].strip(), data["body"].strip()
    db.session.flush()
    return clause


def load_defaults() -> int:
    """Load the standard sets for any kind that has no clauses yet; returns how many were added."""
    added = 0
    for kind, clauses in DEFAULTS.items():
        present = db.session.scalar(
            select(func.count()).select_from(Clause).where(Clause.doc_kind == kind)
        )
        if present:
            continue
        for position, (heading, body) in enumerate(clauses, start=1):
            save_clause(None, {"doc_kind": kind, "position": position * 10, "heading": heading,
                               "body": body})
            added += 1
    return added
