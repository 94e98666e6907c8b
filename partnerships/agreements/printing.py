"""An agreement as a formal document: what it still lacks before it prints, the plain data its
template receives (pdf_templates/agreement.html), and the PDF.

The document follows the conventions of a Kesepakatan Bersama or Perjanjian Kerja Sama (see
DOMAIN.md): the title in capitals, one "Nomor:" per party, the opening in words with the place,
the parties "selanjutnya disebut PIHAK KESATU ...", the recitals, the articles as Pasal, the
signature blocks side by side (with a stamp-duty box when the text says each copy bears one),
and an annex with the budget the agreement sets, in figures and words.

A text in drafting or review prints with DRAF across every page; from approval on, the text no
longer changes (rules.EDITABLE), so the latest version is the approved, frozen one.
"""

import re
from collections.abc import Callable
from datetime import date
from string import ascii_lowercase
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from partnerships.agreements import drafting_rules, rules
from partnerships.agreements.drafting import family_kind, join_id
from partnerships.agreements.models import Agreement, AgreementParty, Kind
from partnerships.agreements.queries import latest_version
from partnerships.core.formatting import long_date_id, office_today, ordinal_id, party_id
from partnerships.documents import rendering
from partnerships.extensions import db

TEMPLATE = "agreement.html"
DOCUMENT_NAMES = {Kind.MOU: "Kesepakatan Bersama", Kind.PKS: "Perjanjian Kerja Sama"}
# The stamp duty (bea meterai) on an agreement, UU No. 10 Tahun 2020: one rate for every document.
METERAI_RUPIAH = 10_000
# The text asks for a stamp on each copy ("masing-masing bermeterai cukup").
METERAI_WORDS = re.compile(r"meterai", re.IGNORECASE)
# A line of an article that is a numbered paragraph or a list item: "(1) ...", "a. ...".
LIST_ITEM = re.compile(r"^(\(\d+\)|[a-z]\.|\d+\.)\s")

# What higher domains add to the document of an agreement, by name: the commitments domain the
# budget lines the agreement sets (agreements never imports commitments). A provider takes the
# agreement's id and returns plain rows: article, title, party, fiscal_year, funding,
# account_code, amount, workers, months, programs.
BudgetSource = Callable[[int], list[dict[str, Any]]]
_BUDGET_SOURCES: dict[str, BudgetSource] = {}


def register_budget(name: str, source: BudgetSource) -> None:
    """Add a source of budget lines (registered again under the same name, it replaces it)."""
    _BUDGET_SOURCES[name] = source


class PrintRefused(ValueError):
    """The agreement lacks what its document needs; `missing` lists it for the user."""

    def __init__(self, missing: list[str]):
        super().__init__("; ".join(missing))
        self.missing = missing


# ---- what it lacks ------------------------------------------------------------------------


def signing_day(agreement: Agreement, on: date | None = None) -> date | None:
    """The day the opening states: the recorded signing date once signed; before that the day
    the person printing names (`on`), or else the planned signing date."""
    if rules.signing_recorded(agreement):
        return agreement.signed_on
    return on or agreement.signed_on


def missing(agreement: Agreement, *, signed: bool, on: date | None = None) -> list[str]:
    """What the agreement still needs before it prints, in the user's words; `signed`: printed
    for signature or as signed, when every party's number must be there and no blank may be
    left. An empty list: it prints."""
    found: list[str] = []
    version = latest_version(agreement)
    if version is None or not version.articles:
        found.append(_("the text: no article has been saved"))
    else:
        pattern = drafting_rules.BLANK if signed else drafting_rules.PLACEHOLDER
        for number, heading, blank in drafting_rules.blanks(version.articles, pattern):
            found.append(
                _(
                    'article %(n)d (%(heading)s) still holds "%(blank)s"',
                    n=number,
                    heading=heading,
                    blank=blank,
                )
            )
    if not (agreement.place or "").strip():
        found.append(_("the place of signing"))
    day = signing_day(agreement, on)
    if day is None:
        found.append(_("the date of signing"))
    if not drafting_rules.has_partner(agreement):
        found.append(_("a government partner among the parties"))
    for party in agreement.parties:
        role = party_id(party.position)
        if party.signatory is None:
            found.append(_("who signs for %(role)s (%(party)s)", role=role, party=party.name))
        elif day is not None and not party.signatory.serves_on(day):
            found.append(
                _(
                    "a signatory for %(role)s (%(party)s) in office on %(day)s: %(name)s is not",
                    role=role,
                    party=party.name,
                    day=long_date_id(day),
                    name=party.signatory.name,
                )
            )
        if signed and not (party.number or "").strip():
            found.append(
                _("the number (Nomor) of %(role)s (%(party)s)", role=role, party=party.name)
            )
    return found


# ---- the document's data ------------------------------------------------------------------


def _document_name(agreement: Agreement) -> str:
    """'Kesepakatan Bersama' or 'Perjanjian Kerja Sama': what the family's documents are
    called (a renewal of an MoU is a new Kesepakatan Bersama; an addendum amends one)."""
    return DOCUMENT_NAMES[Kind(family_kind(agreement.kind, agreement.parent))]


def _addendum_rank(agreement: Agreement) -> int:
    """1 for the first addendum to its parent, 2 for the second (ADDENDUM KEDUA), ..."""
    earlier = db.session.scalars(
        select(Agreement.id).where(
            Agreement.parent_id == agreement.parent_id,
            Agreement.kind == Kind.ADDENDUM,
            Agreement.is_deleted.is_(False),
            Agreement.id <= agreement.id,
        )
    ).all()
    return max(len(earlier), 1)


def _heading(agreement: Agreement) -> tuple[str, str]:
    """(what the document is, what it is about), as its title states them."""
    name = _document_name(agreement)
    if agreement.kind == Kind.ADDENDUM and agreement.parent is not None:
        return (
            f"Addendum {ordinal_id(_addendum_rank(agreement))} {name}",
            agreement.parent.subject,
        )
    return name, agreement.subject


def _party(party: AgreementParty) -> dict[str, Any]:
    official = party.signatory
    seat = party.partner if party.partner is not None else party.office
    return {
        "position": party.position,
        "role": party_id(party.position),
        "name": party.name,
        "address": (seat.address or "") if seat is not None else "",
        "number": (party.number or "").strip(),
        "signatory": None
        if official is None
        else {
            "name": official.name,
            "title": official.title,
            "identifier_kind": official.identifier_kind or "",
            "identifier": official.identifier or "",
        },
    }


def _citation(agreement: Agreement) -> dict[str, str] | None:
    """What the agreement rests on: the MoU a PKS implements, what an addendum amends or a
    renewal renews, cited by title, each party's number, date and subject."""
    parent = agreement.parent
    if parent is None:
        return None
    cited = drafting_rules.parent_context(parent)["induk_rujukan"]
    name = _document_name(agreement)
    if agreement.kind == Kind.ADDENDUM:
        relation = "amends"
        recital = (
            f"bahwa PARA PIHAK telah menandatangani {cited}, dan sepakat untuk mengubahnya "
            "dengan Addendum ini"
        )
    elif agreement.kind == Kind.RENEWAL:
        relation = "renews"
        ended = (
            f" yang berakhir pada tanggal {long_date_id(parent.ends_on)}" if parent.ends_on else ""
        )
        recital = (
            f"bahwa PARA PIHAK telah menandatangani {cited}{ended}, dan sepakat untuk "
            f"memperpanjang kerja sama tersebut dengan {name} ini"
        )
    else:
        relation = "implements"
        recital = (
            f"bahwa telah ditandatangani {cited}, yang pelaksanaannya diatur lebih lanjut "
            f"dalam {name} ini"
        )
    return {"relation": relation, "text": cited, "recital": recital}


def _recitals(agreement: Agreement, parties: list[dict], citation: dict | None) -> list[str]:
    """The considerations before the articles (a., b., ...), ending with the agreement to make
    this document."""
    others = [p["role"] for p in parties[1:]]
    found = [
        "bahwa PIHAK KESATU merupakan badan hukum publik yang dibentuk berdasarkan "
        "Undang-Undang Nomor 24 Tahun 2011 tentang Badan Penyelenggara Jaminan Sosial untuk "
        "menyelenggarakan program jaminan sosial ketenagakerjaan",
    ]
    if others:
        found.append(
            f"bahwa {join_id(others)} berkomitmen mendukung perlindungan jaminan sosial "
            "ketenagakerjaan bagi pekerja di wilayahnya sesuai dengan kewenangannya"
        )
    if citation is not None:
        found.append(citation["recital"])
    letters = [f"huruf {ascii_lowercase[i]}" for i in range(len(found))]
    what = "Addendum" if agreement.kind == Kind.ADDENDUM else _document_name(agreement)
    found.append(
        f"bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam {join_id(letters)}, PARA "
        f"PIHAK sepakat untuk membuat {what} tentang {agreement.subject}"
    )
    return found


def _articles(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The version's articles as Pasal: number, heading, and paragraphs (a numbered paragraph
    or list item marked so it hangs)."""
    result = []
    for number, article in enumerate(articles, start=1):
        lines = [line.strip() for line in str(article.get("body", "")).splitlines()]
        result.append(
            {
                "number": number,
                "heading": str(article.get("heading", "")).strip(),
                "paragraphs": [
                    {"text": line, "item": bool(LIST_ITEM.match(line))} for line in lines if line
                ],
            }
        )
    return result


def _budget(agreement_id: int) -> list[dict[str, Any]]:
    rows = [row for source in _BUDGET_SOURCES.values() for row in source(agreement_id)]
    return sorted(rows, key=lambda r: (r.get("article") or 0, r.get("fiscal_year") or 0))


def agreement_data(agreement: Agreement, *, on: date | None = None) -> dict[str, Any]:
    """The agreement's (frozen, when final) text and parties as plain data for the template:
    strings, numbers, dates, lists and dicts only. `on`: the signing day when none is recorded
    (see `signing_day`)."""
    version = latest_version(agreement)
    articles = list(version.articles) if version else []
    parties = [_party(p) for p in sorted(agreement.parties, key=lambda p: p.position)]
    citation = _citation(agreement)
    document, subject = _heading(agreement)
    others = join_id([p["name"] for p in parties[1:]])
    title = f"{document} antara {parties[0]['name'] if parties else ''} dengan {others} " + (
        f"tentang {subject}"
    )
    draft = rules.prints_as_draft(agreement)
    return {
        "title": title.upper(),
        "heading": {
            "document": document.upper(),
            "first": parties[0]["name"].upper() if parties else "",
            "others": others.upper(),
            "subject": subject.upper(),
        },
        "kind": str(agreement.kind),
        "short_name": "Addendum" if agreement.kind == Kind.ADDENDUM else _document_name(agreement),
        "draft": draft,
        "numbered": rules.prints_numbered(agreement),
        "version": version.number if version else 0,
        "printed_on": office_today(),
        "place": agreement.place.strip(),
        "signed_on": signing_day(agreement, on),
        "parties": parties,
        "roles": join_id([p["role"] for p in parties]),
        "citation": citation,
        "recitals": _recitals(agreement, parties, citation),
        "articles": _articles(articles),
        "meterai": any(METERAI_WORDS.search(str(a.get("body", ""))) for a in articles),
        "meterai_rupiah": METERAI_RUPIAH,
        "budget": _budget(agreement.id),
    }


# ---- the PDF ------------------------------------------------------------------------------


def agreement_pdf(agreement: Agreement, *, on: date | None = None) -> bytes:
    """The PDF of the agreement's current text: DRAF while drafting or in review; refused with
    `PrintRefused` (the list of what is missing) when it lacks what its document needs.
    Rendering past its bounds raises `rendering.RenderRefused`."""
    if found := missing(agreement, signed=rules.prints_numbered(agreement), on=on):
        raise PrintRefused(found)
    return rendering.render_pdf(TEMPLATE, agreement_data(agreement, on=on))


def filename(agreement: Agreement) -> str:
    """'perjanjian-12-v3-draf.pdf': the agreement, the version and whether it is a draft."""
    version = latest_version(agreement)
    draft = "-draf" if rules.prints_as_draft(agreement) else ""
    return f"perjanjian-{agreement.id}-v{version.number if version else 0}{draft}.pdf"
