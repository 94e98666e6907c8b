"""Speed and memory goals, measured as ratios within one run (this machine is noisy).

- Region import: all 91,599 regions into a fresh SQLite database (goal: under 30 s), and the
  re-import (idempotent upsert).
- Keyset pagination: the cost of a page deep in the region list relative to the first page
  (goal: about 1x; OFFSET would grow with depth).
- Audit verification: entries verified per second.

Run: `make benchmark` (SQLite) or with DATABASE_URL for PostgreSQL.
"""

import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestConfig, database_url
from partnerships import create_app
from partnerships.audit.services import acting_as, record_event, verify
from partnerships.core.pagination import keyset_page
from partnerships.extensions import db
from partnerships.regions.models import Region
from partnerships.regions.services import import_regions


def timed(fn, repeat: int = 1):
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    url = os.environ.get("DATABASE_URL")
    tmp = tempfile.mkdtemp()
    uri = database_url(url) if url else f"sqlite:///{tmp}/bench.db"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=uri, PAGE_SIZE=25)
    with app.app_context(), app.test_request_context():
        upgrade()
        tracemalloc.start()
        first_import, result = timed(lambda: (import_regions(), db.session.commit())[0])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        again, _ = timed(lambda: (import_regions(), db.session.commit())[0])
        print(
            f"region import: {result.total} regions in {first_import:.2f}s "
            f"(goal < 30 s), peak Python memory {peak / 2**20:.0f} MiB"
        )
        print(f"re-import (idempotent): {again:.2f}s, ratio {again / first_import:.2f}x")

        cols = [(Region.code, lambda r: r.code)]
        stmt = select(Region)
        first, _ = timed(lambda: keyset_page(stmt, cols, None), repeat=20)
        deep_code = db.session.scalar(select(Region.code).order_by(Region.code).offset(90_000))
        from partnerships.core.pagination import encode_cursor

        cursor = encode_cursor([deep_code])
        deep, _ = timed(lambda: keyset_page(stmt, cols, cursor), repeat=20)
        offset, _ = timed(
            lambda: list(db.session.scalars(stmt.order_by(Region.code).offset(90_000).limit(26))),
            repeat=20,
        )
        print(
            f"keyset page at row 90,000 vs first page: {deep / first:.2f}x "
            f"(OFFSET 90,000 for comparison: {offset / first:.2f}x)"
        )

        with acting_as("benchmark"):
            for i in range(5000):
                record_event("benchmark", "Benchmark", str(i), {"i": i})
            db.session.commit()
        took, check = timed(verify)
        print(
            f"audit verify: {check.checked} entries in {took:.2f}s "
            f"({check.checked / took:,.0f} entries/s), intact={check.ok}"
        )
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
