"""The home page: headline numbers gathered from the domains below, each within the user's scope."""

from sqlalchemy import func, select

from partnerships.agreements.models import EXPIRY_WINDOWS, Agreement, Status
from partnerships.agreements.permissions import visible_agreements
from partnerships.agreements.search import expiring_within
from partnerships.extensions import db
from partnerships.organisations.models import Office
from partnerships.organisations.scope import visible_officials, visible_partners


def dashboard(user) -> dict:
    """Headline numbers for the home page, each counted within what `user` may see, in a
    handful of grouped queries whatever the number of rows."""

    def count(stmt) -> int:
        return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    visible = visible_agreements(user).subquery()
    by_status = dict(
        db.session.execute(select(visible.c.status, func.count()).group_by(visible.c.status)).all()
    )
    expiring = {
        days: count(expiring_within(visible_agreements(user), days)) for days in EXPIRY_WINDOWS
    }
    to_review = db.session.scalars(
        visible_agreements(user)
        .where(Agreement.status.in_([Status.IN_REVIEW, Status.APPROVED, Status.AWAITING_SIGNATURE]))
        .order_by(Agreement.updated_at.desc())
        .limit(8)
    ).all()
    return {
        "partners": count(visible_partners(user)),
        "officials": count(visible_officials(user)),
        "offices": count(select(Office.id).where(Office.is_deleted.is_(False))),
        "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
        "agreements": sum(by_status.values()),
        "expiring": expiring,
        "in_progress": to_review,
    }
