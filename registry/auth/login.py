"""Logging in and out: password check, throttling, session, audit, in one transaction.

`log_in` never raises for a wrong password: it returns an outcome, having recorded the failure
(audit row and throttle counters), and the caller commits either way."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from registry import audit
from registry.accounts import find_user, password_matches, rehash_if_needed
from registry.auth import throttle
from registry.auth.credentials import sign, signature_matches
from registry.auth.models import AuthSession
from registry.auth.principal import Principal
from registry.auth.sessions import close_session, open_session, principal_for_user, purge_expired
from registry.models import utcnow

DEVICE_COOKIE = "registry_device"
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie


@dataclass(frozen=True)
class LoginOutcome:
    principal: Principal | None = None
    session_cookie: str = ""  # value for the session cookie, when logged in
    device_cookie: str = ""  # value for the device cookie, when logged in
    retry_after: int = 0  # seconds, when throttled

    @property
    def succeeded(self) -> bool:
        return self.principal is not None


def device_cookie_for(secret_key: str, username: str) -> str:
    """A signed cookie saying "this browser once logged in as `username`"."""
    _, name = throttle.account_key(username)
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{sign(secret_key, f'device|{name}|{nonce}')}"


def device_nonce(secret_key: str, username: str, cookie: str | None) -> str | None:
    """The nonce of a valid device cookie for `username`, else None."""
    if not cookie or "." not in cookie or len(cookie) > 200:
        return None
    nonce, _, signature = cookie.partition(".")
    _, name = throttle.account_key(username)
    return nonce if signature_matches(secret_key, f"device|{name}|{nonce}", signature) else None


def log_in(db: Session, secret_key: str, username: str, password: str, remote_addr: str = "",
           user_agent: str = "", device_cookie: str | None = None, now: datetime | None = None) -> LoginOutcome:
    now = now or utcnow()
    anonymous = audit.Actor(name="anonymous", remote_addr=remote_addr)
    attempted = username.strip()[:100]
    nonce = device_nonce(secret_key, username, device_cookie)
    if nonce:  # a browser that logged in to this account before: counted on its own
        keys = [throttle.device_key(nonce)]
    else:
        keys = [throttle.account_key(username), throttle.address_key(remote_addr)]
    wait = throttle.retry_after(db, keys, now)
    if wait:
        audit.record(db, anonymous, "auth.login_throttled", "user", attempted, detail=f"retry after {wait} s")
        return LoginOutcome(retry_after=wait)
    user = find_user(db, username) if attempted else None
    if not password_matches(user, password) or not user.is_active:
        throttle.register_failure(db, keys, now)
        reason = "unknown account" if user is None else ("account disabled" if not user.is_active else "wrong password")
        audit.record(db, anonymous, "auth.login_failed", "user", attempted, detail=reason)
        return LoginOutcome()
    # the address counter is not cleared: an attacker logging into their own account from an
    # address must not reset that address's count of failures against other accounts
    throttle.clear(db, [throttle.account_key(username)] + ([throttle.device_key(nonce)] if nonce else []))
    rehash_if_needed(user, password)
    purge_expired(db, user.id, now)
    cookie, record = open_session(db, user, remote_addr, user_agent, now)
    audit.record(db, audit.Actor(name=user.username, remote_addr=remote_addr), "auth.login", "user", user.id,
                 detail=f"session {record.id}")
    return LoginOutcome(principal=principal_for_user(user, record.id), session_cookie=cookie,
                        device_cookie=device_cookie_for(secret_key, user.username))


def log_out(db: Session, principal: Principal, remote_addr: str = "") -> AuthSession | None:
    record = close_session(db, principal.session_id) if principal.session_id else None
    audit.record(db, audit.Actor(name=principal.name, remote_addr=remote_addr), "auth.logout", "user",
                 principal.user_id or "", detail=f"session {principal.session_id}" if record else "no session")
    return record
