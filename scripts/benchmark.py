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
from partnerships.core.models import utcnow
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
        agreements_at_scale()
        db.session.remove()
        db.engine.dispose()


def _bulk_agreements(count: int, start: int) -> None:
    """Insert agreements straight into the tables (no audit, no versions): this measures the
    list and search queries, not the drafting path."""
    from sqlalchemy import insert, text

    from partnerships.agreements.models import Agreement, AgreementParty
    from partnerships.agreements.search import FTS_TABLE
    from partnerships.organisations.models import Office, Partner

    office = db.session.scalar(select(Office.id).limit(1))
    partners = db.session.scalars(select(Partner.id)).all()
    words = ["pekerja", "rentan", "desa", "nelayan", "petani", "konstruksi", "ojek", "pasar"]
    rows, parties = [], []
    for i in range(start, start + count):
        title = f"Perjanjian Kerja Sama {i} {words[i % 8]} {words[(i * 7) % 8]}"
        rows.append(
            {
                "id": i,
                "kind": "pks",
                "title": title,
                "subject": f"Perlindungan {words[i % 8]}",
                "programs": ["JKK", "JKM"],
                "funding": "apbd",
                "place": "Denpasar",
                "office_id": office,
                "status": "active",
                "search_text": title,
                "lock_version": 1,
                "is_deleted": False,
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
        )
        parties.append(
            {
                "agreement_id": i,
                "position": 1,
                "office_id": office,
                "partner_id": None,
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
        )
        parties.append(
            {
                "agreement_id": i,
                "position": 2,
                "office_id": None,
                "partner_id": partners[i % len(partners)],
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
        )
    db.session.execute(insert(Agreement.__table__), rows)
    db.session.execute(insert(AgreementParty.__table__), parties)
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            text(f"INSERT INTO {FTS_TABLE} (rowid, search_text) VALUES (:id, :body)"),  # noqa: S608
            [{"id": r["id"], "body": r["search_text"]} for r in rows],
        )
    db.session.commit()


def agreements_at_scale() -> None:
    """The agreement list and full-text search at 1,000 and at 30,000 agreements."""
    from partnerships.agreements import search
    from partnerships.agreements.models import Agreement

    def measure():
        columns, _ = search.SORTS["newest"]
        stmt = search.with_parties(select(Agreement))
        first, _ = timed(lambda: keyset_page(stmt, columns, None, descending=True), repeat=10)
        found, _ = timed(
            lambda: keyset_page(
                search.with_parties(search.matching(select(Agreement), "nelayan petani")),
                columns,
                None,
                descending=True,
            ),
            repeat=10,
        )
        return first, found

    from partnerships.demo.services import load_demo

    with acting_as("benchmark"):
        load_demo()
        db.session.commit()
    _bulk_agreements(1_000, 100_000)
    small_list, small_search = measure()
    _bulk_agreements(29_000, 200_000)
    big_list, big_search = measure()
    print(f"agreement list page at 30,000 vs 1,000 agreements: {big_list / small_list:.2f}x")
    print(
        f"full-text search at 30,000 vs 1,000 agreements: {big_search / small_search:.2f}x "
        f"({big_search * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
