"""A national-scale installation, generated from a seed (`flask demo national`): the whole
country's offices, partners, agreements in every state, commitments, a million realisation
figures, events, sealed progress letters, and an audit trail that records every row and
verifies, so pages, searches, dashboards and the benchmark meet the data a national
deployment holds.

Rows are written as bulk INSERTs (executemany in chunks), not through the services one by one:
the services' rules are tested elsewhere, and row by row this would take hours. What the
services derive is derived the same way here: each row's audit entry is its column snapshot,
chained by `audit.services.append` (and a checkpoint signed at the end); commitment statuses
come from the daily run (`commitments.services.refresh_all`); the dashboard's facts are
rebuilt (the `commitments_loaded` signal); the letters come from `letters.issue_letter`,
rendered and sealed. The same seed and day give the same rows.

The demo (its offices, partners and logins) is loaded first and kept: the national rows go to
the provinces the demo's offices do not serve, so the demo's stories read as before.
"""

import random
from calendar import monthrange
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, text

from partnerships.agreements.models import (
    Agreement,
    AgreementParty,
    AgreementVersion,
    Kind,
    Status,
)
from partnerships.agreements.search import FTS_TABLE
from partnerships.audit.services import append, checkpoint, to_jsonable
from partnerships.commitments import letters
from partnerships.commitments.models import Commitment, RealisationFigure
from partnerships.commitments.services import refresh_all
from partnerships.commitments.signals import commitments_loaded
from partnerships.core.models import follow_sequences, utcnow
from partnerships.documents import certificates
from partnerships.events import models as events
from partnerships.extensions import db
from partnerships.organisations.models import Office, OfficeKind, Official, Partner, PartnerKind
from partnerships.regions.models import Region

CHUNK = 10_000  # rows per INSERT: large enough to be quick, small enough to stay flat
# Agreement states and how often each is drawn: most agreements are in force, every state is
# present (a national dataset must exercise every list filter and every page variant).
STATES = {
    Status.DRAFT: 8,
    Status.IN_REVIEW: 5,
    Status.APPROVED: 4,
    Status.AWAITING_SIGNATURE: 5,
    Status.ACTIVE: 50,
    Status.EXPIRED: 12,
    Status.TERMINATED: 6,
    Status.SUPERSEDED: 10,
}
SIGNED = {Status.ACTIVE, Status.EXPIRED, Status.TERMINATED, Status.SUPERSEDED}
COMMITMENT_KINDS = ("target", "budget", "action", "target", "budget")
METRICS = ("participants", "bpu_participants", "non_asn_covered", "vulnerable_covered")
PROGRAMS = (["JKK", "JKM"], ["JKK", "JKM", "JHT"], ["JKK", "JKM", "JHT", "JP"])
WORKERS = ("pekerja rentan", "perangkat desa", "pegawai non-ASN", "nelayan", "petani", "ojek")
FIRST_MONTH = date(2025, 1, 1)  # figures are monthly from here to the month before `today`
ARTICLES = (
    ("Maksud dan Tujuan", "Kesepakatan ini dimaksudkan sebagai landasan kerja sama para pihak "
     "dalam perlindungan jaminan sosial ketenagakerjaan bagi {workers} di wilayah {region}."),
    ("Ruang Lingkup", "Ruang lingkup kerja sama meliputi pendaftaran, pembayaran iuran, "
     "sosialisasi dan pemutakhiran data kepesertaan program {programs}."),
    ("Hak dan Kewajiban", "{partner} menganggarkan iuran dalam APBD/APBDes dan BPJS "
     "Ketenagakerjaan memberikan manfaat sesuai ketentuan peraturan perundang-undangan."),
    ("Pembiayaan", "Biaya yang timbul dibebankan pada anggaran masing-masing pihak."),
    ("Jangka Waktu", "Perjanjian ini berlaku sejak ditandatangani para pihak untuk jangka "
     "waktu yang disepakati dan dapat diperpanjang."),
    ("Penutup", "Perjanjian ini dibuat dalam rangkap dua, masing-masing bermeterai cukup dan "
     "mempunyai kekuatan hukum yang sama."),
)  # fmt: skip


@dataclass(frozen=True)
class Scale:
    """How much to generate. NATIONAL is the country (issue 11's figures); a test uses a few
    provinces of it."""

    provinces: int | None = None  # None: every province the demo does not serve
    kanwils: int = 11
    branches: int = 319
    villages_per_regency: int = 12
    agreements_per_partner: int = 3
    commitments_per_agreement: int = 5
    figures: int = 1_000_000  # at least, spread over the measured commitments in force
    events_per_office: int = 104
    letters: int = 60  # rendered and sealed, as the bulk-letter job writes them


NATIONAL = Scale()


def scale_of(provinces: int | None = None, **settings: int) -> Scale:
    """The country, or a few provinces of it (for trying it out, the benchmark's smoke run
    and tests): offices and figures shrink with the provinces; `settings` override the rest."""
    chosen = NATIONAL
    if provinces is not None:
        chosen = replace(chosen, provinces=provinces, kanwils=provinces,
                         branches=provinces * 3, figures=provinces * 4_000,
                         events_per_office=10)  # fmt: skip
    return replace(chosen, **settings)


@dataclass
class Counts:
    """What was written, by table, for the summary and the tests."""

    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, n: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + n


class NationalError(Exception):
    pass


Progress = Callable[[str, int], None]  # (what, rows just written)


def generate(
    today: date, seed: int = 2025, scale: Scale = NATIONAL, progress: Progress | None = None
) -> Counts:
    """Write the national rows in the caller's transaction (committed in chunks as it goes:
    a million rows do not fit one transaction's memory on SQLite). Refused when they exist."""
    report = progress or (lambda _what, _n: None)
    if db.session.scalar(select(Office.id).where(Office.code == _kanwil_code(1))):
        raise NationalError("the national dataset is already generated in this database")
    writer = _Writer(random.Random(seed), today, scale, report)  # noqa: S311 - sample data
    writer.run()
    return writer.counts


def planned(scale: Scale) -> int:
    """Roughly how many rows `generate` writes (the progress bar's length)."""
    partners = 560 + 514 * scale.villages_per_regency
    if scale.provinces is not None:
        partners = scale.provinces * (1 + 14 * (1 + scale.villages_per_regency))
    agreements = partners * scale.agreements_per_partner
    offices = scale.kanwils + scale.branches
    return (
        partners * 2  # partners and their heads
        + agreements * 3  # agreements, their parties, their versions
        + agreements * scale.commitments_per_agreement
        + scale.figures
        + offices * scale.events_per_office
    )


class _Writer:
    def __init__(self, rng: random.Random, today: date, scale: Scale, report: Progress):
        self.rng, self.today, self.scale, self.report = rng, today, scale, report
        self.now = utcnow()
        self.counts = Counts()
        self.next_id: dict[str, int] = {}

    # ---- plumbing -----------------------------------------------------------------------

    def ids(self, model) -> Iterator[int]:
        """Fresh ids after the table's highest (the demo's rows stay as they are)."""
        start = db.session.scalar(select(func.max(model.id))) or 0
        return iter(range(start + 1, 2**31))

    def stamp(self) -> dict[str, Any]:
        return {"created_at": self.now, "updated_at": self.now, "is_deleted": False}

    def write(self, model, rows: list[dict], office_of: Callable[[dict], int | None]) -> None:
        """Insert `rows` of `model` and append their audit entries ("insert", the row as the
        audit listener would have snapshotted it), a chunk at a time, each chunk committed.
        Keys starting with "_" are the generator's notes, not columns ("_collections" holds
        the audited collections the entry records)."""
        table: Table = model.__table__
        options = getattr(model, "__audit__", None)
        skip = set(options.get("skip", ())) if options is not None else set()
        for chunk in _chunks(rows):
            db.session.execute(
                insert(table), [{k: v for k, v in row.items() if k[0] != "_"} for row in chunk]
            )
            if options is not None:
                entries = [
                    {
                        "action": "insert",  # as the audit listener names a new row
                        "object_type": model.__name__,
                        "object_id": str(row["id"]),
                        "office_id": office_of(row),
                        "before": None,
                        "after": {
                            c.name: to_jsonable(row.get(c.name))
                            for c in table.columns
                            if c.name not in skip
                        }
                        | row.get("_collections", {}),
                    }
                    for row in chunk
                ]
                append(db.session.connection(), entries)
            # every chunk, so that an interrupted run leaves the sequences right too
            follow_sequences(db.session.connection(), [table])
            db.session.commit()
            self.counts.add(table.name, len(chunk))
            self.report(table.name, len(chunk))

    # ---- the country --------------------------------------------------------------------

    def run(self) -> None:
        provinces, regencies, villages = self.regions()
        self.offices(provinces, regencies)
        self.partners(provinces, regencies, villages)
        self.agreements()
        self.commitments()
        self.figures()
        self.statuses()
        self.events()
        self.letters()
        commitments_loaded.send(self.today)  # the dashboard's facts, from scratch
        checkpoint()
        db.session.commit()
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(text("ANALYZE"))  # as PostgreSQL's autovacuum would
            db.session.commit()

    def regions(self) -> tuple[list[Region], dict[str, list[Region]], dict[str, list[str]]]:
        """The provinces no office serves yet, their regencies and cities, and the first
        villages of each (by code: deterministic)."""
        served = {
            code for (code,) in db.session.execute(text("SELECT region_code FROM office_regions"))
        }
        provinces = [
            r
            for r in db.session.scalars(
                select(Region).where(Region.level == 1).order_by(Region.code)
            )
            if r.code not in served
        ][: self.scale.provinces]
        if not provinces:
            raise NationalError("every province is served already: nothing to generate")
        regencies: dict[str, list[Region]] = {p.code: [] for p in provinces}
        for region in db.session.scalars(
            select(Region).where(Region.level == 2).order_by(Region.code)
        ):
            if region.parent_code in regencies:
                regencies[region.parent_code].append(region)
        if self.scale.provinces is not None:  # a test's few provinces: a few regencies each
            regencies = {p: r[:14] for p, r in regencies.items()}
        wanted = {r.code for rs in regencies.values() for r in rs}
        villages: dict[str, list[str]] = {code: [] for code in wanted}
        rows = db.session.execute(
            select(Region.code, Region.name).where(Region.level == 4).order_by(Region.code)
        )
        self.village_names: dict[str, str] = {}
        for code, name in rows:
            regency = code[:5]
            if regency in villages and len(villages[regency]) < self.scale.villages_per_regency:
                villages[regency].append(code)
                self.village_names[code] = name
        return provinces, regencies, villages

    def offices(self, provinces: list[Region], regencies: dict[str, list[Region]]) -> None:
        """Kanwils over groups of provinces; branches seated in regencies, each serving its
        seat and the regencies next to it in code order (office_regions)."""
        ids = self.ids(Office)
        kanwils = min(self.scale.kanwils, len(provinces))
        seats = [r for p in provinces for r in regencies[p.code]]
        branches = min(self.scale.branches, len(seats))
        rows, served = [], []
        self.kanwil_of_province: dict[str, int] = {}
        for k in range(kanwils):
            mine = provinces[k::kanwils]
            office = {"id": next(ids), "name": f"Kantor Wilayah {mine[0].name}", "kind":
                      OfficeKind.REGIONAL, "code": _kanwil_code(k + 1), "parent_id": None,
                      "region_code": mine[0].code, "address": None, **self.stamp(),
                      "_collections": {"regions": sorted(p.code for p in mine)}}  # fmt: skip
            rows.append(office)
            for province in mine:
                self.kanwil_of_province[province.code] = office["id"]
                served.append({"office_id": office["id"], "region_code": province.code})
        self.branch_of_regency: dict[str, int] = {}
        groups = [seats[b::branches] for b in range(branches)]
        names: set[str] = set()
        for b, group in enumerate(groups):
            seat = group[0]
            name = f"Kantor Cabang {_short(seat.name)}"
            name = name if name not in names else f"{name} ({seat.code})"
            names.add(name)
            office = {"id": next(ids), "name": name, "kind": OfficeKind.BRANCH,
                      "code": f"KC{b + 1:04d}", "parent_id": self.kanwil_of_province[seat.code[:2]],
                      "region_code": seat.code, "address": None, **self.stamp(),
                      "_collections": {"regions": sorted(r.code for r in group)}}  # fmt: skip
            rows.append(office)
            for regency in group:
                self.branch_of_regency[regency.code] = office["id"]
                served.append({"office_id": office["id"], "region_code": regency.code})
        self.office_ids = [row["id"] for row in rows]
        self.branch_ids = [row["id"] for row in rows if row["kind"] == OfficeKind.BRANCH]
        self.write(Office, rows, lambda row: row["id"])
        db.session.execute(insert(db.metadata.tables["office_regions"]), served)
        heads = [
            self.official(f"Kepala {row['name']}", office_id=row["id"], year=2022) for row in rows
        ]
        self.write(Official, heads, lambda row: row["office_id"])

    def official(self, title: str, *, office_id=None, partner_id=None, year: int) -> dict:
        given = self.rng.choice(("Made", "Siti", "Agus", "Dewi", "Budi", "Nur", "Yohanes", "Rina"))
        family = self.rng.choice(("Santoso", "Wijaya", "Harahap", "Sinaga", "Putri", "Rahman"))
        return {"id": next(self.official_ids), "name": f"{given} {family}", "title": title,
                "identifier_kind": None, "identifier": None, "partner_id": partner_id,
                "office_id": office_id, "tenure_start": date(year, 1, 2), "tenure_end": None,
                **self.stamp()}  # fmt: skip

    @property
    def official_ids(self) -> Iterator[int]:
        if "officials" not in self.next_id:
            self.next_id["officials"] = self.ids(Official)
        return self.next_id["officials"]

    def partners(self, provinces, regencies, villages) -> None:
        """A government for every province and regency/city, and the villages chosen."""
        ids = self.ids(Partner)
        rows = []
        for province in provinces:
            first_branch = self.branch_of_regency[regencies[province.code][0].code]
            name = f"Pemerintah Provinsi {province.name}"
            kind = PartnerKind.PROVINCE_GOV
            rows.append(self.partner(next(ids), name, kind, province.code, first_branch))
            for regency in regencies[province.code]:
                office = self.branch_of_regency[regency.code]
                city = regency.code[3:5] >= "71"
                government = self.partner(
                    next(ids),
                    f"Pemerintah {regency.name}",
                    PartnerKind.CITY_GOV if city else PartnerKind.REGENCY_GOV,
                    regency.code,
                    office,
                )
                rows.append(government)
                for code in villages[regency.code]:
                    name = f"Pemerintah Desa {self.village_names[code]}"
                    village = self.partner(next(ids), name, PartnerKind.VILLAGE_GOV, code, office)
                    village["parent_id"] = government["id"]
                    rows.append(village)
        self.partner_rows = rows
        self.write(Partner, rows, lambda row: row["office_id"])
        heads = [self.official(_head_title(row), partner_id=row["id"], year=2021) for row in rows]
        office = {row["id"]: row["office_id"] for row in rows}
        self.write(Official, heads, lambda row: office[row["partner_id"]])

    def partner(self, pid: int, name: str, kind: str, region: str, office: int) -> dict:
        return {"id": pid, "name": name, "kind": kind, "region_code": region,
                "office_id": office, "parent_id": None, "address": None, "phone": None,
                "email": None, **self.stamp()}  # fmt: skip

    # ---- agreements, commitments, figures ------------------------------------------------

    def agreements(self) -> None:
        """Per partner an MoU, the PKS under it and an addendum or renewal of the PKS, each
        in a state drawn from STATES, with dates that fit the state and `today`."""
        ids, versions = self.ids(Agreement), self.ids(AgreementVersion)
        party_ids = self.ids(AgreementParty)
        states, weights = list(STATES), list(STATES.values())
        rows, parties, texts = [], [], []
        for partner in self.partner_rows:
            parent = None
            for k in range(self.scale.agreements_per_partner):
                kind = (Kind.MOU, Kind.PKS, self.rng.choice((Kind.ADDENDUM, Kind.RENEWAL)))[
                    min(k, 2)
                ]
                status = self.rng.choices(states, weights)[0]
                workers = self.rng.choice(WORKERS)
                title = f"{_KIND_TITLES[kind]} Perlindungan Jaminan Sosial {workers.title()}"
                row = {"id": next(ids), "kind": kind, "title": f"{title} {partner['name']}",
                       "subject": f"Perlindungan jaminan sosial ketenagakerjaan bagi {workers}",
                       "programs": self.rng.choice(PROGRAMS), "funding": "apbd",
                       "place": _short(partner["name"].removeprefix("Pemerintah ")),
                       "office_id": partner["office_id"], "parent_id": parent,
                       "status": status, "created_by_id": None, "approved_by_id": None,
                       "approved_at": None, "status_reason": None, "lock_version": 1,
                       **self.dates(status), **self.stamp()}  # fmt: skip
                if status not in (Status.DRAFT, Status.IN_REVIEW):
                    row["approved_at"] = datetime.combine(
                        row["signed_on"] or self.today - timedelta(days=20), time(3), UTC
                    )
                if status == Status.TERMINATED:
                    row["status_reason"] = "Diakhiri atas kesepakatan para pihak."
                articles = [
                    {"heading": heading, "body": body.format(
                        workers=workers, region=partner["name"], partner=partner["name"],
                        programs=", ".join(row["programs"]))}
                    for heading, body in ARTICLES
                ]  # fmt: skip
                row["search_text"] = "\n".join(
                    [row["title"], row["subject"], partner["name"]]
                    + [f"{a['heading']} {a['body']}" for a in articles]
                )
                row["_partner"] = partner
                rows.append(row)
                texts.append({"id": next(versions), "agreement_id": row["id"], "number": 1,
                              "articles": articles, "note": "Draf pertama", "author_id": None,
                              "created_at": self.now, "sent_for_review_at": None})  # fmt: skip
                number = None
                if status in SIGNED:
                    number = f"{row['id']}/KS/{row['signed_on'].year}"
                for position, office, party in ((1, partner["office_id"], None),
                                                (2, None, partner["id"])):  # fmt: skip
                    parties.append({"id": next(party_ids), "agreement_id": row["id"],
                                    "position": position, "office_id": office,
                                    "partner_id": party, "signatory_id": None, "number": number,
                                    "created_at": self.now, "updated_at": self.now})  # fmt: skip
                parent = row["id"] if kind in (Kind.MOU, Kind.PKS) else parent
        self.agreement_rows = rows
        office = {row["id"]: row["office_id"] for row in rows}
        self.write(Agreement, rows, lambda row: row["office_id"])
        if db.session.get_bind().dialect.name == "sqlite":
            for chunk in _chunks(rows):
                db.session.execute(
                    text(f"INSERT INTO {FTS_TABLE} (rowid, search_text) VALUES (:id, :body)"),  # noqa: S608
                    [{"id": r["id"], "body": r["search_text"]} for r in chunk],
                )
        self.write(AgreementParty, parties, lambda row: office[row["agreement_id"]])
        self.write(AgreementVersion, texts, lambda row: office[row["agreement_id"]])

    def dates(self, status: str) -> dict[str, Any]:
        if status not in SIGNED:
            return {"signed_on": None, "effective_on": None, "ends_on": None,
                    "term_months": self.rng.choice((12, 24, 36))}  # fmt: skip
        months = self.rng.choice((12, 24, 36, 60))
        if status == Status.ACTIVE:  # in force today
            ends = self.today + timedelta(days=self.rng.randint(20, 900))
        else:  # ended (or replaced) before today
            ends = self.today - timedelta(days=self.rng.randint(1, 700))
        signed = max(ends - timedelta(days=months * 30), date(2018, 1, 2))
        return {"signed_on": signed, "effective_on": signed, "ends_on": ends, "term_months": months}

    def commitments(self) -> None:
        ids = self.ids(Commitment)
        rows = []
        for agreement in self.agreement_rows:
            partner = agreement["_partner"]
            for n in range(self.scale.commitments_per_agreement):
                kind = COMMITMENT_KINDS[n % len(COMMITMENT_KINDS)]
                row = {"id": next(ids), "agreement_id": agreement["id"],
                       "partner_id": partner["id"], "article": 3, "kind": kind,
                       "title": "", "description": "", "programs": agreement["programs"],
                       "status": "no_data", "created_by_id": None, "fiscal_year": None,
                       "funding": None, "account_code": None, "amount": None, "workers": None,
                       "months": None, "metric": None, "baseline_value": None,
                       "baseline_on": None, "target_value": None, "region_code": None,
                       "due_on": None, "done_on": None, "done_note": None, "status_on": None,
                       **self.stamp()}  # fmt: skip
                start = agreement["effective_on"] or self.today
                if kind == "target":
                    metric = self.rng.choice(METRICS)
                    base = self.rng.randint(2, 400) * 50
                    row |= {"title": f"Kepesertaan {agreement['subject'][43:]}",
                            "metric": metric, "baseline_value": base, "baseline_on": start,
                            "target_value": base + self.rng.randint(4, 200) * 50,
                            "region_code": partner["region_code"],
                            "due_on": agreement["ends_on"] or start + timedelta(days=365),
                            }  # fmt: skip
                elif kind == "budget":
                    year = min(max(start.year, 2025), self.today.year)
                    row |= {"title": f"Iuran APBD {year}", "fiscal_year": year,
                            "funding": "apbd", "account_code": f"5.1.02.{n:02d}",
                            "amount": self.rng.randint(5, 900) * 10**7,
                            "workers": self.rng.randint(1, 60) * 50, "months": 12,
                            "due_on": date(year, 12, 31)}  # fmt: skip
                else:
                    due = start + timedelta(days=self.rng.randint(30, 400))
                    done = due - timedelta(days=9) if due < self.today and n % 2 else None
                    row |= {"title": "Menerbitkan Peraturan Kepala Daerah tentang "
                            "perlindungan jaminan sosial ketenagakerjaan",
                            "due_on": due, "done_on": done}  # fmt: skip
                row["_reported"] = agreement["status"] in SIGNED and kind != "action"
                rows.append(row)
        office = {row["id"]: row["office_id"] for row in self.agreement_rows}
        self.write(Commitment, rows, lambda row: office[row["agreement_id"]])
        self.measured = [row for row in rows if row["_reported"]]

    def figures(self) -> None:
        """At least `scale.figures` monthly figures over the measured commitments of signed
        agreements, climbing towards their target; some still waiting, a few rejected."""
        if not self.measured:
            return
        office = {row["id"]: row["office_id"] for row in self.agreement_rows}
        months = _months(FIRST_MONTH, self.today)
        per = min(len(months), -(-self.scale.figures // len(self.measured)))
        ids = self.ids(RealisationFigure)
        batch: list[dict] = []
        for row in self.measured:
            top = float(row["amount"] or row["target_value"])
            base = float(row["baseline_value"] or 0)
            for m, end in enumerate(months[-per:]):
                status = "accepted"
                if m == per - 1 and self.rng.random() < 0.2:
                    status = "submitted"
                elif self.rng.random() < 0.01:
                    status = "rejected"
                value = base + (top - base) * (m + 1) / (per + self.rng.randint(0, per))
                batch.append({"id": next(ids), "commitment_id": row["id"], "period_end": end,
                              "period_label": end.strftime("%m/%Y"), "value": round(value, 2),
                              "workers": None, "source": "Laporan bulanan OPD", "note": "",
                              "evidence_id": None, "status": status, "submitted_by_id": None,
                              "decided_by_id": None, "decided_at": None,
                              "reject_reason": "Angka tidak sesuai lampiran."
                              if status == "rejected" else None, **self.stamp(),
                              "_office": office[row["agreement_id"]]})  # fmt: skip
                if len(batch) >= CHUNK:
                    self.write(RealisationFigure, batch, lambda row: row["_office"])
                    batch = []
        self.write(RealisationFigure, batch, lambda row: row["_office"])

    def statuses(self) -> None:
        """Each commitment's verdict as the daily run stores it (derived data, no entry); the
        dashboard hears of them all at once, at the end of the run."""
        refresh_all(self.today, batch=2000, notify=False)
        db.session.commit()

    # ---- events and letters -------------------------------------------------------------

    def events(self) -> None:
        """Socialisations, coordination meetings and the rest, a year back and ahead of
        `today`, each with a partner of its office; past ones held (a few cancelled), later
        ones planned (a few postponed)."""
        ids = self.ids(events.Event)
        partners_of: dict[int, list[dict]] = {}
        for partner in self.partner_rows:
            partners_of.setdefault(partner["office_id"], []).append(partner)
        kinds = list(events.Kind)
        rows, links = [], []
        for office in self.office_ids:
            mine = partners_of.get(office) or self.partner_rows
            for _ in range(self.scale.events_per_office):
                partner = self.rng.choice(mine)
                day = self.today + timedelta(days=self.rng.randint(-365, 180))
                start = datetime.combine(day, time(self.rng.randint(0, 6)), UTC)
                kind = self.rng.choice(kinds)
                past = day < self.today
                status = "held" if past else "planned"
                roll = self.rng.random()
                if roll < 0.05:
                    status = "cancelled"
                elif roll < 0.08 and not past:
                    status = "postponed"
                held = status == "held"
                row = {"id": next(ids), "office_id": office, "kind": kind,
                       "title": f"{_EVENT_TITLES[kind]} {partner['name']}",
                       "starts_at": start, "ends_at": start + timedelta(hours=3),
                       "timezone": events.DEFAULT_TIMEZONE, "all_day": False,
                       "venue": f"Aula {partner['name']}", "region_code": partner["region_code"],
                       "planned_attendance": self.rng.randint(2, 30) * 10,
                       "actual_attendance": self.rng.randint(2, 30) * 10 if held else None,
                       "new_registrations": self.rng.randint(0, 200) if held else None,
                       "registrations_note": None,
                       "summary": "Peserta memahami manfaat program." if held else "",
                       "minutes": "", "status": status, "postponed_from": None,
                       "postpone_reason": "Bertepatan dengan agenda daerah."
                       if status == "postponed" else None,
                       "cancel_reason": "Cuaca buruk." if status == "cancelled" else None,
                       "created_by_id": None, **self.stamp(),
                       "_collections": {"partners": [partner["id"]], "agreements": [],
                                        "commitments": [], "audience_rows": []}}  # fmt: skip
                rows.append(row)
                links.append({"event_id": row["id"], "partner_id": partner["id"]})
        self.write(events.Event, rows, lambda row: row["office_id"])
        for chunk in _chunks(links):
            db.session.execute(insert(events.event_partners), chunk)
        db.session.commit()

    def letters(self) -> None:
        """Progress letters of last month for the first partners with something to report,
        written as the bulk-letter job writes them: numbered, rendered, sealed, stored."""
        if not self.scale.letters:
            return
        certificates.demo_ca()  # the generated offices' seals (demo certificates)
        period = letters.parse_period(_months(FIRST_MONTH, self.today)[-1].strftime("%Y-%m"))
        reporting = {row["partner_id"] for row in self.measured}
        written = 0
        for row in self.partner_rows:
            if written >= self.scale.letters:
                break
            if row["id"] not in reporting:
                continue
            partner = db.session.get(Partner, row["id"])
            try:
                letters.issue_letter(partner, period, self.today)
            except letters.LetterRefused:
                db.session.rollback()
                continue
            db.session.commit()
            written += 1
            self.counts.add("progress_letters", 1)
            self.report("progress_letters", 1)


_KIND_TITLES = {
    Kind.MOU: "Kesepakatan Bersama tentang",
    Kind.PKS: "Perjanjian Kerja Sama tentang",
    Kind.ADDENDUM: "Addendum Perjanjian Kerja Sama tentang",
    Kind.RENEWAL: "Perpanjangan Perjanjian Kerja Sama tentang",
}
_EVENT_TITLES = {
    "socialisation": "Sosialisasi Program Jaminan Sosial di",
    "fgd": "Diskusi Kelompok Terpumpun bersama",
    "coordination": "Rapat Koordinasi bersama",
    "booth": "Layanan Jemput Bola di",
    "signing": "Penandatanganan Perjanjian bersama",
    "monitoring": "Monitoring dan Evaluasi Kerja Sama bersama",
}


def _kanwil_code(n: int) -> str:
    return f"KWN{n:02d}"


def _short(name: str) -> str:
    """'Kabupaten Aceh Selatan' -> 'Aceh Selatan' (a seat's name on an office)."""
    for prefix in ("Kabupaten ", "Kota ", "Pemerintah Desa ", "Provinsi "):
        name = name.removeprefix(prefix)
    return name


def _head_title(partner: dict) -> str:
    kind, place = partner["kind"], _short(partner["name"].removeprefix("Pemerintah "))
    if kind == PartnerKind.PROVINCE_GOV:
        return f"Gubernur {place}"
    if kind == PartnerKind.CITY_GOV:
        return f"Wali Kota {place}"
    if kind == PartnerKind.REGENCY_GOV:
        return f"Bupati {place}"
    return f"Kepala Desa {place}"


def _months(first: date, today: date) -> list[date]:
    """The last day of every month from `first` to the month before `today`."""
    ends, year, month = [], first.year, first.month
    while (year, month) < (today.year, today.month):
        ends.append(date(year, month, monthrange(year, month)[1]))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return ends


def _chunks(rows: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
