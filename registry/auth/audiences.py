"""Who may see restricted material: one rule for queries and for search.

Every restricted record (minutes of a restricted meeting, a draft) carries an audience:
"public" or "staff". A principal sees the audiences `audiences_for` returns, nothing else:

    hits = search.query(text, audiences=audiences_for(principal))             # search
    rows = select(Minutes).where(visible_to(principal, Minutes.audience))       # queries

A caisse user, a researcher, a token scoped to those roles and anonymous visitors get
("public",); roles holding Permission.read_staff (delegation, legal, admin) get ("public",
"staff"). Country limits (a delegation's countries) are a second, separate filter:
`principal.covers_country(code)`."""

from registry.auth.permissions import Permission
from registry.auth.principal import Principal

PUBLIC = "public"
STAFF = "staff"
AUDIENCES = (PUBLIC, STAFF)


def audiences_for(principal: Principal) -> tuple[str, ...]:
    return (PUBLIC, STAFF) if principal.can(Permission.read_staff) else (PUBLIC,)


def visible_to(principal: Principal, audience_column):
    """A SQL condition keeping the rows whose audience the principal may see."""
    return audience_column.in_(audiences_for(principal))


def may_see(principal: Principal, audience: str) -> bool:
    return audience in audiences_for(principal)
