"""API tokens for machines (a fund's batch system): shown once, stored as sha256, scoped to a
role no wider than their owner's and optionally to countries, revocable, with last-used time."""

from datetime import datetime, timedelta

from sqlmodel import Session, select

from registry import audit
from registry.accounts import AccountError, check_countries, check_role
from registry.auth.credentials import TOKEN_PREFIX, digest, new_api_token
from registry.auth.models import ApiToken, as_utc
from registry.auth.permissions import role_within
from registry.auth.principal import Principal
from registry.enums import Role
from registry.labels import mark
from registry.models import User, utcnow

# last_used_at is written at most this often, so a batch of thousands of calls is not
# thousands of writes
TOUCH_EVERY = timedelta(minutes=1)
MAX_NAME = 100


def token_snapshot(token: ApiToken) -> dict:
    return {"name": token.name, "prefix": token.prefix, "user_id": token.user_id, "role": token.role,
            "countries": list(token.countries),
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
            "revoked": token.revoked_at is not None}


def create_token(db: Session, actor: audit.Actor, owner: User, name: str, role: str, countries=(),
                 expires_in_days: int | None = None, now: datetime | None = None) -> tuple[str, ApiToken]:
    """Returns the secret (to show once; only its hash is kept) and the token row."""
    now = now or utcnow()
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise AccountError("name", mark("1 to %(max)s characters"), max=MAX_NAME)
    if db.exec(select(ApiToken).where(ApiToken.name == name)).first():
        raise AccountError("name", mark("a token named %(name)s already exists"), name=name)
    token_role = check_role(role)
    if not owner.is_active:
        raise AccountError("user", mark("%(username)s is disabled"), username=owner.username)
    if not role_within(token_role, Role(owner.role)):
        raise AccountError("role", mark("%(role)s may do more than the account %(username)s (%(owner_role)s)"),
                           role=token_role.value, username=owner.username, owner_role=owner.role)
    codes = check_countries(db, countries)
    if owner.countries and not set(codes) <= set(owner.countries):
        raise AccountError("countries", mark("the account %(username)s is limited to %(codes)s"),
                           username=owner.username, codes=", ".join(owner.countries))
    if expires_in_days is not None and not 1 <= expires_in_days <= 3660:
        raise AccountError("expires_in_days", mark("between 1 and 3660 days, or empty for no expiry"))
    secret = new_api_token()
    token = ApiToken(name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], token_hash=digest(secret),
                     user_id=owner.id, role=token_role.value, countries=codes, created_by=actor.name, created_at=now,
                     expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None)
    db.add(token)
    db.flush()
    audit.record(db, actor, "token.create", "api_token", token.id, after=token_snapshot(token))
    return secret, token


def revoke_token(db: Session, actor: audit.Actor, token: ApiToken, now: datetime | None = None) -> ApiToken:
    if token.revoked_at is None:
        before = token_snapshot(token)
        token.revoked_at = now or utcnow()
        db.add(token)
        audit.record(db, actor, "token.revoke", "api_token", token.id, before=before, after=token_snapshot(token))
    return token


def get_token(db: Session, token_id: int) -> ApiToken:
    token = db.get(ApiToken, token_id)
    if token is None:
        raise AccountError("token", mark("no token %(id)s"), id=token_id)
    return token


def list_tokens(db: Session) -> list[tuple[ApiToken, User]]:
    rows = db.exec(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.name)).all()
    return [(token, user) for token, user in rows]


def is_usable(token: ApiToken, owner: User, now: datetime) -> bool:
    return (token.revoked_at is None and owner.is_active
            and (token.expires_at is None or as_utc(token.expires_at) > now)
            # the owner's role may have been narrowed since the token was made
            and role_within(Role(token.role), Role(owner.role)))


def resolve_token(db: Session, secret: str, now: datetime | None = None) -> Principal | None:
    """The principal of a usable token, or None. Touches last_used_at."""
    now = now or utcnow()
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = db.exec(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                  .where(ApiToken.token_hash == digest(secret))).first()
    if row is None:
        return None
    token, owner = row
    if not is_usable(token, owner, now):
        return None
    if token.last_used_at is None or as_utc(token.last_used_at) + TOUCH_EVERY <= now:
        token.last_used_at = now
        db.add(token)
    countries = tuple(token.countries) or tuple(owner.countries)
    return Principal(name=f"token:{token.name}", role=Role(token.role), countries=countries,
                     user_id=owner.id, token_id=token.id)
