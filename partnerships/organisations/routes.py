from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from partnerships.core.formatting import office_today, translated
from partnerships.core.forms import ConfirmForm, refuse
from partnerships.core.pagination import id_key, keyset_page, list_args, text_key
from partnerships.core.roles import Role
from partnerships.core.safety import db_id
from partnerships.extensions import db
from partnerships.organisations import bp, queries, sections, services  # noqa: F401 (sections)
from partnerships.organisations.forms import (
    OFFICE_KIND_LABELS,
    PARTNER_KIND_LABELS,
    ContactForm,
    NewOfficialForm,
    OfficeForm,
    OfficialForm,
    PartnerForm,
    ProfileForm,
)
from partnerships.organisations.models import ContactPerson, Office, Official, Partner
from partnerships.organisations.permissions import can_edit_official, can_edit_partner
from partnerships.organisations.scope import (
    office_filter_choices,
    office_subtree_ids,
    visible_officials,
    visible_partners,
)


def get_partner(partner_id: int, *, for_edit: bool = False) -> Partner:
    """The partner if `current_user` may see it (else 404) and, for edits, change it (else 403)."""
    partner = db.first_or_404(visible_partners(current_user).where(Partner.id == partner_id))
    if for_edit and not can_edit_partner(current_user, partner):
        abort(403)
    return partner


def get_official(official_id: int, *, for_edit: bool = False) -> Official:
    official = db.first_or_404(visible_officials(current_user).where(Official.id == official_id))
    if for_edit and not can_edit_official(current_user, official):
        abort(403)
    return official


def get_office(office_id: int) -> Office:
    return db.first_or_404(select(Office).where(Office.id == office_id, ~Office.is_deleted))


# ---- offices ----------------------------------------------------------------------------


@bp.get("/offices")
def offices():
    return render_template(
        "organisations/offices.html", offices=queries.offices(), kinds=OFFICE_KIND_LABELS
    )


@bp.get("/offices/<int:office_id>")
def office(office_id: int):
    office = get_office(office_id)
    on = _date_arg("on")
    return render_template(
        "organisations/office.html",
        office=office,
        officials=queries.office_officials(office),
        on=on,
        signatories=services.officials_serving(on=on, office_id=office.id),
        partners=queries.partners_of_office(current_user, office),
        kinds=OFFICE_KIND_LABELS,
    )


def _office_form(office: Office | None) -> OfficeForm:
    form = OfficeForm(obj=office)
    form.parent_id.choices = [(None, "—"), *services.office_choices()]
    if office is not None and request.method == "GET":
        form.served_codes.data = "\n".join(r.code for r in office.regions)
    return form


def _save_office(form: OfficeForm, office: Office | None):
    try:
        saved = services.save_office(office, {**form.data, "served_codes": form.served_list()})
    except services.OrganisationError as error:
        refuse(form, error)
        return None
    db.session.commit()
    flash(_("Office %(name)s saved.", name=saved.name), "success")
    return redirect(url_for("organisations.office", office_id=saved.id))


@bp.route("/offices/new", methods=["GET", "POST"])
def office_new():
    form = _office_form(None)
    if form.validate_on_submit() and (done := _save_office(form, None)):
        return done
    return render_template("organisations/office_form.html", form=form, office=None)


@bp.route("/offices/<int:office_id>/edit", methods=["GET", "POST"])
def office_edit(office_id: int):
    office = get_office(office_id)
    form = _office_form(office)
    if form.validate_on_submit() and (done := _save_office(form, office)):
        return done
    return render_template("organisations/office_form.html", form=form, office=office)


# ---- partners ---------------------------------------------------------------------------


@bp.get("/partners")
def partners():
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    office = request.args.get("office", "").strip()
    stmt = queries.find_partners(
        current_user, q, kind if kind in PARTNER_KIND_LABELS else "", office
    )
    page = keyset_page(
        stmt,
        [text_key(Partner.name), id_key(Partner.id)],
        request.args.get("after"),
    )
    office_filter = current_user.role != Role.PARTNER  # a partner user sees its own only
    return render_template(
        "organisations/partners.html",
        page=page,
        q=q,
        kind=kind,
        args=list_args(),
        kinds=translated(PARTNER_KIND_LABELS),
        office_filter=office_filter,
        offices=office_filter_choices() if office_filter else [],
    )


def _date_arg(name: str) -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return office_today()


@bp.get("/partners/<int:partner_id>")
def partner(partner_id: int):
    partner = get_partner(partner_id)
    on = _date_arg("on")
    return render_template(
        "organisations/partner.html",
        partner=partner,
        officials=queries.partner_officials(current_user, partner),
        contacts=queries.partner_contacts(current_user, partner),
        on=on,
        signatories=services.officials_serving(on=on, partner_id=partner.id),
        kinds=PARTNER_KIND_LABELS,
        can_edit=can_edit_partner(current_user, partner),
        confirm=ConfirmForm(),
    )


def _partner_form(partner: Partner | None) -> PartnerForm:
    form = PartnerForm(obj=partner)
    choices = services.office_choices()
    if current_user.role != Role.ADMIN:
        # Offer only the offices whose partners this person may keep (see can_edit_partner).
        own = office_subtree_ids(current_user.office_id) if current_user.office_id else set()
        choices = [(office_id, name) for office_id, name in choices if office_id in own]
    form.office_id.choices = choices
    if partner is None and request.method == "GET" and current_user.office_id:
        form.office_id.data = current_user.office_id
    return form


def _save_partner(form: PartnerForm, partner: Partner | None):
    try:
        saved = services.save_partner(partner, form.data)
        if not can_edit_partner(current_user, saved):
            raise services.OrganisationError(
                _("You may only register partners managed by your own office."), "office_id"
            )
    except services.OrganisationError as error:
        refuse(form, error)
        return None
    db.session.commit()
    flash(_("Partner %(name)s saved.", name=saved.name), "success")
    return redirect(url_for("organisations.partner", partner_id=saved.id))


@bp.route("/partners/new", methods=["GET", "POST"])
def partner_new():
    form = _partner_form(None)
    if form.validate_on_submit() and (done := _save_partner(form, None)):
        return done
    return render_template("organisations/partner_form.html", form=form, partner=None)


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
def partner_edit(partner_id: int):
    partner = get_partner(partner_id, for_edit=True)
    form = _partner_form(partner)
    if form.validate_on_submit() and (done := _save_partner(form, partner)):
        return done
    return render_template("organisations/partner_form.html", form=form, partner=partner)


@bp.post("/partners/<int:partner_id>/delete")
def partner_delete(partner_id: int):
    partner = get_partner(partner_id, for_edit=True)
    if ConfirmForm().validate_on_submit():
        services.soft_delete(partner)
        db.session.commit()
        flash(_("Partner %(name)s deleted.", name=partner.name), "success")
    return redirect(url_for("organisations.partners"))


# ---- officials --------------------------------------------------------------------------


@bp.get("/officials")
def officials():
    q = request.args.get("q", "").strip()
    page = keyset_page(
        queries.find_officials(current_user, q),
        [
            text_key(Official.name),
            id_key(Official.id),
        ],
        request.args.get("after"),
    )
    return render_template("organisations/officials.html", page=page, q=q)


def _official_owner():
    """A new official serves the partner (?partner=) or office (?office=) named in the URL;
    None when the URL names neither (the form then asks)."""
    if partner_id := request.args.get("partner", type=db_id):
        return get_partner(partner_id, for_edit=True)
    if office_id := request.args.get("office", type=db_id):
        if current_user.role != "admin":
            abort(403)
        return get_office(office_id)
    if "partner" in request.args or "office" in request.args:
        abort(404)  # named, but no such row
    return None


def _chosen_owner(form: NewOfficialForm):
    """The partner or office chosen on the form, if this user may add its officials."""
    if form.owner.data not in dict(form.owner.choices):
        raise services.OrganisationError(_("Choose whom the official serves."), "owner")
    kind, _sep, raw = form.owner.data.partition("-")
    if kind == "partner":
        return db.session.get(Partner, int(raw))
    return db.session.get(Office, int(raw))


def _owner_url(official: Official) -> str:
    if official.partner_id:
        return url_for("organisations.partner", partner_id=official.partner_id)
    return url_for("organisations.office", office_id=official.office_id)


def _save_official(form: OfficialForm, official: Official | None, owner=None):
    try:
        saved = services.save_official(official, form.data, owner=owner)
    except services.OrganisationError as error:
        refuse(form, error)
        return None
    db.session.commit()
    flash(_("Official %(name)s saved.", name=saved.name), "success")
    return redirect(_owner_url(saved))


@bp.route("/officials/new", methods=["GET", "POST"])
def official_new():
    owner = _official_owner()
    form = OfficialForm() if owner is not None else NewOfficialForm()
    if owner is None:
        form.owner.choices = [("", "—"), *services.official_owner_choices(current_user)]
    if form.validate_on_submit():
        try:
            chosen = owner or _chosen_owner(form)
        except services.OrganisationError as error:
            refuse(form, error)
        else:
            if done := _save_official(form, None, chosen):
                return done
    return render_template(
        "organisations/official_form.html", form=form, owner=owner, official=None
    )


@bp.route("/officials/<int:official_id>/edit", methods=["GET", "POST"])
def official_edit(official_id: int):
    official = get_official(official_id, for_edit=True)
    form = OfficialForm(obj=official)
    if form.validate_on_submit() and (done := _save_official(form, official)):
        return done
    return render_template(
        "organisations/official_form.html",
        form=form,
        owner=official.partner or official.office,
        official=official,
        confirm=ConfirmForm(),
    )


@bp.post("/officials/<int:official_id>/delete")
def official_delete(official_id: int):
    official = get_official(official_id, for_edit=True)
    if ConfirmForm().validate_on_submit():
        services.soft_delete(official)
        db.session.commit()
        flash(_("Official %(name)s deleted.", name=official.name), "success")
    return redirect(_owner_url(official))


# ---- a partner's own profile ("Profil instansi") ---------------------------------------


def own_partner(partner_id: int) -> Partner:
    """The signed-in partner user's own partner; any other id is not found (404), whatever the
    URL says: the query itself is limited to the user's partner."""
    return db.first_or_404(
        visible_partners(current_user).where(
            Partner.id == partner_id, Partner.id == current_user.partner_id
        )
    )


def own_contact(partner: Partner, contact_id: int) -> ContactPerson:
    return db.first_or_404(
        select(ContactPerson).where(
            ContactPerson.id == contact_id,
            ContactPerson.partner_id == partner.id,
            ContactPerson.is_deleted.is_(False),
        )
    )


def _profile_url(partner: Partner) -> str:
    return url_for("organisations.profile", partner_id=partner.id)


@bp.route("/partners/<int:partner_id>/profile", methods=["GET", "POST"])
def profile(partner_id: int):
    partner = own_partner(partner_id)
    form = ProfileForm(obj=partner)
    if form.validate_on_submit():
        services.save_profile(partner, form.data)
        db.session.commit()
        flash(_("Profile saved."), "success")
        return redirect(_profile_url(partner))
    return render_template(
        "organisations/profile.html",
        partner=partner,
        form=form,
        contacts=queries.partner_contacts(current_user, partner),
        confirm=ConfirmForm(),
        kinds=PARTNER_KIND_LABELS,
    )


def _contact_page(partner: Partner, contact: ContactPerson | None):
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        try:
            saved = services.save_contact(partner, contact, form.data)
        except services.OrganisationError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Contact person %(name)s saved.", name=saved.name), "success")
            return redirect(_profile_url(partner) + "#contacts")
    return render_template(
        "organisations/contact_form.html", form=form, partner=partner, contact=contact
    )


@bp.route("/partners/<int:partner_id>/contacts/new", methods=["GET", "POST"])
def contact_new(partner_id: int):
    return _contact_page(own_partner(partner_id), None)


@bp.route("/partners/<int:partner_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
def contact_edit(partner_id: int, contact_id: int):
    partner = own_partner(partner_id)
    return _contact_page(partner, own_contact(partner, contact_id))


@bp.post("/partners/<int:partner_id>/contacts/<int:contact_id>/delete")
def contact_delete(partner_id: int, contact_id: int):
    partner = own_partner(partner_id)
    contact = own_contact(partner, contact_id)
    if ConfirmForm().validate_on_submit():
        services.soft_delete(contact)
        db.session.commit()
        flash(_("Contact person %(name)s removed.", name=contact.name), "success")
    return redirect(_profile_url(partner) + "#contacts")
