"""The budget an agreement sets, for the annex of its PDF (agreements.printing), so agreements
never imports commitments: each budget line with the values the agreement itself set (its own
term of the commitment: an addendum prints what it changed, the original what it first said,
whatever was changed later)."""

from typing import Any

from sqlalchemy import select

from partnerships.agreements import printing
from partnerships.commitments.models import Commitment, CommitmentTerm, Kind
from partnerships.extensions import db

FUNDING_NAMES = {"apbd": "APBD", "apbdes": "APBDes", "other": "Sumber lain yang sah"}


def budget_lines(agreement_id: int) -> list[dict[str, Any]]:
    """Plain rows: article, title, party, fiscal_year, funding, account_code, amount, workers,
    months, programs; the newest term the agreement recorded for each budget line."""
    rows = db.session.execute(
        select(CommitmentTerm, Commitment)
        .join(Commitment, Commitment.id == CommitmentTerm.commitment_id)
        .where(
            CommitmentTerm.agreement_id == agreement_id,
            Commitment.kind == Kind.BUDGET,
            Commitment.is_deleted.is_(False),
        )
        .order_by(Commitment.article, Commitment.id, CommitmentTerm.recorded_at, CommitmentTerm.id)
    ).all()
    newest: dict[int, tuple[CommitmentTerm, Commitment]] = {}
    for term, commitment in rows:
        newest[commitment.id] = (term, commitment)
    lines = []
    for term, commitment in newest.values():
        values = term.set_values or {}
        lines.append(
            {
                "article": commitment.article,
                "title": commitment.title,
                "party": commitment.partner.name,
                "fiscal_year": values.get("fiscal_year"),
                "funding": FUNDING_NAMES.get(values.get("funding") or "", ""),
                "account_code": values.get("account_code") or "",
                "amount": values.get("amount"),
                "workers": values.get("workers"),
                "months": values.get("months"),
                "programs": list(values.get("programs") or []),
            }
        )
    return lines


printing.register_budget("commitments", budget_lines)
