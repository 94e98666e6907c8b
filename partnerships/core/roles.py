"""The five roles. Kept apart from the User model so policies can name them without imports."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"  # relations staff of an office
    MANAGER = "manager"  # approves and signs for an office
    PARTNER = "partner"  # a user of one government partner
    AUDITOR = "auditor"  # read-only, scoped to an office or national


INTERNAL = frozenset({Role.ADMIN, Role.STAFF, Role.MANAGER, Role.AUDITOR})
EVERYONE = frozenset(Role)
EDITORS = frozenset({Role.ADMIN, Role.STAFF, Role.MANAGER})
