"""Guards: every route handler declares the permission it needs with `guards=[requires(P)]`.

The route-table test reads `guard.permission`, so a route without a rule fails the suite."""

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from registry.auth.permissions import Permission
from registry.auth.principal import current_principal


def requires(permission: Permission):
    def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        principal = current_principal(connection)
        if principal.can(permission):
            return
        # the refusal is audited by the exception handler, which has a database session
        if not principal.is_authenticated:
            raise NotAuthorizedException(detail="authentication required", extra={"permission": permission.value})
        raise PermissionDeniedException(detail=f"role {principal.role} may not {permission.value}",
                                        extra={"permission": permission.value})

    guard.permission = permission
    guard.__name__ = f"requires_{permission.value}"
    return guard


def people_only(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    """For actions a machine token must never take in its owner's name (changing the password)."""
    principal = current_principal(connection)
    if principal.token_id is not None:
        raise PermissionDeniedException(detail="only a logged-in person may do this, not an API token",
                                        extra={"permission": "person"})
