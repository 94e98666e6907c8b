import io
import logging
import math
import time
from collections.abc import Callable
from datetime import date

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from partnerships.agreements import (
    attachments,
    bp,
    drafting,
    drafting_rules,
    lifecycle,
    printing,
    queries,
    review,
    rules,
    search,
    sections,  # noqa: F401 (importing it adds the partner and region page sections)
    signing,
    vacancies,
    workflow,
)
from partnerships.agreements import dossier as agreement_dossier
from partnerships.agreements.errors import AgreementError
from partnerships.agreements.forms import (
    ATTACHMENT_LABELS,
    FUNDING_LABELS,
    KIND_LABELS,
    ArticlesForm,
    CertifiedSigningForm,
    CommentForm,
    EditDetailsForm,
    NewAgreementForm,
    PartiesForm,
    ReplyForm,
    TransitionForm,
    UploadForm,
    WetInkSigningForm,
)
from partnerships.agreements.models import (
    EXPIRY_WINDOWS,
    Agreement,
    AgreementVersion,
    Attachment,
    Kind,
    Status,
)
from partnerships.agreements.parties import attachable_partners, party_role, set_parties
from partnerships.agreements.permissions import can_edit, visible_agreements
from partnerships.agreements.redline import as_text, changed_words, redline
from partnerships.audit.services import record_event
from partnerships.clauses.services import ClauseError
from partnerships.core.formatting import office_today, translated
from partnerships.core.forms import ConfirmForm, Form, refuse
from partnerships.core.pagination import keyset_page, list_args
from partnerships.core.roles import Role
from partnerships.core.safety import db_id
from partnerships.documents import services as documents
from partnerships.documents.dossier import REFUSALS as dossier_refusals
from partnerships.documents.models import Document
from partnerships.documents.rendering import RenderRefused
from partnerships.documents.store import StoreError
from partnerships.extensions import db
from partnerships.organisations.models import Official, Partner
from partnerships.organisations.scope import (
    office_filter_choices,
    office_subtree_ids,
    partner_choices,
    visible_partners,
)
from partnerships.organisations.services import office_choices

log = logging.getLogger(__name__)


def get_agreement(agreement_id: int, *, for_edit: bool = False) -> Agreement:
    """The agreement if the user may see it (else 404) and, for changes, edit it (else 403)."""
    agreement = db.first_or_404(
        visible_agreements(current_user).where(Agreement.id == agreement_id)
    )
    if for_edit and not can_edit(current_user, agreement):
        abort(403)
    return agreement


def _text_locked(agreement: Agreement):
    """Before the editor opens (and again on a save): a text that may not change now sends the
    user back to the agreement with the reason, instead of refusing what they typed."""
    if reason := drafting_rules.text_lock_reason(agreement):
        flash(reason, "warning")
        return redirect(url_for("agreements.show", agreement_id=agreement.id))
    return None


def _id_or_zero(value: str) -> int:
    """A row id typed into a list; 0 (no such row, refused later) when it is not one."""
    try:
        return db_id(value)
    except ValueError:
        return 0


def _as_int(value) -> int | None:
    """A number a form sent back in a hidden field; None when it is missing or garbled."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _labels() -> dict:
    """The words for kinds, statuses and funding, translated once for the page (a list looks
    each up for every row)."""
    return {
        "kinds": translated(KIND_LABELS),
        "statuses": translated(lifecycle.STATUS_LABELS),
        "funding": translated(FUNDING_LABELS),
        "windows": EXPIRY_WINDOWS,
    }


# ---- lists ------------------------------------------------------------------------------


@bp.get("/agreements")
def index():
    sort = request.args.get("sort", "newest")
    columns, descending = search.SORTS.get(sort, search.SORTS["newest"])
    stmt = search.with_parties(search.filtered(visible_agreements(current_user), request.args))
    page = keyset_page(stmt, columns, request.args.get("after"), descending=descending)
    office_filter = current_user.role != Role.PARTNER  # a partner user's are all its own
    # Links to the next page and the exports carry the filters, and only them.
    return render_template(
        "agreements/index.html",
        page=page,
        args=list_args(),
        sort=sort,
        filters=search.filter_args(request.args),
        office_filter=office_filter,
        offices=office_filter_choices() if office_filter else [],
        partners=partner_choices(current_user),
        **_labels(),
    )


@bp.get("/agreements/expiring")
def expiring():
    days = request.args.get("days", 90, type=int)
    days = days if days in EXPIRY_WINDOWS else max(EXPIRY_WINDOWS)
    stmt = search.with_parties(search.expiring_within(visible_agreements(current_user), days))
    rows = db.session.scalars(stmt.order_by(Agreement.ends_on, Agreement.id).limit(500)).all()
    return render_template(
        "agreements/expiring.html", rows=rows, days=days, today=office_today(), **_labels()
    )


@bp.get("/agreements/export.<fmt>")
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    stmt = search.filtered(visible_agreements(current_user), request.args)
    # office_id: the exporting user's office, so its auditors see the export too
    record_event(
        "agreements_export",
        "Agreement",
        None,
        {**search.filter_args(request.args), "format": fmt},
        office_id=current_user.office_id,
    )
    db.session.commit()
    stamp = office_today().isoformat()
    disposition = {"Content-Disposition": f"attachment; filename=perjanjian-{stamp}.{fmt}"}
    if fmt == "csv":
        return Response(
            stream_with_context(search.export_csv(stmt)), mimetype="text/csv", headers=disposition
        )
    return Response(
        search.export_xlsx(stmt),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=disposition,
    )


# ---- one agreement ----------------------------------------------------------------------


@bp.get("/agreements/<int:agreement_id>")
def show(agreement_id: int):
    return _show(get_agreement(agreement_id))


def _show(agreement: Agreement, posted: tuple[str, int, Form] | None = None):
    """The agreement page; `posted`: a signing form refused (kind, party position, the form
    with its errors), shown again where it was."""
    version = queries.latest_version(agreement)
    files = db.session.scalars(
        select(Attachment)
        .where(Attachment.agreement_id == agreement.id, ~Attachment.is_deleted)
        .order_by(Attachment.id)
    )
    return render_template(
        "agreements/show.html",
        agreement=agreement,
        version=version,
        tree=queries.family_tree(agreement, visible_agreements(current_user)),
        threads=review.threads(agreement),
        since_review=review.since_last_review(agreement),
        vacant=vacancies.vacant_parties(agreement),
        attachments=files,
        moves=workflow.available_moves(agreement, current_user),
        move_labels={k: m.label for k, m in workflow.MOVES.items()},
        can_edit=can_edit(current_user, agreement),
        transition=TransitionForm(),
        comment_form=CommentForm(),
        reply_form=ReplyForm(),
        kept=session.pop(KEPT, {}),
        upload_form=UploadForm(),
        confirm=ConfirmForm(),
        party_role=party_role,
        attachment_labels=ATTACHMENT_LABELS,
        **_signing_context(agreement, posted),
        **_labels(),
    )


def _signing_context(agreement: Agreement, posted: tuple[str, int, Form] | None) -> dict:
    """The signing section and the document list of the agreement page."""
    found = signing.entries(agreement)  # read once for the three parts made from them
    lines = signing.signing_state(agreement, found)
    sent = signing.sent_document(agreement)
    may_sign = can_edit(current_user, agreement) and signing.may_record_signatures(agreement)
    return {
        "signing": lines,
        "sent": sent,
        "show_signing": sent is not None or may_sign or any(line.signed for line in lines),
        "documents": db.session.scalars(signing.listed_documents(agreement, current_user)).all(),
        "may_sign": may_sign,
        "all_signed": signing.all_signed(agreement, found),
        # the bounds of the signing dates the forms take (the services check them too)
        "signing_today": office_today(),
        "last_signature": signing.last_signature(agreement, found),
        # blank forms for every party (not filled from a request that posted one of them)
        "certified_form": CertifiedSigningForm(formdata=None),
        "wet_ink_form": WetInkSigningForm(formdata=None),
        "posted": posted,
        "mode_labels": signing.MODE_LABELS,
        "document_labels": signing.DOCUMENT_LABELS,
    }


@bp.route("/agreements/new", methods=["GET", "POST"])
def new():
    form = NewAgreementForm()
    # Only what a new agreement can hang under: a signed agreement (to amend or renew) or an MoU.
    parents = db.session.execute(
        visible_agreements(current_user)
        .where(
            Agreement.status.in_([Status.ACTIVE, Status.EXPIRED])
            | ((Agreement.kind == Kind.MOU) & (Agreement.status != Status.DRAFT))
        )
        .with_only_columns(Agreement.id, Agreement.title)
        .order_by(Agreement.title)
    ).all()
    form.parent_id.choices = [(None, "—")] + [(a.id, a.title) for a in parents]
    # Only the offices this user drafts for: their own and those below it (admins: all).
    own = None if current_user.role == Role.ADMIN else office_subtree_ids(current_user.office_id)
    form.office_id.choices = [(i, name) for i, name in office_choices() if own is None or i in own]
    # Partners the user's office (or, for admins, any office) may make a party.
    partners = (
        visible_partners(current_user)
        if current_user.role == Role.ADMIN
        else attachable_partners(current_user.office_id)
    )
    form.partner_ids.choices = [
        (p.id, p.name)
        for p in db.session.execute(
            partners.with_only_columns(Partner.id, Partner.name).order_by(Partner.name)
        )
    ]
    if request.method == "GET":
        form.office_id.data = current_user.office_id
        form.kind.data = request.args.get("kind", form.kind.data)
        form.parent_id.data = request.args.get("parent", type=db_id)
        form.programs.data = ["JKK", "JKM"]
    if form.validate_on_submit():
        try:
            if own is not None and form.office_id.data not in own:
                raise AgreementError(
                    _("You may only draft agreements for your own office."), "office_id"
                )
            agreement = drafting.create(form.data, current_user)
        except AgreementError as error:
            refuse(form, error)
        except ClauseError as error:  # a library clause that cannot be filled in
            refuse(form, AgreementError(str(error)))
        else:
            db.session.commit()
            flash(_("Draft created from the clause library. Review the articles."), "success")
            return redirect(url_for("agreements.show", agreement_id=agreement.id))
    return render_template("agreements/new.html", form=form)


@bp.route("/agreements/<int:agreement_id>/edit", methods=["GET", "POST"])
def edit(agreement_id: int):
    agreement = get_agreement(agreement_id, for_edit=True)
    if locked := _text_locked(agreement):
        return locked
    form = EditDetailsForm(obj=agreement)
    if form.validate_on_submit():
        try:
            # From the request itself: the form falls back to the agreement's current
            # lock_version when the field is missing, which would wave any stale save through.
            drafting.update_details(agreement, form.data, _as_int(request.form.get("lock_version")))
        except AgreementError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Agreement saved."), "success")
            return redirect(url_for("agreements.show", agreement_id=agreement.id))
    return render_template("agreements/edit.html", form=form, agreement=agreement)


@bp.route("/agreements/<int:agreement_id>/parties", methods=["GET", "POST"])
def parties(agreement_id: int):
    agreement = get_agreement(agreement_id, for_edit=True)
    if request.method == "GET" and not rules.may_edit_signatories(agreement):
        # Nothing on the page could be saved: say so before the person types, not after.
        flash(_("Signatories and numbers are fixed once the agreement is signed."), "warning")
        return redirect(url_for("agreements.show", agreement_id=agreement.id))
    form = PartiesForm()
    form.partner_ids.choices = [
        (p.id, p.name)
        for p in db.session.execute(
            attachable_partners(agreement.office_id)
            .with_only_columns(Partner.id, Partner.name)
            .order_by(Partner.name)
        )
    ]
    if request.method == "GET":
        form.partner_ids.data = [p.partner_id for p in agreement.parties if p.partner_id]
    if form.validate_on_submit():
        entries = {
            party.position: {
                "signatory_id": request.form.get(f"signatory_{party.position}", type=db_id),
                "number": request.form.get(f"number_{party.position}", ""),
            }
            for party in agreement.parties
        }
        # An explicit list wins; else the order boxes, with newly chosen partners after them.
        order = [x.strip() for x in request.form.get("partner_order", "").split(",") if x.strip()]
        rank = {pid: request.form.get(f"order_{pid}", type=float) for pid in form.partner_ids.data}
        # An id the list does not offer is refused by check_partners in the service.
        chosen = [_id_or_zero(x) for x in order] or sorted(
            form.partner_ids.data, key=lambda pid: rank[pid] if rank[pid] is not None else 1e9
        )
        try:
            set_parties(agreement, chosen if rules.may_change_parties(agreement) else None, entries)
        except AgreementError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Parties saved."), "success")
            return redirect(url_for("agreements.show", agreement_id=agreement.id))
    officials = {
        party.position: db.session.scalars(
            select(Official)
            .where(
                ~Official.is_deleted,
                (Official.partner_id == party.partner_id)
                if party.partner_id
                else (Official.office_id == party.office_id),
            )
            .order_by(Official.tenure_start.desc())
        ).all()
        for party in agreement.parties
    }
    return render_template(
        "agreements/parties.html",
        form=form,
        agreement=agreement,
        officials=officials,
        vacant=vacancies.vacant_parties(agreement),
        party_role=party_role,
    )


@bp.route("/agreements/<int:agreement_id>/articles", methods=["GET", "POST"])
def articles(agreement_id: int):
    agreement = get_agreement(agreement_id, for_edit=True)
    if locked := _text_locked(agreement):
        return locked
    version = queries.latest_version(agreement)
    form = ArticlesForm()
    rows = version.articles if version else []
    if request.method == "GET":
        form.base_version.data = str(version.number) if version else ""
    else:
        # Whatever happens next, a refusal shows the user's text again as they arranged it
        # (the template adds the empty rows itself), with the version they started from.
        ordered = _submitted_articles()
        rows = [a for a in ordered if a["heading"].strip() or a["body"].strip()]
    if form.validate_on_submit():
        try:
            saved = drafting.save_articles(
                agreement,
                ordered,
                _as_int(form.base_version.data),
                current_user,
                form.note.data or None,
            )
        except AgreementError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Saved as version %(n)d.", n=saved.number), "success")
            return redirect(url_for("agreements.show", agreement_id=agreement.id))
    return render_template(
        "agreements/articles.html",
        form=form,
        agreement=agreement,
        rows=rows,
        version=version,
        limits={"heading": drafting_rules.MAX_HEADING, "text": drafting_rules.MAX_ARTICLE_TEXT},
    )


def _submitted_articles() -> list[dict[str, str]]:
    """The rows of the articles form, without the ticked ones, in the order numbers' order."""
    headings, bodies = request.form.getlist("heading"), request.form.getlist("body")
    positions = request.form.getlist("position")
    removed = set(request.form.getlist("remove"))
    submitted = []
    for i, (heading, body) in enumerate(zip(headings, bodies, strict=False)):
        if str(i) in removed:
            continue
        try:
            order = float(positions[i]) if i < len(positions) and positions[i] else i + 1
        except ValueError:
            order = i + 1
        if not math.isfinite(order):
            order = i + 1
        submitted.append((order, i, {"heading": heading, "body": body}))
    return [a for _o, _i, a in sorted(submitted, key=lambda t: (t[0], t[1]))]


@bp.get("/agreements/<int:agreement_id>/versions")
def versions(agreement_id: int):
    agreement = get_agreement(agreement_id)
    rows = review.review_rounds(agreement, current_user)
    # Word counts while the page's budget lasts (each comparison is bounded, but an agreement
    # may have many versions); older rows then show no count, and the redline still works.
    stats, started = {}, time.monotonic()
    for i in range(len(rows) - 1, -1, -1):  # newest first: the counts people look at
        if time.monotonic() - started > VERSION_STATS_SECONDS:
            break
        previous = as_text(rows[i - 1].articles) if i else ""
        stats[rows[i].number] = changed_words(previous, as_text(rows[i].articles))
    return render_template(
        "agreements/versions.html",
        agreement=agreement,
        versions=list(reversed(rows)),
        stats=stats,
        for_partner=current_user.role == Role.PARTNER,
    )


@bp.get("/agreements/<int:agreement_id>/compare")
def compare(agreement_id: int):
    agreement = get_agreement(agreement_id)

    def version(number):
        # a partner asking for an internal draft finds nothing, as for a missing one
        return db.first_or_404(
            review.visible_versions(agreement, current_user).where(
                AgreementVersion.number == number
            )
        )

    old = version(request.args.get("a", type=db_id))
    new = version(request.args.get("b", type=db_id))
    return render_template(
        "agreements/compare.html",
        agreement=agreement,
        old=old,
        new=new,
        diff=redline(as_text(old.articles), as_text(new.articles)),
    )


VERSION_STATS_SECONDS = 0.5

# What a person typed into a form that was refused, shown again in that form on the page the
# refusal returns to (bounded: it travels in the session cookie).
KEPT = "kept_text"
KEPT_MAX = 2000


def _attempt(
    change: Callable[[], object], done: Callable[[], str], keep: dict[str, str] | None = None
) -> bool:
    """One change from a page's button: committed and `done` said, or rolled back and the
    reason it was refused said (keeping what was typed); either way the person returns to the
    page."""
    try:
        change()
    except AgreementError as error:
        db.session.rollback()
        flash(str(error), "danger")
        if keep:
            session[KEPT] = {k: v[:KEPT_MAX] for k, v in keep.items() if v}
        return False
    db.session.commit()
    flash(done(), "success")
    return True


def _form_refused(form, keep: dict[str, str]) -> None:
    """A comment or reply its form refused (empty, too long): each field's reason, and the
    text back in its box."""
    flash(
        "; ".join(
            f"{form[name].label.text}: {e}" for name, errs in form.errors.items() for e in errs
        ),
        "danger",
    )
    session[KEPT] = {k: v[:KEPT_MAX] for k, v in keep.items() if v}


@bp.post("/agreements/<int:agreement_id>/transition")
def transition(agreement_id: int):
    agreement = get_agreement(agreement_id, for_edit=True)
    form = TransitionForm()
    if form.validate_on_submit():
        _attempt(
            lambda: workflow.transition(
                agreement,
                form.action.data,
                current_user,
                signed_on=form.signed_on.data,
                reason=form.reason.data,
            ),
            lambda: _(
                "The agreement is now %(status)s.",
                status=str(lifecycle.STATUS_LABELS[Status(agreement.status)]).lower(),
            ),
        )
    else:
        flash(
            _(
                "Check the form: %(errors)s",
                errors=", ".join(e for errs in form.errors.values() for e in errs),
            ),
            "danger",
        )
    return redirect(url_for("agreements.show", agreement_id=agreement.id))


@bp.post("/agreements/<int:agreement_id>/comments")
def comment(agreement_id: int):
    agreement = get_agreement(agreement_id)
    form = CommentForm()
    if form.validate_on_submit():
        _attempt(
            lambda: review.add_comment(
                agreement, current_user, form.article_index.data or 0, form.body.data
            ),
            lambda: _("Comment added."),
            keep={"comment": form.body.data, "article": str(form.article_index.data or 0)},
        )
    else:
        _form_refused(
            form,
            {"comment": form.body.data or "", "article": request.form.get("article_index", "")},
        )
    return redirect(url_for("agreements.show", agreement_id=agreement.id) + "#articles")


@bp.post("/agreements/<int:agreement_id>/comments/<int:comment_id>/resolve")
def comment_resolve(agreement_id: int, comment_id: int):
    agreement = get_agreement(agreement_id, for_edit=True)
    found = review.get_thread(agreement, comment_id)
    if found is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        if found.resolved_at is None:
            review.resolve_comment(found, current_user)
            db.session.commit()
            flash(_("Comment resolved."), "success")
        else:
            flash(_("This comment was already resolved."), "info")
    return redirect(url_for("agreements.show", agreement_id=agreement.id) + f"#comment-{found.id}")


@bp.post("/agreements/<int:agreement_id>/comments/<int:comment_id>/replies")
def comment_reply(agreement_id: int, comment_id: int):
    agreement = get_agreement(agreement_id)
    thread = review.get_thread(agreement, comment_id)
    if thread is None:
        abort(404)
    form = ReplyForm()
    if form.validate_on_submit():
        _attempt(
            lambda: review.add_reply(thread, current_user, form.body.data),
            lambda: _("Reply added."),
            # Resolved meanwhile: the text waits in the reply box and in a new comment's.
            keep={
                f"reply-{thread.id}": form.body.data,
                "comment": form.body.data,
                "article": str(thread.article_index),
            },
        )
    else:
        _form_refused(form, {f"reply-{thread.id}": form.body.data or ""})
    return redirect(url_for("agreements.show", agreement_id=agreement.id) + f"#comment-{thread.id}")


@bp.post("/agreements/<int:agreement_id>/attachments")
def upload(agreement_id: int):
    agreement = get_agreement(agreement_id, for_edit=True)
    form = UploadForm()
    if form.validate_on_submit():
        try:
            stored = attachments.store(
                agreement,
                form.file.data.stream,
                form.file.data.filename,
                form.kind.data,
                current_user,
            )
        except AgreementError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            try:
                db.session.commit()
            except Exception:
                attachments.path_of(stored).unlink(missing_ok=True)  # no row, so no file either
                raise
            flash(_("%(name)s attached.", name=stored.original_name), "success")
    else:
        flash(_("Choose a file to attach."), "danger")
    return redirect(url_for("agreements.show", agreement_id=agreement.id) + "#attachments")


@bp.get("/agreements/<int:agreement_id>/attachments/<int:attachment_id>")
def download(agreement_id: int, attachment_id: int):
    agreement = get_agreement(agreement_id)
    found = db.first_or_404(
        select(Attachment).where(
            Attachment.id == attachment_id,
            Attachment.agreement_id == agreement.id,
            ~Attachment.is_deleted,
        )
    )
    path = attachments.path_of(found)
    if not path.exists():
        abort(404)
    return send_file(
        path, mimetype=found.content_type, as_attachment=True, download_name=found.original_name
    )


# ---- signing ------------------------------------------------------------------------------


def _record_signature(agreement: Agreement, kind: str, position: int, form, record):
    """Record a partner's signature from its form: done and back to the page, or the page
    again with the form and why it was refused (at the field when it names one)."""
    if form.validate_on_submit():
        try:
            record()
        except AgreementError as error:
            refuse(form, error)
        else:
            db.session.commit()
            party = next(p for p in agreement.parties if p.position == position)
            flash(_("The signature of %(party)s is recorded.", party=party.name), "success")
            return redirect(url_for("agreements.show", agreement_id=agreement.id) + "#signing")
    return _show(agreement, posted=(kind, position, form))


@bp.post("/agreements/<int:agreement_id>/signing/<int:position>/certified")
def sign_certified(agreement_id: int, position: int):
    """A partner's PDF signed with its certified signature, uploaded back."""
    agreement = get_agreement(agreement_id, for_edit=True)
    form = CertifiedSigningForm()
    return _record_signature(
        agreement,
        "certified",
        position,
        form,
        lambda: signing.record_certified(
            agreement, position, form.file.data.stream, form.file.data.filename, current_user
        ),
    )


@bp.post("/agreements/<int:agreement_id>/signing/<int:position>/wet-ink")
def sign_wet_ink(agreement_id: int, position: int):
    """The scan of a page a partner's signatory signed in ink."""
    agreement = get_agreement(agreement_id, for_edit=True)
    form = WetInkSigningForm()
    return _record_signature(
        agreement,
        "wet_ink",
        position,
        form,
        lambda: signing.record_wet_ink(
            agreement,
            position,
            form.file.data.stream,
            form.file.data.filename,
            current_user,
            signer_name=form.signer_name.data,
            signed_on=form.signed_on.data,
        ),
    )


@bp.get("/agreements/<int:agreement_id>/documents/<int:document_id>")
def document(agreement_id: int, document_id: int):
    """A stored document of the agreement, as it was registered (byte for byte)."""
    agreement = get_agreement(agreement_id)
    found = db.first_or_404(
        signing.visible_documents(agreement, current_user).where(Document.id == document_id)
    )
    try:
        data = documents.content(found)
    except StoreError:
        log.exception("document %s of agreement %s is unreadable", found.id, agreement.id)
        abort(500)
    return send_file(
        io.BytesIO(data),
        mimetype=found.content_type,
        as_attachment=True,
        download_name=found.filename,
    )


@bp.get("/agreements/<int:agreement_id>/pdf")
def pdf(agreement_id: int):
    """The agreement as a PDF (DRAF until approved); what it still lacks is said on its page."""
    agreement = get_agreement(agreement_id)
    back = redirect(url_for("agreements.show", agreement_id=agreement.id))
    on = request.args.get("on", "").strip()
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        flash(_("Enter the signing date as a date (YYYY-MM-DD)."), "danger")
        return back
    try:
        content = printing.agreement_pdf(agreement, on=day)
    except printing.PrintRefused as refused:
        flash(
            _(
                "The PDF cannot be printed yet. Missing: %(items)s.",
                items="; ".join(refused.missing),
            ),
            "warning",
        )
        return back
    except RenderRefused as error:
        flash(str(error), "danger")
        return back
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename={printing.filename(agreement)}"},
    )


@bp.post("/agreements/<int:agreement_id>/dossier")
def dossier(agreement_id: int):
    """The auditor's dossier (a zip); its sealed manifest is registered, so the request
    commits before the file goes out."""
    agreement = get_agreement(agreement_id)
    try:
        built = agreement_dossier.build(agreement, current_user)
    except dossier_refusals as refused:
        db.session.rollback()
        flash(str(refused), "danger")
        return redirect(url_for("agreements.show", agreement_id=agreement.id))
    db.session.commit()
    return send_file(
        built.file, mimetype="application/zip", as_attachment=True, download_name=built.filename
    )


# What the templates ask besides `agreement_rules`: blanks, why a text is locked, the status
# as the dates make it (the rules live in drafting_rules and lifecycle).
for name, helper in {
    "text_blanks": drafting_rules.blanks,
    "text_lock_reason": drafting_rules.text_lock_reason,
    "agreement_badge": lifecycle.badge,
    "agreement_status_colours": lifecycle.STATUS_COLOURS,
    "agreement_status_label": lifecycle.status_label,
}.items():
    bp.add_app_template_global(helper, name)
