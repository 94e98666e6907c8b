"""The commitments shown on the agreement page (core.sections), so agreements never imports
commitments: what the agreement commits each party to, with its status, within the viewer's
scope and in a fixed number of queries."""

from flask import render_template
from flask_login import current_user

from partnerships.agreements.models import Kind as AgreementKind
from partnerships.agreements.permissions import can_edit as can_edit_agreement
from partnerships.commitments import dossier, queries, rules, wording
from partnerships.commitments.forms import KIND_LABELS
from partnerships.commitments.models import Commitment, Kind
from partnerships.commitments.permissions import visible_commitments
from partnerships.core import sections
from partnerships.core.formatting import office_today
from partnerships.core.policy import can
from partnerships.extensions import db


def _rows(agreement_id: int) -> list[Commitment]:
    return list(
        db.session.scalars(
            visible_commitments(current_user)
            .where(Commitment.agreement_id == agreement_id)
            .order_by(Commitment.article, Commitment.id)
        )
    )


def for_agreement(agreement, **_context) -> str:
    """The agreement's own commitments; on an addendum also those of the agreement it amends,
    whose terms it may change once signed."""
    if not can("commitments.show"):
        return ""
    rows = _rows(agreement.id)
    amended = []
    if agreement.kind == AgreementKind.ADDENDUM and agreement.parent_id is not None:
        amended = _rows(agreement.parent_id)
    found = queries.progress_of(rows + amended, office_today())
    editable = can_edit_agreement(current_user, agreement)
    return render_template(
        "commitments/_section.html",
        agreement=agreement,
        rows=rows,
        amended=amended,
        may_change=can("commitments.edit") and editable and agreement.status in rules.SIGNED,
        sentences={c.id: wording.sentence(c, found[c.id]) for c in rows + amended},
        verdicts={c.id: found[c.id].verdict for c in rows + amended},
        labels=wording.VERDICT_LABELS,
        colours=wording.VERDICT_COLOURS,
        kinds=KIND_LABELS,
        may_add=can("commitments.new") and editable and rules.may_add(agreement),
        add_kinds=list(Kind),
        may_import=can("commitments.figure_import")
        and editable
        and any(c.kind != Kind.ACTION for c in rows),
    )


sections.register("agreement", "commitments", for_agreement)


def dossier_for_partner(partner, **_context) -> str:
    """On the partner page, the way to the partner's auditor's dossier, for whoever may take
    it (commitments.dossier.may_download)."""
    if not can("commitments.partner_dossier") or not dossier.may_download(current_user, partner):
        return ""
    return render_template("commitments/_dossier.html", partner=partner)


sections.register("partner", "dossier", dossier_for_partner)
