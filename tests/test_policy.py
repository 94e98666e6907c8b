"""Deny by default, stated independently of the POLICY tables: every endpoint of the app has a
row below with the one status each demo user gets, on real demo objects (so "allowed" cannot
pass on a 404, and a wrong POLICY entry or a missing scope check fails a cell). A new endpoint
without a row fails `test_every_endpoint_has_a_row`.

Requests go straight to the URLs (with a valid CSRF token): this file asks who may reach what,
not how the pages are used; the crawler and the page tests do that.
"""

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select
from webtest import Upload

from partnerships.agreements.models import Agreement, Attachment, Comment
from partnerships.api.models import ApiToken
from partnerships.auth.models import User
from partnerships.clauses.models import Clause
from partnerships.commitments.models import (
    Commitment,
    ContributionRate,
    Evidence,
    ProgressLetter,
    RealisationFigure,
)
from partnerships.core.policy import REGISTRY
from partnerships.documents.models import DocKind, Document, DocumentJob
from partnerships.events.models import CalendarFeed, Event, EventAttachment
from partnerships.extensions import db
from partnerships.numbering.models import NumberPattern
from partnerships.organisations.models import ContactPerson, Office, Official, Partner
from tests.helpers import run_queued_jobs
from tests.web import find_form, follow, matrix_misses, signed_in, submit, ui_text

# The columns: who asks. "other" is the Gianyar staff member, outside the Denpasar office whose
# objects most rows use; "office_auditor" audits the Bali regional office and the offices below.
COLUMNS = [
    "anonymous",
    "admin",
    "staff",
    "manager",
    "partner",
    "auditor",
    "office_auditor",
    "other",
]
WHO = {"office_auditor": "auditor_office", "other": "staff_other"}
# L: sent to the login page (302 to /login). 302: redirected elsewhere (the action ran or was
# refused with a message). Rows run in this order; the destructive ones come last.
MATRIX = {
    # endpoint: (request, "anonymous admin staff manager partner auditor office_auditor other")
    "static": ("GET /static/app.css", "200 200 200 200 200 200 200 200"),
    "core.health": ("GET /health", "200 200 200 200 200 200 200 200"),
    "dashboard.index": ("GET /", "L 200 200 200 200 200 200 200"),
    "dashboard.export": ("GET /dashboard/export.csv", "L 200 200 200 403 200 200 200"),
    "dashboard.scorecard_page": ("GET /scorecard", "L 200 200 200 403 200 200 200"),
    "dashboard.scorecard_export": ("GET /scorecard/export.xlsx", "L 200 200 200 403 200 200 200"),
    "documents.verify_token": ("GET /verify/unknown", "404 404 404 404 404 404 404 404"),
    "documents.verify": ("GET /verify", "200 200 200 200 200 200 200 200"),
    "auth.login": ("GET /login", "200 302 302 302 302 302 302 302"),
    "auth.password": ("GET /account/password", "L 200 200 200 200 200 200 200"),
    "notifications.waiting": ("GET /waiting", "L 200 200 200 200 200 200 200"),
    "notifications.settings": ("GET /settings/notifications", "L 200 200 200 200 200 200 200"),
    # the calendar: partner users' ignores an office asked for; the feed answers its token alone
    "events.calendar": ("GET /events/calendar", "L 200 200 200 200 200 200 200"),
    "events.agenda": (
        "GET /events/agenda?office={office}",
        "L 200 200 200 200 200 200 403",
    ),
    "events.feeds": ("GET /settings/calendar", "L 200 200 200 200 200 200 200"),
    "events.feed": ("GET /calendar/{feed_token}.ics", "200 200 200 200 200 200 200 200"),
    "auth.users": ("GET /admin/users", "L 200 403 403 403 403 403 403"),
    "auth.user_new": ("GET /admin/users/new", "L 200 403 403 403 403 403 403"),
    "auth.user_edit": ("GET /admin/users/{user}/edit", "L 200 403 403 403 403 403 403"),
    "agreements.index": ("GET /agreements", "L 200 200 200 200 200 200 200"),
    "agreements.expiring": ("GET /agreements/expiring", "L 200 200 200 403 200 200 200"),
    "agreements.export": ("GET /agreements/export.csv", "L 200 200 200 200 200 200 200"),
    "agreements.show": ("GET /agreements/{review}", "L 200 200 200 200 200 200 404"),
    "agreements.new": ("GET /agreements/new", "L 200 200 200 403 403 403 200"),
    "agreements.edit": ("GET /agreements/{draft}/edit", "L 200 200 200 403 403 403 404"),
    "agreements.parties": ("GET /agreements/{draft}/parties", "L 200 200 200 403 403 403 404"),
    "agreements.articles": ("GET /agreements/{draft}/articles", "L 200 200 200 403 403 403 404"),
    "agreements.versions": ("GET /agreements/{review}/versions", "L 200 200 200 200 200 200 404"),
    "agreements.compare": (
        "GET /agreements/{review}/compare?a=1&b=1",
        "L 200 200 200 200 200 200 404",
    ),
    "agreements.download": (
        "GET /agreements/{review}/attachments/{attachment}",
        "L 200 200 200 200 200 200 404",
    ),
    # the MoU's berita acara: the city's user sees it, as every party's does
    "agreements.document": (
        "GET /agreements/{mou}/documents/{signing_record}",
        "L 200 200 200 200 200 200 404",
    ),
    # the city's MoU, signed: its PDF for whoever sees it (Gianyar's staff do not)
    "agreements.pdf": ("GET /agreements/{mou}/pdf", "L 200 200 200 200 200 200 404"),
    # the auditor's dossier (a zip): admins, the office's managers and auditors; never partners
    # or staff, whom the policy turns away before the agreement is looked up
    "agreements.dossier": ("POST /agreements/{review}/dossier", "L 200 403 200 403 200 200 403"),
    "agreements.comment": ("POST /agreements/{review}/comments", "L 302 302 302 302 403 403 404"),
    "agreements.upload": ("POST /agreements/{review}/attachments", "L 302 302 302 403 403 403 404"),
    # an empty form: the agreement's page again, with the fields to fill
    "agreements.sign_certified": (
        "POST /agreements/{review}/signing/2/certified",
        "L 200 200 200 403 403 403 404",
    ),
    "agreements.sign_wet_ink": (
        "POST /agreements/{review}/signing/2/wet-ink",
        "L 200 200 200 403 403 403 404",
    ),
    "agreements.transition": (
        "POST /agreements/{review}/transition",
        "L 302 302 302 403 403 403 404",
    ),
    "agreements.comment_reply": (
        "POST /agreements/{review}/comments/{comment}/replies",
        "L 302 302 302 302 403 403 404",
    ),
    "agreements.comment_resolve": (
        "POST /agreements/{review}/comments/{comment}/resolve",
        "L 302 302 302 403 403 403 404",
    ),
    "commitments.index": ("GET /commitments", "L 200 200 200 200 200 200 200"),
    "commitments.show": ("GET /commitments/{commitment}", "L 200 200 200 200 200 200 404"),
    "commitments.evidence": (
        "GET /commitments/{commitment}/evidence/{evidence}",
        "L 200 200 200 200 200 200 404",
    ),
    "commitments.new": (
        "GET /agreements/{mou}/commitments/new?kind=target",
        "L 200 200 200 403 403 403 404",
    ),
    "commitments.edit": ("GET /commitments/{commitment}/edit", "L 200 200 200 403 403 403 404"),
    # an empty form: the page again, with the fields to fill
    "commitments.figure": (
        "POST /commitments/{commitment}/figures",
        "L 200 200 200 403 403 403 404",
    ),
    "commitments.done": ("POST /commitments/{action}/done", "L 200 200 200 403 403 403 404"),
    # the upload form (test_commitment_imports posts to it)
    "commitments.figure_import": (
        "GET /agreements/{mou}/figures/import",
        "L 200 200 200 403 403 403 404",
    ),
    "commitments.figure_import_template": (
        "GET /agreements/{mou}/figures/import/template.xlsx",
        "L 200 200 200 403 403 403 404",
    ),
    # an upload nobody kept: back to the upload form, saying so
    "commitments.figure_import_preview": (
        "GET /agreements/{mou}/figures/import/0123456789abcdef0123456789abcdef",
        "L 302 302 302 403 403 403 404",
    ),
    # partners only, on what their partner owes under an active agreement: the city's MoU has
    # ended (test_portal walks the allowed path with a Gianyar partner user)
    "commitments.submit": (
        "POST /commitments/{commitment}/submissions",
        "L 403 403 403 403 403 403 403",
    ),
    # partners only, on their own figures awaiting a decision (the city's MoU has ended)
    "commitments.withdraw": (
        "POST /commitments/{commitment}/figures/{figure}/withdraw",
        "L 403 403 403 403 403 403 403",
    ),
    # an accepted figure: refused with a message on the page again
    "commitments.decide": (
        "POST /commitments/{commitment}/figures/{figure}/decision",
        "L 200 200 200 403 403 403 404",
    ),
    # an empty message: the page again, with the field to fill
    "commitments.comment": (
        "POST /commitments/{commitment}/comments",
        "L 200 200 200 200 403 403 404",
    ),
    "commitments.portal": ("GET /portal", "L 403 403 403 200 403 403 403"),
    # the period form of a partner's dossier (its POST downloads it: test_dossier)
    "commitments.partner_dossier": (
        "GET /partners/{partner}/dossier",
        "L 200 403 200 403 200 200 403",
    ),
    "commitments.letters": ("GET /letters", "L 200 200 200 200 200 200 200"),
    # Sesetan's letter, issued by the Denpasar branch: not the city's partner user's
    "commitments.letter_download": (
        "GET /letters/{letter}/download",
        "L 200 200 200 404 200 200 404",
    ),
    # no month given: back to the partner page, saying so; only the city's own office issues
    "commitments.letter_issue": (
        "POST /partners/{partner}/letters",
        "L 302 302 302 403 403 403 403",
    ),
    "commitments.letters_bulk": ("GET /letters/bulk", "L 200 200 200 403 403 403 200"),
    "commitments.letters_job": ("GET /letters/jobs/{job}", "L 200 200 200 403 200 200 404"),
    "commitments.letters_job_status": (
        "GET /letters/jobs/{job}/status",
        "L 200 200 200 403 200 200 404",
    ),
    "commitments.letters_job_archive": (
        "GET /letters/jobs/{job}/archive",
        "L 200 200 200 403 200 200 404",
    ),
    "commitments.rates": ("GET /contribution-rates", "L 200 200 200 403 200 200 200"),
    "commitments.rate_new": ("GET /contribution-rates/new", "L 200 403 403 403 403 403 403"),
    "commitments.rate_edit": (
        "GET /contribution-rates/{rate}/edit",
        "L 200 403 403 403 403 403 403",
    ),
    "events.index": ("GET /events", "L 200 200 200 200 200 200 200"),
    # Denpasar's coordination meeting with the city, planned for 10 December (see below)
    "events.show": ("GET /events/{event}", "L 200 200 200 200 200 200 404"),
    "events.new": ("GET /events/new", "L 200 200 200 403 403 403 200"),
    "events.edit": ("GET /events/{event}/edit", "L 200 200 200 403 403 403 404"),
    "events.links": ("GET /events/{event}/links", "L 200 200 200 403 403 403 404"),
    # it has not started: back to the event, saying so (test_events records one held)
    "events.held": ("GET /events/{event}/held", "L 302 302 302 403 403 403 404"),
    "events.postpone": ("GET /events/{event}/postpone", "L 200 200 200 403 403 403 404"),
    "events.cancel": ("GET /events/{event}/cancel", "L 200 200 200 403 403 403 404"),
    # the meeting's records: its photo (the staff uploaded one), read by whoever sees the
    # meeting; the rest on a planned meeting (test_event_outcomes walks a held one's)
    "events.attachments_page": (
        "GET /events/{event}/attachments",
        "L 200 200 200 403 403 403 404",
    ),
    "events.attachment": (
        "GET /events/{event}/attachments/{event_photo}",
        "L 200 200 200 200 200 200 404",
    ),
    "events.attachment_thumbnail": (
        "GET /events/{event}/attachments/{event_photo}/thumbnail",
        "L 200 200 200 200 200 200 404",
    ),
    "events.contributions": (
        "GET /events/{event}/contributions",
        "L 200 200 200 403 403 403 404",
    ),
    # no minutes of a planned meeting: another document under its id is not found
    "events.minutes": (
        "GET /events/{event}/minutes/{signing_record}",
        "L 404 404 404 404 404 404 404",
    ),
    # not held: refused with a message, back to the meeting
    "events.minutes_issue": ("POST /events/{event}/minutes", "L 302 302 302 403 403 403 404"),
    "events.contribution_withdraw": (
        "POST /events/{event}/contributions/0/withdraw",
        "L 404 404 404 403 403 403 404",
    ),
    "audit.index": ("GET /audit", "L 200 403 403 403 200 200 403"),
    "audit.object": ("GET /audit/Agreement/{kalimantan}", "L 200 403 403 403 200 404 403"),
    "audit.export": ("GET /audit/export.csv", "L 200 403 403 403 200 200 403"),
    "audit.verify": ("GET /audit/verify", "L 200 403 403 403 200 200 403"),
    "clauses.index": ("GET /clauses", "L 200 200 200 403 403 403 200"),
    "clauses.new": ("GET /clauses/new", "L 200 403 403 403 403 403 403"),
    "clauses.edit": ("GET /clauses/{clause}/edit", "L 200 403 403 403 403 403 403"),
    "numbering.patterns": ("GET /numbering", "L 200 200 200 403 200 200 200"),
    "numbering.pattern_new": ("GET /numbering/new", "L 200 403 403 403 403 403 403"),
    "numbering.pattern_edit": ("GET /numbering/{pattern}/edit", "L 200 403 403 403 403 403 403"),
    "organisations.offices": ("GET /offices", "L 200 200 200 403 200 200 200"),
    # the partner user's own partner only; staff keep partners through the partner form
    "organisations.profile": ("GET /partners/{partner}/profile", "L 403 403 403 200 403 403 403"),
    "organisations.contact_new": (
        "GET /partners/{partner}/contacts/new",
        "L 403 403 403 200 403 403 403",
    ),
    "organisations.contact_edit": (
        "GET /partners/{partner}/contacts/{contact}/edit",
        "L 403 403 403 200 403 403 403",
    ),
    "organisations.office": ("GET /offices/{office}", "L 200 200 200 403 200 200 200"),
    "organisations.office_new": ("GET /offices/new", "L 200 403 403 403 403 403 403"),
    "organisations.office_edit": ("GET /offices/{office}/edit", "L 200 403 403 403 403 403 403"),
    "organisations.partners": ("GET /partners", "L 200 200 200 200 200 200 200"),
    "organisations.partner": ("GET /partners/{partner}", "L 200 200 200 200 200 200 200"),
    "organisations.partner_new": ("GET /partners/new", "L 200 200 200 403 403 403 200"),
    "organisations.partner_edit": (
        "GET /partners/{partner}/edit",
        "L 200 200 200 403 403 403 403",
    ),
    "organisations.officials": ("GET /officials", "L 200 200 200 200 200 200 200"),
    "organisations.official_new": (
        "GET /officials/new?partner={partner}",
        "L 200 200 200 403 403 403 403",
    ),
    "organisations.official_edit": (
        "GET /officials/{official}/edit",
        "L 200 200 200 403 403 403 403",
    ),
    "events.follow_ups": ("GET /follow-ups", "L 200 200 200 200 200 200 200"),
    # the city's side of Denpasar's agreement in review: the city's user sees it
    "events.follow_up": ("GET /follow-ups/{follow_up}", "L 200 200 200 200 200 200 404"),
    "events.follow_up_evidence": (
        "GET /follow-ups/{follow_up_done}/evidence",
        "L 200 200 200 200 200 200 404",
    ),
    "events.follow_up_new_for_event": (
        "GET /events/{event}/follow-ups/new",
        "L 200 200 200 403 403 403 404",
    ),
    "events.follow_up_new_for_agreement": (
        "GET /agreements/{review}/follow-ups/new",
        "L 200 200 200 403 403 403 404",
    ),
    "events.follow_up_edit": ("GET /follow-ups/{follow_up}/edit", "L 200 200 200 403 403 403 404"),
    # the office, and the partner whose side it is; auditors only read
    "events.follow_up_done": ("GET /follow-ups/{follow_up}/done", "L 200 200 200 200 403 403 404"),
    "regions.index": ("GET /regions", "L 200 200 200 200 200 200 200"),
    "regions.show": ("GET /regions/51.71", "L 200 200 200 200 200 200 200"),
    "regions.lookup": ("GET /regions/lookup?q=Denpasar", "L 200 200 200 200 200 200 200"),
    "core.set_language": ("POST /language", "302 302 302 302 302 302 302 302"),
    # Destructive: each on an object no row above needs.
    "clauses.delete": ("POST /clauses/{clause}/delete", "L 302 403 403 403 403 403 403"),
    "organisations.official_delete": (
        "POST /officials/{official_gone}/delete",
        "L 302 302 302 403 403 403 403",
    ),
    "organisations.partner_delete": (
        "POST /partners/{partner_gone}/delete",
        "L 302 302 302 403 403 403 403",
    ),
    "auth.user_deactivate": (
        "POST /admin/users/{user}/deactivate",
        "L 302 403 403 403 403 403 403",
    ),
    "commitments.figure_delete": (
        "POST /commitments/{commitment}/figures/{figure}/delete",
        "L 302 302 302 403 403 403 404",
    ),
    "commitments.delete": (
        "POST /commitments/{commitment}/delete",
        "L 302 302 302 403 403 403 404",
    ),
    "events.attachment_delete": (
        "POST /events/{event}/attachments/{event_photo}/delete",
        "L 302 302 302 403 403 403 404",
    ),
    "events.delete": ("POST /events/{event}/delete", "L 302 302 302 403 403 403 404"),
    "organisations.contact_delete": (
        "POST /partners/{partner}/contacts/{contact}/delete",
        "L 403 403 403 302 403 403 403",
    ),
    "events.follow_up_reopen": (
        "POST /follow-ups/{follow_up_done}/reopen",
        "L 302 302 302 403 403 403 404",
    ),
    # the Denpasar office's feed: its editors revoke it; nobody else even finds it
    "events.feed_revoke": (
        "POST /settings/calendar/{feed}/revoke",
        "L 302 302 302 404 404 404 404",
    ),
    # the API tokens page: each user's own tokens; the staff member's token is theirs alone
    "api.tokens": ("GET /settings/api", "L 200 200 200 200 200 200 200"),
    "api.token_revoke": (
        "POST /settings/api/{api_token}/revoke",
        "L 404 302 404 404 404 404 404",
    ),
    # the JSON API: its description is public; the browser's session opens none of it (a token
    # does: tests/test_api.py)
    "api-docs.openapi_json": ("GET /api/v1/openapi.json", "200 200 200 200 200 200 200 200"),
    "api_v1.agreements": ("GET /api/v1/agreements", "401 401 401 401 401 401 401 401"),
    "api_v1.agreement": ("GET /api/v1/agreements/{review}", "401 401 401 401 401 401 401 401"),
    "api_v1.commitments_list": ("GET /api/v1/commitments", "401 401 401 401 401 401 401 401"),
    "api_v1.commitment": (
        "GET /api/v1/commitments/{commitment}",
        "401 401 401 401 401 401 401 401",
    ),
    "api_v1.realisations": (
        "GET /api/v1/commitments/{commitment}/realisations",
        "401 401 401 401 401 401 401 401",
    ),
    "api_v1.submit_realisation": (
        "POST /api/v1/commitments/{commitment}/realisations",
        "401 401 401 401 401 401 401 401",
    ),
    "api_v1.events": ("GET /api/v1/events", "401 401 401 401 401 401 401 401"),
    "api_v1.event": ("GET /api/v1/events/{event}", "401 401 401 401 401 401 401 401"),
    "api_v1.documents": ("GET /api/v1/documents", "401 401 401 401 401 401 401 401"),
    "api_v1.document": (
        "GET /api/v1/documents/{signing_record}",
        "401 401 401 401 401 401 401 401",
    ),
    "auth.logout": ("POST /logout", "L 302 302 302 302 302 302 302"),
}


def _demo_ids(app) -> dict[str, int]:
    """The demo objects the rows use, found by what they are, not by their ids."""
    with app.app_context():

        def one(stmt):
            found = db.session.scalar(stmt)
            assert found is not None, stmt
            return found

        review = one(select(Agreement.id).where(Agreement.status == "in_review"))
        mou = one(
            select(Commitment.agreement_id).where(
                Commitment.title.startswith("Cakupan kepesertaan Kota")
            )
        )
        # Denpasar's coverage target of 40% to 50%, owed by the partner user's own city
        commitment = one(
            select(Commitment.id).where(Commitment.title.startswith("Cakupan kepesertaan Kota"))
        )
        return {
            "commitment": commitment,
            "mou": mou,
            "signing_record": one(
                select(Document.id).where(
                    Document.subject_type == "Agreement",
                    Document.subject_id == mou,
                    Document.kind == DocKind.SIGNING_RECORD,
                )
            ),
            "figure": one(
                select(RealisationFigure.id)
                .where(RealisationFigure.commitment_id == commitment)
                .limit(1)
            ),
            "action": one(
                select(Commitment.id).where(Commitment.title.startswith("Menerbitkan Peraturan"))
            ),
            "rate": one(select(ContributionRate.id).limit(1)),
            "review": review,  # Denpasar's renewal with the city, which the partner sees
            "draft": one(select(Agreement.id).where(Agreement.status == "draft").limit(1)),
            "kalimantan": one(
                select(Agreement.id).where(Agreement.title.contains("Kalimantan Tengah"))
            ),
            "comment": one(select(Comment.id).where(Comment.agreement_id == review)),
            "clause": one(select(Clause.id).order_by(Clause.id).limit(1)),
            "office": one(select(Office.id).where(Office.name == "Kantor Cabang Bali Denpasar")),
            "partner": one(select(Partner.id).where(Partner.name == "Pemerintah Kota Denpasar")),
            "partner_gone": one(
                select(Partner.id).where(Partner.name == "Kejaksaan Negeri Denpasar")
            ),
            "official": one(
                select(Official.id).where(Official.name == "Nyoman Ngurah Jimmy Sidharta")
            ),
            "official_gone": one(select(Official.id).where(Official.name == "I Wayan Contoh")),
            "user": one(select(User.id).where(User.email == "manajer.gianyar@kemitraan.test")),
        }


def _add_attachment_and_pattern(app, ids: dict[str, int]) -> None:
    """The demo has no attachment, no evidence, no numbering pattern, no contact person and no
    letter: the admin adds one of the first three and the month's letters (a background job)
    and the partner user the contact person through the pages, as a person would."""
    admin = signed_in(app, "admin")
    page = admin.get(f"/commitments/{ids['commitment']}")
    evidence = ("evidence", ("rekap.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"))
    follow(
        submit(
            page,
            button="Tambah angka",
            upload=evidence,
            period_end="2017-06-30",
            value="46",
            source="Rekap kepesertaan",
        )
    )
    page = admin.get(f"/agreements/{ids['review']}")
    upload = ("file", ("kesepakatan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"))
    follow(submit(page, button="Lampirkan", upload=upload))
    page = admin.get("/numbering/new")
    options = find_form(page, button="Simpan")["office_id"].options
    office = next(value for value, _on, label in options if "Denpasar" in label)
    follow(submit(page, button="Simpan", office_id=office, pattern="{seq:03d}/KS/{year}"))
    # the Denpasar branch's letters for October 2026, written as the worker would
    page = admin.get("/letters/bulk")
    options = find_form(page, action="/letters/bulk")["office_id"].options
    office = next(value for value, _on, label in options if label == "Kantor Cabang Bali Denpasar")
    follow(submit(page, action="/letters/bulk", office_id=office, period="2026-10"))
    run_queued_jobs(app)
    # the Denpasar branch plans a meeting with the city, as its staff would
    staff = signed_in(app, "staff")
    page = staff.get("/events/new")
    event = follow(
        submit(
            page,
            button="Simpan",
            kind="coordination",
            title="Rapat koordinasi kepesertaan",
            starts_on="2026-12-10",
            starts_time="09:00",
            ends_time="12:00",
        )
    )
    page = staff.get(event.request.path + "/links")
    follow(submit(page, field="partner_ids", partner_ids=[ids["partner"]]))
    photo = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(photo, "JPEG")
    page = staff.get(event.request.path)
    upload = ("file", Upload("rapat.jpg", photo.getvalue()))
    follow(submit(page, action=event.request.path + "/attachments", kind="photo", upload=upload))
    partner = signed_in(app, "partner")
    page = partner.get(f"/partners/{ids['partner']}/contacts/new")
    follow(submit(page, button="Simpan narahubung", name="Kontak", phone="0361 223344"))
    _add_follow_ups(app, admin, partner, ids)
    with app.app_context():
        ids["contact"] = db.session.scalar(select(ContactPerson.id))
        ids["event"] = db.session.scalar(  # not one of the demo's events, held long ago
            select(Event.id).where(Event.title == "Rapat koordinasi kepesertaan")
        )
        ids["event_photo"] = db.session.scalar(select(EventAttachment.id))
        ids["pattern"] = db.session.scalar(select(NumberPattern.id))
        ids["evidence"] = db.session.scalar(select(Evidence.id))
        ids["job"] = db.session.scalar(select(DocumentJob.id).where(DocumentJob.archive_id > 0))
        ids["letter"] = db.session.scalar(select(ProgressLetter.id))
        ids["attachment"] = db.session.scalar(
            select(Attachment.id).where(Attachment.agreement_id == ids["review"])
        )
    _add_calendar_feed(app, ids)
    _add_api_token(app, ids)


def _add_calendar_feed(app, ids: dict) -> None:
    """The Denpasar office's calendar feed, made by its staff on the settings page."""
    page = signed_in(app, "staff").get("/settings/calendar")
    button = ui_text(app, "Create feed")
    choices = find_form(page, button=button)["target"].options
    office = next(value for value, _on, label in choices if label.endswith("Bali Denpasar"))
    shown = submit(page, button=button, target=office)
    ids["feed_token"] = shown.html.find("input", id="feed-url")["value"].split("/")[-1][:-4]
    with app.app_context():
        ids["feed"] = db.session.scalar(select(CalendarFeed.id))


def _add_api_token(app, ids: dict) -> None:
    """The Denpasar staff member's API token, made on the settings page."""
    page = signed_in(app, "staff").get("/settings/api")
    submit(page, button=ui_text(app, "Create token"), name="SIPD")
    with app.app_context():
        ids["api_token"] = db.session.scalar(select(ApiToken.id))


def _add_follow_ups(app, admin, partner, ids: dict[str, int]) -> None:
    """Two follow-ups of Denpasar's agreement in review for the city's side, added by the
    admin through the agreement page; the city's user marks the second done with evidence
    through its page."""
    save = ui_text(app, "Save the follow-up")
    for name in ("follow_up", "follow_up_done"):
        page = admin.get(f"/agreements/{ids['review']}/follow-ups/new")
        shown = follow(
            submit(
                page,
                button=save,
                description="Kirim data",
                assignee=f"partner-{ids['partner']}",
                due_on="2026-11-29",
            )
        )
        ids[name] = int(shown.request.path.rsplit("/", 1)[1])
    page = partner.get(f"/follow-ups/{ids['follow_up_done']}/done")
    evidence = ("evidence", ("bukti.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"))
    follow(submit(page, button=ui_text(app, "Mark as done"), upload=evidence, done_note="Ok"))


def test_every_endpoint_has_a_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - MATRIX.keys()) == [], "endpoints without a row in MATRIX"
    assert sorted(MATRIX.keys() - endpoints) == [], "rows for endpoints that are gone"


def test_every_route_is_declared_and_every_declaration_is_a_route(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert sorted(endpoints - REGISTRY.keys()) == [], "routes without a policy entry"
    assert sorted(REGISTRY.keys() - endpoints) == [], "policy entries without a route"


def test_every_row_names_one_status_per_column():
    for endpoint, (request, cells) in MATRIX.items():
        assert re.fullmatch(r"(GET|POST) /\S*", request), endpoint
        assert len(cells.split()) == len(COLUMNS), endpoint
        assert set(cells.split()) <= {"200", "302", "401", "403", "404", "405", "L"}, endpoint


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
@pytest.mark.parametrize("column", COLUMNS)
def test_matrix(app, column):
    ids = _demo_ids(app)
    _add_attachment_and_pattern(app, ids)
    routes = [(endpoint, *row) for endpoint, row in MATRIX.items()]
    assert matrix_misses(app, WHO.get(column, column), COLUMNS.index(column), routes, ids) == []
