"""The workflow as people click it: every button on the agreement page, pressed on the form the
page renders (WebTest), moves the agreement; nothing here builds a POST body by hand."""

from sqlalchemy import select

from partnerships.agreements.models import Agreement
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from tests.conftest import OFFICE_DAY
from tests.signatures import sign_on_paper
from tests.web import find_form, flashes, follow, press, signed_in, submit, text

DRAFT = "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Desa Dangin Puri Kangin"
VILLAGE = "Desa Dangin Puri Kangin"
MANAGER = "manajer.denpasar@kemitraan.test"


def status_of(app, agreement_id: int) -> str:
    with app.app_context():
        return db.session.get(Agreement, agreement_id).status


def test_every_workflow_button_moves_the_agreement(app):
    with app.app_context():
        aid = db.session.scalar(select(Agreement.id).where(Agreement.title == DRAFT))
    staff, manager = signed_in(app, "staff"), signed_in(app, MANAGER)
    url = f"/agreements/{aid}"

    page = press(staff.get(url), "Ajukan untuk ditinjau")
    assert status_of(app, aid) == "in_review", flashes(page)
    # Staff see no manager's buttons; the manager returns it with a reason.
    assert "Setujui" not in text(staff.get(url))
    page = press(manager.get(url), "Kembalikan ke penyusunan draf", reason="Lengkapi pendanaan")
    assert status_of(app, aid) == "draft", flashes(page)
    assert "Lengkapi pendanaan" in text(page)

    press(staff.get(url), "Ajukan untuk ditinjau")
    page = press(manager.get(url), "Setujui")
    assert status_of(app, aid) == "approved", flashes(page)
    # The village has no official on record yet: staff add its Perbekel from the partner page.
    with app.app_context():
        village = db.session.scalar(select(Partner.id).where(Partner.name == VILLAGE))
    partner_page = staff.get(f"/partners/{village}")
    form_page = partner_page.click(description="Tambah pejabat")
    page = follow(
        submit(
            form_page,
            button="Simpan",
            name="I Wayan Uji",
            title="Perbekel Dangin Puri Kangin",
            tenure_start="2024-01-15",
        )
    )
    assert "I Wayan Uji" in text(page)

    # Signatories are chosen on the parties page, from the officials it offers: the text is
    # printed with them when it is sent for signature.
    parties = staff.get(f"/agreements/{aid}/parties")
    form, form_values = find_form(parties, button="Simpan"), {}
    for name in ("signatory_1", "signatory_2"):
        form_values[name] = next(value for value, _on, _label in form[name].options if value)
    # ... with the village's own number, which the sealed text carries beside the office's
    follow(submit(parties, button="Simpan", number_2="141/12/DPK/2026", **form_values))
    page = press(staff.get(url), "Kirim untuk ditandatangani")
    assert status_of(app, aid) == "awaiting_signature", flashes(page)

    # The village signs on paper: staff upload the scan of the signed page.
    sign_on_paper(staff, aid, OFFICE_DAY)
    page = press(staff.get(url), "Catat penandatanganan", signed_on=OFFICE_DAY.isoformat())
    assert status_of(app, aid) == "active", flashes(page)
    page = press(manager.get(url), "Akhiri", reason="Desa dimekarkan")
    assert status_of(app, aid) == "terminated", flashes(page)
