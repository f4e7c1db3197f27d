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


ANONYMOUS = Principal(name="anonymous")


def current_principal(connection) -> Principal:
    """The principal the authentication middleware put on the connection (anonymous if none)."""
    principal = connection.scope.get("user")
    return principal if isinstance(principal, Principal) else ANONYMOUS
