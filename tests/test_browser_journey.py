"""One MoU from draft to renewal, clicked through in Chromium by the people who do it: staff
(Kantor Cabang Bali Denpasar), the partner's user (Pemerintah Kota Denpasar), the manager and the
auditor, each in a browser of their own. Every page they see is checked by `check`: no WCAG 2.1
AA violation (axe-core) and no sideways scrolling at 390 px."""

import re
from urllib.parse import urlsplit

import pytest
import weasyprint

from tests.browser import PHONE, check
from tests.conftest import OFFICE_DAY

TITLE = "Kesepakatan Bersama Perlindungan Pekerja Rentan Kota Denpasar"
SUBJECT = "Perlindungan Jaminan Sosial Ketenagakerjaan bagi Pekerja Rentan di Kota Denpasar"
PARTNER = "Pemerintah Kota Denpasar"
MANAGER = "manajer.denpasar@kemitraan.test"
PARTNER_USER = "mitra.denpasar@kemitraan.test"
COMMENT = "Mohon cantumkan pendataan pekerja rentan oleh Dinas Sosial pada pasal ini."
RETURN_REASON = "Lengkapi ruang lingkup sesuai komentar mitra"
NEW_SECRETARY = "I Made Contoh Wiradana"
CITY_NUMBER = "100.3.7/41/HK/2026"
# What the administrator's menu must offer (the policy matrix says who may open each).
ADMIN_MENU = [
    "/agreements",
    "/agreements/expiring",
    "/commitments",
    "/events",
    "/partners",
    "/officials",
    "/offices",
    "/regions",
    "/audit",
    "/clauses",
    "/numbering",
    "/admin/users",
]


@pytest.fixture
def people(open_page, axe_source):
    """A browser per person, each logged in through the login page."""

    def _visit(page, url: str | None = None):
        if url:
            page.goto(url)
        check(page, axe_source)
        return page

    return {
        "staff": open_page("staff"),
        "partner": open_page(PARTNER_USER),
        "manager": open_page(MANAGER),
        "auditor": open_page("auditor"),
        "visit": _visit,
    }


def main_text(page) -> str:
    return page.locator("main").inner_text()


def status(page) -> str:
    return page.locator("main .badge").first.inner_text()


def press(page, label: str, **typed) -> None:
    """Press a workflow button on the agreement page, after typing into its own form."""
    form = page.locator("form").filter(has=page.get_by_role("button", name=label, exact=True))
    for name, value in typed.items():
        form.locator(f"[name={name}]").fill(value)
    form.get_by_role("button", name=label, exact=True).click()
    page.wait_for_load_state()


def choose_partner(page, name: str) -> None:
    """Tick the partner (checkboxes) or pick it from the list (a multi-select)."""
    box = page.get_by_role("checkbox", name=name, exact=True)
    if box.count():
        box.check()
    else:
        page.locator("select[name=partner_ids]").select_option(label=name)


def flash(page) -> str:
    return page.locator("main .alert").first.inner_text()


def signed_scan(path) -> str:
    """A small real PDF, as a scanner would produce one page of the signed MoU."""
    html = f"<h1>{TITLE}</h1><p>Ditandatangani oleh para pihak.</p>"
    path.write_bytes(weasyprint.HTML(string=html).write_pdf())
    return str(path)


def test_an_mou_from_draft_to_renewal(people, tmp_path):
    staff, partner, manager, auditor = (
        people[who] for who in ("staff", "partner", "manager", "auditor")
    )
    visit = people["visit"]
    # in force from the day it is signed: the office's day, when it is also sealed and sent
    # (nobody signs a text before the office seals it)
    signed_on = OFFICE_DAY

    # --- staff: everyone starts at the dashboard -------------------------------------------
    for page in (staff, partner, manager, auditor):
        visit(page, "/")
        assert "Selamat datang" in main_text(page)

    # --- staff drafts an MoU from the clause library -------------------------------------
    visit(staff, "/agreements/new?kind=mou")
    assert staff.locator("select[name=kind]").input_value() == "mou"
    choose_partner(staff, PARTNER)
    staff.locator("input[name=title]").fill(TITLE)
    staff.locator("input[name=subject]").fill(SUBJECT)
    staff.locator("input[name=place]").fill("Denpasar")
    staff.locator("input[name=effective_on]").fill(signed_on.isoformat())
    staff.locator("input[name=term_months]").fill("60")
    staff.get_by_role("button", name="Buat draf").click()
    staff.wait_for_url(re.compile(r"/agreements/\d+$"))
    url = staff.url
    visit(staff)
    assert "Draf telah dibuat dari pustaka klausul" in flash(staff)
    assert TITLE in main_text(staff)
    assert status(staff) == "Draf"
    articles = staff.locator("main h3").all_inner_texts()
    assert len(articles) >= 5, articles  # the clause library's MoU set, filled in

    # --- staff sets the signatories; the city has nobody in office, so staff adds one -----
    staff.get_by_role("link", name="Para pihak dan penanda tangan").click()
    visit(staff)
    city = staff.locator("tr", has_text=PARTNER).locator("select")
    in_office = [o for o in city.locator("option").all_inner_texts() if "sekarang" in o]
    if not in_office:
        staff.get_by_role("navigation").get_by_role("link", name="Mitra", exact=True).click()
        staff.locator("input[name=q]").fill("Kota Denpasar")
        staff.get_by_role("button", name="Saring").click()
        staff.get_by_role("link", name=PARTNER, exact=True).click()
        visit(staff)
        staff.get_by_role("link", name="Tambah pejabat").click()
        visit(staff)
        staff.locator("input[name=name]").fill(NEW_SECRETARY)
        staff.locator("input[name=title]").fill("Sekretaris Daerah Kota Denpasar")
        staff.locator("input[name=tenure_start]").fill("2024-03-01")
        staff.get_by_role("button", name="Simpan").click()
        staff.wait_for_load_state()
        visit(staff)
        assert NEW_SECRETARY in main_text(staff)
        staff.goto(url)
        staff.get_by_role("link", name="Para pihak dan penanda tangan").click()
        visit(staff)
    for row in staff.locator("main tbody tr").all():
        select = row.locator("select")
        option = next(o for o in select.locator("option").all_inner_texts() if "sekarang" in o)
        select.select_option(label=option)
    # the city's own number, which the text sent for signature carries beside the office's
    staff.locator("main tbody tr", has_text=PARTNER).get_by_label("Nomor").fill(CITY_NUMBER)
    staff.get_by_role("button", name="Simpan").click()
    staff.wait_for_url(url)
    visit(staff)
    assert "Para pihak telah disimpan" in flash(staff)
    parties = staff.locator("main table").first.inner_text()
    assert PARTNER in parties
    assert NEW_SECRETARY in parties or "sekarang" not in parties

    press(staff, "Ajukan untuk ditinjau")
    visit(staff)
    assert status(staff) == "Dalam peninjauan"

    # --- the partner comments on a Pasal ---------------------------------------------------
    visit(partner, "/agreements")
    partner.get_by_role("link", name=TITLE).click()
    visit(partner)
    assert status(partner) == "Dalam peninjauan"
    comment_form = partner.locator("form", has_text="Komentari pasal")
    pasal = comment_form.locator("select[name=article_index] option").nth(1).inner_text()
    comment_form.locator("select[name=article_index]").select_option(label=pasal)
    comment_form.locator("textarea[name=body]").fill(COMMENT)
    comment_form.get_by_role("button", name="Tambah komentar").click()
    partner.wait_for_load_state()
    visit(partner)
    assert "Komentar telah ditambahkan" in flash(partner)
    assert COMMENT in main_text(partner)

    # --- staff resolves it; the manager returns the draft -------------------------------
    visit(staff, url)
    assert COMMENT in main_text(staff)
    staff.get_by_role("button", name="Tandai selesai").click()
    staff.wait_for_load_state()
    visit(staff)
    assert "Tandai selesai" not in main_text(staff)
    assert "selesai" in staff.locator("main .border-start", has_text=COMMENT).inner_text()

    visit(manager, url)
    press(manager, "Kembalikan ke penyusunan draf", reason=RETURN_REASON)
    visit(manager)
    assert status(manager) == "Draf"
    assert RETURN_REASON in main_text(manager)

    # --- staff edits the text and resubmits; the manager approves ------------------------
    visit(staff, url)
    staff.get_by_role("link", name="Ubah pasal").click()
    visit(staff)
    body = staff.locator("textarea[name=body]").nth(1)
    body.fill(body.input_value() + "\nPendataan pekerja rentan dilakukan bersama Dinas Sosial.")
    staff.locator("input[name=note]").fill("Ruang lingkup: pendataan oleh Dinas Sosial")
    staff.get_by_role("button", name="Simpan sebagai versi baru").click()
    staff.wait_for_url(re.compile(r"/agreements/\d+"))
    visit(staff)
    assert "Pendataan pekerja rentan dilakukan bersama Dinas Sosial." in main_text(staff)
    press(staff, "Ajukan untuk ditinjau")
    visit(staff)
    assert status(staff) == "Dalam peninjauan"

    visit(manager, url)
    press(manager, "Setujui")
    visit(manager)
    assert status(manager) == "Disetujui"

    # --- staff sends it for signature, records the signing, uploads the signed scan ------
    visit(staff, url)
    press(staff, "Kirim untuk ditandatangani")
    visit(staff)
    assert status(staff) == "Menunggu tanda tangan"
    number = staff.locator("main table").first.locator("tbody tr").first.locator("td").last
    assert re.search(r"\d", number.inner_text()), "the office's number is issued"
    # The city signed on paper: staff upload the scan of the signed page.
    wet_ink = staff.locator("form[action$='/signing/2/wet-ink']")
    wet_ink.locator("input[type=file]").set_input_files(signed_scan(tmp_path / "pindaian.pdf"))
    wet_ink.locator("input[name=signed_on]").fill(signed_on.isoformat())
    wet_ink.locator("button").click()
    staff.wait_for_load_state()
    visit(staff)
    press(staff, "Catat penandatanganan", signed_on=signed_on.isoformat())
    visit(staff)
    assert status(staff) == "Aktif"

    upload = staff.locator("form[enctype='multipart/form-data']", has=staff.locator("select"))
    upload.locator("select[name=kind]").select_option("signed_original")
    upload.locator("input[type=file]").set_input_files(signed_scan(tmp_path / "kb-ttd.pdf"))
    upload.get_by_role("button", name="Lampirkan").click()
    staff.wait_for_load_state()
    visit(staff)
    assert "kb-ttd.pdf telah dilampirkan" in flash(staff)
    attachments = staff.locator("main ul", has_text="kb-ttd.pdf").inner_text()
    assert "SHA-256" in attachments

    # The partner sees the signed agreement as active.
    visit(partner, url)
    assert status(partner) == "Aktif"

    # --- an addendum, then a renewal ------------------------------------------------------
    visit(staff, url)
    staff.get_by_role("link", name="Buat addendum").click()
    visit(staff)
    assert staff.locator("select[name=kind]").input_value() == "addendum"
    staff.locator("input[name=title]").fill("Addendum I " + TITLE)
    staff.locator("input[name=subject]").fill("Perubahan Ruang Lingkup " + SUBJECT)
    staff.locator("input[name=place]").fill("Denpasar")
    staff.get_by_role("button", name="Buat draf").click()
    staff.wait_for_url(re.compile(r"/agreements/\d+$"))
    visit(staff)
    assert "Addendum I " + TITLE in staff.locator("h1").inner_text()
    assert TITLE in staff.locator("main ul", has_text="Addendum I").inner_text()

    visit(staff, url)
    staff.get_by_role("link", name="Perpanjang").click()
    visit(staff)
    assert staff.locator("select[name=kind]").input_value() == "renewal"
    staff.locator("input[name=title]").fill("Perpanjangan " + TITLE)
    staff.locator("input[name=subject]").fill(SUBJECT)
    staff.locator("input[name=place]").fill("Denpasar")
    staff.get_by_role("button", name="Buat draf").click()
    staff.wait_for_url(re.compile(r"/agreements/\d+$"))
    visit(staff)
    chain = staff.locator("main ul", has_text="Addendum I").inner_text()
    assert "Perpanjangan " + TITLE in chain and "Addendum I " + TITLE in chain

    # --- the list and the manager's view of the result -----------------------------------
    for page in (manager, auditor):
        visit(page, "/agreements")
        assert TITLE in main_text(page)

    # --- the auditor reads the whole history -----------------------------------------------
    visit(auditor, url)
    assert status(auditor) == "Aktif"
    assert not auditor.get_by_role("button", name="Setujui").count()
    auditor.get_by_role("link", name="Versi", exact=True).click()
    visit(auditor)
    assert len(auditor.locator("main tbody tr").all()) >= 2
    auditor.goto(url)
    auditor.get_by_role("link", name="Riwayat").click()
    history = ""
    for _page in range(20):  # the history pages by keyset; read to the end
        visit(auditor)
        history += main_text(auditor)
        following = auditor.locator("li.page-item:not(.disabled) a", has_text="Halaman berikutnya")
        if not following.count():
            break
        following.click()
        auditor.wait_for_load_state()
    for who in (("Ni Made Ayu Lestari", "staf.denpasar"), ("Mohamad Irfan", "manajer.denpasar")):
        assert any(name in history for name in who), who
    visit(auditor, "/audit")
    latest = auditor.locator("main li.audit-entry").first.inner_text()
    assert "Ni Made Ayu Lestari" in latest or "staf.denpasar" in latest  # the renewal, just now


def test_filters_fold_away_on_a_phone(open_page, axe_source):
    staff, auditor = open_page("staff"), open_page("auditor")
    for page, url in [
        (staff, "/agreements"),
        (staff, "/partners"),
        (staff, "/officials"),
        (staff, "/regions"),
        (auditor, "/audit"),
    ]:
        page.set_viewport_size(PHONE)
        page.goto(url)
        filters = page.locator("form#filters")
        assert not filters.is_visible(), url
        page.get_by_role("button", name="Saringan").click()
        filters.wait_for(state="visible")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        check(page, axe_source)
    # A filtered list opens with its filters shown, so the phone says what is applied.
    staff.goto("/agreements?status=active")
    assert staff.locator("form#filters").is_visible()


def test_every_menu_page_is_accessible_and_fits_a_phone(open_page, axe_source):
    """As the administrator (who sees every menu, and the widest tables: two layout faults once
    showed only for this role): each menu page, the first record it links to and the form
    behind its main button pass axe and fit 390 px; so do the login page, the password page
    and the English interface."""
    page = open_page()
    page.goto("/login")
    check(page, axe_source)
    page = open_page("admin")
    menu = page.get_by_role("navigation").locator("a.nav-link")
    hrefs = [menu.nth(i).get_attribute("href") for i in range(menu.count())]
    assert set(ADMIN_MENU) <= set(hrefs), hrefs  # the admin sees every menu entry
    seen = set()
    for href in hrefs:
        page.goto("/")
        page.get_by_role("navigation").locator(f"a.nav-link[href='{href}']").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == href, page.url
        check(page, axe_source)
        for extra in (
            page.locator("main tbody a").first,
            page.locator("main a.btn-success").first,
        ):
            target = extra.get_attribute("href") if extra.count() else None
            shape = re.sub(r"\d+", "N", target or "")
            if target and shape not in seen:
                seen.add(shape)
                page.goto(target)
                check(page, axe_source)
    assert len(seen) >= 6, seen
    page.goto("/")
    page.get_by_role("button", name="Admin Kemitraan").click()
    page.get_by_role("link", name="Ubah kata sandi").click()
    check(page, axe_source)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    page.goto("/agreements")
    check(page, axe_source)
