"""The permission table: which roles may do what. The README table is generated from it and
a test checks every route declares one of these permissions through its guard."""

from enum import StrEnum

from registry.enums import Role
from registry.labels import mark


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


# what each permission covers, for people: the README table is generated from these lines
DESCRIPTIONS: dict[Permission, str] = {
    Permission.read_public: mark("read published content and public minutes, search, health, OpenAPI"),
    Permission.read_staff: mark("read restricted minutes and drafts"),
    Permission.edit_instruments: mark("create and edit instruments, their links and official texts"),
    Permission.edit_forms: mark("create form versions, upload templates, record validations"),
    Permission.publish_forms: mark("publish form versions"),
    Permission.generate_documents: mark("download and generate forms (blank, filled, batch)"),
    Permission.edit_meetings: mark("meetings, agendas and minutes (of the account's countries)"),
    Permission.manage_users: mark("accounts (create, role, disable) and API tokens"),
    Permission.read_audit: mark("read the audit (admin page and GET /api/audit)"),
    Permission.own_account: mark("log out, change one's own password"),
}


def allowed(role: Role | None, permission: Permission) -> bool:
    roles = PERMISSIONS[permission]
    if roles is None:
        return True
    return role is not None and role in roles


def permissions_of(role: Role | None) -> frozenset[Permission]:
    return frozenset(p for p in Permission if allowed(role, p))


def role_within(role: Role, other: Role) -> bool:
    """True when `role` may do nothing that `other` may not (a token never exceeds its owner)."""
    return permissions_of(role) <= permissions_of(other)


TABLE_COLUMNS: tuple[Role | None, ...] = (None, Role.researcher, Role.caisse, Role.delegation, Role.legal, Role.admin)


def markdown_table() -> str:
    """The README's permission table, generated from PERMISSIONS (tests/test_permissions.py)."""
    header = "| permission | what it covers | " + " | ".join(r.value if r else "anonymous" for r in TABLE_COLUMNS) + " |"
    lines = [header, "|" + "---|" * (2 + len(TABLE_COLUMNS))]
    for permission in Permission:
        marks = " | ".join("✓" if allowed(role, permission) else "" for role in TABLE_COLUMNS)
        lines.append(f"| `{permission.value}` | {DESCRIPTIONS[permission]} | {marks} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m registry.auth.permissions > table (to paste into README.md)
    print(markdown_table(), end="")
