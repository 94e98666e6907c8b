"""The daily work on a schedule (README, "More than one machine"): `flask jobs scheduler`
queues it at DAILY_AT in the office's time (01:00 WITA unless set), the workers run it, and
`flask jobs daily` runs the same now. In order: the agreements' expiries and notices with a
checkpoint of the audit trail, then the commitments' statuses, then the follow-up reminders;
one that fails is logged and the others still run."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from partnerships.agreements import cli as agreements_cli
from partnerships.audit.models import AuditCheckpoint
from partnerships.commitments import cli as commitments_cli
from partnerships.commitments.models import Commitment
from partnerships.core import jobs
from partnerships.extensions import db
from partnerships.notifications import cli as notifications_cli
from tests.conftest import OFFICE_DAY
from tests.test_expiry import smtp  # noqa: F401 (a real SMTP server on loopback)

GIANYAR_TARGET = "Pekerja rentan terlindungi dari 6.400 menjadi 12.800"


def due(app, moment: datetime) -> bool:
    """Whether the scheduler, checking at `moment` (UTC, as huey asks), queues the day."""
    huey = app.extensions["jobs"]["huey"]
    return any(task.name == "daily" for task in huey.read_periodic(moment))


def test_the_day_is_queued_at_one_in_the_morning_office_time(app):
    assert due(app, datetime(2026, 11, 29, 17, 0))  # 01:00 WITA on the 30th
    assert not due(app, datetime(2026, 11, 29, 17, 1))
    assert not due(app, datetime(2026, 11, 30, 1, 0))  # 01:00 UTC is 09:00 WITA


@pytest.mark.app_config(DAILY_AT="06:30")
def test_daily_at_moves_it(app):
    assert due(app, datetime(2026, 11, 29, 22, 30))
    assert not due(app, datetime(2026, 11, 29, 17, 0))


def test_the_work_runs_in_order_agreements_commitments_reminders():
    order = [fn for _order, fn in sorted(jobs.DAILY, key=lambda entry: entry[0])]
    assert order == [agreements_cli.scheduled, commitments_cli.run_day, notifications_cli.scheduled]


def checkpoints(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditCheckpoint))


def test_the_scheduled_task_does_the_office_days_work(app, smtp):  # noqa: F811
    """The task the scheduler queues, run as a worker runs it: today's checkpoint is signed."""
    before = checkpoints(app)
    huey = app.extensions["jobs"]["huey"]
    huey.execute(app.extensions["jobs"]["daily"].s())
    assert checkpoints(app) == before + 1


def test_flask_jobs_daily_runs_every_part_for_the_day_given(app, runner, smtp):  # noqa: F811
    before = checkpoints(app)
    result = runner.invoke(args=["jobs", "daily", "--today", "2027-01-01"])
    assert result.exit_code == 0, result.output
    assert checkpoints(app) == before + 1  # the agreements' part
    with app.app_context():  # the commitments' part
        gianyar = db.session.scalar(select(Commitment).where(Commitment.title == GIANYAR_TARGET))
        assert (gianyar.status, gianyar.status_on) == ("lapsed", date(2027, 1, 1))
    subjects = " | ".join(m.subject for m in smtp.mails)
    assert "berakhir dalam" in subjects  # the agreements' expiry notices
    assert "tindak lanjut lewat tenggat" in subjects  # the follow-up reminders, sent last
    assert smtp.mails[-1].subject.endswith("tindak lanjut lewat tenggat")


def test_a_part_that_fails_is_reported_and_the_others_still_run(app, runner, smtp):  # noqa: F811
    def broken(_day: date) -> None:
        raise RuntimeError("the mail server is gone")

    jobs.DAILY.append((15, broken))  # between the agreements and the commitments
    try:
        result = runner.invoke(args=["jobs", "daily", "--today", OFFICE_DAY.isoformat()])
    finally:
        jobs.DAILY.remove((15, broken))
    assert result.exit_code == 1
    assert "broken failed" in result.output
    assert checkpoints(app) > 0
    with app.app_context():
        gianyar = db.session.scalar(select(Commitment).where(Commitment.title == GIANYAR_TARGET))
        assert gianyar.status_on == OFFICE_DAY  # the commitments' part ran after it


def test_the_scheduler_and_worker_refuse_a_queue_inside_one_process(runner):
    for command in ("scheduler", "worker"):
        result = runner.invoke(args=["jobs", command])
        assert result.exit_code != 0 and "memory://" in result.output
