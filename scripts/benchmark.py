"""Speed and memory goals, measured as ratios within one run (this machine is noisy).

- Region import: all 91,599 regions into a fresh SQLite database (goal: under 30 s), and the
  re-import (idempotent upsert).
- Keyset pagination: the cost of a page deep in the region list relative to the first page
  (goal: about 1x; OFFSET would grow with depth).
- Audit verification: entries verified per second.
- Redline: the largest agreement the forms accept (100 articles of 20,000 characters) and the
  inputs that once took minutes (one repeated word, shuffled words), goal 200 ms each.

Run: `make benchmark` (SQLite) or with DATABASE_URL for PostgreSQL;
`python scripts/benchmark.py redline` runs the redline part alone (no database).
"""

import os
import random
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
    redline_bounded()
    if sys.argv[1:] == ["redline"]:
        return
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


def redline_bounded() -> None:
    """The compare page's redline (and the version list's word counts) on adversarial texts."""
    from partnerships.agreements.redline import (
        MAX_ARTICLE_CHARS,
        MAX_ARTICLES,
        as_text,
        changed_words,
        redline,
    )

    rng = random.Random(2026)  # noqa: S311 - sample text, not a secret
    vocabulary = [f"kata{i}" for i in range(300)] + ["dan", "yang", "di", "pihak"] * 25

    def words(count: int) -> list[str]:
        return [rng.choice(vocabulary) for _ in range(count)]

    def body() -> str:
        text = " ".join(words(MAX_ARTICLE_CHARS // 4))
        return text[: text.rfind(" ", 0, MAX_ARTICLE_CHARS)]

    def agreement(bodies) -> str:
        return as_text([{"heading": f"Judul {i}", "body": b} for i, b in enumerate(bodies, 1)])

    def one_word_changed(text: str) -> str:
        parts = text.split(" ")
        parts[len(parts) // 2] = "diubah"
        return " ".join(parts)

    def shuffled(text: str) -> str:
        parts = text.split(" ")
        rng.shuffle(parts)
        return " ".join(parts)

    def every_seventh(text: str) -> str:
        return " ".join("kota" if i % 7 == 3 else w for i, w in enumerate(text.split(" ")))

    draft = " ".join(words(3230))
    repeated = ("kata " * (MAX_ARTICLE_CHARS // 5)).strip()
    largest = [body() for _ in range(MAX_ARTICLES)]
    cases = {
        "3,230 words, one changed (was 19 s)": (draft, one_word_changed(draft)),
        "5 KB of one repeated word (was 45 s)": ("kata " * 1000, "kota " + "kata " * 998 + "kota"),
        "largest, one word changed per article": (
            agreement(largest),
            agreement([one_word_changed(b) for b in largest]),
        ),
        "largest, one repeated word, every 7th changed": (
            agreement([repeated] * MAX_ARTICLES),
            agreement([every_seventh(repeated)] * MAX_ARTICLES),
        ),
        "largest, every article's words shuffled": (
            agreement(largest),
            agreement([shuffled(b) for b in largest]),
        ),
        "largest, every article replaced": (
            agreement(largest),
            agreement([body() for _ in range(MAX_ARTICLES)]),
        ),
        "largest, articles in reverse order": (
            agreement(largest),
            as_text([{"heading": f"Judul {i}", "body": b} for i, b in enumerate(largest, 1)][::-1]),
        ),
    }
    print(f"redline (largest: {MAX_ARTICLES} articles x {MAX_ARTICLE_CHARS:,} characters):")
    for name, (old, new) in cases.items():
        took, markup = timed(lambda old=old, new=new: redline(old, new), repeat=3)
        counted, (removed, added) = timed(lambda o=old, n=new: changed_words(o, n), repeat=3)
        verdict = "ok" if took <= 0.2 else "OVER"
        print(
            f"  {name}: {took * 1000:.0f} ms (goal <= 200 ms: {verdict}), "
            f"{markup.count('<del>')} deletions / {markup.count('<ins>')} insertions; "
            f"word counts {counted * 1000:.0f} ms (-{removed:,} +{added:,})"
        )


if __name__ == "__main__":
    main()
