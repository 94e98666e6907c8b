"""The installation laid out over several machines (README, "More than one machine"): two web
servers (gunicorn), each with an instance folder of its own, one jobs worker, one database
(the suite's: SQLite here, PostgreSQL under DATABASE_URL) and Redis on loopback for the job
queue and the rate limits. Nothing a person does depends on which server answers:

- a manager asks server 1 for the month's letters; the job is queued in Redis and runs on the
  worker (neither server runs jobs); server 2 follows it to the end and serves the zip the
  worker made, byte for byte what server 1 serves;
- logins count across both servers: the limit reached with attempts spread over the two
  refuses the next one on either.
"""

import io
import time
import zipfile

from config import TestConfig
from tests.helpers import add_city_head, forget_demo_letters
from tests.servers import REDIS, AppServer, JobWorker, OverHttp
from tests.web import browser, follow, log_in, signed_in, submit


def settings(app, cert_dir, folder, prefix: str) -> dict[str, str]:
    return {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "DOCUMENT_STORE_DIR": str(folder / "shared-store"),
        "DOCUMENT_CERT_DIR": str(cert_dir),
        "DOCUMENT_CERT_PASSPHRASE": TestConfig.DOCUMENT_CERT_PASSPHRASE,
        "JOBS_URL": f"{REDIS}/3",
        "JOBS_NAME": prefix,
        "RATELIMIT_STORAGE_URI": f"{REDIS}/4",
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT": "5 per minute",
        "SECRET_KEY": "layout-drill-test-key",
        "AUDIT_ANCHOR_KEY": TestConfig.AUDIT_ANCHOR_KEY,
        "AUDIT_ANCHOR_FILE": str(folder / "anchors.jsonl"),
        "SESSION_COOKIE_SECURE": "0",  # plain HTTP on loopback
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": "1",
    }


def finished(web, status_url: str, timeout: float = 120) -> dict:
    """Poll the job's JSON, as its page does, until the job is finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = web.get(status_url).json
        if status["finished"]:
            return status
        time.sleep(0.2)
    raise AssertionError(f"the job did not finish: {status}")


def test_two_web_servers_one_worker_on_redis(app, cert_dir, tmp_path, redis_prefix):
    forget_demo_letters(app)
    add_city_head(app)
    shared = settings(app, cert_dir, tmp_path, redis_prefix)
    servers = [AppServer(name, tmp_path, shared) for name in ("1", "2")]
    worker = JobWorker("worker", tmp_path, shared)
    processes = [*servers, worker]
    try:
        for process in processes:
            process.start()
        first, second = (OverHttp(server.url()) for server in servers)

        # Server 1: the manager asks for June 2017's letters of the Denpasar branch.
        manager = signed_in(first, "manager")
        page = manager.get("/letters/bulk")
        response = submit(page, action="/letters/bulk", period="2017-06")
        assert response.status_int == 302, response.text[:2000]
        job_path = follow(response).request.path
        status_url = follow(response).html.select_one("[data-job-status]")["data-job-status"]

        # Server 2 (the same manager's session cookie is good there): the job, run by the
        # worker, followed to its end, and its zip.
        on_second = browser(second)
        on_second.cookiejar = manager.cookiejar
        status = finished(on_second, status_url)
        assert (status["status"], status["done"], status["total"]) == ("done", 2, 2), status
        link = on_second.get(job_path).html.select_one("a[href$='/archive']")["href"]
        archive = on_second.get(link)
        assert archive.content_type == "application/zip"
        with zipfile.ZipFile(io.BytesIO(archive.body)) as zipped:
            assert sorted(zipped.namelist()) == [
                "surat-perkembangan-2017-06-kelurahan-sesetan.pdf",
                "surat-perkembangan-2017-06-pemerintah-kota-denpasar.pdf",
            ]
        assert manager.get(link).body == archive.body  # server 1 serves the same bytes

        # Logins: the manager's on server 1, then two failed on each server reach the limit
        # (5 a minute from one address) for both: even the right password waits now.
        for server in (first, second, first, second):
            assert log_in(browser(server), "staff", "wrong-password").status_int == 200
        for server in (first, second):
            assert log_in(browser(server), "staff").status_int == 429
    finally:
        for process in processes:
            process.stop()
        for process in processes:
            process.wait()
    worker_log = worker.log.read_text(errors="replace")
    assert "bulk.write" in worker_log, worker_log[-3000:]  # the worker wrote the letters
    for server in servers:  # and no server ran a job
        assert "bulk.write" not in server.log.read_text(errors="replace")
