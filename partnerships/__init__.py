"""The application factory."""

import logging
import os
import secrets
from pathlib import Path

from flask import Flask, request, session
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, INSTANCE_DIR, Config

ROOT = Path(__file__).resolve().parent.parent
MIN_ANCHOR_KEY_LENGTH = 32  # characters of the HMAC-SHA256 key: no guessable passphrase
DOMAINS = (
    "core",
    "auth",
    "regions",
    "organisations",
    "numbering",
    "clauses",
    "documents",
    "agreements",
    "commitments",
    "events",
    "audit",
    "dashboard",
    "demo",
    "notifications",
    "backup",
    "api",
)


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    if config_class is None:
        config_class = CONFIGS[os.environ.get("PARTNERSHIPS_ENV", "production")]
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    configure_secret_key(app)
    configure_audit_anchor_key(app)
    register_extensions(app)
    register_blueprints(app)
    register_jobs(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_audit_vocabulary()
    if app.config.get("PROXY_COUNT"):
        # The client's address for the audit trail, and its scheme so HTTPS is recognised
        # (HSTS, Secure cookies) when the proxy terminates TLS.
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app


def _development_key(app: Flask, name: str, setting: str) -> str:
    """A key development keeps in instance/`name`: created readable by its owner only (0600)
    in one step, never briefly world-readable; production must set `setting` instead."""
    if app.config["ENV_NAME"] != "development":
        raise RuntimeError(f"{setting} must be set outside development (see README)")
    key_file = Path(app.instance_path) / name
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if key_file.stat().st_mode & 0o077:  # a key left by an older checkout, tightened
            key_file.chmod(0o600)
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


def configure_secret_key(app: Flask) -> None:
    """Production refuses to start without SECRET_KEY; development keeps one in instance/."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_key(app, "dev-secret-key", "SECRET_KEY")


def configure_audit_anchor_key(app: Flask) -> None:
    """The key audit checkpoints are signed with: required outside development, where one is
    generated into instance/, readable by its owner alone."""
    if not app.config.get("AUDIT_ANCHOR_KEY"):
        app.config["AUDIT_ANCHOR_KEY"] = _development_key(
            app, "audit-anchor-key", "AUDIT_ANCHOR_KEY"
        )
    if len(app.config["AUDIT_ANCHOR_KEY"]) < MIN_ANCHOR_KEY_LENGTH:
        raise RuntimeError(f"AUDIT_ANCHOR_KEY must be at least {MIN_ANCHOR_KEY_LENGTH} characters")


def register_extensions(app: Flask) -> None:
    from partnerships.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"


def select_locale() -> str:
    """Indonesian unless the user picked English with the language switch."""
    chosen = session.get("lang") if request else None
    return chosen if chosen in ("id", "en") else "id"


def register_blueprints(app: Flask) -> None:
    import importlib

    from partnerships.core import policy
    from partnerships.core.routing import BoundedIntConverter, refuse_nul

    # Before any blueprint builds its rules: ids beyond what a column holds simply match nothing.
    app.url_map.converters["int"] = BoundedIntConverter

    for name in DOMAINS:
        package = importlib.import_module(f"partnerships.{name}")
        for module in ("routes", "cli"):  # both attach to the blueprint on import
            if (ROOT / "partnerships" / name / f"{module}.py").exists():
                importlib.import_module(f"partnerships.{name}.{module}")
        if hasattr(package, "register"):  # a domain that registers more than its blueprint
            package.register(app)
        else:
            app.register_blueprint(package.bp)
        permissions = importlib.import_module(f"partnerships.{name}.permissions")
        policy.declare(permissions.POLICY)
    app.before_request(refuse_nul)
    app.before_request(policy.enforce)


def register_jobs(app: Flask) -> None:
    """The background-job queue, with the tasks the domains declared when they were imported."""
    from partnerships.core import jobs

    jobs.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from partnerships.core.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from partnerships.core.headers import secure

    app.after_request(secure)


def register_template_helpers(app: Flask) -> None:
    from partnerships.agreements import rules as agreement_rules
    from partnerships.auth.forms import ROLE_LABELS
    from partnerships.core import formatting, policy, sections
    from partnerships.core.routing import current_url
    from partnerships.core.uploads import size_label
    from partnerships.regions.models import KIND_LABELS

    app.jinja_env.filters.update(formatting.FILTERS)
    app.jinja_env.globals.update(
        can=policy.can,
        sections=sections.render,
        current_url=current_url,
        current_lang=select_locale,
        role_label=lambda role: ROLE_LABELS.get(role, role),
        region_kind=lambda kind: KIND_LABELS.get(kind, kind),
        size_label=size_label,
        agreement_rules=agreement_rules,  # templates ask the workflow, never restate it
    )


def register_audit_vocabulary() -> None:
    """Give the audit trail the domains' words for their values (it imports no domain)."""
    from partnerships.agreements.forms import ATTACHMENT_LABELS, FUNDING_LABELS, KIND_LABELS
    from partnerships.agreements.lifecycle import STATUS_LABELS
    from partnerships.agreements.parties import party_role
    from partnerships.audit import readable
    from partnerships.auth.forms import ROLE_LABELS
    from partnerships.clauses.forms import DOC_KIND_LABELS
    from partnerships.commitments import forms as commitment_forms
    from partnerships.commitments.wording import VERDICT_LABELS, term_summary
    from partnerships.events import forms as event_forms
    from partnerships.numbering.forms import DOC_TYPE_LABELS
    from partnerships.organisations.forms import OFFICE_KIND_LABELS, PARTNER_KIND_LABELS

    readable.label_values("Agreement", "status", STATUS_LABELS)
    readable.label_values("Agreement", "kind", KIND_LABELS)
    readable.label_values("Agreement", "funding", FUNDING_LABELS)
    readable.label_values("Attachment", "kind", ATTACHMENT_LABELS)
    readable.label_values("User", "role", ROLE_LABELS)
    readable.label_values("Clause", "doc_kind", DOC_KIND_LABELS)
    readable.label_values("NumberPattern", "doc_type", DOC_TYPE_LABELS)
    readable.label_values("IssuedNumber", "doc_type", DOC_TYPE_LABELS)
    readable.label_values("Office", "kind", OFFICE_KIND_LABELS)
    readable.label_values("Partner", "kind", PARTNER_KIND_LABELS)
    readable.label_values("Commitment", "kind", commitment_forms.KIND_LABELS)
    readable.label_values("Commitment", "metric", commitment_forms.METRIC_LABELS)
    readable.label_values("Commitment", "funding", FUNDING_LABELS)
    readable.label_values("Commitment", "status", VERDICT_LABELS)
    readable.label_values("RealisationFigure", "status", commitment_forms.FIGURE_STATUS_LABELS)
    readable.label_values("ContributionRate", "basis", commitment_forms.BASIS_LABELS)
    readable.write_values("CommitmentTerm", "set_values", term_summary)
    readable.label_values("Event", "kind", event_forms.KIND_LABELS)
    readable.label_values("Event", "status", event_forms.STATUS_LABELS)
    readable.write_values("Event", "audience_rows", event_forms.audience_summary)
    readable.label_values("EventAttachment", "kind", event_forms.ATTACHMENT_KIND_LABELS)
    readable.label_values("FollowUp", "status", event_forms.FOLLOW_UP_STATUS_LABELS)
    readable.name_party_roles(party_role)


logging.getLogger("partnerships").addHandler(logging.NullHandler())
