"""The demo: the offices, partners, officials and users of the five seed stories.

Names and positions are the ones the news stories report; NIP and NPK numbers are invented
(they are personal data) and only have the right shape.
"""

import io
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import get_timezone
from sqlalchemy import select

from partnerships.agreements import drafting, parties, queries, review, signing, workflow
from partnerships.agreements.models import Agreement, Kind, Status
from partnerships.auth import services as accounts
from partnerships.auth.models import User
from partnerships.clauses import services as clauses
from partnerships.commitments import letters
from partnerships.commitments import services as commitments
from partnerships.commitments.models import Commitment, Metric
from partnerships.commitments.models import Kind as CommitmentKind
from partnerships.core.formatting import office_today
from partnerships.core.roles import Role
from partnerships.demo import events as demo_events
from partnerships.demo import provider
from partnerships.documents import certificates
from partnerships.documents import services as documents
from partnerships.extensions import db
from partnerships.organisations import services as orgs
from partnerships.organisations.models import Office, OfficeKind, Official, Partner, PartnerKind
from partnerships.regions.models import Region

DESA_SADAR = "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan"
DEMO_PASSWORD = "demo-kemitraan"  # noqa: S105 - published in the README for the demo only

OFFICES = [
    # name, kind, parent, seat, regions served
    ("Kantor Wilayah Bali, Nusa Tenggara dan Papua", OfficeKind.REGIONAL, None, "51.71", ["51"]),
    (
        "Kantor Cabang Bali Denpasar",
        OfficeKind.BRANCH,
        "Kantor Wilayah Bali, Nusa Tenggara dan Papua",
        "51.71",
        ["51.71", "51.03", "51.02", "51.01", "51.08"],
    ),
    (
        "Kantor Cabang Bali Gianyar",
        OfficeKind.BRANCH,
        "Kantor Wilayah Bali, Nusa Tenggara dan Papua",
        "51.04",
        ["51.04", "51.05", "51.06", "51.07"],
    ),
    ("Kantor Wilayah Kalimantan", OfficeKind.REGIONAL, None, "64.71", ["62", "64"]),
    (
        "Kantor Cabang Palangkaraya",
        OfficeKind.BRANCH,
        "Kantor Wilayah Kalimantan",
        "62.71",
        ["62.71"],
    ),
    ("Kantor Wilayah Jawa Barat", OfficeKind.REGIONAL, None, "32.73", ["32"]),
    ("Kantor Cabang Karawang", OfficeKind.BRANCH, "Kantor Wilayah Jawa Barat", "32.15", ["32.15"]),
]

# The short code each office's numbers carry (001/KB/DPS/XI/2026); a Kanwil has its own.
OFFICE_CODES = {
    "Kantor Wilayah Bali, Nusa Tenggara dan Papua": "KW-BNP",
    "Kantor Cabang Bali Denpasar": "DPS",
    "Kantor Cabang Bali Gianyar": "GNR",
    "Kantor Wilayah Kalimantan": "KW-KAL",
    "Kantor Cabang Palangkaraya": "PLK",
    "Kantor Wilayah Jawa Barat": "KW-JBR",
    "Kantor Cabang Karawang": "KRW",
}

PARTNERS = [
    # name, kind, region, managing office, part of
    (
        "Pemerintah Kota Denpasar",
        PartnerKind.CITY_GOV,
        "51.71",
        "Kantor Cabang Bali Denpasar",
        None,
    ),
    (
        "Kelurahan Sesetan",
        PartnerKind.VILLAGE_GOV,
        "51.71.01.1003",
        "Kantor Cabang Bali Denpasar",
        "Pemerintah Kota Denpasar",
    ),
    (
        "Desa Dangin Puri Kangin",
        PartnerKind.VILLAGE_GOV,
        "51.71.04.2001",
        "Kantor Cabang Bali Denpasar",
        None,
    ),
    (
        "Desa Ubung Kaja",
        PartnerKind.VILLAGE_GOV,
        "51.71.04.2008",
        "Kantor Cabang Bali Denpasar",
        None,
    ),
    (
        "Kejaksaan Negeri Denpasar",
        PartnerKind.PROSECUTOR,
        "51.71",
        "Kantor Cabang Bali Denpasar",
        None,
    ),
    (
        "Pemerintah Kabupaten Tabanan",
        PartnerKind.REGENCY_GOV,
        "51.02",
        "Kantor Cabang Bali Denpasar",
        None,
    ),
    (
        "Dinas Koperasi dan UKM Kabupaten Tabanan",
        PartnerKind.AGENCY,
        "51.02",
        "Kantor Cabang Bali Denpasar",
        "Pemerintah Kabupaten Tabanan",
    ),
    (
        "Pemerintah Kabupaten Gianyar",
        PartnerKind.REGENCY_GOV,
        "51.04",
        "Kantor Cabang Bali Gianyar",
        None,
    ),
    (
        "Dinas Tenaga Kerja Kabupaten Gianyar",
        PartnerKind.AGENCY,
        "51.04",
        "Kantor Cabang Bali Gianyar",
        "Pemerintah Kabupaten Gianyar",
    ),
    ("DPRD Kabupaten Gianyar", PartnerKind.DPRD, "51.04", "Kantor Cabang Bali Gianyar", None),
    (
        "Pemerintah Provinsi Kalimantan Tengah",
        PartnerKind.PROVINCE_GOV,
        "62",
        "Kantor Wilayah Kalimantan",
        None,
    ),
    (
        "Badan Penanaman Modal Daerah dan Perizinan Provinsi Kalimantan Tengah",
        PartnerKind.AGENCY,
        "62",
        "Kantor Wilayah Kalimantan",
        "Pemerintah Provinsi Kalimantan Tengah",
    ),
    (
        "BPJS Kesehatan Kantor Cabang Palangkaraya",
        PartnerKind.OTHER_PUBLIC,
        "62.71",
        "Kantor Wilayah Kalimantan",
        None,
    ),
]

OFFICIALS = [
    # name, title, owner, NIP/NPK, identifier, from, until
    (
        "Tonny Isprijanto",
        "Kepala Kantor Cabang",
        "Kantor Cabang Bali Denpasar",
        "NPK",
        "T0115",
        date(2015, 1, 5),
        date(2018, 12, 31),
    ),
    (
        "I Ketut Arja Leksana",
        "Kepala Bidang Pemasaran Bukan Penerima Upah",
        "Kantor Cabang Bali Denpasar",
        "NPK",
        "A0716",
        date(2016, 1, 4),
        date(2018, 12, 31),
    ),
    (
        "Mohamad Irfan",
        "Kepala Kantor Cabang",
        "Kantor Cabang Bali Denpasar",
        "NPK",
        "I0219",
        date(2019, 1, 2),
        None,
    ),
    (
        "Pandu Aria",
        "Kepala Kantor Cabang",
        "Kantor Cabang Bali Gianyar",
        "NPK",
        "P0323",
        date(2023, 1, 2),
        None,
    ),
    (
        "I Nyoman Mastera",
        "Kepala Kantor Wilayah",
        "Kantor Wilayah Kalimantan",
        "NPK",
        "M0416",
        date(2016, 1, 4),
        date(2019, 12, 31),
    ),
    (
        "Nyoman Ngurah Jimmy Sidharta",
        "Asisten Perekonomian dan Pembangunan (Asisten II) Sekretariat Daerah Kota Denpasar",
        "Pemerintah Kota Denpasar",
        "NIP",
        "196508121990031007",
        date(2014, 6, 2),
        date(2019, 6, 30),
    ),
    (
        "Ketut Sri Karyawati",
        "Lurah Sesetan",
        "Kelurahan Sesetan",
        "NIP",
        "197004171996032004",
        date(2015, 3, 2),
        None,
    ),
    (
        "Ida Ayu Ketut Surya Adnyani",
        "Kepala Dinas Tenaga Kerja Kabupaten Gianyar",
        "Dinas Tenaga Kerja Kabupaten Gianyar",
        "NIP",
        "197109231998032005",
        date(2021, 7, 1),
        None,
    ),
    # The stories do not name these signatories; "Contoh" (example) marks them as invented.
    (
        "I Wayan Contoh",
        "Sekretaris Daerah Kabupaten Tabanan",
        "Pemerintah Kabupaten Tabanan",
        "NIP",
        "196801011994031001",
        date(2018, 1, 2),
        date(2023, 12, 31),
    ),
    (
        "Contoh Rahman",
        "Kepala Badan Penanaman Modal Daerah dan Perizinan Provinsi Kalimantan Tengah",
        "Badan Penanaman Modal Daerah dan Perizinan Provinsi Kalimantan Tengah",
        "NIP",
        "196905051995031002",
        date(2015, 1, 5),
        date(2019, 12, 31),
    ),
    (
        "Contoh Wulandari",
        "Kepala Kantor Cabang",
        "BPJS Kesehatan Kantor Cabang Palangkaraya",
        None,
        None,
        date(2016, 1, 4),
        date(2019, 12, 31),
    ),
]

USERS = [
    # e-mail, name, role, office, partner
    ("admin@kemitraan.test", "Admin Kemitraan", Role.ADMIN, None, None),
    (
        "staf.denpasar@kemitraan.test",
        "Ni Made Ayu Lestari",
        Role.STAFF,
        "Kantor Cabang Bali Denpasar",
        None,
    ),
    (
        "manajer.denpasar@kemitraan.test",
        "Mohamad Irfan",
        Role.MANAGER,
        "Kantor Cabang Bali Denpasar",
        None,
    ),
    (
        "staf.gianyar@kemitraan.test",
        "I Gede Wirawan",
        Role.STAFF,
        "Kantor Cabang Bali Gianyar",
        None,
    ),
    (
        "manajer.gianyar@kemitraan.test",
        "Pandu Aria",
        Role.MANAGER,
        "Kantor Cabang Bali Gianyar",
        None,
    ),
    (
        "mitra.denpasar@kemitraan.test",
        "Staf Setda Kota Denpasar",
        Role.PARTNER,
        None,
        "Pemerintah Kota Denpasar",
    ),
    ("auditor@kemitraan.test", "Auditor Nasional", Role.AUDITOR, None, None),
    (
        "auditor.bali@kemitraan.test",
        "Auditor Kanwil Bali",
        Role.AUDITOR,
        "Kantor Wilayah Bali, Nusa Tenggara dan Papua",
        None,
    ),
    # a partner under an agreement in force, so the demo shows a figure submitted and waiting
    (
        "mitra.gianyar@kemitraan.test",
        "Staf Disnaker Gianyar",
        Role.PARTNER,
        None,
        "Dinas Tenaga Kerja Kabupaten Gianyar",
    ),
]


class DemoError(RuntimeError):
    pass


def load_demo() -> bool:
    """Load the demo once; False when it is already there."""
    if db.session.get(Region, "51.71") is None:
        raise DemoError("load the regions first: flask regions import")
    if db.session.scalar(select(User.id).where(User.email == USERS[0][0])):
        return False
    offices: dict[str, Office] = {}
    for name, kind, parent, seat, served in OFFICES:
        offices[name] = orgs.save_office(
            None,
            {
                "name": name,
                "code": OFFICE_CODES[name],
                "kind": kind,
                "parent_id": offices[parent].id if parent else None,
                "region_code": seat,
                "served_codes": served,
            },
        )
    partners: dict[str, Partner] = {}
    for name, kind, region, office, parent in PARTNERS:
        partner = orgs.save_partner(
            None,
            {
                "name": name,
                "kind": kind,
                "region_code": region,
                "office_id": offices[office].id,
            },
        )
        partner.parent_id = partners[parent].id if parent else None
        partners[name] = partner
    for name, title, owner, id_kind, identifier, start, end in OFFICIALS:
        orgs.save_official(
            None,
            {
                "name": name,
                "title": title,
                "identifier_kind": id_kind,
                "identifier": identifier,
                "tenure_start": start,
                "tenure_end": end,
            },
            owner=partners.get(owner) or offices[owner],
        )
    for email, name, role, office, partner in USERS:
        accounts.create_user(
            email=email,
            name=name,
            role=role,
            password=DEMO_PASSWORD,
            office_id=offices[office].id if office else None,
            partner_id=partners[partner].id if partner else None,
        )
    db.session.flush()
    clauses.load_defaults()
    # the offices seal the texts they send for signature: the demo CA issues their certificates
    certificates.demo_ca()
    load_agreements()
    load_commitments()
    demo_events.load_events()
    load_letters()
    return True


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _partner(name: str) -> Partner:
    return db.session.scalar(select(Partner).where(Partner.name == name))


def _office(name: str) -> Office:
    return db.session.scalar(select(Office).where(Office.name == name))


def _official(name: str) -> Official:
    return db.session.scalar(select(Official).where(Official.name == name))


def _agreement(spec: dict, staff: User, manager: User, *, until: Status) -> Agreement:
    """Take one agreement through the real workflow, as far as `until`."""
    data = {
        "kind": spec["kind"],
        "parent_id": spec.get("parent").id if spec.get("parent") else None,
        "office_id": _office(spec["office"]).id,
        "title": spec["title"],
        "subject": spec["subject"],
        "programs": spec["programs"],
        "funding": spec["funding"],
        "place": spec["place"],
        "term_months": spec["term"],
        "partner_ids": [_partner(name).id for name in spec["partners"]],
        "signed_on": spec.get("signed_on"),
        "effective_on": spec.get("effective_on"),
    }
    agreement = drafting.create(data, staff)
    if spec.get("fill"):  # the drafter completes what the clause library leaves open
        version = queries.latest_version(agreement)
        articles = [
            {**a, "body": spec["fill"].get(a["heading"], a["body"])} for a in version.articles
        ]
        drafting.save_articles(agreement, articles, version.number, staff, "Teks perubahan")
    signers = spec.get("signers", [])
    parties.set_parties(
        agreement,
        None,
        {
            position: {"signatory_id": _official(name).id, "number": number}
            for position, (name, number) in enumerate(signers, start=1)
        },
    )
    for action in ("submit", "approve", "request_signature", "activate"):
        if action == "approve" and spec.get("comment"):
            author, index, text = spec["comment"]
            comment = review.add_comment(agreement, _user(author), index, text)
            if until != Status.IN_REVIEW:
                review.resolve_comment(comment, manager)
        if agreement.status == until:
            break
        if action == "activate":
            _signed_on_paper(agreement, staff, spec["signed_on"])
        workflow.transition(
            agreement,
            action,
            manager if action == "approve" else staff,
            signed_on=spec.get("signed_on"),
            # numbers are issued in the year the agreement was really sent for signature
            today=spec.get("signed_on")
            if action == "request_signature" and spec.get("signed_on")
            else office_today(),
        )
    return agreement


# Gianyar's Disnaker signed the 2024 PKS with its head's certified electronic signature (BSrE).
CERTIFIED_SIGNERS = {"Dinas Tenaga Kerja Kabupaten Gianyar"}


def _signed_on_paper(agreement: Agreement, staff: User, signed_on: date) -> None:
    """The stories' agreements were signed in ink: each partner's signed page is recorded as
    the scan its office would upload."""
    for party in agreement.parties:
        if party.partner_id is None:
            continue
        signer = party.signatory.name if party.signatory else party.name
        if party.name in CERTIFIED_SIGNERS:  # signs with its BSrE certificate, not in ink
            sent = documents.content(signing.sent_document(agreement))
            # signed that morning at the office, as the story tells (not at the demo's load)
            at = get_timezone().localize(datetime.combine(signed_on, time(10)))
            signed = provider.provider_signed(sent, signer, party.name, signed_at=at)
            signing.record_certified(
                agreement, party.position, io.BytesIO(signed), "pks-ttd-elektronik.pdf", staff
            )
            continue
        scan = _scan_of_signed_page(
            [agreement.title, "", party.name, party.number or "", "", "ttd.", signer]
        )
        signing.record_wet_ink(
            agreement,
            party.position,
            io.BytesIO(scan),
            f"pindaian-ttd-pihak-{party.position}.png",
            staff,
            signer_name=signer,
            signed_on=signed_on,
        )


def _scan_of_signed_page(lines: list[str]) -> bytes:
    """A small greyscale image standing in for a scanned signature page."""
    from PIL import Image, ImageDraw  # only the demo draws

    image = Image.new("L", (620, 400), 248)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((40, 40 + 28 * row), line[:90], fill=30)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def load_agreements() -> None:
    """The seed stories as agreements, in the states they would be in today."""
    dps_staff, dps_manager = _user(USERS[1][0]), _user(USERS[2][0])
    gyr_staff, gyr_manager = _user(USERS[3][0]), _user(USERS[4][0])
    admin = _user(USERS[0][0])
    denpasar = "Kantor Cabang Bali Denpasar"
    all_programs = ["JKK", "JKM", "JHT", "JP", "JKP"]

    mou = _agreement(
        {
            "kind": Kind.MOU,
            "office": denpasar,
            "partners": ["Pemerintah Kota Denpasar"],
            "title": "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar",
            "subject": "Pelaksanaan Program BPJS Ketenagakerjaan di Kota Denpasar",
            "programs": all_programs[:4],
            "funding": "apbd",
            "place": "Denpasar",
            "term": 60,
            "signed_on": date(2016, 3, 22),
            "signers": [
                ("Tonny Isprijanto", None),
                ("Nyoman Ngurah Jimmy Sidharta", "100.3.7/012/HK/2016"),
            ],
        },
        dps_staff,
        dps_manager,
        until=Status.ACTIVE,
    )

    sesetan = _agreement(
        {
            "kind": Kind.PKS,
            "parent": mou,
            "office": denpasar,
            "partners": ["Kelurahan Sesetan"],
            "title": f"{DESA_SADAR} Kelurahan Sesetan",
            "subject": "Perlindungan 2.000 pekerja bukan penerima upah di Kelurahan Sesetan",
            "programs": ["JKK", "JKM"],
            "funding": "other",
            "place": "Denpasar",
            "term": 36,
            "signed_on": date(2016, 8, 15),
            "signers": [("Tonny Isprijanto", None), ("Ketut Sri Karyawati", "470/87/SST/2016")],
        },
        dps_staff,
        dps_manager,
        until=Status.ACTIVE,
    )
    _agreement(
        {
            "kind": Kind.RENEWAL,
            "parent": sesetan,
            "office": denpasar,
            "partners": ["Kelurahan Sesetan"],
            "title": "Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan",
            "subject": "Perlindungan pekerja bukan penerima upah di Kelurahan Sesetan",
            "programs": ["JKK", "JKM"],
            "funding": "other",
            "place": "Denpasar",
            "term": 36,
            "signed_on": date(2024, 2, 5),
            "signers": [("Mohamad Irfan", None), ("Ketut Sri Karyawati", "470/21/SST/2024")],
        },
        dps_staff,
        dps_manager,
        until=Status.ACTIVE,
    )
    for village in ("Desa Dangin Puri Kangin", "Desa Ubung Kaja"):
        _agreement(
            {
                "kind": Kind.PKS,
                "parent": mou,
                "office": denpasar,
                "partners": [village],
                "title": f"{DESA_SADAR} {village}",
                "subject": f"Perlindungan 1.000 pekerja bukan penerima upah di {village}",
                "programs": ["JKK", "JKM"],
                "funding": "apbdes",
                "place": "Denpasar",
                "term": 12,
                "effective_on": date(2027, 1, 1),
            },
            dps_staff,
            dps_manager,
            until=Status.DRAFT,
        )
    _agreement(
        {
            "kind": Kind.RENEWAL,
            "parent": mou,
            "office": denpasar,
            "partners": ["Pemerintah Kota Denpasar"],
            "title": "Perpanjangan Kesepakatan Bersama dengan Pemerintah Kota Denpasar",
            "subject": "Optimalisasi Pelaksanaan Program Jaminan Sosial Ketenagakerjaan di Kota "
            "Denpasar: cakupan kepesertaan dari 40% menjadi 50%",
            "programs": all_programs,
            "funding": "apbd",
            "place": "Denpasar",
            "term": 60,
            "effective_on": date(2027, 1, 1),
            "comment": (
                "mitra.denpasar@kemitraan.test",
                4,
                "Mohon jangka waktu disesuaikan dengan periode RPJMD 2025-2029.",
            ),
        },
        dps_staff,
        dps_manager,
        until=Status.IN_REVIEW,
    )

    _agreement(
        {
            "kind": Kind.PKS,
            "office": denpasar,
            "partners": ["Pemerintah Kabupaten Tabanan"],
            "title": "Perjanjian Kerja Sama Perlindungan Tenaga Kerja Non ASN Kabupaten Tabanan",
            "subject": "Perlindungan 3.000-4.000 tenaga kerja non ASN di lingkungan Pemerintah "
            "Kabupaten Tabanan melalui APBD 2020 (JKK dan JKM terlebih dahulu)",
            "programs": ["JKK", "JKM"],
            "funding": "apbd",
            "place": "Tabanan",
            "term": 12,
            "signed_on": date(2020, 1, 10),
            "signers": [("Mohamad Irfan", None), ("I Wayan Contoh", "500.15.15.1/9/Disnaker/2020")],
        },
        dps_staff,
        dps_manager,
        until=Status.ACTIVE,
    )

    gianyar = _agreement(
        {
            "kind": Kind.PKS,
            "office": "Kantor Cabang Bali Gianyar",
            "partners": ["Dinas Tenaga Kerja Kabupaten Gianyar"],
            "title": "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar",
            "subject": "Program 1 desa 100 pekerja rentan: 12.800 pekerja rentan dilindungi "
            "Pemerintah Kabupaten Gianyar selama enam bulan",
            "programs": ["JKK", "JKM"],
            "funding": "apbd",
            "place": "Gianyar",
            "term": 24,
            "signed_on": date(2025, 1, 6),
            "signers": [
                ("Pandu Aria", None),
                ("Ida Ayu Ketut Surya Adnyani", "500.15.15.1/4/Disnaker/2025"),
            ],
        },
        gyr_staff,
        gyr_manager,
        until=Status.ACTIVE,
    )
    _agreement(
        {
            "kind": Kind.ADDENDUM,
            "parent": gianyar,
            "office": "Kantor Cabang Bali Gianyar",
            "partners": ["Dinas Tenaga Kerja Kabupaten Gianyar"],
            "title": "Addendum Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar",
            "subject": "Sosialisasi kepada anggota DPRD Kabupaten Gianyar dan agen Perisai BUMDes",
            "programs": ["JKK", "JKM"],
            "funding": "apbd",
            "place": "Gianyar",
            "term": 12,
            # sent for signature: every party's number is on the sealed text
            "signers": [
                ("Pandu Aria", None),
                ("Ida Ayu Ketut Surya Adnyani", "500.15.15.1/31/Disnaker/2026"),
            ],
            "fill": {
                "Perubahan": "Ketentuan Pasal 2 Perjanjian diubah sehingga berbunyi sebagai "
                'berikut:\n"Pasal 2\nRuang Lingkup\nRuang lingkup Perjanjian ini meliputi '
                "pendaftaran, pembayaran iuran, pelayanan manfaat, pertukaran data kepesertaan "
                "program Jaminan Kecelakaan Kerja (JKK) dan Jaminan Kematian (JKM), serta "
                "sosialisasi program kepada anggota Dewan Perwakilan Rakyat Daerah Kabupaten "
                'Gianyar dan agen Perisai Badan Usaha Milik Desa (BUMDes)."',
            },
        },
        gyr_staff,
        gyr_manager,
        until=Status.AWAITING_SIGNATURE,
    )

    _agreement(
        {
            "kind": Kind.PKS,
            "office": "Kantor Wilayah Kalimantan",
            "partners": [
                "BPJS Kesehatan Kantor Cabang Palangkaraya",
                "Badan Penanaman Modal Daerah dan Perizinan Provinsi Kalimantan Tengah",
            ],
            "title": "Perjanjian Kerja Sama Optimalisasi Penyelenggaraan Jaminan Sosial melalui "
            "PTSP dan PATEN di Provinsi Kalimantan Tengah",
            "subject": "Kepesertaan jaminan sosial sebagai syarat pelayanan perizinan terpadu satu "
            "pintu (PTSP) dan pelayanan administrasi terpadu kecamatan (PATEN)",
            "programs": all_programs[:4],
            "funding": "other",
            "place": "Palangkaraya",
            "term": 36,
            "signed_on": date(2017, 3, 14),
            "signers": [
                ("I Nyoman Mastera", None),
                ("Contoh Wulandari", "HK.03/0317/2017"),
                ("Contoh Rahman", "100.3.7/47/BPMD-P/2017"),
            ],
        },
        admin,
        admin,
        until=Status.ACTIVE,
    )


def _by_title(title: str) -> Agreement:
    return db.session.scalar(select(Agreement).where(Agreement.title == title))


def _article(agreement: Agreement, heading: str) -> int:
    """The number of the article with `heading` in the agreement's text."""
    return next(n for n, label in commitments.article_choices(agreement) if label.endswith(heading))


def _commitment(agreement: Agreement, kind, partner: str, heading: str, data: dict, by: User,
                figures=(), done=None):  # fmt: skip
    """One commitment through the services, with its figures (period end, value, source)."""
    commitment = commitments.create(
        agreement,
        kind,
        {"partner_id": _partner(partner).id, "article": _article(agreement, heading), **data},
        by,
    )
    for period_end, value, source, *workers in figures:
        commitments.add_figure(
            commitment,
            {
                "period_end": period_end,
                "value": Decimal(value),
                "source": source,
                "workers": workers[0] if workers else None,
            },
            None,
            by,
        )
    if done:
        commitments.mark_done(commitment, done, None, by)
    return commitment


def load_commitments() -> None:
    """What the stories' governments committed to, with realisation figures so that the
    statuses on the demo day differ. The stories give the baselines and targets (Denpasar 40%
    with 87.000 participants aiming at 50%; Gianyar 6.400 towards 12.800 vulnerable workers,
    12.800 x Rp16.800 x 12 months; Tabanan's non-ASN workers; the Bali Denpasar branch's BPU
    target 22.964 with 7.708 reached by July 2017); the figures between them are invented."""
    dps_staff, gyr_staff = _user(USERS[1][0]), _user(USERS[3][0])
    denpasar, sesetan = "Pemerintah Kota Denpasar", "Kelurahan Sesetan"
    mou = _by_title("Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar")
    _commitment(
        mou,
        CommitmentKind.TARGET,
        denpasar,
        "Maksud dan Tujuan",
        {
            "title": "Cakupan kepesertaan Kota Denpasar dari 40% menjadi 50%",
            "description": "87.000 peserta pada awal 2016, atau 40% pekerja Kota Denpasar.",
            "metric": Metric.COVERAGE_PCT,
            "baseline_value": Decimal(40),
            "baseline_on": date(2016, 3, 22),
            "target_value": Decimal(50),
            "due_on": date(2016, 12, 31),
            "region_code": "51.71",
        },
        dps_staff,
        figures=[
            (date(2016, 6, 30), 42, "Data kepesertaan BPJS Ketenagakerjaan Cabang Denpasar"),
            (date(2016, 9, 30), 43, "Data kepesertaan BPJS Ketenagakerjaan Cabang Denpasar"),
            (date(2016, 12, 31), 47, "Data kepesertaan BPJS Ketenagakerjaan Cabang Denpasar"),
        ],
    )
    _commitment(
        mou,
        CommitmentKind.TARGET,
        denpasar,
        "Ruang Lingkup",
        {
            "title": "Kepesertaan pekerja bukan penerima upah 22.964 orang pada 2017",
            "metric": Metric.BPU_PARTICIPANTS,
            "baseline_value": Decimal(4000),
            "baseline_on": date(2016, 12, 31),
            "target_value": Decimal(22964),
            "due_on": date(2017, 12, 31),
        },
        dps_staff,
        figures=[(date(2017, 7, 31), 7708, "Laporan Kepala Bidang Pemasaran BPU, Juli 2017")],
    )
    sesetan_renewal = _by_title("Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan")
    _commitment(
        sesetan_renewal,
        CommitmentKind.TARGET,
        sesetan,
        "Hak dan Kewajiban",
        {
            "title": "Peserta bukan penerima upah di Kelurahan Sesetan menjadi 2.600",
            "metric": Metric.BPU_PARTICIPANTS,
            "baseline_value": Decimal(2000),
            "baseline_on": date(2024, 2, 5),
            "target_value": Decimal(2600),
            "due_on": date(2027, 2, 4),
            "region_code": "51.71.01.1003",
        },
        dps_staff,
        figures=[
            (date(2024, 12, 31), 2050, "Data kepesertaan Kelurahan Sesetan"),
            (date(2025, 6, 30), 2080, "Data kepesertaan Kelurahan Sesetan"),
            (date(2025, 12, 31), 2060, "Data kepesertaan Kelurahan Sesetan"),
            (date(2026, 6, 30), 2040, "Data kepesertaan Kelurahan Sesetan"),
        ],
    )
    tabanan = _by_title("Perjanjian Kerja Sama Perlindungan Tenaga Kerja Non ASN Kabupaten Tabanan")
    _commitment(
        tabanan,
        CommitmentKind.BUDGET,
        "Pemerintah Kabupaten Tabanan",
        "Pembiayaan",
        {
            "title": "APBD 2020 untuk iuran JKK dan JKM 3.500 tenaga kerja non ASN",
            "fiscal_year": 2020,
            "funding": "apbd",
            "account_code": "5.1.02.01.01.0031",
            "programs": ["JKK", "JKM"],
            "workers": 3500,
            "months": 12,
            "amount": 3500 * 16800 * 12,
        },
        dps_staff,
        figures=[
            (date(2020, 6, 30), 352800000, "Surat Perintah Pencairan Dana BPKAD Tabanan", 3500),
            (date(2020, 12, 31), 705600000, "Surat Perintah Pencairan Dana BPKAD Tabanan", 3500),
        ],
    )
    _commitment(
        tabanan,
        CommitmentKind.ACTION,
        "Pemerintah Kabupaten Tabanan",
        "Hak dan Kewajiban",
        {
            "title": "Menerbitkan Peraturan Bupati tentang perlindungan tenaga kerja non ASN",
            "due_on": date(2020, 3, 31),
        },
        dps_staff,
    )
    gianyar = _by_title("Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar")
    disnaker = "Dinas Tenaga Kerja Kabupaten Gianyar"
    _commitment(
        gianyar,
        CommitmentKind.TARGET,
        disnaker,
        "Pelaksanaan",
        {
            "title": "Pekerja rentan terlindungi dari 6.400 menjadi 12.800",
            "description": "Program 1 desa 100 pekerja rentan, iuran ditanggung Pemerintah "
            "Kabupaten Gianyar.",
            "metric": Metric.VULNERABLE_COVERED,
            "baseline_value": Decimal(6400),
            "baseline_on": date(2024, 12, 31),
            "target_value": Decimal(12800),
            "due_on": date(2026, 12, 31),
            "region_code": "51.04",
        },
        gyr_staff,
        figures=[
            (date(2025, 6, 30), 7900, "Data kepesertaan Disnaker Gianyar"),
            (date(2025, 12, 31), 9800, "Data kepesertaan Disnaker Gianyar"),
            (date(2026, 3, 31), 10600, "Data kepesertaan Disnaker Gianyar"),
            (date(2026, 6, 30), 11400, "Data kepesertaan Disnaker Gianyar"),
            (date(2026, 9, 30), 12100, "Data kepesertaan Disnaker Gianyar"),
        ],
    )
    _commitment(
        gianyar,
        CommitmentKind.BUDGET,
        disnaker,
        "Pembiayaan",
        {
            "title": "APBD 2026 untuk iuran JKK dan JKM 12.800 pekerja rentan",
            "fiscal_year": 2026,
            "funding": "apbd",
            "account_code": "5.1.02.99.99.9999",
            "programs": ["JKK", "JKM"],
            "workers": 12800,
            "months": 12,
            "amount": 12800 * 16800 * 12,
        },
        gyr_staff,
        figures=[
            (date(2026, 3, 31), 645120000, "Bukti transfer BPKAD Gianyar", 12800),
            (date(2026, 6, 30), 1290240000, "Bukti transfer BPKAD Gianyar", 12800),
            (date(2026, 9, 30), 1935360000, "Bukti transfer BPKAD Gianyar", 12800),
        ],
    )
    _commitment(
        gianyar,
        CommitmentKind.ACTION,
        disnaker,
        "Hak dan Kewajiban",
        {
            "title": "Sosialisasi program kepada anggota DPRD Kabupaten Gianyar",
            "due_on": date(2025, 6, 30),
        },
        gyr_staff,
        # a second briefing under the 2025 PKS: the first is the July 2024 event (demo/events.py)
        done={
            "done_on": date(2025, 5, 20),
            "done_note": "Sosialisasi kedua di Gedung DPRD Kabupaten Gianyar, setelah yang "
            "pertama pada Juli 2024.",
        },
    )
    _commitment(
        gianyar,
        CommitmentKind.TARGET,
        disnaker,
        "Pelaksanaan",
        {
            "title": "Cakupan kepesertaan Kabupaten Gianyar dari 43% menjadi 50%",
            "description": "Kepesertaan per 30 Juni 2024 telah mencapai 43% pekerja Kabupaten "
            "Gianyar.",
            "metric": Metric.COVERAGE_PCT,
            "baseline_value": Decimal(43),
            "baseline_on": date(2024, 6, 30),
            "target_value": Decimal(50),
            "due_on": date(2026, 12, 31),
            "region_code": "51.04",
        },
        gyr_staff,
        figures=[
            (date(2025, 6, 30), "44.6", "Data kepesertaan BPJS Ketenagakerjaan Cabang Gianyar"),
            (date(2025, 12, 31), "46.1", "Data kepesertaan BPJS Ketenagakerjaan Cabang Gianyar"),
            (date(2026, 6, 30), "47.9", "Data kepesertaan BPJS Ketenagakerjaan Cabang Gianyar"),
        ],
    )
    # "1 desa 100 pekerja rentan": 64 villages x 100 workers, paid by the regency for six months
    _commitment(
        gianyar,
        CommitmentKind.BUDGET,
        disnaker,
        "Pembiayaan",
        {
            "title": "APBD 2025: 1 desa 100 pekerja rentan, iuran JKK dan JKM selama enam bulan",
            "fiscal_year": 2025,
            "funding": "apbd",
            "account_code": "5.1.02.99.99.9998",
            "programs": ["JKK", "JKM"],
            "workers": 6400,
            "months": 6,
            "amount": 6400 * 16800 * 6,
        },
        gyr_staff,
        figures=[
            (date(2025, 6, 30), 322560000, "Bukti transfer BPKAD Gianyar", 6400),
            (date(2025, 12, 31), 645120000, "Bukti transfer BPKAD Gianyar", 6400),
        ],
    )
    load_pilot_and_kalimantan(dps_staff, _user(USERS[0][0]))
    # Disnaker Gianyar reports September's coverage; the branch has yet to accept it
    commitments.submit_figure(
        db.session.scalar(
            select(Commitment).where(
                Commitment.title == "Cakupan kepesertaan Kabupaten Gianyar dari 43% menjadi 50%"
            )
        ),
        {
            "period_end": date(2026, 9, 30),
            "value": Decimal("48.6"),
            "source": "Rekapitulasi kepesertaan Disnaker Gianyar",
            "note": "Termasuk 800 pekerja rentan dari program 1 desa 100 pekerja rentan.",
        },
        None,
        _user("mitra.gianyar@kemitraan.test"),
    )


def load_pilot_and_kalimantan(dps_staff: User, admin: User) -> None:
    """The pilot villages' informal-worker targets (Sesetan 2.000, reached after the 2017
    carnival booth; Dangin Puri Kangin and Ubung Kaja 1.000 each, in drafts starting 2027)
    and Kalimantan Tengah's coverage, 25% of 600.000 workers in the 2015 survey."""
    source = "Data kepesertaan Kelurahan Sesetan"
    _commitment(
        _by_title(f"{DESA_SADAR} Kelurahan Sesetan"),
        CommitmentKind.TARGET,
        "Kelurahan Sesetan",
        "Ruang Lingkup",
        {
            "title": "2.000 pekerja bukan penerima upah di Kelurahan Sesetan terlindungi",
            "metric": Metric.BPU_PARTICIPANTS,
            "baseline_value": Decimal(0),
            "baseline_on": date(2016, 8, 15),
            "target_value": Decimal(2000),
            "due_on": date(2017, 12, 31),
            "region_code": "51.71.01.1003",
        },
        dps_staff,
        figures=[
            (date(2016, 12, 31), 650, source),
            (date(2017, 6, 30), 1240, source),
            # August 2017's level (1.870) is the carnival booth's: demo/events.py counts its
            # registrations through the events' contribution service
            (date(2017, 12, 31), 2000, source),
        ],
    )
    for village in ("Desa Dangin Puri Kangin", "Desa Ubung Kaja"):
        _commitment(
            _by_title(f"{DESA_SADAR} {village}"),
            CommitmentKind.TARGET,
            village,
            "Ruang Lingkup",
            {
                "title": f"1.000 pekerja bukan penerima upah di {village} terlindungi",
                "metric": Metric.BPU_PARTICIPANTS,
                "baseline_value": Decimal(0),
                "baseline_on": date(2027, 1, 1),
                "target_value": Decimal(1000),
                "due_on": date(2027, 12, 31),
            },
            dps_staff,
        )
    kalteng = _by_title(
        "Perjanjian Kerja Sama Optimalisasi Penyelenggaraan Jaminan Sosial melalui "
        "PTSP dan PATEN di Provinsi Kalimantan Tengah"
    )
    source = "Data kepesertaan BPJS Ketenagakerjaan Kantor Wilayah Kalimantan"
    _commitment(
        kalteng,
        CommitmentKind.TARGET,
        "Badan Penanaman Modal Daerah dan Perizinan Provinsi Kalimantan Tengah",
        "Ruang Lingkup",
        {
            "title": "Cakupan kepesertaan Provinsi Kalimantan Tengah dari 25% menjadi 35%",
            "description": "Survei 2015: 600.000 tenaga kerja di Kalimantan Tengah, baru 25% "
            "(sekitar 150.000) terdaftar sebagai peserta.",
            "metric": Metric.COVERAGE_PCT,
            "baseline_value": Decimal(25),
            "baseline_on": date(2015, 12, 31),
            "target_value": Decimal(35),
            "due_on": date(2020, 3, 13),
            "region_code": "62",
        },
        admin,
        figures=[
            (date(2017, 12, 31), "27.5", source),
            (date(2018, 12, 31), "29.8", source),
            (date(2019, 12, 31), "31.2", source),
        ],
    )


def load_letters() -> None:
    """Last month's progress letter to every partner that owes something, sealed and stored;
    a partner the letter cannot be addressed to (no head in office) is left for the office."""
    today = office_today()
    period = letters.parse_period(letters.default_period(today))
    staff = {u.office_id: u for u in reversed([_user(row[0]) for row in USERS]) if u.office_id}
    for office in db.session.scalars(select(Office).order_by(Office.id)):
        for partner_id in letters.partners_to_write(office.id, period):
            try:
                with db.session.begin_nested():
                    letters.issue_letter(
                        db.session.get(Partner, partner_id), period, today, staff.get(office.id)
                    )
            except letters.LetterRefused:
                continue
