"""`flask demo national` (issue 11, item 1) on a province of the country (the command's
--provinces): the same shape as the national run, small enough for every CI run.

What it must give: agreements in every state with dates that fit the state, commitments with
their derived statuses as the app computes them, figures, events, sealed progress letters; an
audit trail with one entry per generated row that verifies against a signed checkpoint; pages
that open on it; the same rows from the same seed; and a refusal, writing nothing, when run
twice."""

import hashlib
import shutil

from sqlalchemy import func, select

from partnerships.agreements.models import Agreement, Status
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import verify
from partnerships.commitments import queries
from partnerships.commitments.models import Commitment, RealisationFigure
from partnerships.dashboard import cache
from partnerships.dashboard.models import CommitmentFact
from partnerships.documents import services as documents
from partnerships.documents.models import DocKind, Document
from partnerships.events.models import Event
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from tests.conftest import OFFICE_DAY, ON_POSTGRES, _restore_postgres
from tests.helpers import counted_statements
from tests.pdf_tools import assert_sealed_and_valid
from tests.web import signed_in

COMMAND = ["demo", "national", "--provinces", "1", "--villages", "2", "--letters", "2",
           "--today", str(OFFICE_DAY)]  # fmt: skip


def national_offices() -> list[int]:
    """The generated Kanwil (there is one province) and its branches."""
    kanwil = db.session.scalar(select(Office.id).where(Office.code == "KWN01"))
    return list(db.session.scalars(
        select(Office.id).where((Office.id == kanwil) | (Office.parent_id == kanwil))
    ))  # fmt: skip


def generated(app) -> dict[str, list]:
    """The national rows (ids after the demo's), as the pages would show them."""
    with app.app_context():
        offices = national_offices()
        first = db.session.scalar(
            select(func.min(Agreement.id)).where(Agreement.office_id.in_(offices))
        )
        return {
            "agreements": db.session.execute(
                select(Agreement.id, Agreement.title, Agreement.status, Agreement.ends_on)
                .where(Agreement.id >= first)
                .order_by(Agreement.id)
            ).all(),
            "commitments": db.session.execute(
                select(
                    Commitment.id,
                    Commitment.kind,
                    Commitment.target_value,
                    Commitment.amount,
                    Commitment.status,
                )
                .where(Commitment.agreement_id >= first)
                .order_by(Commitment.id)
            ).all(),
            "figures": db.session.execute(
                select(func.count(), func.sum(RealisationFigure.value))
                .join(Commitment)
                .where(Commitment.agreement_id >= first)
            ).all(),
            "events": db.session.execute(
                select(Event.title, Event.status, Event.starts_at)
                .where(Event.office_id.in_(offices))
                .order_by(Event.id)
            ).all(),
        }


def digest(rows: dict[str, list]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


# Pages whose statement count must not grow with the data: every list, search and overview.
LISTS = {
    "admin": ("/", "/agreements", "/agreements?q=perlindungan", "/agreements?status=active",
              "/commitments", "/events", "/partners", "/offices", "/audit",
              "/regions?q=denpasar"),
    "partner": ("/", "/agreements", "/commitments", "/events"),
}  # fmt: skip


def statements(app) -> dict[str, int]:
    counts = {}
    for who, urls in LISTS.items():
        web = signed_in(app, who)
        for url in urls:
            # computed, not served from the cache (another test in this process may have
            # left the dashboard of the same data there)
            cache.clear()
            with counted_statements(app) as seen:
                assert web.get(url).status_int == 200, url
            counts[f"{who} {url}"] = len(seen)
    return counts


def test_a_province_of_the_national_dataset_opens_and_verifies(app, runner, cert_dir, tmp_path):
    at_demo_scale = statements(app)
    result = runner.invoke(args=COMMAND)
    assert result.exit_code == 0, result.output
    assert "Generating" in result.output  # the progress bar
    rows = generated(app)
    statuses = {row.status for row in rows["agreements"]}
    assert statuses == set(Status), statuses  # every state, on one province already
    with app.app_context():
        # dates that fit the state: in force today, or ended before it
        for row in rows["agreements"]:
            if row.status == Status.ACTIVE:
                assert row.ends_on > OFFICE_DAY
            elif row.status == Status.EXPIRED:
                assert row.ends_on < OFFICE_DAY
        offices = national_offices()
        partners = db.session.scalar(
            select(func.count()).select_from(Partner).where(Partner.office_id.in_(offices))
        )
        assert len(rows["agreements"]) == 3 * partners
        assert len(rows["commitments"]) == 5 * len(rows["agreements"])
        assert rows["figures"][0][0] >= 4_000
        # the stored statuses are the app's own verdicts
        sample = list(db.session.scalars(
            select(Commitment).where(Commitment.id.in_([r.id for r in rows["commitments"][::97]]))
        ))  # fmt: skip
        found = queries.progress_of(sample, OFFICE_DAY)
        assert all(c.status == found[c.id].verdict.value for c in sample)
        # the dashboard's facts rebuilt: one per live commitment, the generated ones included
        facts = db.session.scalar(select(func.count()).select_from(CommitmentFact))
        assert facts >= len(rows["commitments"])
        # one "insert" entry per generated row, in a chain that verifies with a checkpoint
        created = set(db.session.scalars(
            select(AuditEntry.object_id).where(
                AuditEntry.object_type == "Agreement", AuditEntry.action == "insert")
        ))  # fmt: skip
        assert {str(row.id) for row in rows["agreements"]} <= created
        figures = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.object_type == "RealisationFigure", AuditEntry.action == "insert")
        )
        assert figures >= rows["figures"][0][0]
        check = verify()
        assert check.ok and check.anchor is not None and check.anchor.seq == check.head_seq
        letters = list(
            db.session.scalars(
                select(Document).where(
                    Document.kind == DocKind.PROGRESS_LETTER, Document.office_id.in_(offices)
                )
            )
        )
        assert len(letters) == 2 and all(d.sealed for d in letters)
        pdf = documents.content(letters[0])
        agreement = rows["agreements"][1].id
        active = next(r.id for r in rows["agreements"] if r.status == Status.ACTIVE)
        commitment = rows["commitments"][0].id
        event = db.session.scalar(select(Event.id).where(Event.title == rows["events"][0].title))
    assert_sealed_and_valid(pdf, cert_dir / "ca.pem", tmp_path)

    assert statements(app) == at_demo_scale  # the same statements, for pages of more rows

    admin = signed_in(app, "admin")
    for url in (
        "/agreements",
        "/agreements?status=expired",
        "/agreements?q=nelayan",
        f"/agreements/{agreement}",
        f"/agreements/{active}",
        f"/commitments/{commitment}",
        "/commitments",
        f"/events/{event}",
        "/events",
        "/",
        "/offices",
        "/partners",
        "/audit",
    ):
        assert admin.get(url).status_int == 200, url

    # Run again: refused with the reason, nothing written.
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    again = runner.invoke(args=COMMAND)
    assert again.exit_code != 0 and "already generated" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_the_same_seed_gives_the_same_rows(app, runner, template, tmp_path):
    assert runner.invoke(args=COMMAND).exit_code == 0
    first = generated(app)
    # the same database as the test started with, and the command again
    source, snapshot = template
    if ON_POSTGRES:
        _restore_postgres(app, snapshot)
    else:
        with app.app_context():
            db.engine.dispose()
        shutil.copyfile(source, tmp_path / "test.db")
    assert runner.invoke(args=COMMAND).exit_code == 0
    assert digest(generated(app)) == digest(first)


def test_refused_in_production_before_anything_is_written(app, runner):
    app.config["ENV_NAME"] = "production"
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    refused = runner.invoke(args=COMMAND)
    assert refused.exit_code != 0 and "refused in production" in refused.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
        assert db.session.scalar(select(func.count()).select_from(Office)) < 20
