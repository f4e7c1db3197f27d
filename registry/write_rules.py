"""Rules every written row obeys, checked when the session flushes it, whoever writes it:
dates in range (registry/dates.py) and country limits (registry/country_limits.py).

A listener on SQLAlchemy's Session class, installed once by `install()` (registry/db.py calls
it for every engine it makes). A refusal raised here stops the flush before any SQL is sent;
the caller's transaction is then rolled back, so nothing of the write remains.

Rows deleted are not checked: nothing is ever deleted (ARCHITECTURE "Rules the data lives by")."""

from sqlalchemy import event
from sqlalchemy.orm import Session

from registry import country_limits, dates


def check_flush(session: Session, _flush_context, _instances) -> None:
    for record in session.new:
        dates.check_row(record, is_new=True)
        country_limits.check_row(session, record)
    for record in session.dirty:
        dates.check_row(record, is_new=False)
        country_limits.check_row(session, record)


def install() -> None:
    if not event.contains(Session, "before_flush", check_flush):
        event.listen(Session, "before_flush", check_flush)
