"""Accounts: creation with argon2 password hashes (argon2-cffi), audited."""

from argon2 import PasswordHasher
from sqlmodel import Session, select

from registry import audit
from registry.enums import Role
from registry.models import User

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, username: str, password: str, role: str, display_name: str = "",
                actor: audit.Actor | None = None) -> User:
    username = username.strip()
    if not username:
        raise AccountError("username: must not be empty")
    if role not in Role.__members__:
        raise AccountError(f"role: expected one of {', '.join(Role.__members__)}, got {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if session.exec(select(User).where(User.username == username)).first():
        raise AccountError(f"username: {username!r} already exists")
    user = User(username=username, display_name=display_name or username, role=role,
                password_hash=hash_password(password))
    session.add(user)
    session.flush()
    audit.record(session, actor or audit.Actor.system("system:cli"), "user.create", "user", user.id,
                 after={"username": username, "role": role})
    return user
