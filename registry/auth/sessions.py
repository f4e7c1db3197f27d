"""Browser sessions kept in the database: the cookie holds a random id, the table its sha256.

A session ends when it is revoked (logout, password change, account disabled), after
SESSION_IDLE without a request, or SESSION_LIFETIME after login, whichever comes first."""

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from registry.auth.credentials import digest, new_session_id
from registry.auth.models import AuthSession, as_utc
from registry.auth.principal import Principal
from registry.enums import Role
from registry.models import User, utcnow

SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)
# last_seen_at is written at most this often: an idle timeout needs minutes, not every request
TOUCH_EVERY = timedelta(minutes=1)


def principal_for_user(user: User, session_id: int | None = None) -> Principal:
    return Principal(name=user.username, role=Role(user.role), countries=tuple(user.countries),
                     user_id=user.id, session_id=session_id)


def open_session(db: Session, user: User, remote_addr: str = "", user_agent: str = "",
                 now: datetime | None = None) -> tuple[str, AuthSession]:
    """A new session for `user`; returns the cookie value (shown nowhere else) and its row."""
    now = now or utcnow()
    cookie_value = new_session_id()
    record = AuthSession(id_hash=digest(cookie_value), user_id=user.id, created_at=now, last_seen_at=now,
                         expires_at=now + SESSION_LIFETIME, remote_addr=remote_addr[:64],
                         user_agent=user_agent[:300])
    db.add(record)
    db.flush()
    return cookie_value, record


def is_live(record: AuthSession, now: datetime) -> bool:
    return (record.revoked_at is None and as_utc(record.expires_at) > now
            and as_utc(record.last_seen_at) + SESSION_IDLE > now)


def resolve_session(db: Session, cookie_value: str, now: datetime | None = None) -> Principal | None:
    """The principal of a live session of an active account, or None. Touches last_seen_at."""
    now = now or utcnow()
    row = db.exec(select(AuthSession, User).join(User, User.id == AuthSession.user_id)
                  .where(AuthSession.id_hash == digest(cookie_value))).first()
    if row is None:
        return None
    record, user = row
    if not user.is_active or not is_live(record, now):
        return None
    if as_utc(record.last_seen_at) + TOUCH_EVERY <= now:
        record.last_seen_at = now
        db.add(record)
    return principal_for_user(user, record.id)


def close_session(db: Session, session_id: int, now: datetime | None = None) -> AuthSession | None:
    record = db.get(AuthSession, session_id)
    if record is not None and record.revoked_at is None:
        record.revoked_at = now or utcnow()
        db.add(record)
    return record


def revoke_sessions(db: Session, user_id: int, keep: int | None = None, now: datetime | None = None) -> int:
    """End every open session of an account (but `keep`); returns how many ended."""
    statement = (update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
                 .values(revoked_at=now or utcnow()))
    if keep is not None:
        statement = statement.where(AuthSession.id != keep)
    return db.exec(statement).rowcount


def purge_expired(db: Session, user_id: int, now: datetime | None = None) -> None:
    """Forget an account's sessions that ended over a day ago (sessions are not records to keep)."""
    cutoff = (now or utcnow()) - timedelta(days=1)
    for record in db.exec(select(AuthSession).where(AuthSession.user_id == user_id)).all():
        ended = record.revoked_at or min(as_utc(record.expires_at), as_utc(record.last_seen_at) + SESSION_IDLE)
        if as_utc(ended) < cutoff:
            db.delete(record)
