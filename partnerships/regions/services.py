"""Loading the Kemendagri region list, and reading regions back with their full path."""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from partnerships.extensions import db
from partnerships.regions.models import Region, ancestor_codes, kind_from_code

DATA_DIR = Path(__file__).resolve().parent / "data"
WILAYAH_CSV = DATA_DIR / "wilayah.csv"
PENDUDUK_CSV = DATA_DIR / "penduduk.csv"
CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
BATCH = 5000
NAME_LENGTH = Region.__table__.c.name.type.length


@dataclass
class ImportProblem(Exception):
    """Everything wrong with a file, by row; nothing is written when there is any."""

    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        return "\n".join(shown + ([f"... and {more} more"] if more > 0 else []))


@dataclass
class ImportResult:
    total: int
    inserted: int
    updated: int
    with_population: int


def _read_csv(path: Path, columns: list[str], problems: list[str]) -> Iterable[tuple[int, dict]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if (
            reader.fieldnames is None
            or [c.strip() for c in reader.fieldnames][: len(columns)] != columns
        ):
            problems.append(f"{path.name}: header must be {','.join(columns)}")
            return
        yield from enumerate(reader, start=2)


def parse_regions(wilayah: Path, penduduk: Path | None) -> list[dict]:
    """Validate the files completely and return rows ordered parents first."""
    problems: list[str] = []
    rows: dict[str, dict] = {}
    row_numbers: dict[str, int] = {}
    for number, row in _read_csv(wilayah, ["code", "name"], problems):
        code, name = (row.get("code") or "").strip(), (row.get("name") or "").strip()
        if not CODE.match(code):
            problems.append(f"{wilayah.name} row {number}: code {code!r} is not a Kemendagri code")
            continue
        if not name:
            problems.append(f"{wilayah.name} row {number}: name is empty")
            continue
        if len(name) > NAME_LENGTH:
            problems.append(
                f"{wilayah.name} row {number}: name is longer than {NAME_LENGTH} characters"
            )
            continue
        if code in rows:
            problems.append(
                f"{wilayah.name} row {number}: code {code} appears twice "
                f"(first in row {row_numbers[code]})"
            )
            continue
        row_numbers[code] = number
        parts = code.split(".")
        rows[code] = {
            "code": code,
            "name": name,
            "level": len(parts),
            "kind": kind_from_code(code).value,
            "parent_code": ".".join(parts[:-1]) or None,
            "population": None,
            "population_male": None,
            "population_female": None,
        }
    for code, row in rows.items():
        if row["parent_code"] and row["parent_code"] not in rows:
            problems.append(
                f"{wilayah.name} row {row_numbers[code]}: {code} has no parent "
                f"{row['parent_code']} in the file"
            )
    if penduduk is not None:
        for number, row in _read_csv(
            penduduk, ["code", "name", "male", "female", "total"], problems
        ):
            code = (row.get("code") or "").strip()
            if code == "0":  # the national total
                continue
            counts, bad = {}, []
            for column in ("male", "female", "total"):
                raw = (row.get(column) or "").strip()
                if raw.isascii() and raw.isdigit():
                    counts[column] = int(raw)
                else:
                    bad.append(f"{column} {raw!r}")
            if bad:
                problems.append(
                    f"{penduduk.name} row {number}: population is not a whole number of 0 or more "
                    f"({', '.join(bad)})"
                )
                continue
            male, female, total = counts["male"], counts["female"], counts["total"]
            if code not in rows:
                problems.append(f"{penduduk.name} row {number}: unknown region {code}")
                continue
            rows[code].update(population=total, population_male=male, population_female=female)
    if problems:
        raise ImportProblem(problems)
    return sorted(rows.values(), key=lambda r: (r["level"], r["code"]))


def import_regions(
    wilayah: Path = WILAYAH_CSV, penduduk: Path | None = PENDUDUK_CSV
) -> ImportResult:
    """Upsert all regions in one transaction; running it twice changes nothing."""
    rows = parse_regions(wilayah, penduduk)
    existing = db.session.scalar(select(func.count()).select_from(Region)) or 0
    table = Region.__table__
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for start in range(0, len(rows), BATCH):
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.code],
            set_={c: stmt.excluded[c] for c in rows[0] if c != "code"},
        )
        db.session.execute(stmt, rows[start : start + BATCH])
    if dialect == "sqlite":
        refresh_name_index()
    total = db.session.scalar(select(func.count()).select_from(Region)) or 0
    return ImportResult(
        total=total,
        inserted=total - existing,
        updated=len(rows) - (total - existing),
        with_population=sum(1 for r in rows if r["population"] is not None),
    )


def paths_for(regions: Iterable[Region]) -> dict[str, list[Region]]:
    """Each region's ancestors, for a whole page of regions in one query."""
    regions = list(regions)
    wanted = {a for r in regions for a in ancestor_codes(r.code)}
    found = {}
    if wanted:
        found = {
            r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(wanted)))
        }
    return {r.code: [found[a] for a in ancestor_codes(r.code) if a in found] for r in regions}


# Names are found by any part of them ("pasar" finds Denpasar) through a trigram index, not a
# scan of 91,599 names: FTS5's trigram tokenizer on SQLite (this table, filled by the import),
# pg_trgm's GIN index on lower(name) on PostgreSQL (migration 0014). Shorter than a trigram,
# a query reads every name.
NAME_INDEX = "regions_fts"


def refresh_name_index() -> None:
    """SQLite: the name index holds what the regions table holds."""
    db.session.execute(text(f"DELETE FROM {NAME_INDEX}"))  # noqa: S608 - a constant
    db.session.execute(
        text(f"INSERT INTO {NAME_INDEX} (code, name) SELECT code, name FROM regions")  # noqa: S608
    )


def _named(q: str):
    if len(q) >= 3 and db.session.get_bind().dialect.name == "sqlite":
        phrase = '"' + q.replace('"', '""') + '"'  # the words as typed, as one substring
        found = text(f"SELECT code FROM {NAME_INDEX} WHERE {NAME_INDEX} MATCH :phrase")  # noqa: S608
        return Region.code.in_(found.bindparams(phrase=phrase).columns(code=Region.code.type))
    return func.lower(Region.name).contains(q.lower(), autoescape=True)


def search_stmt(q: str, level: int | None = None):
    stmt = select(Region)
    q = q.strip()
    if q:
        if CODE.match(q) or re.match(r"^[\d.]+$", q):
            stmt = stmt.where(Region.code.startswith(q, autoescape=True))
        else:
            stmt = stmt.where(_named(q))
    if level:
        stmt = stmt.where(Region.level == level)
    return stmt


def children_stmt(region: Region):
    """The regions one level below `region` (to be paged by the caller)."""
    return select(Region).where(Region.parent_code == region.code)
