"""The principal of a request: a person, a machine token, or anonymous."""

from dataclasses import dataclass

from registry.auth.permissions import Permission, allowed
from registry.enums import Role


@dataclass(frozen=True)
class Principal:
    name: str  # username, "token:<name>", or "anonymous"
    role: Role | None = None
    # countries the principal is limited to (delegation members, scoped tokens); empty = all
    countries: tuple[str, ...] = ()
    user_id: int | None = None
    token_id: int | None = None
    session_id: int | None = None  # the browser session that authenticated the request

    @property
    def is_authenticated(self) -> bool:
        return self.role is not None

    def can(self, permission: Permission) -> bool:
        return allowed(self.role, permission)

    def covers_country(self, code: str) -> bool:
        return not self.countries or code in self.countries

    def reads_restricted_of(self, code: str) -> bool:
        """Restricted material of a country (drafts, restricted minutes): staff (read_staff) whose
        country limits cover it. The one rule for meetings, minutes and form versions."""
        return self.can(Permission.read_staff) and self.covers_country(code)


ANONYMOUS = Principal(name="anonymous")


def current_principal(connection) -> Principal:
    """The principal the authentication middleware put on the connection (anonymous if none)."""
    principal = connection.scope.get("user")
    return principal if isinstance(principal, Principal) else ANONYMOUS
