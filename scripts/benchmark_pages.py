"""Pages at national scale (issue 11, item 2), every figure a ratio measured in one run, written
as Markdown and JSON (`python scripts/benchmark.py pages [--provinces N] [--out DIR]`).

1. A fresh database (SQLite file, or DATABASE_URL: a database of its own, it is filled) with
   the regions and the demo: each page's median time, as the demo's admin or partner user,
   and the SQL statements it runs.
2. `flask demo national` into the same database (all of it, or --provinces for a smoke run):
   the same pages again. Ratios: page vs a trivial logged-in page (goal median <= 3x), national
   vs demo scale (<= 1.5x), the agreement list's last page vs its first (<= 1.5x), the region
   search by name vs the trivial page (<= 3x); statement counts that do not grow.
3. The dashboard rendered afresh from its facts against the same figures computed live (goal
   >= 10x faster).
4. HTTP under load: gunicorn with 2 workers on loopback, 4 clients sending a bounded number of
   requests over the main pages: requests per second and p95, again while a jobs worker writes
   an office's bulk letters; then each web worker's resident memory (goal <= 250 MB).
"""

import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import requests
from flask_migrate import upgrade
from sqlalchemy import event, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import TestConfig, database_url  # noqa: E402
from partnerships import create_app  # noqa: E402
from partnerships.audit.services import acting_as  # noqa: E402
from partnerships.core import mail  # noqa: E402
from partnerships.core.pagination import encode_cursor  # noqa: E402
from partnerships.demo import national  # noqa: E402
from partnerships.demo.services import DEMO_PASSWORD, load_demo  # noqa: E402
from partnerships.documents import certificates  # noqa: E402
from partnerships.extensions import db  # noqa: E402
from partnerships.regions.services import import_regions  # noqa: E402

TODAY = date(2026, 11, 30)  # the day the data is generated for and the pages are read on
TRIVIAL = "/account/password"  # a logged-in page that reads nothing but the user
ADMIN, PARTNER = "admin@kemitraan.test", "mitra.denpasar@kemitraan.test"
PAGES = {  # name: (who, url); {last} is the agreement list's last page
    "agreement list": (ADMIN, "/agreements"),
    "agreement list, last page": (ADMIN, "/agreements?after={last}"),
    "agreement search": (ADMIN, "/agreements?q=nelayan"),
    "agreement filter": (ADMIN, "/agreements?status=expired"),
    "agreement detail": (ADMIN, "/agreements/{agreement}"),
    "commitment list": (ADMIN, "/commitments"),
    "commitment detail": (ADMIN, "/commitments/{commitment}"),
    "event list": (ADMIN, "/events"),
    "partner list": (ADMIN, "/partners"),
    "audit trail": (ADMIN, "/audit"),
    "dashboard": (ADMIN, "/"),
    "region search by name": (ADMIN, "/regions?q=denpasar"),
    "portal: dashboard": (PARTNER, "/"),
    "portal: commitments": (PARTNER, "/commitments"),
    "portal: agreements": (PARTNER, "/agreements"),
}
HTTP_PAGES = ["/", "/agreements", "/commitments", "/events", "/partners", "/agreements?q=nelayan"]
CLIENTS, REQUESTS_PER_CLIENT = 4, 40  # --requests changes the second


def _value(page: str, name: str) -> str:
    """A form field's value on the page as served (the CSRF token, the proposed month)."""
    return re.search(rf'name="{name}"[^>]*value="([^"]+)"', page).group(1)


def _login_form(page: str, email: str) -> dict[str, str]:
    """The login form as a person fills it in, from the login page as served."""
    return {"email": email, "password": DEMO_PASSWORD, "csrf_token": _value(page, "csrf_token")}


def _client(app, email: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    done = client.post("/login", data=_login_form(page, email))
    assert done.status_code == 302, f"login as {email} failed"
    return client


def _ids(app) -> dict[str, str]:
    """The ids the page URLs name: the newest agreement and commitment, the list's last page."""
    from partnerships.agreements.models import Agreement
    from partnerships.commitments.models import Commitment

    with app.app_context():
        ids = list(db.session.scalars(select(Agreement.id).order_by(Agreement.id).limit(26)))
        return {
            "last": encode_cursor([ids[-1]]),  # the 25 oldest follow it: the last page
            "agreement": str(db.session.scalar(select(Agreement.id).order_by(Agreement.id.desc()))),
            "commitment": str(
                db.session.scalar(select(Commitment.id).order_by(Commitment.id.desc()))
            ),
        }


def _app(uri: str, instance: Path):
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=uri, PAGE_SIZE=25,
                      RATELIMIT_ENABLED=False, DOCUMENT_CERT_DIR=str(instance / "certs"),
                      AUDIT_ANCHOR_FILE=str(instance / "anchors.jsonl"))  # fmt: skip


def _measure_apart(uri: str, instance: Path, repeat: int) -> dict[str, dict]:
    """_measure in a process of its own, as a web worker serves pages: not the process that
    has just generated a million rows (whatever that left on its heap is no web worker's)."""
    command = [sys.executable, __file__, "measure", str(instance), str(repeat)]
    env = {**os.environ, "BENCHMARK_DATABASE": uri}  # not on the command line (a password)
    done = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.splitlines()[-1])


def _measure(app, repeat: int) -> dict[str, dict]:
    """Each page's median time and its SQL statements. Per page a warm-up visit and a visit
    counting its statements, then `repeat` rounds over every page in turn: the machine's drift
    during the run falls on all pages alike, the trivial one included."""
    clients = {who: _client(app, who) for who in (ADMIN, PARTNER)}
    ids = _ids(app)
    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    listener = lambda *_args: seen.append("")  # noqa: E731
    every = {"trivial page": (ADMIN, TRIVIAL), **PAGES}
    pages = {name: (clients[who], url.format(**ids)) for name, (who, url) in every.items()}
    results = {}
    for name, (client, url) in pages.items():
        assert client.get(url).status_code == 200, url
        event.listen(engine, "before_cursor_execute", listener)
        seen.clear()
        client.get(url)
        event.remove(engine, "before_cursor_execute", listener)
        results[name] = {"url": url, "statements": len(seen), "times": []}
    for _ in range(repeat):
        for name, (client, url) in pages.items():
            start = time.perf_counter()
            response = client.get(url)
            results[name]["times"].append(time.perf_counter() - start)
            assert response.status_code == 200, url
    for result in results.values():
        result["median_ms"] = statistics.median(result.pop("times")) * 1000
    return results


def _generate(app, provinces: int | None) -> dict[str, int]:
    scale = national.NATIONAL
    if provinces is not None:  # the smoke run: a few provinces, few villages and letters
        scale = national.scale_of(provinces, villages_per_regency=4, letters=2)
    with app.app_context(), app.test_request_context(), acting_as("benchmark"), mail.quiet():
        started = time.perf_counter()
        counts = national.generate(TODAY, 2025, scale)
        counts.rows["seconds"] = round(time.perf_counter() - started)
        db.session.remove()
    return counts.rows


def _http_load(uri: str, instance: Path, office_id: int) -> dict:
    """gunicorn, 2 workers, on the database; CLIENTS threads each sending REQUESTS_PER_CLIENT
    requests over HTTP_PAGES as the admin; again while a jobs worker writes an office's bulk
    progress letters; then the web workers' resident memory."""
    env = {**os.environ, "PARTNERSHIPS_ENV": "production", "DATABASE_URL": uri,
           "PARTNERSHIPS_INSTANCE_PATH": str(instance), "SECRET_KEY": "benchmark-only",
           "SESSION_COOKIE_SECURE": "0", "RATELIMIT_ENABLED": "0",
           "DOCUMENT_CERT_DIR": str(instance / "certs"),
           "AUDIT_ANCHOR_KEY": TestConfig.AUDIT_ANCHOR_KEY,
           "AUDIT_ANCHOR_FILE": str(instance / "anchors.jsonl"),
           "DOCUMENT_CERT_PASSPHRASE": TestConfig.DOCUMENT_CERT_PASSPHRASE}  # fmt: skip
    log = instance / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind=127.0.0.1:0", "--workers=2",
             "--timeout=120", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    worker = None
    try:
        base = _listening(server, log)
        sessions = [_http_login(base) for _ in range(CLIENTS)]
        for session in sessions:  # warm both workers
            for page in HTTP_PAGES:
                session.get(base + page)
        quiet = _load(base, sessions)
        with (instance / "worker.log").open("wb") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker",
                 "--workers", "1"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        status = base + _bulk_letters(base, sessions[0], office_id)
        _running(sessions[0], status)  # the worker has started and writes the letters
        busy = _load(base, sessions)
        busy["job_still_running_after"] = not sessions[0].get(status).json()["finished"]
        job = _finished(sessions[0], status)
        workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        memory = [_resident_mb(int(pid)) for pid in workers]
    finally:
        for process in (server, worker):
            if process is not None:
                os.killpg(process.pid, signal.SIGINT)
        for process in (server, worker):
            if process is not None:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
    return {**quiet, "during_bulk_letters": {**busy, "letters": job["total"]},
            "worker_resident_mb": memory}  # fmt: skip


def _load(base: str, sessions: list) -> dict:
    """Each session in a thread of its own, REQUESTS_PER_CLIENT requests over HTTP_PAGES."""
    latencies: list[float] = []
    failures: list[str] = []  # a thread's assert would end that thread alone, silently
    lock = threading.Lock()

    def client(session, offset: int) -> None:
        for n in range(REQUESTS_PER_CLIENT):
            page = HTTP_PAGES[(n + offset) % len(HTTP_PAGES)]
            start = time.perf_counter()
            response = session.get(base + page)
            took = time.perf_counter() - start
            with lock:
                latencies.append(took)
                if response.status_code != 200:
                    failures.append(f"{page}: {response.status_code}")

    threads = [threading.Thread(target=client, args=(s, i)) for i, s in enumerate(sessions)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures or len(latencies) != CLIENTS * REQUESTS_PER_CLIENT:
        raise RuntimeError(f"{len(failures)} requests failed: {failures[:5]}")
    latencies.sort()
    return {
        "requests": len(latencies),
        "requests_per_second": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def _bulk_letters(base: str, session: requests.Session, office_id: int) -> str:
    """Ask for the office's letters of the month the form proposes; the job's status URL."""
    page = session.get(base + "/letters/bulk").text
    form = {
        "csrf_token": _value(page, "csrf_token"),
        "office_id": office_id,
        "period": _value(page, "period"),
        "start": "1",
    }
    done = session.post(base + "/letters/bulk", data=form, allow_redirects=True)
    assert done.status_code == 200, done.status_code
    return re.search(r'data-job-status="([^"]+)"', done.text).group(1)


def _running(session: requests.Session, url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = session.get(url).json()
        if status["status"] == "running" or status["finished"]:
            return
        time.sleep(0.1)
    raise RuntimeError(f"the worker did not start the bulk letters: {status}")


def _finished(session: requests.Session, url: str, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = session.get(url).json()
        if status["finished"]:
            assert status["status"] == "done", status
            return status
        time.sleep(0.5)
    raise RuntimeError(f"the bulk letters did not finish: {status}")


def _listening(server, log: Path) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text())
        if found:
            try:
                requests.get(found.group(1) + "/login", timeout=60)  # a cold worker is slow
                return found.group(1)
            except requests.RequestException:
                pass
        if server.poll() is not None:
            raise RuntimeError(log.read_text())
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")


def _http_login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login").text
    done = session.post(base + "/login", data=_login_form(page, ADMIN), allow_redirects=False)
    assert done.status_code == 302, done.status_code
    return session


def _resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(
    provinces: int | None = None, out: Path | None = None, repeat: int = 15, per_client: int = 40
) -> dict:
    global REQUESTS_PER_CLIENT  # one setting for the whole run
    REQUESTS_PER_CLIENT = per_client
    tmp = Path(tempfile.mkdtemp())
    url = os.environ.get("DATABASE_URL")
    uri = database_url(url) if url else f"sqlite:///{tmp}/pages.db"
    instance = tmp / "instance"
    instance.mkdir()
    app = _app(uri, instance)
    with app.app_context(), acting_as("benchmark"), mail.quiet():
        upgrade()
        import_regions()
        load_demo()
        certificates.demo_ca()
        db.session.commit()
    demo = _measure_apart(uri, instance, repeat)
    generated = _generate(app, provinces)
    scaled = _measure_apart(uri, instance, repeat)
    dashboard = _dashboard(app)
    http = _http_load(uri, instance, _busiest_office(app))
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)  # a national database is 1.5 GB
    trivial = scaled["trivial page"]["median_ms"]
    pages = {}
    for name in PAGES:
        pages[name] = {
            "median_ms": scaled[name]["median_ms"],
            "vs_trivial": scaled[name]["median_ms"] / trivial,
            "vs_demo": scaled[name]["median_ms"] / demo[name]["median_ms"],
            "statements_demo": demo[name]["statements"],
            "statements": scaled[name]["statements"],
        }
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {_kind(uri)}",
        "scale": generated,
        "trivial_ms": trivial,
        "pages": pages,
        "median_vs_trivial": statistics.median(p["vs_trivial"] for p in pages.values()),
        "last_vs_first": scaled["agreement list, last page"]["median_ms"]
        / scaled["agreement list"]["median_ms"],
        "dashboard": dashboard,
        "http": http,
    }
    _write(report, out or ROOT / "benchmark-results")
    return report


def _dashboard(app) -> dict:
    """The country's dashboard rendered afresh from the facts (as right after a change) against
    the same figures computed live from every commitment and figure; a Kanwil's; the country's
    scorecard."""
    from partnerships.dashboard import cache, facts, services
    from partnerships.organisations.models import Office

    admin = _client(app, ADMIN)
    with app.app_context():
        kanwil = db.session.scalar(select(Office.id).where(Office.code == "KWN01"))

    def median_ms(url: str, fresh: bool = False, repeat: int = 5) -> float:
        times = []
        for _ in range(repeat):
            if fresh:
                cache.clear()
            start = time.perf_counter()
            assert admin.get(url).status_code == 200, url
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    fresh = median_ms("/", fresh=True)
    with app.app_context():
        start = time.perf_counter()
        services.aggregate(facts.live_rows(None))
        live = (time.perf_counter() - start) * 1000
        db.session.remove()
    return {
        "fresh_ms": fresh,
        "live_ms": live,
        "live_vs_fresh": live / fresh,
        "kanwil_ms": median_ms(f"/?office={kanwil}"),
        "scorecard_ms": median_ms("/scorecard"),
    }


def _busiest_office(app) -> int:
    """The generated branch with the most partners (the most letters to write)."""
    from sqlalchemy import func

    from partnerships.organisations.models import Partner

    with app.app_context():
        return db.session.scalar(
            select(Partner.office_id)
            .group_by(Partner.office_id)
            .order_by(func.count().desc(), Partner.office_id)
            .limit(1)
        )


def _kind(uri: str) -> str:
    return "PostgreSQL" if uri.startswith("postgresql") else "SQLite"


def _write(report: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pages.json").write_text(json.dumps(report, indent=2))
    lines = [
        f"# Pages at national scale ({report['date']}, {report['machine']})",
        "",
        "Rows generated: " + ", ".join(f"{k} {v:,}" for k, v in report["scale"].items()),
        "",
        f"Trivial logged-in page: {report['trivial_ms']:.1f} ms. "
        f"Median page vs trivial: {report['median_vs_trivial']:.2f}x (goal <= 3x). "
        f"Last page vs first: {report['last_vs_first']:.2f}x (goal <= 1.5x).",
        "",
        "| Page | ms | vs trivial (<= 3x) | vs demo (<= 1.5x) | SQL statements (demo, national) |",
        "|---|---|---|---|---|",
    ]
    for name, page in report["pages"].items():
        lines.append(
            f"| {name} | {page['median_ms']:.1f} | {page['vs_trivial']:.2f}x | "
            f"{page['vs_demo']:.2f}x | {page['statements_demo']}, {page['statements']} |"
        )
    board = report["dashboard"]
    lines += [
        "",
        f"Dashboard, the country, rendered afresh from the facts: {board['fresh_ms']:.0f} ms; "
        f"the same figures computed live: {board['live_ms']:,.0f} ms, "
        f"{board['live_vs_fresh']:.0f}x (goal >= 10x). A Kanwil's dashboard "
        f"{board['kanwil_ms']:.0f} ms; the country's scorecard {board['scorecard_ms']:.0f} ms.",
    ]
    http = report["http"]
    lines += [
        "",
        f"HTTP, gunicorn 2 workers, {CLIENTS} clients, {http['requests']} requests: "
        f"{http['requests_per_second']:.1f} requests/s, p50 {http['p50_ms']:.0f} ms, "
        f"p95 {http['p95_ms']:.0f} ms; web workers' resident memory "
        + ", ".join(f"{mb:.0f} MB" for mb in http["worker_resident_mb"])
        + " (goal <= 250 MB).",
        f"While a jobs worker wrote {http['during_bulk_letters']['letters']} bulk letters: "
        f"{http['during_bulk_letters']['requests_per_second']:.1f} requests/s, "
        f"p95 {http['during_bulk_letters']['p95_ms']:.0f} ms"
        + (
            " (the job still running at the end)."
            if http["during_bulk_letters"]["job_still_running_after"]
            else " (the job finished before the load did)."
        ),
        "",
    ]
    (folder / "pages.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__" and sys.argv[1:2] == ["measure"]:  # _measure_apart's process
    app = _app(os.environ["BENCHMARK_DATABASE"], Path(sys.argv[2]))
    print(json.dumps(_measure(app, int(sys.argv[3]))))
