"""The back office's roles and what each may do: the one table that the
pages' guard (staff_required), the queue's team, the rule that keeps one
member who manages staff, the staff home's sections, the admins' role
choices and `flask staff create --role` all read.

A new role is a row of ROLES: its label (translated like any text) and
the permissions it has. A new kind of page is a permission in PERMISSIONS,
given to the roles that may use it, and asked for by its views with
staff_required("<permission>"); tests/test_role_matrix.py then lists who
reaches it."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

# What a member may do; the views ask for one of these by name.
PERMISSIONS = {
    "queue": "see the queue, answer customers, take threads, add documents",
    "staff": "add members, change their roles, unlock, deactivate them",
    "customers": "find a customer's account and unlock it",
    "security_log": "read the security log",
    "texts": "word every text of the pages and emails, preview and publish",
    "content": "write and publish help-center articles, read the help report",
}


@dataclass(frozen=True)
class Role:
    label: object           # a lazy text: the role's name in the reader's language
    may: frozenset


ROLES = {
    "agent": Role(_l("Agent"), frozenset({"queue"})),
    "marketer": Role(_l("Marketer"), frozenset({"texts", "content"})),
    "admin": Role(_l("Admin"), frozenset({"queue", "staff", "customers", "security_log"})),
}

for _name, _role in ROLES.items():
    if not _role.may <= PERMISSIONS.keys():
        raise ValueError(f"role {_name}: unknown permissions {sorted(_role.may - PERMISSIONS.keys())}")


def may(role, permission):
    """Whether a member of `role` may do `permission` (an unknown role nothing)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    return role in ROLES and permission in ROLES[role].may


def that_may(permission):
    """The roles with `permission`, in the table's order."""
    return tuple(name for name in ROLES if may(name, permission))


def label(role):
    return ROLES[role].label


def names():
    """The roles in words for operators: "agent, marketer or admin"."""
    roles = list(ROLES)
    return ", ".join(roles[:-1]) + " or " + roles[-1] if len(roles) > 1 else roles[0]
