"""Background jobs with huey: the queue configured from JOBS_URL, the tasks the domains declare,
and `flask jobs worker`, the consumer that runs them inside the app.

JOBS_URL picks the queue: empty is a SQLite file in the instance folder (nothing else to run,
what `make demo` uses); `sqlite:////path/jobs.db` another file; `redis://host:6379/1` Redis
(production: every app server and worker shares it); `memory://` a queue inside the process
(the tests' default: nothing runs until a test starts a consumer on it).

Core imports no domain, so a domain declares its tasks with `@jobs.task` when it is imported,
and `init_app` binds each to the app's queue: the worker runs a task in a request context of
its own app (links in documents need BASE_URL's host) and removes the session afterwards.
"""

import functools
import gc
import logging
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app, session
from flask.cli import AppGroup
from flask_login import login_user
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from sqlalchemy.orm import configure_mappers

from partnerships.core.commands import office_day, today_option
from partnerships.core.formatting import office_today
from partnerships.extensions import db

log = logging.getLogger("partnerships.jobs")

TASKS: dict[str, Callable[..., Any]] = {}
DAILY: list[tuple[int, Callable[[date], Any]]] = []
PRELOADS: list[Callable[[], None]] = []
WARMUPS: list[Callable[[], None]] = []
RECOVERIES: list[Callable[[], None]] = []


def _key(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__name__}"


def task(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Declare `fn` a background task (its arguments must pickle: ids and strings, not rows);
    call it through `enqueue(fn, ...)`."""
    TASKS[_key(fn)] = fn
    return fn


def preload(fn: Callable[[], None]) -> Callable[[], None]:
    """Declare work the worker does once before it starts its worker processes (importing a
    heavy library), so that each forked process starts warm instead of paying for it again."""
    PRELOADS.append(fn)
    return fn


def warm(fn: Callable[[], None]) -> Callable[[], None]:
    """Declare work each worker does once when it starts, before it takes a task, inside the
    app (laying out a page: the fonts and templates that process's first task would load)."""
    WARMUPS.append(fn)
    return fn


def recover(fn: Callable[[], None]) -> Callable[[], None]:
    """Declare work a worker does when it starts, before it takes a task, inside the app: take
    over what a worker that died left unfinished. A queue hands a task over as the worker takes
    it, with no acknowledgement (huey's Redis and SQLite queues alike): a worker killed in the
    middle of a task (SIGKILL, the out-of-memory killer, a power cut) loses that task for good,
    and the work it belonged to would wait forever."""
    RECOVERIES.append(fn)
    return fn


def daily(order: int) -> Callable[[Callable[[date], Any]], Callable[[date], Any]]:
    """Declare `fn(day)`, work done once a day for the office's day: the scheduler runs every
    declared one at DAILY_AT (office time), lowest `order` first, as `flask jobs daily` does."""

    def declare(fn: Callable[[date], Any]) -> Callable[[date], Any]:
        DAILY.append((order, fn))
        return fn

    return declare


def run_daily(day: date) -> list[str]:
    """Every declared daily work for `day`, in order; one that fails is logged and the others
    still run. The names of those that failed."""
    failed = []
    for _order, fn in sorted(DAILY, key=lambda entry: entry[0]):
        try:
            fn(day)
        except Exception:
            log.exception("daily %s failed", _key(fn))
            db.session.rollback()
            failed.append(_key(fn))
    return failed


def daily_at(app: Flask) -> tuple[int, int]:
    """DAILY_AT ("HH:MM", the office's time) as (hour, minute)."""
    try:
        hour, minute = (int(part) for part in app.config["DAILY_AT"].split(":"))
        if 0 <= hour < 24 and 0 <= minute < 60:
            return hour, minute
    except ValueError:
        pass
    raise RuntimeError(f"DAILY_AT {app.config['DAILY_AT']!r}: the office's time as HH:MM")


def make_huey(app: Flask) -> Huey:
    url = (app.config.get("JOBS_URL") or "").strip()
    name = app.config.get("JOBS_NAME") or "partnerships"
    # Nobody reads a task's return value: progress lives in the database.
    options = {"results": False, "utc": True}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, **options)
    if url == "memory://":
        return MemoryHuey(name, **options)
    if url and not url.startswith("sqlite:///"):
        raise RuntimeError(
            f"JOBS_URL {url!r}: leave it empty, or use sqlite:////path, redis://host:port/db"
        )
    path = Path(url.removeprefix("sqlite:///")) if url else Path(app.instance_path) / "jobs.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), **options)


def init_app(app: Flask) -> None:
    """Give the app its queue with every declared task bound to it, and the worker command."""
    huey = make_huey(app)
    bound = {key: huey.task(name=fn.__name__)(_in_app(app, fn)) for key, fn in TASKS.items()}

    parent = os.getpid()

    @huey.on_startup()
    def _own_connections() -> None:
        # A worker process forked from the consumer must not share the parent's connections.
        if os.getpid() != parent:
            with app.app_context():
                db.engine.dispose(close=False)

    @huey.on_startup()
    def _warm() -> None:
        with app.test_request_context(base_url=app.config["BASE_URL"]):
            for fn in WARMUPS:
                try:
                    fn()
                except Exception:  # a warm-up only saves time: the worker starts regardless
                    log.exception("warm-up %s failed", _key(fn))
                    db.session.rollback()
            db.session.remove()
        # What the warm-up loaded stays for the process's life: frozen, the collector stops
        # walking it, and rarer young collections suit a renderer that makes many short-lived
        # objects (a letter about a tenth faster, alone and side by side).
        gc.freeze()
        gc.set_threshold(20_000, 20, 20)

    at, zone = daily_at(app), ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])

    def _due(moment: datetime) -> bool:
        # huey asks every minute, with the time in UTC (utc=True) and without a zone
        local = moment.replace(tzinfo=UTC).astimezone(zone)
        return (local.hour, local.minute) == at

    @huey.periodic_task(_due, name="daily")
    def _daily() -> None:
        with app.test_request_context(base_url=app.config["BASE_URL"]):
            try:
                run_daily(office_today())
            finally:
                db.session.remove()

    app.extensions["jobs"] = {"huey": huey, "tasks": bound, "daily": _daily}
    if "jobs" not in app.cli.commands:
        app.cli.add_command(jobs_cli)


def _in_app(app: Flask, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args, **kwargs):
        # A request context, not just the app's: url_for(_external=True) (the QR on a sealed
        # document) needs a host outside any request, and BASE_URL is the one users reach.
        with app.test_request_context(base_url=app.config["BASE_URL"]):
            try:
                return fn(*args, **kwargs)
            except Exception:
                log.exception("job %s failed", _key(fn))
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    return run


def huey() -> Huey:
    return current_app.extensions["jobs"]["huey"]


def enqueue(fn: Callable[..., Any], *args: Any) -> None:
    """Queue `fn(*args)` for the worker; call after committing what the task will read."""
    current_app.extensions["jobs"]["tasks"][_key(fn)](*args)


def act_for(user, lang: str | None = None) -> None:
    """Inside a task: act as the user who asked (the audit trail names them) in their language."""
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    if user is not None:
        login_user(user)


jobs_cli = AppGroup("jobs", help="Background jobs (bulk letters).")


@jobs_cli.command("worker")
@click.option("--workers", default=1, show_default=True, help="Jobs run at the same time.")
@click.option(
    "--worker-type",
    type=click.Choice(["process", "thread"]),
    default="process",
    show_default=True,
    help="Processes render in parallel on several cores; threads share one.",
)
def worker_command(workers: int, worker_type: str) -> None:
    """Run the consumer: take jobs from the queue (JOBS_URL) until stopped (Ctrl-C, SIGTERM)."""
    _consume(workers, worker_type, periodic=False)


@jobs_cli.command("scheduler")
def scheduler_command() -> None:
    """Queue the daily work at DAILY_AT, office time (one scheduler per installation; the
    workers run it), and run jobs with one worker process besides, until stopped."""
    _consume(1, "process", periodic=True)


@jobs_cli.command("daily")
@today_option
def daily_command(today) -> None:
    """Run the daily work now, in order (what the scheduler queues at DAILY_AT): expire and
    notify agreements, checkpoint the audit trail, refresh commitments, remind follow-ups."""
    failed = run_daily(office_day(today))
    for name in failed:
        click.echo(f"{name} failed (see the log)", err=True)
    if failed:
        raise SystemExit(1)


def _consume(workers: int, worker_type: str, *, periodic: bool) -> None:
    queue = huey()
    if isinstance(queue, MemoryHuey):
        raise click.UsageError("JOBS_URL=memory:// is a queue inside one process: no worker")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # a line per rendering step
    for load in PRELOADS:
        load()
    # Mappers configured once here, not in each forked worker on its first query.
    configure_mappers()
    if not periodic:  # workers take over what a dead worker left; the scheduler writes nothing
        _recover(current_app._get_current_object())
    # An idle SQLite queue is polled. A tenth of a second at most between polls (one indexed
    # SELECT each) keeps a new job, and each letter a job fans out, from waiting on a sleeping
    # worker: at a second, two workers wrote bulk letters only 1.7x as fast as one.
    queue.create_consumer(
        workers=workers, worker_type=worker_type, max_delay=0.1, periodic=periodic
    ).run()


def _recover(app: Flask) -> None:
    """Every declared recovery, before the consumer takes a task; one that fails is logged and
    the worker starts regardless (the next start tries again)."""
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        for fn in RECOVERIES:
            try:
                fn()
            except Exception:
                log.exception("recovery %s failed", _key(fn))
                db.session.rollback()
        db.session.remove()
