"""Production processes for the tests that run the app as it is deployed: gunicorn app
servers (each with an instance folder of its own), driven over HTTP by WebTest, and
`flask jobs worker` consumers. They run on the suite's clock (the office's day): see
tests/office_clock.py."""

import http.client
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import redis
import time_machine

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379"
REDIS_DATABASES = (3, 4)  # the tests' queues and rate limits; the app's defaults use others


@pytest.fixture
def redis_prefix():
    """A name of the test's own for its keys in Redis (a JOBS_NAME, a RATELIMIT_KEY_PREFIX):
    every key holding it is removed afterwards. Without Redis the test fails in CI (where
    Redis runs) and is skipped elsewhere."""
    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.ConnectionError:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("no Redis at 127.0.0.1:6379")
    finally:
        client.close()
    name = f"partnerships-test-{uuid.uuid4().hex[:12]}"
    yield name
    for number in REDIS_DATABASES:
        keys = redis.Redis.from_url(f"{REDIS}/{number}")
        for key in keys.scan_iter(f"*{name}*"):
            keys.delete(key)
        keys.close()


LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
START_SECONDS = 60  # a cold machine imports the app slowly; a warm one starts in about 2 s
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


class ProductionProcess:
    """A process of the installation (an app server, a jobs worker) as production runs it:
    production settings, an instance folder of its own, its output in a log file, and its
    own process group, which stop() and wait() end and nothing else."""

    def __init__(self, name: str, folder: Path, settings: dict[str, str]):
        self.name = name
        self.instance = folder / f"instance-{name}"
        self.log = folder / f"{name}.log"
        self.settings = settings
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
            **self.settings,
            "PARTNERSHIPS_ENV": "production",
            "PARTNERSHIPS_INSTANCE_PATH": str(self.instance),
            "PYTHONPATH": str(ROOT),
        }
        # the suite's clock: moved to the office's day by as much as the suite's is
        offset = time.time() - time_machine.escape_hatch.time.time()
        command = [sys.executable, "-m", "tests.office_clock", repr(offset)]
        with self.log.open("ab") as log:  # a restart's output follows the last one's
            self.process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
                command + self.command(),
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        """SIGINT: gunicorn's quick shutdown (no request is in flight any more), huey's
        graceful one (the task in hand finishes)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def kill(self) -> None:
        """SIGKILL to the whole group (gunicorn's master and worker, the consumer and its
        worker processes): a crash or a power cut, with no chance to clean up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group started above, by its id
            self.process.wait(timeout=10)

    def wait(self) -> None:
        """Wait for the stop; a process that hangs is killed with its children (its group)."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group started above, by its id
            self.process.wait(timeout=10)


class JobWorker(ProductionProcess):
    """`flask jobs worker`, one worker process, on the queue JOBS_URL names."""

    def command(self) -> list[str]:
        return ["flask", "--app", "wsgi", "jobs", "worker", "--workers", "1"]


class AppServer(ProductionProcess):
    """One production app server process (gunicorn, one worker) on a free loopback port."""

    def __init__(self, name: str, folder: Path, settings: dict[str, str]):
        super().__init__(f"server-{name}", folder, settings)
        self.instance = folder / f"instance-{name}"
        self.port: int | None = None
        self._log_from = 0  # where this start's output begins in the log

    def start(self) -> None:
        self.port = None  # a restarted server listens on another free port
        self._log_from = self.log.stat().st_size if self.log.exists() else 0
        super().start()

    def command(self) -> list[str]:
        return ["--bind=127.0.0.1:0", "--workers=1", "--threads=2", "--timeout=60", "wsgi:app"]

    def url(self) -> str:
        """The server's address once it answers the login page."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server {self.name} exited:\n{self.log.read_text()}")
            output = self.log.read_bytes()[self._log_from :].decode(errors="replace")
            if self.port is None and (found := LISTENING.search(output)):
                self.port = int(found.group(1))
            if self.port is not None and _answers(self.port):
                return f"http://127.0.0.1:{self.port}"
            time.sleep(0.1)
        pytest.fail(f"server {self.name} did not start:\n{self.log.read_text()}")


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/login")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


class OverHttp:
    """A WSGI app that hands every request WebTest makes to a real server over HTTP, so the
    usual helpers (forms as rendered, cookies, redirects) drive a server process."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port

    def __call__(self, environ, start_response):
        path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_") and key != "HTTP_HOST"
        }
        headers["Host"] = f"{self.host}:{self.port}"
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        if length:
            headers["Content-Length"] = str(length)
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(environ["REQUEST_METHOD"], path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        start_response(
            f"{response.status} {response.reason}",
            [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP],
        )
        return [data]
