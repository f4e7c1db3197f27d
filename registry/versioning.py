"""Optimistic concurrency shared by every editable record (instrument, form version, meeting)."""

from sqlalchemy import update
from sqlmodel import Session

from registry import country_limits
from registry.problems import StaleVersion


def claim_version(session: Session, record, expected: int, **also_set) -> None:
    """Compare-and-set on `record.version`: of two editors saving at once, exactly one wins.
    The loser's transaction is rolled back and StaleVersion names the current version.
    This UPDATE bypasses the flush, so the country limits are checked here too."""
    country_limits.check_row(session, record)
    model = type(record)
    result = session.execute(
        update(model).where(model.id == record.id, model.version == expected)
        .values(version=expected + 1, **also_set).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.rollback()
        current = session.get(model, record.id)
        session.refresh(current)
        raise StaleVersion(expected, current.version)
    record.version = expected + 1
