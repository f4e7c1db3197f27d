"""The permission table: which roles may do what. The README table is generated from it and
a test checks every route declares one of these permissions through its guard."""

from enum import StrEnum

from registry.enums import Role


class Permission(StrEnum):
    read_public = "read_public"  # published content and public minutes; no account needed
    read_staff = "read_staff"  # restricted minutes and drafts
    edit_instruments = "edit_instruments"
    edit_forms = "edit_forms"  # form versions: create, upload templates, record validations
    publish_forms = "publish_forms"
    generate_documents = "generate_documents"
    edit_meetings = "edit_meetings"
    manage_users = "manage_users"
    read_audit = "read_audit"
    own_account = "own_account"  # change one's own password, log out


STAFF = frozenset({Role.admin, Role.legal, Role.delegation})
EVERY_ROLE = frozenset(Role)

PERMISSIONS: dict[Permission, frozenset[Role] | None] = {
    # None: allowed to anyone, anonymous included
    Permission.read_public: None,
    Permission.read_staff: STAFF,
    Permission.edit_instruments: frozenset({Role.admin, Role.legal}),
    Permission.edit_forms: frozenset({Role.admin, Role.legal}),
    Permission.publish_forms: frozenset({Role.admin, Role.legal}),
    Permission.generate_documents: frozenset({Role.admin, Role.legal, Role.delegation, Role.caisse}),
    Permission.edit_meetings: frozenset({Role.admin, Role.delegation}),
    Permission.manage_users: frozenset({Role.admin}),
    Permission.read_audit: frozenset({Role.admin}),
    Permission.own_account: EVERY_ROLE,
}


def allowed(role: Role | None, permission: Permission) -> bool:
    roles = PERMISSIONS[permission]
    if roles is None:
        return True
    return role is not None and role in roles
