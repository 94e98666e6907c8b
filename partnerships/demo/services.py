"""The demo: the offices, partners, officials and users of the five seed stories.

Names and positions are the ones the news stories report; NIP and NPK numbers are invented
(they are personal data) and only have the right shape.
"""

from datetime import date

from sqlalchemy import select

from partnerships.auth import services as accounts
from partnerships.auth.models import User
from partnerships.core.roles import Role
from partnerships.extensions import db
from partnerships.organisations import services as orgs
from partnerships.organisations.models import Office, OfficeKind, Partner, PartnerKind
from partnerships.regions.models import Region

DEMO_PASSWORD = "demo-kemitraan"  # noqa: S105 - published in the README for the demo only

OFFICES = [
    # name, kind, parent, seat, regions served
    ("Kantor Wilayah Bali, Nusa Tenggara dan Papua", OfficeKind.REGIONAL, None, "51.71", ["51"]),
    ("Kantor Cabang Bali Denpasar", OfficeKind.BRANCH,
     "Kantor Wilayah Bali, Nusa Tenggara dan Papua", "51.71",
     ["51.71", "51.03", "51.02", "51.01", "51.08"]),
    ("Kantor Cabang Bali Gianyar", OfficeKind.BRANCH,
     "Kantor Wilayah Bali, Nusa Tenggara dan Papua", "51.04",
     ["51.04", "51.05", "51.06", "51.07"]),
    ("Kantor Wilayah Kalimantan", OfficeKind.REGIONAL, None, "64.71", ["62", "64"]),
    ("Kantor Cabang Palangkaraya", OfficeKind.BRANCH, "Kantor Wilayah Kalimantan", "62.71",
     ["62.71"]),
    ("Kantor Wilayah Jawa Barat", OfficeKind.REGIONAL, None, "32.73", ["32"]),
    ("Kantor Cabang Karawang", OfficeKind.BRANCH, "Kantor Wilayah Jawa Barat", "32.15",
     ["32.15"]),
]

PARTNERS = [
    # name, kind, region, managing office, part of
    ("Pemerintah Kota Denpasar", PartnerKind.CITY_GOV, "51.71", "Kantor Cabang Bali Denpasar", None),
    ("Kelurahan Sesetan", PartnerKind.VILLAGE_GOV, "51.71.01.1003", "Kantor Cabang Bali Denpasar",
     "Pemerintah Kota Denpasar"),
    ("Desa Dangin Puri Kangin", PartnerKind.VILLAGE_GOV, "51.71.04.2001",
     "Kantor Cabang Bali Denpasar", None),
    ("Desa Ubung Kaja", PartnerKind.VILLAGE_GOV, "51.71.04.2008", "Kantor Cabang Bali Denpasar",
     None),
    ("Kejaksaan Negeri Denpasar", PartnerKind.PROSECUTOR, "51.71", "Kantor Cabang Bali Denpasar",
     None),
    ("Pemerintah Kabupaten Tabanan", PartnerKind.REGENCY_GOV, "51.02",
     "Kantor Cabang Bali Denpasar", None),
    ("Dinas Koperasi dan UKM Kabupaten Tabanan", PartnerKind.AGENCY, "51.02",
     "Kantor Cabang Bali Denpasar", "Pemerintah Kabupaten Tabanan"),
    ("Pemerintah Kabupaten Gianyar", PartnerKind.REGENCY_GOV, "51.04", "Kantor Cabang Bali Gianyar",
     None),
    ("Dinas Tenaga Kerja Kabupaten Gianyar", PartnerKind.AGENCY, "51.04",
     "Kantor Cabang Bali Gianyar", "Pemerintah Kabupaten Gianyar"),
    ("DPRD Kabupaten Gianyar", PartnerKind.DPRD, "51.04", "Kantor Cabang Bali Gianyar", None),
    ("Pemerintah Provinsi Kalimantan Tengah", PartnerKind.PROVINCE_GOV, "62",
     "Kantor Wilayah Kalimantan", None),
    ("Badan Penanaman Modal Daerah dan Perizinan Provinsi Kalimantan Tengah", PartnerKind.AGENCY,
     "62", "Kantor Wilayah Kalimantan", "Pemerintah Provinsi Kalimantan Tengah"),
    ("BPJS Kesehatan Kantor Cabang Palangkaraya", PartnerKind.OTHER_PUBLIC, "62.71",
     "Kantor Wilayah Kalimantan", None),
]

OFFICIALS = [
    # name, title, owner, NIP/NPK, identifier, from, until
    ("Tonny Isprijanto", "Kepala Kantor Cabang", "Kantor Cabang Bali Denpasar", "NPK", "T0115",
     date(2015, 1, 5), date(2018, 12, 31)),
    ("I Ketut Arja Leksana", "Kepala Bidang Pemasaran Bukan Penerima Upah",
     "Kantor Cabang Bali Denpasar", "NPK", "A0716", date(2016, 1, 4), date(2018, 12, 31)),
    ("Mohamad Irfan", "Kepala Kantor Cabang", "Kantor Cabang Bali Denpasar", "NPK", "I0219",
     date(2019, 1, 2), None),
    ("Pandu Aria", "Kepala Kantor Cabang", "Kantor Cabang Bali Gianyar", "NPK", "P0323",
     date(2023, 1, 2), None),
    ("I Nyoman Mastera", "Kepala Kantor Wilayah", "Kantor Wilayah Kalimantan", "NPK", "M0416",
     date(2016, 1, 4), date(2019, 12, 31)),
    ("Nyoman Ngurah Jimmy Sidharta", "Asisten Perekonomian dan Pembangunan (Asisten II) "
     "Sekretariat Daerah Kota Denpasar", "Pemerintah Kota Denpasar", "NIP",
     "196508121990031007", date(2014, 6, 2), date(2019, 6, 30)),
    ("Ketut Sri Karyawati", "Lurah Sesetan", "Kelurahan Sesetan", "NIP", "197004171996032004",
     date(2015, 3, 2), None),
    ("Ida Ayu Ketut Surya Adnyani", "Kepala Dinas Tenaga Kerja Kabupaten Gianyar",
     "Dinas Tenaga Kerja Kabupaten Gianyar", "NIP", "197109231998032005", date(2021, 7, 1),
     None),
]

USERS = [
    # e-mail, name, role, office, partner
    ("admin@kemitraan.test", "Admin Kemitraan", Role.ADMIN, None, None),
    ("staf.denpasar@kemitraan.test", "Ni Made Ayu Lestari", Role.STAFF,
     "Kantor Cabang Bali Denpasar", None),
    ("manajer.denpasar@kemitraan.test", "Mohamad Irfan", Role.MANAGER,
     "Kantor Cabang Bali Denpasar", None),
    ("staf.gianyar@kemitraan.test", "I Gede Wirawan", Role.STAFF, "Kantor Cabang Bali Gianyar",
     None),
    ("mitra.denpasar@kemitraan.test", "Staf Setda Kota Denpasar", Role.PARTNER, None,
     "Pemerintah Kota Denpasar"),
    ("auditor@kemitraan.test", "Auditor Nasional", Role.AUDITOR, None, None),
    ("auditor.bali@kemitraan.test", "Auditor Kanwil Bali", Role.AUDITOR,
     "Kantor Wilayah Bali, Nusa Tenggara dan Papua", None),
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
        offices[name] = orgs.save_office(None, {
            "name": name, "kind": kind, "parent_id": offices[parent].id if parent else None,
            "region_code": seat, "served_codes": served,
        })
    partners: dict[str, Partner] = {}
    for name, kind, region, office, parent in PARTNERS:
        partner = orgs.save_partner(None, {
            "name": name, "kind": kind, "region_code": region, "office_id": offices[office].id,
        })
        partner.parent_id = partners[parent].id if parent else None
        partners[name] = partner
    for name, title, owner, id_kind, identifier, start, end in OFFICIALS:
        orgs.save_official(None, {
            "name": name, "title": title, "identifier_kind": id_kind, "identifier": identifier,
            "tenure_start": start, "tenure_end": end,
        }, owner=partners.get(owner) or offices[owner])
    for email, name, role, office, partner in USERS:
        accounts.create_user(
            email=email, name=name, role=role, password=DEMO_PASSWORD,
            office_id=offices[office].id if office else None,
            partner_id=partners[partner].id if partner else None,
        )
    db.session.flush()
    return True
