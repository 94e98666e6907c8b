from sqlalchemy import Select, select

from partnerships.audit.models import AuditEntry
from partnerships.core.policy import allow
from partnerships.core.roles import Role
from partnerships.organisations.scope import office_subtree_ids

READERS = allow(Role.ADMIN, Role.AUDITOR)
POLICY = {
    "audit.index": READERS,
    "audit.object": READERS,
    "audit.export": READERS,
    "audit.verify": READERS,
}


def visible_entries(user) -> Select:
    """National auditors and admins read the whole trail; an office auditor reads the entries
    about rows of its office and the offices below it."""
    stmt = select(AuditEntry)
    if user.role == Role.AUDITOR and user.office_id is not None:
        stmt = stmt.where(AuditEntry.office_id.in_(office_subtree_ids(user.office_id)))
    return stmt
