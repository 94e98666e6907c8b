"""Auditors' dossiers: one zip per agreement (and per partner for a period) that an auditor
checks offline with stock tools: `sha256sum -c SHA256SUMS`, `pdfsig manifest.pdf`, and the
stand-alone script that recomputes the audit chain from the archive alone."""

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from webtest import Upload

from partnerships.agreements.models import Agreement, AgreementVersion, Attachment
from partnerships.audit import offline
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import acting_as, checkpoint, entry_hash
from partnerships.commitments.models import Commitment, Evidence
from partnerships.documents import certificates
from partnerships.documents import services as documents
from partnerships.documents.dossier import safe_name
from partnerships.documents.models import DocKind, Document, Origin, SigningEntry, SigningMode
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from partnerships.organisations.scope import office_subtree_ids
from tests.conftest import OFFICE_DAY, post
from tests.helpers import counted_statements, id_of, picture
from tests.pdf_tools import assert_sealed_and_valid
from tests.web import (
    browser,
    field_errors,
    find_form,
    flashes,
    follow,
    hand_made,
    signed_in,
    submit,
    ui_text,
)

MOU = "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar"
KOTA = "Pemerintah Kota Denpasar"
RENEWAL = "Perpanjangan Kesepakatan Bersama dengan Pemerintah Kota Denpasar"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = picture("JPEG")
BUTTON = "Audit dossier (zip)"


# ---- helpers ------------------------------------------------------------------------------


def button(app) -> str:
    return ui_text(app, BUTTON)


def attach(app, agreement: int, content: bytes, filename: str, kind="signed_original") -> None:
    """Attach a file to the agreement through its page, as staff do."""
    page = signed_in(app, "staff").get(f"/agreements/{agreement}")
    upload = ("file", Upload(filename, content, "application/octet-stream"))
    assert submit(page, button="Lampirkan", kind=kind, upload=upload).status_int == 302


def register_documents(app, agreement: int) -> None:
    """What the documents domain keeps for an agreement: a generated (sealed) PDF, a partner's
    signed upload and a wet-ink scan."""
    with app.test_request_context(), acting_as("test"):
        office = db.session.get(Agreement, agreement).office_id
        common = {"subject": ("Agreement", agreement), "office_id": office, "issued_on": OFFICE_DAY}
        documents.issue(
            "base.html",
            {"title": "Naskah"},
            kind=DocKind.AGREEMENT,
            title="Naskah perjanjian",
            filename="naskah.pdf",
            **common,
        )
        signed = documents.register(
            PDF + b"% signed by the partner\n",
            kind=DocKind.SIGNED_UPLOAD,
            origin=Origin.UPLOADED,
            title="Naskah bertanda tangan mitra",
            filename="../../ditandatangani mitra.pdf",
            **common,
        )
        documents.register(
            JPEG,
            kind=DocKind.WET_INK_SCAN,
            origin=Origin.UPLOADED,
            content_type="image/jpeg",
            title="Pindaian tanda tangan basah",
            filename="pindaian.jpg",
            **common,
        )
        # the berita acara's line for the partner's certified signature (once)
        signing = select(SigningEntry.id).where(
            SigningEntry.subject_type == "Agreement", SigningEntry.subject_id == agreement
        )
        if db.session.scalar(signing) is not None:
            db.session.commit()
            return
        db.session.add(
            SigningEntry(
                subject_type="Agreement",
                subject_id=agreement,
                party_position=2,
                party_name="Pemerintah Kota Denpasar",
                mode=SigningMode.CERTIFIED,
                signer_name="Nyoman Ngurah Jimmy Sidharta",
                signed_at=datetime(2026, 11, 30, 1, 0, tzinfo=UTC),
                document_id=signed.id,
                sha256=signed.sha256,
                office_id=office,
            )
        )
        db.session.commit()


def family_documents(agreements: list[int]) -> list[Document]:
    """The registered documents of `agreements` a dossier carries (all but its manifest)."""
    return db.session.scalars(
        select(Document).where(
            Document.subject_type == "Agreement",
            Document.subject_id.in_(agreements),
            Document.kind != DocKind.DOSSIER_MANIFEST,
        )
    ).all()


def sign_checkpoint(app) -> None:
    with app.app_context(), acting_as("test"):
        result, anchor = checkpoint()
        assert result.ok and anchor is not None
        db.session.commit()


def download_agreement(app, who: str, agreement: int):
    """Press the dossier button on the agreement page; the raw response."""
    page = signed_in(app, who).get(f"/agreements/{agreement}")
    return submit(page, button=button(app))


def extract(body: bytes, into: Path) -> Path:
    """Unzip as an auditor would; every member must stay inside one top folder."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        roots = {name.split("/", 1)[0] for name in names}
        assert len(roots) == 1, roots
        for name in names:
            assert ".." not in name.split("/") and not name.startswith("/"), name
            assert re.fullmatch(r"[A-Za-z0-9._/-]+", name), name
        archive.extractall(into)
    return into / roots.pop()


def run(tool: str, *args: str, cwd: Path, stdin: str | None = None):
    """A stock tool the archive's README names, run in the extracted folder."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing")
    return subprocess.run(  # noqa: S603 (fixed tools on files this test made)
        [path, *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=False
    )


def sha256sum(folder: Path) -> subprocess.CompletedProcess:
    return run("sha256sum", "-c", "SHA256SUMS", cwd=folder)


def verify_chain(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """The archive's own script, run by the stock interpreter in the extracted folder."""
    return run(sys.executable, "-I", "verify_audit_chain.py", *args, cwd=folder)


def manifest_text(folder: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(folder / "manifest.pdf").pages)


def files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def mou(app) -> int:
    return id_of(app, Agreement, MOU)


# ---- the agreement's dossier, checked offline ---------------------------------------------


def test_agreement_dossier_checks_out_offline_with_stock_tools(app, mou, tmp_path):
    family = [mou, *_descendants(app, mou)]
    register_documents(app, mou)
    attach(app, family[1], PDF, "PKS Sesetan (asli).pdf")
    sign_checkpoint(app)
    attach(app, mou, JPEG, "foto.jpg", kind="annex")  # after the checkpoint: the unsigned tail

    response = download_agreement(app, "auditor", mou)
    assert response.status_int == 200, response.text[:500]
    assert response.content_type == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and ".zip" in disposition
    folder = extract(response.body, tmp_path)

    checked = sha256sum(folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    listed = (folder / "SHA256SUMS").read_text().splitlines()
    assert len(checked.stdout.splitlines()) == len(listed)
    assert all(line.endswith(": OK") for line in checked.stdout.splitlines())
    # every file but SHA256SUMS itself is listed
    assert {line.split("  ", 1)[1] for line in listed} == files_in(folder) - {"SHA256SUMS"}

    # the sealed manifest lists the same files: SHA256SUMS without its own line hashes to the
    # fingerprint the manifest prints
    listing = run("grep", "-v", "  manifest.pdf$", "SHA256SUMS", cwd=folder).stdout
    lines = run("sha256sum", cwd=folder, stdin=listing).stdout.split()[0]
    text = re.sub(r"\s+", "", manifest_text(folder))
    assert lines in text
    assert "MANIFESBERKASAUDIT" in text
    for line in listed[:-1]:
        assert line.split("  ")[0] in text  # each file's hash is in the PDF

    # every version's text, every document and attachment of the agreement and those under it
    with app.app_context():
        versions = db.session.scalars(
            select(AgreementVersion).where(AgreementVersion.agreement_id.in_(family))
        ).all()
        # the family's signed agreements keep their sealed text, scans and berita acara too
        stored = {d.sha256 for d in family_documents(family)}
        registered = {d.sha256 for d in family_documents([mou]) if d.created_by_id is None}
        attachments = {a.sha256 for a in db.session.scalars(select(Attachment)).all()}
    texts = sorted(folder.glob("agreements/*/versions/v*.txt"))
    assert len(texts) == len(versions) >= len(family)
    assert "Pasal 1" in texts[0].read_text()
    folders = sorted(p.name for p in (folder / "agreements").iterdir())
    assert [int(name.rsplit("-", 1)[1]) for name in folders] == family
    found = {
        hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("agreements/*/documents/*")
    }
    assert found == stored and len(registered) == 3 and registered < stored
    found = {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.glob("agreements/*/attachments/*")
    }
    assert found == attachments and len(attachments) == 2
    # a stored file name from outside cannot steer where it lands
    assert not any(".." in name or name.startswith("ditandatangani") for name in files_in(folder))
    data = json.loads((folder / "agreements" / folders[0] / "agreement.json").read_text())
    assert data["id"] == mou and data["parties"][0]["role"] == "PIHAK KESATU"
    signings = (folder / "agreements" / folders[0] / "signings.csv").read_text().splitlines()
    # the demo's MoU: sealed by the office, signed in ink by the city, each with its document
    assert len(signings) == 3 and "Nyoman Ngurah Jimmy Sidharta" in signings[2]
    assert "documents/wet_ink_scan-v01-" in signings[2]
    for row in signings[1:]:
        assert (folder / "agreements" / folders[0] / row.rsplit(",", 1)[1]).is_file()

    # the audit chain recomputed from the archive alone: by the shipped script ...
    anchors = app.config["AUDIT_ANCHOR_FILE"]
    result = verify_chain(folder, "--anchors", anchors)
    assert result.returncode == 0, result.stdout
    assert "OK" in result.stdout and "withheld" not in result.stdout
    segments = json.loads((folder / "audit" / "segments.json").read_text())
    assert [s["checkpoint"] is not None for s in segments] == [True, False]
    # ... and here, against the application's own hash and its database
    entries = json.loads((folder / "audit" / "entries.json").read_text())
    chain = [
        json.loads(line) for line in (folder / "audit" / "chain.jsonl").read_text().splitlines()
    ]
    with app.app_context():
        rows = {
            e.seq: e
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.seq.in_([r["seq"] for r in chain]))
            )
        }
    for record in chain:
        row = rows[record["seq"]]
        assert record["hash"] == row.hash == offline.entry_hash(record)
        assert entry_hash({**record, "occurred_at": row.occurred_at}) == row.hash
    kinds = {(e["object_type"], e["action"]) for e in entries}
    assert {("Agreement", "insert"), ("AgreementVersion", "insert"), ("Attachment", "insert")} <= (
        kinds
    )
    assert ("Document", "insert") in kinds
    about = {(e["object_type"], e["object_id"]) for e in entries}
    assert {("Agreement", str(i)) for i in family} <= about
    # nothing about agreements outside the family
    others = {str(i) for i in _all_agreements(app)} - {str(i) for i in family}
    assert not {oid for kind, oid in about if kind == "Agreement"} & others

    readme = (folder / "README.txt").read_text()
    assert "sha256sum -c SHA256SUMS" in readme and "pdfsig manifest.pdf" in readme
    assert "python3 verify_audit_chain.py" in readme


def test_the_manifest_is_registered_and_verifiable(app, mou, tmp_path):
    response = download_agreement(app, "manager", mou)
    folder = extract(response.body, tmp_path)
    digest = hashlib.sha256((folder / "manifest.pdf").read_bytes()).hexdigest()
    with app.app_context():
        manifest = db.session.scalar(
            select(Document).where(Document.kind == DocKind.DOSSIER_MANIFEST)
        )
        assert manifest.sha256 == digest
        assert (manifest.subject_type, manifest.subject_id) == ("Agreement", mou)
        assert manifest.created_by.email == "manajer.denpasar@kemitraan.test"
        token = manifest.verify_token
        # registered documents land in the audit trail: who took which dossier, when
        logged = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.object_type == "Document", AuditEntry.object_id == str(manifest.id))
        )
        assert logged == 1
    assert signed_in(app, "auditor").get(f"/verify/{token}").status_int == 200
    # a second dossier is a new manifest, the next version; the first stays
    download_agreement(app, "manager", mou)
    with app.app_context():
        versions = db.session.scalars(
            select(Document.version)
            .where(Document.kind == DocKind.DOSSIER_MANIFEST)
            .order_by(Document.version)
        ).all()
    assert versions == [1, 2]


def listed_documents(web, agreement: int) -> list[tuple[str, str]]:
    """The agreement page's document list as its reader sees it: (label, SHA-256) per row."""
    page = web.get(f"/agreements/{agreement}")
    heading = page.html.find(id="documents")
    assert heading is not None, "the page lists no documents"
    return [
        (
            item.find("a").get_text(" ", strip=True),
            item.select_one(".file-hash").get_text(" ", strip=True),
        )
        for item in heading.find_next("ul").find_all("li")
    ]


def test_dossier_manifests_stay_in_the_store_but_off_the_documents_list(app, mou):
    """Every download registers a sealed manifest, kept and verifiable; the agreement page
    lists the agreement's own documents (its sealed text, the partner's scan, the berita
    acara) and does not grow a row per download. The downloads are in the audit trail."""
    readers = {who: signed_in(app, who) for who in ("staff", "manager", "auditor")}
    before = {who: listed_documents(web, mou) for who, web in readers.items()}
    assert len(before["staff"]) == 3
    assert before["manager"] == before["auditor"] == before["staff"]
    for who in ("manager", "auditor", "auditor"):
        assert download_agreement(app, who, mou).status_int == 200
    with app.app_context():
        manifests = db.session.scalars(
            select(Document)
            .where(
                Document.kind == DocKind.DOSSIER_MANIFEST,
                Document.subject_type == "Agreement",
                Document.subject_id == mou,
            )
            .order_by(Document.version)
        ).all()
        kept = [(m.version, m.sealed, m.verify_token, m.id) for m in manifests]
        # in the store and unchanged: the bytes still hash to what was registered
        assert all(hashlib.sha256(documents.content(m)).hexdigest() == m.sha256 for m in manifests)
    assert [(version, sealed) for version, sealed, *_rest in kept] == [(n, True) for n in (1, 2, 3)]
    label = ui_text(app, "Auditor's dossier manifest")
    for who, web in readers.items():
        assert listed_documents(web, mou) == before[who], who
        assert label not in web.get(f"/agreements/{mou}").text
    # each manifest still opens its public verification page, as its QR does for anyone
    visitor = browser(app)
    for *_numbers, token, _id in kept:
        assert label in visitor.get(f"/verify/{token}").text
    with app.app_context():
        logged = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.object_type == "Document",
                AuditEntry.object_id.in_([str(kept_id) for *_rest, kept_id in kept]),
                AuditEntry.action == "insert",
            )
        )
    assert logged == 3


def test_the_manifest_passes_pdfsig(app, mou, tmp_path):
    folder = extract(download_agreement(app, "auditor", mou).body, tmp_path / "zip")
    # as the README says, in the extracted folder: pdfsig finds the seal intact over the file
    report = run("pdfsig", "manifest.pdf", cwd=folder).stdout
    assert "Signature is Valid" in report, report
    assert "Total document signed" in report, report
    # and with the demo CA trusted (an NSS database, as an auditor sets one up), both pdfsig and
    # pyHanko's validator accept it as the Denpasar office's seal
    with app.app_context():
        ca = certificates.cert_dir() / "ca.pem"
    report = assert_sealed_and_valid((folder / "manifest.pdf").read_bytes(), ca, tmp_path)
    assert "Denpasar" in report


@pytest.mark.app_config(DOCUMENT_CERT_DIR="")
def test_an_office_that_cannot_seal_gets_a_reason_not_a_dossier(app, mou, tmp_path):
    app.config["DOCUMENT_CERT_DIR"] = str(tmp_path / "empty")
    response = download_agreement(app, "auditor", mou)
    assert response.status_int == 302
    assert any("flask documents demo-ca" in message for message in flashes(follow(response)))
    with app.app_context():
        assert not db.session.scalar(
            select(func.count()).where(Document.kind == DocKind.DOSSIER_MANIFEST)
        )


def test_a_tampered_file_fails_the_check(app, mou, tmp_path):
    folder = extract(download_agreement(app, "auditor", mou).body, tmp_path)
    version = sorted(folder.glob("agreements/*/versions/v001.txt"))[0]
    version.write_text(version.read_text().replace("Pasal 1", "Pasal 9", 1))
    checked = sha256sum(folder)
    assert checked.returncode != 0
    name = str(version.relative_to(folder))
    assert f"{name}: FAILED" in checked.stdout
    assert sum(line.endswith(": FAILED") for line in checked.stdout.splitlines()) == 1


def test_a_tampered_audit_entry_fails_the_chain(app, mou, tmp_path):
    folder = extract(download_agreement(app, "auditor", mou).body, tmp_path)
    chain = folder / "audit" / "chain.jsonl"
    lines = chain.read_text().splitlines()
    entries = json.loads((folder / "audit" / "entries.json").read_text())
    target = entries[0]["seq"]
    for index, line in enumerate(lines):
        record = json.loads(line)
        if record["seq"] == target:
            record["actor_label"] = "someone-else@kemitraan.test"
            lines[index] = json.dumps(record, ensure_ascii=False, sort_keys=True)
    chain.write_text("\n".join(lines) + "\n")
    result = verify_chain(folder)
    assert result.returncode == 1
    assert f"the content of entry {target} does not match its hash" in result.stdout
    assert sha256sum(folder).returncode != 0  # and the file no longer matches the manifest


def test_an_entry_cut_from_the_chain_is_found(app, mou, tmp_path):
    folder = extract(download_agreement(app, "auditor", mou).body, tmp_path)
    chain = folder / "audit" / "chain.jsonl"
    lines = chain.read_text().splitlines()
    gone = json.loads(lines[1])["seq"]
    chain.write_text("\n".join(lines[:1] + lines[2:]) + "\n")
    result = verify_chain(folder)
    assert result.returncode == 1
    assert f"entry {gone} is missing" in result.stdout


def _descendants(app, agreement: int) -> list[int]:
    with app.app_context():
        found, frontier = [], [agreement]
        while frontier:
            frontier = db.session.scalars(
                select(Agreement.id).where(Agreement.parent_id.in_(frontier)).order_by(Agreement.id)
            ).all()
            found += frontier
        return _depth_first(app, agreement, set(found))


def _depth_first(app, root: int, members: set[int]) -> list[int]:
    rows = db.session.execute(select(Agreement.id, Agreement.parent_id)).all()
    children: dict[int, list[int]] = {}
    for aid, parent in sorted(rows):
        if aid in members:
            children.setdefault(parent, []).append(aid)
    ordered: list[int] = []

    def walk(node: int) -> None:
        for child in children.get(node, []):
            ordered.append(child)
            walk(child)

    walk(root)
    return ordered


def _all_agreements(app) -> list[int]:
    with app.app_context():
        return db.session.scalars(select(Agreement.id)).all()


# ---- the partner's dossier for a period ---------------------------------------------------


def add_evidence(app, commitment: int, content: bytes = PDF, period_end="2017-06-30") -> None:
    """Staff record a figure with its evidence on the commitment's page."""
    page = signed_in(app, "staff").get(f"/commitments/{commitment}")
    response = submit(
        page,
        button="Tambah angka",
        upload=("evidence", Upload("rekap kepesertaan.pdf", content, "application/pdf")),
        period_end=period_end,
        value="46",
        source="Rekap kepesertaan",
    )
    assert response.status_int == 302, response.text[:500]


def register_letter(app, partner: int, issued_on: date, period: str) -> str:
    with app.test_request_context(), acting_as("test"):
        office = db.session.get(Partner, partner).office_id
        document = documents.register(
            PDF + f"% surat {period}\n".encode(),
            kind=DocKind.PROGRESS_LETTER,
            subject=("Partner", partner),
            title=f"Surat perkembangan {period}",
            filename=f"surat-{period}.pdf",
            office_id=office,
            issued_on=issued_on,
            period=period,
        )
        db.session.commit()
        return document.sha256


def partner_dossier_page(app, who: str, partner: int):
    """From the partner page, follow the way to its dossier."""
    page = signed_in(app, who).get(f"/partners/{partner}")
    return page.click(href=rf"/partners/{partner}/dossier$")


def kota_commitment(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Commitment.id).where(Commitment.title.startswith("Cakupan kepesertaan Kota"))
        )


def test_partner_dossier_for_a_period(app, tmp_path):
    partner = id_of(app, Partner, KOTA)
    commitment = kota_commitment(app)
    add_evidence(app, commitment)
    inside = register_letter(app, partner, date(2026, 10, 1), "2026-09")
    outside = register_letter(app, partner, date(2015, 12, 31), "2015-12")
    sign_checkpoint(app)

    page = partner_dossier_page(app, "manager", partner)
    form = find_form(page, button=ui_text(app, "Download the dossier"))
    # proposed: the office's year so far
    assert (form["since"].value, form["until"].value) == ("2026-01-01", OFFICE_DAY.isoformat())
    response = submit(page, button=ui_text(app, "Download the dossier"), since="2016-01-01")
    assert response.status_int == 200, response.text[:500]
    assert response.content_type == "application/zip"
    folder = extract(response.body, tmp_path)
    assert folder.name == f"berkas-audit-mitra-{partner}-20160101-20261130"
    assert sha256sum(folder).returncode == 0
    result = verify_chain(folder, "--anchors", app.config["AUDIT_ANCHOR_FILE"])
    assert result.returncode == 0, result.stdout

    with app.app_context():
        party_of = set(
            db.session.scalars(
                select(Agreement.id)
                .join(Agreement.parties)
                .where(Agreement.parties.any(partner_id=partner))
            )
        )
        owed = set(
            db.session.scalars(select(Commitment.id).where(Commitment.partner_id == partner))
        )
        evidence = db.session.scalar(select(Evidence).where(Evidence.commitment_id == commitment))
        evidence_hash = evidence.sha256
    folders = {int(p.name.rsplit("-", 1)[1]) for p in (folder / "agreements").iterdir()}
    # the partner's own agreements, not those of other partners: the MoU of 2016 and its
    # renewal, negotiated now though it takes effect after the period
    renewal = id_of(app, Agreement, RENEWAL)
    with app.app_context():
        assert db.session.get(Agreement, renewal).effective_on > OFFICE_DAY
    assert folders == party_of == {id_of(app, Agreement, MOU), renewal}
    assert {int(p.name) for p in (folder / "commitments").iterdir()} == owed
    proofs = {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.glob(f"commitments/{commitment}/evidence/*")
    }
    assert proofs == {evidence_hash}
    figures = (folder / "commitments" / str(commitment) / "figures.csv").read_text()
    assert "Rekap kepesertaan" in figures
    letters = {
        hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("partner/documents/*")
    }
    assert letters == {inside} and outside not in letters
    partner_data = json.loads((folder / "partner.json").read_text())
    assert partner_data["name"] == KOTA and partner_data["officials"]

    entries = json.loads((folder / "audit" / "entries.json").read_text())
    about = {(e["object_type"], e["object_id"]) for e in entries}
    assert ("Partner", str(partner)) in about
    assert ("Evidence", str(evidence.id)) in about
    assert {oid for kind, oid in about if kind == "Agreement"} == {str(i) for i in folders}
    assert "Periode: 1 Januari 2016 s.d. 30 November 2026" in (folder / "README.txt").read_text()


def test_partner_dossier_keeps_to_its_period(app, tmp_path):
    partner = id_of(app, Partner, KOTA)
    page = partner_dossier_page(app, "auditor", partner)
    response = submit(
        page, button=ui_text(app, "Download the dossier"), since="2016-01-01", until="2016-12-31"
    )
    folder = extract(response.body, tmp_path)
    # the MoU signed in 2016 and in force until 2021; its renewal (in review) is not of 2016
    assert [p.name for p in (folder / "agreements").iterdir()] == [
        f"01-mou-{id_of(app, Agreement, MOU)}"
    ]
    # everything the trail holds was recorded in 2026 (the demo was entered then)
    assert json.loads((folder / "audit" / "entries.json").read_text()) == []
    assert sha256sum(folder).returncode == 0
    assert verify_chain(folder).returncode == 0


def test_partner_dossier_period_is_checked(app):
    partner = id_of(app, Partner, KOTA)
    page = partner_dossier_page(app, "auditor", partner)
    response = submit(
        page, button=ui_text(app, "Download the dossier"), since="2026-06-01", until="2026-05-31"
    )
    assert response.status_int == 200 and "html" in response.content_type
    assert field_errors(response, "until") == [
        ui_text(app, "The end of the period comes before its start.")
    ]
    response = submit(page, button=ui_text(app, "Download the dossier"), since="", until="")
    assert field_errors(response, "since") and field_errors(response, "until")
    with app.app_context():
        assert not db.session.scalar(
            select(func.count()).where(Document.kind == DocKind.DOSSIER_MANIFEST)
        )


# ---- who may take them, and what their dossier holds -------------------------------------


@pytest.mark.parametrize("who", ["staff", "partner"])
def test_staff_and_partner_users_get_no_dossier(app, who):
    renewal = id_of(
        app, Agreement, "Perpanjangan Kesepakatan Bersama dengan Pemerintah Kota Denpasar"
    )
    page = signed_in(app, who).get(f"/agreements/{renewal}")
    assert button(app) not in page.text
    client = hand_made(app, who)
    assert post(client, f"/agreements/{renewal}/dossier").status_code == 403
    partner = id_of(app, Partner, KOTA)
    assert "/dossier" not in signed_in(app, who).get(f"/partners/{partner}").text
    assert client.get(f"/partners/{partner}/dossier").status_code == 403


def test_another_offices_manager_gets_no_dossier(app, mou):
    client = hand_made(app, "manajer.gianyar@kemitraan.test")
    assert post(client, f"/agreements/{mou}/dossier").status_code == 404  # not in its scope
    partner = id_of(app, Partner, KOTA)
    page = signed_in(app, "manajer.gianyar@kemitraan.test").get(f"/partners/{partner}")
    assert "/dossier" not in page.text
    assert client.get(f"/partners/{partner}/dossier").status_code == 403


def test_the_office_auditor_reads_only_its_offices_trail(app, mou, tmp_path):
    response = download_agreement(app, "auditor_office", mou)
    folder = extract(response.body, tmp_path)
    result = verify_chain(folder)
    assert result.returncode == 0, result.stdout
    assert "withheld" in result.stdout
    with app.app_context():
        bali = db.session.scalar(
            select(Office.id).where(Office.name.startswith("Kantor Wilayah Bali"))
        )
        offices = office_subtree_ids(bali)
    chain = [
        json.loads(line) for line in (folder / "audit" / "chain.jsonl").read_text().splitlines()
    ]
    shown = [r for r in chain if not r.get("withheld")]
    withheld = [r for r in chain if r.get("withheld")]
    assert withheld and set(withheld[0]) == {"seq", "prev_hash", "hash", "withheld"}
    assert all(r["office_id"] in offices for r in shown)
    assert "withheld" in (folder / "README.txt").read_text()


def test_a_manager_sees_the_dossiers_entries_and_hashes_of_the_rest(app, mou, tmp_path):
    folder = extract(download_agreement(app, "manager", mou).body, tmp_path)
    entries = json.loads((folder / "audit" / "entries.json").read_text())
    chain = [
        json.loads(line) for line in (folder / "audit" / "chain.jsonl").read_text().splitlines()
    ]
    # managers do not read the audit trail in the app: only the dossier's own entries in full
    assert {r["seq"] for r in chain if not r.get("withheld")} == {e["seq"] for e in entries}
    assert verify_chain(folder).returncode == 0


def test_an_agreement_outside_the_office_auditors_scope_is_404(app):
    kalimantan = _kalimantan(app)
    client = hand_made(app, "auditor_office")
    assert post(client, f"/agreements/{kalimantan}/dossier").status_code == 404
    response = post(hand_made(app, "auditor"), f"/agreements/{kalimantan}/dossier", buffered=True)
    assert response.status_code == 200


def _kalimantan(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Agreement.id).where(Agreement.title.contains("Kalimantan Tengah"))
        )


# ---- bounded work, safe names, lost files --------------------------------------------------


def test_the_queries_do_not_grow_with_the_files(app, mou):
    web = signed_in(app, "auditor")

    def download() -> int:
        page = web.get(f"/agreements/{mou}")
        with counted_statements(app) as seen:
            assert submit(page, button=button(app)).status_int == 200
        return len(seen)

    register_documents(app, mou)
    attach(app, mou, PDF, "satu.pdf")
    add_evidence(app, kota_commitment(app))
    first = download()
    register_documents(app, mou)
    attach(app, mou, JPEG, "dua.jpg")
    attach(app, _descendants(app, mou)[0], PDF.replace(b"%%EOF", b"%2\n%%EOF"), "tiga.pdf")
    add_evidence(app, kota_commitment(app), PDF.replace(b"%%EOF", b"%3\n%%EOF"), "2017-09-30")
    assert download() == first


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/absolute/path.pdf", "path.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("..", "file"),
        ("", "file"),
        ("Désa Sesetan (asli).pdf", "Desa_Sesetan_asli_.pdf"),
        ("a" * 200 + ".pdf", "a" * 76 + ".pdf"),
        ("naskah\x00.pdf", "naskah_.pdf"),
    ],
)
def test_stored_names_cannot_leave_their_folder(given, expected):
    assert safe_name(given) == expected


def test_a_lost_stored_file_is_named_not_hidden(app, mou, tmp_path):
    attach(app, mou, PDF, "hilang.pdf")
    with app.app_context():
        lost = db.session.scalar(select(Attachment).where(Attachment.agreement_id == mou))
        (Path(app.config["UPLOAD_DIR"]) / lost.stored_name).unlink()
        name, digest = lost.original_name, lost.sha256
    folder = extract(download_agreement(app, "auditor", mou).body, tmp_path)
    assert sha256sum(folder).returncode == 0  # what is there is intact
    assert not list(folder.glob("agreements/*/attachments/*"))
    readme = (folder / "README.txt").read_text()
    assert "MASALAH" in readme and digest in readme
    assert digest in re.sub(r"\s+", "", manifest_text(folder))
    assert name  # listed under its recorded hash, not put in under a new one


@pytest.mark.app_config(DOSSIER_MAX_BYTES=4000)
def test_a_dossier_too_large_is_refused_with_a_message(app, mou):
    attach(app, mou, PDF + bytes(5000), "besar.pdf")
    response = download_agreement(app, "auditor", mou)
    assert response.status_int == 302
    page = follow(response)
    assert any("DOSSIER_MAX_BYTES" in message for message in flashes(page))
    with app.app_context():
        assert not db.session.scalar(
            select(func.count()).where(Document.kind == DocKind.DOSSIER_MANIFEST)
        )


def test_the_partner_dossiers_queries_do_not_grow_with_the_files(app):
    partner = id_of(app, Partner, KOTA)
    web = signed_in(app, "auditor")

    def download() -> int:
        page = web.get(f"/partners/{partner}/dossier")
        with counted_statements(app) as seen:
            response = submit(page, button=ui_text(app, "Download the dossier"), since="2016-01-01")
            assert response.status_int == 200
        return len(seen)

    add_evidence(app, kota_commitment(app))
    register_letter(app, partner, date(2026, 10, 1), "2026-09")
    register_documents(app, id_of(app, Agreement, MOU))
    first = download()
    add_evidence(app, kota_commitment(app), PDF.replace(b"%%EOF", b"%2\n%%EOF"), "2017-09-30")
    register_letter(app, partner, date(2026, 11, 1), "2026-10")
    register_documents(app, id_of(app, Agreement, RENEWAL))
    attach(app, id_of(app, Agreement, RENEWAL), JPEG, "lampiran.jpg", kind="annex")
    assert download() == first


def test_same_records_same_files(app, mou, tmp_path):
    """Names and contents follow from the records alone: two dossiers of one agreement hold
    the same agreement and commitment files (the audit part grows by the first manifest)."""
    register_documents(app, mou)
    attach(app, mou, PDF, "satu.pdf")

    def contents(into: Path) -> dict[str, str]:
        folder = extract(download_agreement(app, "auditor", mou).body, into)
        return {
            name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
            for name in sorted(files_in(folder))
            if name.startswith(("agreements/", "commitments/"))
        }

    first = contents(tmp_path / "1")
    assert first and contents(tmp_path / "2") == first


def test_a_large_dossier_spills_to_disk_and_still_checks_out(app, mou, tmp_path, monkeypatch):
    from partnerships.documents import dossier

    monkeypatch.setattr(dossier, "SPOOL_BYTES", 4096)  # past this the zip is written to disk
    monkeypatch.setattr(dossier, "BATCH_BYTES", 64)  # and stored files are read a few at a time
    register_documents(app, mou)
    folder = extract(download_agreement(app, "auditor", mou).body, tmp_path)
    assert sha256sum(folder).returncode == 0
    with app.app_context():
        stored = family_documents([mou, *_descendants(app, mou)])
    assert len(list(folder.glob("agreements/*/documents/*"))) == len(stored) > 3
