"""Small helpers the test modules share: finding demo rows by name, and counting SQL."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, select

from partnerships.agreements.models import Agreement
from partnerships.extensions import db


def id_of(app, model, name: str) -> int:
    """The id of the demo row called `name` (an agreement by its title); it must exist."""
    column = model.title if model is Agreement else model.name
    with app.app_context():
        found = db.session.scalar(select(model.id).where(column == name))
    assert found is not None, f"no {model.__name__} {name!r}"
    return found


@contextmanager
def counted_statements(app) -> Iterator[list[str]]:
    """Collects every SQL statement the app runs inside the block (clear it to restart)."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def run_queued_jobs(app) -> int:
    """Run every job waiting in the app's in-process queue (JOBS_URL=memory://) here, the way a
    worker would take them, the ones they queue too; how many ran."""
    huey = app.extensions["jobs"]["huey"]
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def forget_demo_letters(app) -> None:
    """The office before it wrote last month's letters: the demo's letters, their documents,
    numbers and the letter counters removed (the letter tests start from no letters)."""
    from sqlalchemy import delete

    from partnerships.commitments.models import ProgressLetter
    from partnerships.documents.models import DocKind, Document
    from partnerships.extensions import db
    from partnerships.numbering.models import IssuedNumber, NumberCounter

    with app.app_context():
        db.session.execute(delete(ProgressLetter))
        db.session.execute(delete(Document).where(Document.kind == DocKind.PROGRESS_LETTER))
        db.session.execute(delete(IssuedNumber).where(IssuedNumber.doc_type == "letter"))
        db.session.execute(delete(NumberCounter).where(NumberCounter.doc_type == "letter"))
        db.session.commit()


def forget_demo_events(app) -> None:
    """The offices before they recorded the demo's events (partnerships/demo/events.py), so a
    test of events, follow-ups or counted registrations starts from none: the events marked
    deleted as a person would (kept in the audit trail, their ids never given again); the
    registrations the booth counted withdrawn through the service (its figure marked deleted)
    and, with the follow-ups, removed outright, since those tests count every row. On SQLite a
    removed follow-up's id is given again: its audit entries are the seed's ("test-seed")."""
    from sqlalchemy import delete

    from partnerships.audit.services import acting_as
    from partnerships.events import outcomes, services
    from partnerships.events.models import Event, EventContribution, FollowUp

    with app.app_context(), acting_as("test"):
        for counted in db.session.scalars(
            select(EventContribution).where(EventContribution.is_deleted.is_(False))
        ).all():
            outcomes.withdraw(counted)
        for event in db.session.scalars(select(Event).where(Event.is_deleted.is_(False))).all():
            services.delete(event)
        db.session.execute(delete(EventContribution))
        db.session.execute(delete(FollowUp))
        db.session.commit()


def add_city_head(app) -> None:
    """The city's Wali Kota, in office today: the demo records nobody after 2019."""
    from partnerships.audit.services import acting_as
    from partnerships.organisations import services as orgs
    from partnerships.organisations.models import Partner

    with app.app_context(), acting_as("test"):
        city = db.session.scalar(select(Partner).where(Partner.name == "Pemerintah Kota Denpasar"))
        orgs.save_official(
            None,
            {
                "name": "Contoh Wali Kota",
                "title": "Wali Kota Denpasar",
                "tenure_start": date(2021, 2, 26),
            },
            owner=city,
        )
        db.session.commit()


def picture(kind: str = "JPEG", size: tuple[int, int] = (8, 8)) -> bytes:
    """A real picture (it decodes), as a scanner or a phone would send one."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (240, 240, 235)).save(out, kind)
    return out.getvalue()
