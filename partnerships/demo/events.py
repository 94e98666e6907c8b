"""The seed stories' events, recorded through the events services as the offices would have:
the 2016 coordination meeting with the City of Denpasar, the Sesetan carnival booth (13-17
August 2017), the Tabanan FGD (December 2019) and the cooperatives briefing it scheduled for
January 2020, the Gianyar DPRD briefing (2024) and the Kalimantan Tengah signing ceremony.

Days, places, speakers and figures are the stories'. What they do not give is filled in with
plausible demo values, marked `# demo value` below: the hours, the attendance, the day of a
month the story names only by month, and the booth's registrations. Bali is WITA; Palangka
Raya, in Kalimantan Tengah, is WIB.

What came of them goes through the events' own services too: the booth's registrations count
towards Kelurahan Sesetan's target as a realisation figure (outcomes.contribute), and a few
follow-ups are recorded (follow_ups.create, mark_done), one of them overdue on the demo's day.
"""

from datetime import date, time, timedelta

from sqlalchemy import select

from partnerships.agreements.models import Agreement
from partnerships.auth.models import User
from partnerships.commitments.models import Commitment
from partnerships.core.formatting import office_today
from partnerships.events import follow_ups, outcomes
from partnerships.events import services as events
from partnerships.events.models import Event
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner

WITA, WIB = "Asia/Makassar", "Asia/Jakarta"
DENPASAR_STAFF = "staf.denpasar@kemitraan.test"
GIANYAR_STAFF = "staf.gianyar@kemitraan.test"
ADMIN = "admin@kemitraan.test"

DENPASAR_MOU = "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar"
SESETAN_PKS = "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Kelurahan Sesetan"
TABANAN_PKS = "Perjanjian Kerja Sama Perlindungan Tenaga Kerja Non ASN Kabupaten Tabanan"
GIANYAR_PKS = "Perjanjian Kerja Sama Perlindungan Pekerja Rentan Kabupaten Gianyar"
KALTENG_PKS = (
    "Perjanjian Kerja Sama Optimalisasi Penyelenggaraan Jaminan Sosial melalui "
    "PTSP dan PATEN di Provinsi Kalimantan Tengah"
)
SESETAN_TARGET = "2.000 pekerja bukan penerima upah di Kelurahan Sesetan terlindungi"

COORDINATION = "Rapat koordinasi pelaksanaan Kesepakatan Bersama dengan Pemerintah Kota Denpasar"
BOOTH = "Booth BPJS Ketenagakerjaan di Sesetan Karnaval dan Pekan Olahraga Kelurahan Sesetan"
FGD = "FGD perlindungan tenaga kerja non ASN di lingkungan Pemerintah Kabupaten Tabanan"
COOPERATIVES = "Sosialisasi program kepada pengurus koperasi aktif di Kabupaten Tabanan"
DPRD = "Sosialisasi program jaminan sosial ketenagakerjaan kepada anggota DPRD Kabupaten Gianyar"
SIGNING = (
    "Penandatanganan PKS optimalisasi jaminan sosial melalui PTSP dan PATEN "
    "Provinsi Kalimantan Tengah"
)

# Participants registered at the booth: the demo's Sesetan figures rise from 1.240 (June 2017)
# to 1.870 (August 2017); the story gives no count, so the booth is given that rise.
BOOTH_REGISTRATIONS = 630  # demo value


def _named(model, column, value):
    found = db.session.scalar(select(model).where(column == value))
    if found is None:
        raise LookupError(f"demo: no {model.__name__} {value!r}")
    return found


def _user(email: str) -> User:
    return _named(User, User.email, email)


def _office(name: str) -> Office:
    return _named(Office, Office.name, name)


def _partner(name: str) -> Partner:
    return _named(Partner, Partner.name, name)


def _agreement(title: str) -> Agreement:
    return _named(Agreement, Agreement.title, title)


def _commitment(title: str) -> Commitment:
    return _named(Commitment, Commitment.title, title)


def _record(spec: dict, actor: User) -> Event:
    """One event through the services: planned, linked, and held with its outcome if it was."""
    event = events.create(_office(spec["office"]), spec["plan"], actor)
    agreements = [_agreement(title) for title in spec.get("agreements", [])]
    events.set_links(
        event,
        [_partner(name).id for name in spec["partners"]],
        [a.id for a in agreements],
        [_commitment(title).id for title in spec.get("commitments", [])],
    )
    if "held" in spec:
        events.mark_held(event, spec["held"])
    return event


def load_events() -> dict[str, Event]:
    """The six seed events, by short name."""
    dps, gyr, admin = _user(DENPASAR_STAFF), _user(GIANYAR_STAFF), _user(ADMIN)
    recorded = {}
    recorded["coordination"] = _record(
        {
            "office": "Kantor Cabang Bali Denpasar",
            "plan": {
                "kind": "coordination",
                "title": COORDINATION,
                # the story's Tuesday; the demo's MoU and coverage baseline are dated that day
                "starts_on": date(2016, 3, 22),
                "starts_time": time(9),  # demo value
                "ends_time": time(12),  # demo value
                "timezone": WITA,
                "venue": "Denpasar",
                "region_code": "51.71",
                "audience": ["agency_heads"],
                "planned_attendance": 30,  # demo value
                "summary": "Sosialisasi dan koordinasi pelaksanaan Kesepakatan Bersama "
                "tentang pelaksanaan program BPJS Ketenagakerjaan di Kota Denpasar, agar "
                "dipahami bersama dan tidak menyimpang dari peraturan, termasuk bagi tenaga "
                "kerja non PNS di lingkungan Pemerintah Kota Denpasar.",
            },
            "partners": ["Pemerintah Kota Denpasar"],
            "agreements": [DENPASAR_MOU],
            "commitments": ["Cakupan kepesertaan Kota Denpasar dari 40% menjadi 50%"],
            "held": {
                "actual_attendance": 30,  # demo value
                "minutes": "Asisten II Setda Kota Denpasar, Nyoman Ngurah Jimmy Sidharta: "
                "Pemerintah Kota Denpasar berkepentingan memastikan program berjalan baik bagi "
                "tenaga kerja formal dan informal; pelaksanaannya perlu diperdalam bersama "
                "karena Pemkot memiliki tenaga kerja non PNS.\n"
                "Kepala Kantor Cabang Bali Denpasar, Tonny Isprijanto: peserta di seluruh Bali "
                "205.000 orang, di Kota Denpasar 87.000 orang atau 40%, termasuk peserta "
                "swasta dan informal; tahun ini diharapkan mencapai 50%.",
            },
        },
        dps,
    )
    recorded["booth"] = _record(
        {
            "office": "Kantor Cabang Bali Denpasar",
            "plan": {
                "kind": "booth",
                "title": BOOTH,
                "starts_on": date(2017, 8, 13),
                "ends_on": date(2017, 8, 17),
                "all_day": True,
                "timezone": WITA,
                "venue": "Lapangan Pegok, Sesetan",
                "region_code": "51.71.01.1003",
                "audience": ["informal_workers", "public"],
                "summary": "Sosialisasi masif selama lima hari bersamaan dengan Sesetan "
                "Karnaval dan Pekan Olahraga Kelurahan Sesetan, pesta rakyat memperingati "
                "HUT ke-72 Kemerdekaan Republik Indonesia: informasi program, pendaftaran dan "
                "pembayaran iuran langsung bagi pekerja bukan penerima upah.",
            },
            "partners": ["Kelurahan Sesetan"],
            "agreements": [SESETAN_PKS],
            "commitments": [SESETAN_TARGET],
            "held": {
                "actual_attendance": 1500,  # demo value: visitors to the booth over five days
                "new_registrations": BOOTH_REGISTRATIONS,
                "registrations_note": "Warga mendaftar dan membayar iuran langsung di booth.",
                "minutes": "Kepala Bidang Pemasaran BPU, I Ketut Arja Leksana: tiga "
                "kelurahan percontohan sadar BPJS Ketenagakerjaan di Kota Denpasar (Sesetan, "
                "Dangin Puri Kangin, Ubung Kaja) menyasar 2.000, 1.000 dan 1.000 pekerja "
                "informal; kepesertaan BPU di lima kabupaten/kota 7.708 orang hingga Juli "
                "2017, target 2017 Cabang Bali Denpasar 22.964 orang.\n"
                "Lurah Sesetan, Ketut Sri Karyawati: pemerintah bersama perusahaan wajib "
                "melindungi pekerja formal maupun informal; BPJS Ketenagakerjaan melayani "
                "masyarakat Sesetan selama pesta rakyat.",
            },
        },
        dps,
    )
    recorded["fgd"] = _record(
        {
            "office": "Kantor Cabang Bali Denpasar",
            "plan": {
                "kind": "fgd",
                "title": FGD,
                # "FGD kemarin", said on Sunday 22 December 2019: the Friday before
                "starts_on": date(2019, 12, 20),  # demo value
                "starts_time": time(9),  # demo value
                "ends_time": time(12),  # demo value
                "timezone": WITA,
                "venue": "Kantor Pemerintah Kabupaten Tabanan",
                "region_code": "51.02",
                "audience": ["agency_heads"],
                "planned_attendance": 25,  # demo value
                "summary": "FGD dengan Pemerintah Kabupaten Tabanan dan para kepala OPD, "
                "dihadiri Sekretaris Daerah, dengan Kepala Dinas Tenaga Kerja sebagai "
                "moderator: optimalisasi perlindungan tenaga kerja dalam program BPJS "
                "Ketenagakerjaan, khususnya tenaga kerja non ASN di lingkungan Pemerintah "
                "Kabupaten Tabanan.",
            },
            "partners": [
                "Dinas Koperasi dan UKM Kabupaten Tabanan",
                "Pemerintah Kabupaten Tabanan",
            ],
            "agreements": [TABANAN_PKS],
            "commitments": [
                "APBD 2020 untuk iuran JKK dan JKM 3.500 tenaga kerja non ASN",
                "Menerbitkan Peraturan Bupati tentang perlindungan tenaga kerja non ASN",
            ],
            "held": {
                "actual_attendance": 25,  # demo value
                "minutes": "Pemerintah Kabupaten Tabanan sepakat dan sudah menganggarkan "
                "perlindungan tenaga kerja non ASN pada 2020: JKK dan JKM terlebih dahulu, "
                "program lain menyusul sesuai kemampuan APBD. Potensi tenaga kerja non ASN "
                "3.000-4.000 orang.\n"
                "Dinas Koperasi meminta sosialisasi kepada pengurus koperasi yang aktif dan "
                "rutin menyelenggarakan RAT; dijadwalkan Januari 2020.",
            },
        },
        dps,
    )
    recorded["cooperatives"] = _record(
        {
            "office": "Kantor Cabang Bali Denpasar",
            "plan": {
                "kind": "socialisation",
                "title": COOPERATIVES,
                # the story schedules it for January 2020, no day: still planned, as it says
                "starts_on": date(2020, 1, 21),  # demo value
                "starts_time": time(9),  # demo value
                "ends_time": time(12),  # demo value
                "timezone": WITA,
                "venue": "Kabupaten Tabanan",
                "region_code": "51.02",
                "audience": ["cooperative_boards"],
                "summary": "Diminta Dinas Koperasi pada FGD Desember 2019, karena banyak "
                "koperasi di Tabanan aktif dan rutin menyelenggarakan RAT: santunan kematian "
                "naik menjadi Rp42 juta dari Rp24 juta, dan manfaat beasiswa juga naik. "
                "Dijadwalkan Januari 2020.",
            },
            "partners": ["Dinas Koperasi dan UKM Kabupaten Tabanan"],
        },
        dps,
    )
    recorded["dprd"] = _record(
        {
            "office": "Kantor Cabang Bali Gianyar",
            "plan": {
                "kind": "socialisation",
                "title": DPRD,
                # after the 43% of 30 June 2024 it reports
                "starts_on": date(2024, 7, 18),  # demo value
                "starts_time": time(10),  # demo value
                "ends_time": time(12),  # demo value
                "timezone": WITA,
                "venue": "Gedung DPRD Kabupaten Gianyar",
                "region_code": "51.04",
                "audience": ["dprd"],
                "planned_attendance": 45,  # demo value
                "summary": "Bersama Dinas Tenaga Kerja Kabupaten Gianyar: program JKK, JKM, "
                "JHT, JP dan JKP bagi pekerja formal dan informal, Inpres Nomor 2 Tahun 2021 "
                "tentang Optimalisasi Pelaksanaan Program Jaminan Sosial Ketenagakerjaan, dan "
                "kebijakan 1 desa 100 pekerja rentan yang iurannya ditanggung Pemerintah "
                "Kabupaten Gianyar selama enam bulan.",
            },
            "partners": ["DPRD Kabupaten Gianyar", "Dinas Tenaga Kerja Kabupaten Gianyar"],
            # the 2025 PKS took up what was reported here (43%; 6.400 towards 12.800)
            "agreements": [GIANYAR_PKS],
            "commitments": [
                "Pekerja rentan terlindungi dari 6.400 menjadi 12.800",
                "Cakupan kepesertaan Kabupaten Gianyar dari 43% menjadi 50%",
            ],
            "held": {
                "actual_attendance": 40,  # demo value
                "minutes": "Kepala Kantor Cabang Bali Gianyar, Pandu Aria: cakupan pekerja "
                "rentan tahun lalu 6.400, tahun ini ditingkatkan menjadi 12.800; BUMDes "
                "didorong menjadi agen Perisai; menuju Universal Coverage Jamsostek.\n"
                "Kepala Dinas Tenaga Kerja, Ida Ayu Ketut Surya Adnyani: kepesertaan BPJS "
                "Ketenagakerjaan per 30 Juni 2024 telah mencapai 43%.",
            },
        },
        gyr,
    )
    recorded["signing"] = _record(
        {
            "office": "Kantor Wilayah Kalimantan",
            "plan": {
                "kind": "signing",
                "title": SIGNING,
                "starts_on": date(2017, 3, 14),  # the demo's signing day of the PKS
                "starts_time": time(10),  # demo value
                "ends_time": time(12),  # demo value
                "timezone": WIB,
                "venue": "Palangka Raya",
                "region_code": "62.71",
                "audience": ["agency_heads"],
                "summary": "Penandatanganan perjanjian kerja sama tiga pihak antara BPJS "
                "Ketenagakerjaan, BPJS Kesehatan dan Badan Penanaman Modal Daerah dan "
                "Perizinan Provinsi Kalimantan Tengah: kepesertaan jaminan sosial melalui "
                "PTSP dan PATEN.",
            },
            "partners": [
                "BPJS Kesehatan Kantor Cabang Palangkaraya",
                "Badan Penanaman Modal Daerah dan Perizinan Provinsi Kalimantan Tengah",
            ],
            "agreements": [KALTENG_PKS],
            "commitments": ["Cakupan kepesertaan Provinsi Kalimantan Tengah dari 25% menjadi 35%"],
            "held": {
                "actual_attendance": 50,  # demo value
                "minutes": "Kepala Kantor Wilayah Kalimantan, I Nyoman Mastera: survei 2015 "
                "mencatat 600.000 tenaga kerja di Kalimantan Tengah, baru 25% terdaftar "
                "sebagai peserta BPJS Ketenagakerjaan.",
            },
        },
        admin,
    )
    count_booth_registrations(recorded["booth"], dps)
    load_follow_ups(recorded, office_today())
    return recorded


def count_booth_registrations(booth: Event, actor: User) -> None:
    """The booth's registrations counted towards Kelurahan Sesetan's 2.000 target through the
    contribution service: a figure dated the booth's last day, 17 August 2017, at the level of
    June (1.240) plus the booth's 630, which the commitment's page names as its source."""
    outcomes.contribute(booth, _commitment(SESETAN_TARGET).id, BOOTH_REGISTRATIONS, actor)


def load_follow_ups(recorded: dict[str, Event], today: date) -> None:
    """A few follow-ups through the follow-up services: two done after the Denpasar and
    Tabanan meetings, one overdue on the demo's day for the Denpasar staff member (the city's
    comment on the renewal in review), one on Disnaker Gianyar's side, due in a week."""
    dps, gyr = _user(DENPASAR_STAFF), _user(GIANYAR_STAFF)
    city, disnaker = (
        _partner("Pemerintah Kota Denpasar"),
        _partner("Dinas Tenaga Kerja Kabupaten Gianyar"),
    )
    coordination, fgd = recorded["coordination"], recorded["fgd"]
    done = follow_ups.create(
        follow_ups.Subject(coordination.office_id, event=coordination),
        {
            "description": "Menyampaikan data tenaga kerja non PNS di lingkungan Pemerintah "
            "Kota Denpasar untuk didaftarkan sebagai peserta.",
            "assignee": f"partner-{city.id}",
            "due_on": date(2016, 4, 29),  # demo value
        },
        dps,
    )
    follow_ups.mark_done(
        done, {"done_note": "Data diterima dari Bagian Organisasi Setda Kota Denpasar."}, None, dps
    )
    scheduled = follow_ups.create(
        follow_ups.Subject(fgd.office_id, event=fgd),
        {
            "description": "Menjadwalkan sosialisasi kepada pengurus koperasi yang aktif di "
            "Kabupaten Tabanan bersama Dinas Koperasi, Januari 2020.",
            "assignee": f"user-{dps.id}",
            "due_on": date(2020, 1, 10),  # demo value
        },
        dps,
    )
    follow_ups.mark_done(
        scheduled,
        {"done_note": "Dijadwalkan 21 Januari 2020; undangan melalui Dinas Koperasi."},
        None,
        dps,
    )
    renewal = _agreement("Perpanjangan Kesepakatan Bersama dengan Pemerintah Kota Denpasar")
    follow_ups.create(
        follow_ups.Subject(renewal.office_id, agreement=renewal),
        {
            "description": "Menyesuaikan jangka waktu perpanjangan dengan periode RPJMD "
            "2025-2029, sesuai komentar Pemerintah Kota Denpasar, lalu mengirim versi baru.",
            "assignee": f"user-{dps.id}",
            "due_on": today - timedelta(days=3),  # overdue on the demo's day
        },
        dps,
    )
    gianyar = _agreement(GIANYAR_PKS)
    follow_ups.create(
        follow_ups.Subject(gianyar.office_id, agreement=gianyar),
        {
            "description": "Mengirim rekapitulasi by name by address pekerja rentan program 1 "
            "desa 100 pekerja rentan yang mendukung angka kepesertaan September 2026.",
            "assignee": f"partner-{disnaker.id}",
            "due_on": today + timedelta(days=7),
        },
        gyr,
    )
