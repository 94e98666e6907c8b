"""The national benchmark (`python scripts/benchmark.py pages`) on one province, so the command
cannot rot between the runs that measure the whole country: it builds its database, generates,
reads every page as the admin and the partner, loads gunicorn over HTTP (also while a jobs
worker writes bulk letters), and writes its report as JSON and Markdown. Times are not judged
here (the machine is shared); what the report must hold is."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES
from tests.servers import ROOT


# The smoke run builds its own SQLite file whatever DATABASE_URL says (it measures the
# embedded install a reader can repeat), so the PostgreSQL run would repeat the SQLite run's.
@pytest.mark.skipif(ON_POSTGRES, reason="the same SQLite run as the SQLite suite's")
def test_the_pages_benchmark_runs_on_a_province_and_writes_its_report(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # its own SQLite file
    command = [sys.executable, "scripts/benchmark.py", "pages", "--provinces", "1",
               "--repeat", "1", "--requests", "10", "--out", str(tmp_path)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)  # noqa: S603
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "pages.json").read_text())
    assert report["scale"]["agreements"] == 3 * report["scale"]["partners"]
    for name, page in report["pages"].items():
        assert page["median_ms"] > 0 and page["statements"] > 0, name
    assert report["dashboard"]["live_ms"] > 0 and report["dashboard"]["fresh_ms"] > 0
    http = report["http"]
    assert http["requests"] == 40 and http["p95_ms"] >= http["p50_ms"] > 0
    assert len(http["worker_resident_mb"]) == 2
    busy = http["during_bulk_letters"]  # the same load while the worker wrote an office's letters
    assert busy["requests"] == 40 and busy["letters"] > 0
    markdown = (tmp_path / "pages.md").read_text()
    assert all(f"| {name} |" in markdown for name in report["pages"])
