"""Country limits on writes: a principal limited to countries writes rows of those countries only.

One rule for every write path (API, pages, imports): the request's database session carries
the principal's limits (`limit`, called by the session dependency), and every row flushed in
that session, or claimed by a compare-and-set (registry/versioning.py), must belong to a
country the principal covers (registry/write_rules.py). Nothing per route: a new route, page
or service that writes is limited the day it is written.

Which country a row belongs to is declared once per table, next to the table:

    scoped(Instrument, column="country_code")
    scoped(OfficialText, parent=Instrument, via="instrument_id")   # its instrument's country

and a table whose rows belong to no country (accounts, the audit, blobs) is declared
`unlimited` with the reason. A limited session writing a row of a table declared neither way
is refused (fail closed); tests/test_country_limits.py fails while a table is undeclared.

A refusal is a 403 (a PermissionDeniedException), audited like every other refusal
(registry/web/security_errors.py); the transaction is abandoned, so nothing is written."""

from dataclasses import dataclass

from litestar.exceptions import PermissionDeniedException
from sqlalchemy import inspect

from registry.labels import mark

SESSION_KEY = "country_limits"
PERMISSION = "country_limits"  # what the refusal names in its `extra` and in the audit
REFUSED = mark("Your account is limited to %(limits)s: it may not change what belongs to %(country)s.")


class OutsideCountryLimits(PermissionDeniedException):
    def __init__(self, limits: tuple[str, ...], country: str, what: str = "") -> None:
        self.limits, self.country = limits, country
        about = f" ({what})" if what else ""
        extra = {"permission": PERMISSION, "country": country, "limited_to": list(limits)}
        super().__init__(detail=f"limited to {', '.join(limits)}: may not change what belongs to {country}{about}",
                         extra=extra | ({"about": what} if what else {}))
        self.what = what

    def params(self) -> dict:
        return {"limits": ", ".join(self.limits), "country": self.country}


@dataclass(frozen=True)
class Scope:
    column: str | None = None  # the row's own country code column
    parent: type | None = None  # or the row it belongs to, by its key `via`
    via: str | None = None


SCOPES: dict[type, Scope] = {}
UNLIMITED: dict[str, str] = {}  # table name -> why its rows belong to no country


def scoped(model: type, *, column: str | None = None, parent: type | None = None, via: str | None = None) -> None:
    if (column is None) == (parent is None) or (parent is not None and via is None):
        raise ValueError("a scope names its country column, or its parent and the key to it")
    SCOPES[model] = Scope(column, parent, via)


def unlimited(table_name: str, why: str) -> None:
    UNLIMITED[table_name] = why


def limit(session, countries: tuple[str, ...]) -> None:
    """Limit the writes of `session` to `countries` (empty: no limit)."""
    session.info[SESSION_KEY] = tuple(countries)


def limits_of(session) -> tuple[str, ...]:
    return session.info.get(SESSION_KEY, ())


def covers(session, country: str) -> bool:
    limits = limits_of(session)
    return not limits or country in limits


def require(session, country: str, what: str = "") -> None:
    if not covers(session, country):
        raise OutsideCountryLimits(limits_of(session), country, what)


def country_of(session, record) -> str | None:
    """The country a row belongs to, following its parents; None when it cannot be told."""
    scope = SCOPES.get(type(record))
    if scope is None:
        return None
    if scope.column:
        return getattr(record, scope.column)
    key = getattr(record, scope.via)
    with session.no_autoflush:
        parent = session.get(scope.parent, key) if key is not None else None
    return country_of(session, parent) if parent is not None else None


def countries_touched(session, record) -> set[str | None]:
    """The row's country, and the one it had if this write moves its country column."""
    found = {country_of(session, record)}
    scope = SCOPES.get(type(record))
    if scope is not None and scope.column:
        history = inspect(record).attrs[scope.column].history
        found.update(history.deleted or ())
    return found


def check_row(session, record) -> None:
    """Refuse the write of `record` in a limited session when it is not of a covered country."""
    limits = limits_of(session)
    if not limits or type(record).__tablename__ in UNLIMITED:
        return
    if type(record) not in SCOPES:
        raise OutsideCountryLimits(limits, "?", f"table {type(record).__tablename__} declares no country rule")
    for country in countries_touched(session, record):
        if country not in limits:
            raise OutsideCountryLimits(limits, country or "?", f"{type(record).__tablename__}")
