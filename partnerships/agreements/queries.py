"""Reading an agreement's text and its family, for pages, services and the search index."""

from sqlalchemy import Select, select

from partnerships.agreements.models import Agreement, AgreementVersion
from partnerships.extensions import db


def latest_version(agreement: Agreement) -> AgreementVersion | None:
    return db.session.scalar(
        select(AgreementVersion)
        .where(AgreementVersion.agreement_id == agreement.id)
        .order_by(AgreementVersion.number.desc())
        .limit(1)
    )


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
