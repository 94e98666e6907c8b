from sqlalchemy import func, select

from partnerships.extensions import db


def dashboard_counts(user) -> dict[str, int]:
    """Headline numbers for the home page, each counted within what `user` may see."""
    from partnerships.organisations.permissions import visible_officials, visible_partners
    from partnerships.organisations.models import Office

    def count(stmt) -> int:
        return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    return {
        "partners": count(visible_partners(user)),
        "officials": count(visible_officials(user)),
        "offices": count(select(Office.id).where(Office.is_deleted.is_(False))),
    }
