from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from partnerships.auth import bp, services
from partnerships.auth.forms import (
    ROLE_LABELS,
    LoginForm,
    PasswordForm,
    UserEditForm,
    UserForm,
)
from partnerships.auth.models import User
from partnerships.core.forms import ConfirmForm
from partnerships.core.pagination import id_key, keyset_page, text_key
from partnerships.core.safety import safe_next
from partnerships.extensions import db, limiter
from partnerships.organisations.services import office_choices, partner_choices


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.commit()  # keep the failed attempt in the audit trail
            flash(_("Wrong e-mail or password, or the account is deactivated."), "danger")
        else:
            login_user(user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("dashboard.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_all_sessions(current_user)
        db.session.commit()
        logout_user()
        flash(_("You have been logged out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current.data, form.new.data)
        except services.AccountError as error:
            # The service names the new password "password"; this form calls it "new".
            field = error.field if error.field in form else "new"
            form[field].errors.append(str(error))
        else:
            db.session.commit()
            login_user(user)  # keep this session; all others are now void
            flash(_("Password changed. Other sessions have been logged out."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/password.html", form=form)


@bp.get("/admin/users")
def users():
    q = request.args.get("q", "").strip()
    page = keyset_page(
        services.find_users(q),
        [text_key(User.email), id_key(User.id)],
        request.args.get("after"),
    )
    return render_template("auth/users.html", page=page, q=q, roles=ROLE_LABELS)


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user) if user is None else UserEditForm(obj=user)
    form.office_id.choices = [(None, "—"), *office_choices()]
    form.partner_id.choices = [(None, "—"), *partner_choices()]
    return form


def _save_user(form: UserForm, user: User | None) -> User | None:
    try:
        if user is None:
            if not form.password.data:
                raise services.AccountError(_("Set a password for the new user."), "password")
            return services.create_user(
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                password=form.password.data,
                office_id=form.office_id.data,
                partner_id=form.partner_id.data,
            )
        if user.id == current_user.id and not form.active.data:
            raise services.AccountError(_("You cannot deactivate your own account."), "active")
        services.update_user(
            user,
            name=form.name.data,
            role=form.role.data,
            office_id=form.office_id.data,
            partner_id=form.partner_id.data,
            active=form.active.data,
            password=form.password.data or None,
        )
        return user
    except services.AccountError as error:
        db.session.rollback()
        form[error.field or "email"].errors.append(str(error))
        return None


@bp.route("/admin/users/new", methods=["GET", "POST"])
def user_new():
    form = _user_form(None)
    if form.validate_on_submit() and (user := _save_user(form, None)):
        db.session.commit()
        flash(_("User %(email)s created.", email=user.email), "success")
        return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = _user_form(user)
    form.email.data = user.email  # the e-mail is the login; it is not edited here
    if form.validate_on_submit() and _save_user(form, user):
        db.session.commit()
        flash(_("User %(email)s saved.", email=user.email), "success")
        return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user, confirm=ConfirmForm())


@bp.post("/admin/users/<int:user_id>/deactivate")
def user_deactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        if user.id == current_user.id:
            flash(_("You cannot deactivate your own account."), "danger")
        else:
            services.deactivate_user(user)
            db.session.commit()
            flash(
                _("User %(email)s deactivated; all their sessions ended.", email=user.email),
                "success",
            )
    return redirect(url_for("auth.users"))
