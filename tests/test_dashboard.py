"""The home page counts only what the user may see, in a fixed number of queries."""

from sqlalchemy import event, func, select

from partnerships.agreements.models import Agreement, AgreementParty, Status
from partnerships.auth.models import User
from partnerships.dashboard.services import dashboard
from partnerships.extensions import db
from tests.conftest import EMAILS
from tests.web import signed_in


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_counts_follow_scope(app):
    with app.app_context():
        everything = dashboard(_user(EMAILS["admin"]))
        total = db.session.scalar(select(func.count()).select_from(Agreement))
        assert everything["agreements"] == total

        partner = _user(EMAILS["partner"])
        own = db.session.scalar(
            select(func.count(func.distinct(Agreement.id)))
            .join(AgreementParty, AgreementParty.agreement_id == Agreement.id)
            .where(
                AgreementParty.partner_id == partner.partner_id, Agreement.status != Status.DRAFT
            )
        )
        mine = dashboard(partner)
        assert mine["agreements"] == own < total
        assert mine["partners"] == 1
        assert mine["by_status"]["draft"] == 0


def test_dashboard_query_count_does_not_grow_with_data(app):
    with app.app_context():
        admin = _user(EMAILS["admin"])
        statements = []

        def count(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            dashboard(admin)
            before = len(statements)
            statements.clear()
            template = db.session.get(Agreement, 4)
            for i in range(20):
                db.session.add(
                    Agreement(
                        kind="pks",
                        title=f"Tambahan {i}",
                        subject="uji",
                        programs=["JKK"],
                        funding="apbd",
                        place="Denpasar",
                        office_id=template.office_id,
                        status=Status.ACTIVE,
                    )
                )
            db.session.flush()
            statements.clear()
            dashboard(admin)
            assert len(statements) == before
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
            db.session.rollback()


def test_home_page_renders_for_every_role(app):
    for who in ("admin", "staff", "manager", "partner", "auditor", "auditor_office"):
        signed_in(app, who).get("/", status=200)
