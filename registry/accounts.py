"""Accounts: creation, passwords (argon2-cffi), roles, disabling. Every change is audited in the
caller's transaction; the caller commits."""

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from registry import audit
from registry.auth.sessions import revoke_sessions
from registry.enums import Role
from registry.labels import mark
from registry.models import Country, User

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1000  # argon2 pre-hashes, but a megabyte "password" is still not one
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,149}$")
_hasher = PasswordHasher()
# verified against when the username is unknown, so that a wrong name costs the same time as a
# wrong password and response times do not reveal which accounts exist
_UNKNOWN_USER_HASH = _hasher.hash("no such user, same cost")


class AccountError(ValueError):
    """A refused account change; `message` is an English msgid with %(name)s placeholders."""

    def __init__(self, field: str, message: str, **params) -> None:
        super().__init__(f"{field}: {message % params}")
        self.field = field
        self.message = message
        self.params = params


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User | None, password: str) -> bool:
    """Constant-cost check: an unknown or disabled user still costs one argon2 verification."""
    stored = user.password_hash if user is not None else _UNKNOWN_USER_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


def rehash_if_needed(user: User, password: str) -> None:
    """Argon2 parameters grow with hardware; a login with the right password upgrades the hash."""
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)


def check_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(field, mark("at least %(min)s characters"), min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(field, mark("at most %(max)s characters"), max=MAX_PASSWORD_LENGTH)


def check_role(role: str) -> Role:
    if role not in Role.__members__:
        raise AccountError("role", mark("expected one of %(accepted)s"), accepted=", ".join(Role.__members__))
    return Role(role)


def check_countries(session: Session, codes) -> list[str]:
    cleaned = sorted({code.strip().upper() for code in codes if code and code.strip()})
    known = set(session.exec(select(Country.code).where(Country.code.in_(cleaned))).all()) if cleaned else set()
    unknown = [code for code in cleaned if code not in known]
    if unknown:
        raise AccountError("countries", mark("unknown country codes: %(codes)s"), codes=", ".join(unknown))
    return cleaned


def user_snapshot(user: User) -> dict:
    return {"username": user.username, "role": user.role, "countries": list(user.countries),
            "is_active": user.is_active}


def create_user(session: Session, username: str, password: str, role: str, display_name: str = "",
                actor: audit.Actor | None = None, countries=()) -> User:
    username = username.strip()
    if not USERNAME_PATTERN.match(username):
        raise AccountError("username", mark("1 to 150 letters, digits or . _ @ - (starting with a letter or digit)"))
    check_role(role)
    check_password(password)
    if session.exec(select(User).where(User.username == username)).first():
        raise AccountError("username", mark("%(username)s already exists"), username=username)
    user = User(username=username, display_name=(display_name.strip() or username)[:200], role=role,
                countries=check_countries(session, countries), password_hash=hash_password(password))
    session.add(user)
    session.flush()
    audit.record(session, actor or audit.Actor.system("system:cli"), "user.create", "user", user.id,
                 after=user_snapshot(user))
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username.strip())).first()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AccountError("user", mark("no account %(id)s"), id=user_id)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.username)).all())


def _other_active_admins(session: Session, user: User) -> int:
    return len(session.exec(select(User.id).where(User.role == Role.admin.value, User.is_active == True,  # noqa: E712
                                                  User.id != user.id)).all())


def _keep_an_admin(session: Session, user: User) -> None:
    if user.role == Role.admin and user.is_active and _other_active_admins(session, user) == 0:
        raise AccountError("user", mark("%(username)s is the last active admin"), username=user.username)


def set_role(session: Session, actor: audit.Actor, user: User, role: str, countries=()) -> User:
    new_role = check_role(role)
    new_countries = check_countries(session, countries)
    if new_role != Role.admin:
        _keep_an_admin(session, user)
    before = user_snapshot(user)
    user.role, user.countries = new_role.value, new_countries
    session.add(user)
    audit.record(session, actor, "user.role", "user", user.id, before=before, after=user_snapshot(user))
    return user


def disable_user(session: Session, actor: audit.Actor, user: User) -> User:
    """The account's sessions end now; its tokens stop working while it stays disabled."""
    if actor.name == user.username:
        raise AccountError("user", mark("you cannot disable your own account"))
    _keep_an_admin(session, user)
    before = user_snapshot(user)
    user.is_active = False
    session.add(user)
    ended = revoke_sessions(session, user.id)
    audit.record(session, actor, "user.disable", "user", user.id, before=before, after=user_snapshot(user),
                 detail=f"{ended} session(s) ended")
    return user


def enable_user(session: Session, actor: audit.Actor, user: User) -> User:
    before = user_snapshot(user)
    user.is_active = True
    session.add(user)
    audit.record(session, actor, "user.enable", "user", user.id, before=before, after=user_snapshot(user))
    return user


def change_password(session: Session, actor: audit.Actor, user: User, current: str, new: str,
                    keep_session_id: int | None = None) -> User:
    """Asks for the current password (a borrowed open browser must not be enough); other sessions end."""
    if not password_matches(user, current):
        raise AccountError("current_password", mark("wrong password"))
    check_password(new, "new_password")
    if new == current:
        raise AccountError("new_password", mark("choose a password different from the current one"))
    user.password_hash = hash_password(new)
    session.add(user)
    ended = revoke_sessions(session, user.id, keep=keep_session_id)
    audit.record(session, actor, "user.password_change", "user", user.id, detail=f"{ended} other session(s) ended")
    return user


def set_password(session: Session, actor: audit.Actor, user: User, new: str) -> User:
    """An operator's reset (command line): every session of the account ends."""
    check_password(new)
    user.password_hash = hash_password(new)
    session.add(user)
    ended = revoke_sessions(session, user.id)
    audit.record(session, actor, "user.password_reset", "user", user.id, detail=f"{ended} session(s) ended")
    return user
