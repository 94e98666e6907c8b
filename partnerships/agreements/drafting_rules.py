"""Rules of drafting that services, views and templates all ask, each in one place: is the
text complete enough to be signed, why its text may not be edited now, does it name a partner,
and how the clauses phrase its term and its parent. (What the workflow allows in each state,
including amending and renewing, is `rules.py`.)

This module knows the models only; the services turn a refusal reason into their errors.
"""

import re
from typing import Any

from flask_babel import gettext as _

from partnerships.agreements import rules
from partnerships.agreements.models import Agreement, Status
from partnerships.core.formatting import long_date_id

# What a drafter left to fill in: a run of dots ("tanggal ...", "Pasal ...."), an ellipsis
# character, underscores, or template syntax that was never rendered.
BLANK = re.compile(r"\.{3,}|…|_{3,}|\{\{|\}\}|\{%|%\}")
# Of those, template syntax that was never rendered: not printed even on a draft (a draft may
# show "tanggal ..." for the reader to fill in, never "{{ tanggal }}").
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{%|%\}")
# The size of a text, well past any real KB or PKS (a dozen or two articles of a few hundred
# words): every save is copied into a version and the audit trail, so nothing is unbounded.
MAX_ARTICLES = 100
MAX_HEADING = 200
MAX_ARTICLE_TEXT = 20_000
BY_SIGNING = "terhitung sejak tanggal ditandatangani oleh PARA PIHAK"
UNTIL_ENDED = "sampai dengan diakhiri atas kesepakatan PARA PIHAK"


# ---- blanks in the text -----------------------------------------------------------------


def blanks(
    articles: list[dict[str, Any]], pattern: re.Pattern = BLANK
) -> list[tuple[int, str, str]]:
    """(article number, heading, the blank as written) for every article still holding one
    (a blank of `pattern`: any blank, or only PLACEHOLDER)."""
    found = []
    for number, article in enumerate(articles or [], start=1):
        text = f"{article.get('heading', '')}\n{article.get('body', '')}"
        if match := pattern.search(text):
            found.append((number, article.get("heading", ""), match.group(0)))
    return found


def blank_refusal(articles: list[dict[str, Any]], action: str) -> str | None:
    """Why the text may not be approved or signed (`action`: approve, request_signature,
    activate), naming the first article with a blank; None when the text is complete."""
    found = blanks(articles)
    if not found:
        return None
    number, heading, blank = found[0]
    if action == "approve":
        return _(
            'Article %(n)d (%(heading)s) still has a blank to fill in ("%(blank)s"); return '
            "the draft to drafting to complete it.",
            n=number,
            heading=heading,
            blank=blank,
        )
    return _(
        'Article %(n)d (%(heading)s) still has a blank to fill in ("%(blank)s"); a text with '
        "blanks cannot be signed.",
        n=number,
        heading=heading,
        blank=blank,
    )


# ---- may the text be edited now ---------------------------------------------------------


def text_lock_reason(agreement: Agreement) -> str | None:
    """Why the details and articles cannot be edited now; None while they may be."""
    status = agreement.status
    if rules.may_edit_text(agreement):
        return None
    if status == Status.IN_REVIEW:
        return _("The text is in review; return it to drafting to change it.")
    if status in (Status.APPROVED, Status.AWAITING_SIGNATURE):
        return _("The text has been approved and can no longer be changed.")
    return _("The agreement has been signed; its text changes through an addendum.")


# ---- partners ---------------------------------------------------------------------------


def has_partner(agreement: Agreement) -> bool:
    """A party that is a government partner still on record."""
    return any(p.partner is not None and not p.partner.is_deleted for p in agreement.parties)


# ---- how the clauses phrase the term and the parent ---------------------------------------


def term_phrase(agreement: Agreement, term_words: str | None) -> str:
    """The term as the signed text states it: the dates once they are known, otherwise what
    fixes them (the signing), never a blank. `term_words` is "12 (dua belas) bulan"."""
    start, end = agreement.effective_on, agreement.ends_on
    if start and end:
        during = f"selama {term_words} " if term_words else ""
        return (
            f"{during}terhitung sejak tanggal {long_date_id(start)} sampai dengan tanggal "
            f"{long_date_id(end)}"
        )
    if start:
        return f"terhitung sejak tanggal {long_date_id(start)} {UNTIL_ENDED}"
    if end:
        return f"{BY_SIGNING} sampai dengan tanggal {long_date_id(end)}"
    if term_words:
        return f"selama {term_words} {BY_SIGNING}"
    return f"{BY_SIGNING} {UNTIL_ENDED}"


def _numbers(agreement: Agreement) -> str:
    numbers = [p.number for p in agreement.parties if p.number]
    return " dan ".join(f"Nomor: {n}" for n in numbers)


def parent_context(parent: Agreement | None) -> dict[str, str]:
    """The agreement a PKS implements, an addendum amends or a renewal succeeds, cited as a
    formal text does: its title, each party's number, the signing date and the subject."""
    if parent is None:
        return {"induk_nomor": "", "induk_tanggal": "", "induk_tentang": "", "induk_rujukan": ""}
    numbers = _numbers(parent)
    signed = long_date_id(parent.signed_on) if parent.signed_on else ""
    citation = parent.title
    if numbers:
        citation += f" {numbers}"
    if signed:
        citation += f" tanggal {signed}"
    citation += f" tentang {parent.subject}"
    return {
        "induk_nomor": numbers,
        "induk_tanggal": signed,
        "induk_tentang": parent.subject,
        "induk_rujukan": citation,
    }
