"""People: login through the real form, session cookies, CSRF, logout, password change."""

import os
import stat
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from registry.auth.credentials import digest
from registry.auth.models import AuthSession
from registry.auth.sessions import (
    SESSION_IDLE,
    SESSION_LIFETIME,
    open_session,
    resolve_session,
)
from registry.models import AuditEntry, User, utcnow
from registry.settings import Settings, SettingsError, ensure_secret_key
from registry.web.app import create_app
from registry.web.security_middleware import CSRF_COOKIE, SESSION_COOKIE
from tests.conftest import TEST_PASSWORD, own_jar


@pytest.fixture
def browser(client):
    """A browser on https (the cookies are Secure), not logged in, with cookies of its own."""
    return own_jar(client)


def submit_login(browser, username: str, password: str = TEST_PASSWORD, next: str = "/", csrf: bool = True):
    browser.get("/login")
    data = {"username": username, "password": password, "next": next}
    if csrf:
        data["_csrf_token"] = browser.cookies.get(CSRF_COOKIE)
    return browser.post("/login", data=data, follow_redirects=False)


def csrf_of(browser) -> dict:
    browser.get("/account")
    return {"_csrf_token": browser.cookies.get(CSRF_COOKIE)}


def audit_actions(engine, action: str) -> list[AuditEntry]:
    with Session(engine) as db:
        return list(db.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all())


def set_cookie_headers(response, name: str) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(f"{name}=")]


def test_login_opens_a_session_with_safe_cookie_flags(browser, make_user, engine):
    make_user("legal", username="marie")
    response = submit_login(browser, "marie", next="/account")
    assert response.status_code == 303 and response.headers["location"] == "/account"
    (cookie,) = set_cookie_headers(response, SESSION_COOKIE)
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
    me = browser.get("/api/me").json()
    assert (me["name"], me["role"], me["by"]) == ("marie", "legal", "session")
    (entry,) = audit_actions(engine, "auth.login")
    assert entry.actor == "marie" and entry.remote_addr == "testclient"


def test_cookies_are_not_secure_in_development(tmp_path, engine, search_backend, make_user):
    """(No `client` fixture here: one running test client per application.)"""
    settings = Settings(data_dir=tmp_path / "dev", environment="development", search_backend="memory")
    make_user("legal", username="dev")
    with TestClient(create_app(settings, engine=engine, search=search_backend)) as browser:
        response = submit_login(browser, "dev")
    (cookie,) = set_cookie_headers(response, SESSION_COOKIE)
    assert "secure" not in cookie.lower() and "httponly" in cookie.lower()


def test_only_a_hash_of_the_session_id_is_stored(browser, make_user, engine):
    make_user("legal", username="marie")
    value = submit_login(browser, "marie").cookies[SESSION_COOKIE]
    with Session(engine) as db:
        (record,) = db.exec(select(AuthSession)).all()
    assert record.id_hash == digest(value) and value not in record.model_dump_json()


def test_wrong_password_and_unknown_account_get_the_same_answer(browser, make_user, engine):
    make_user("legal", username="marie")
    wrong = submit_login(browser, "marie", "not the password at all")
    unknown = submit_login(browser, "nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert SESSION_COOKIE not in wrong.cookies and SESSION_COOKIE not in unknown.cookies
    assert "Unknown username or wrong password" in wrong.text or "Identifiant inconnu" in wrong.text
    assert wrong.text.replace("marie", "nobody") == unknown.text
    reasons = [(e.entity_id, e.detail, e.actor) for e in audit_actions(engine, "auth.login_failed")]
    assert reasons == [("marie", "wrong password", "anonymous"), ("nobody", "unknown account", "anonymous")]


def test_disabled_account_cannot_log_in(browser, make_user, login_as):
    user = make_user("legal", username="marie")
    login_as("admin").post(f"/admin/users/{user.id}/disable")
    assert submit_login(browser, "marie").status_code == 401


def test_login_form_without_csrf_token_is_refused_and_audited(browser, make_user, engine):
    make_user("legal", username="marie")
    response = submit_login(browser, "marie", csrf=False)
    assert response.status_code == 403 and SESSION_COOKIE not in response.cookies
    (entry,) = audit_actions(engine, "access.refused")
    assert entry.entity_id == "POST /login" and "CSRF" in entry.detail


@pytest.mark.parametrize("target,landing", [
    ("/countries/RS", "/countries/RS"),
    ("//evil.example/x", "/"),
    ("https://evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_login_redirects_only_inside_the_site(browser, make_user, target, landing):
    make_user("legal", username="marie")
    assert submit_login(browser, "marie", next=target).headers["location"] == landing


def test_logout_ends_the_session_everywhere(browser, make_user, engine, client):
    make_user("legal", username="marie")
    cookie = submit_login(browser, "marie").cookies[SESSION_COOKIE]
    response = browser.post("/logout", data=csrf_of(browser), follow_redirects=False)
    assert response.status_code == 303
    assert any("max-age=0" in c.lower() for c in set_cookie_headers(response, SESSION_COOKIE))
    # the old cookie, replayed from elsewhere, opens nothing
    replay = client.get("/api/me", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
    assert replay.json()["authenticated"] is False
    (entry,) = audit_actions(engine, "auth.logout")
    assert entry.actor == "marie"


def test_logout_needs_the_csrf_token(browser, make_user):
    make_user("legal", username="marie")
    submit_login(browser, "marie")
    assert browser.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert browser.get("/api/me").json()["name"] == "marie"


def test_anonymous_logout_is_401(client):
    assert client.post("/logout").status_code == 401


def test_logging_in_again_replaces_the_session(browser, make_user, engine):
    make_user("legal", username="marie")
    first = submit_login(browser, "marie").cookies[SESSION_COOKIE]
    second = submit_login(browser, "marie").cookies[SESSION_COOKIE]
    assert first != second
    with Session(engine) as db:
        records = {r.id_hash: r for r in db.exec(select(AuthSession)).all()}
    assert records[digest(first)].revoked_at is not None and records[digest(second)].revoked_at is None


def test_a_stale_session_cookie_is_anonymous_and_removed(client):
    response = client.get("/api/me", headers={"Cookie": f"{SESSION_COOKIE}=forged-or-expired"})
    assert response.json()["authenticated"] is False
    assert any("max-age=0" in c.lower() for c in set_cookie_headers(response, SESSION_COOKIE))


def test_sessions_end_when_idle_and_after_their_lifetime(session, make_user):
    user = make_user("legal")
    start = utcnow()
    cookie, _ = open_session(session, user, now=start)
    session.commit()
    seen = start + SESSION_IDLE - timedelta(minutes=1)
    assert resolve_session(session, cookie, seen).name == user.username
    session.commit()  # that request touched last_seen_at: the idle clock restarts from `seen`
    assert resolve_session(session, cookie, seen + SESSION_IDLE - timedelta(minutes=1)) is not None
    session.rollback()
    assert resolve_session(session, cookie, seen + SESSION_IDLE + timedelta(minutes=1)) is None
    fresh, _ = open_session(session, user, now=start)
    for hours in range(1, 12):  # in use all day long, still ends after SESSION_LIFETIME
        assert resolve_session(session, fresh, start + timedelta(hours=hours)) is not None
        session.commit()
    assert resolve_session(session, fresh, start + SESSION_LIFETIME + timedelta(seconds=1)) is None


def test_pages_show_login_or_logout(client, login_as):
    assert 'href="/login"' in client.get("/").text
    page = login_as("admin").get("/").text
    assert 'action="/logout"' in page and 'href="/admin/users"' in page and 'href="/admin/audit"' in page
    caisse_page = login_as("caisse").get("/").text
    assert 'action="/logout"' in caisse_page and "/admin/users" not in caisse_page


# --- password change --------------------------------------------------------------------------

def test_password_change_needs_the_current_password_and_ends_other_sessions(browser, make_user, login_as, engine):
    user = make_user("legal", username="marie")
    other = login_as(user=user)  # the same person on another machine
    submit_login(browser, "marie")
    token = csrf_of(browser)
    new = "a brand new passphrase"
    wrong = browser.post("/account/password", data={**token, "current_password": "nope nope nope",
                                                    "new_password": new, "confirm_password": new})
    assert wrong.status_code == 422
    mismatch = browser.post("/account/password", data={**token, "current_password": TEST_PASSWORD,
                                                       "new_password": new, "confirm_password": new + "x"})
    assert mismatch.status_code == 422
    short = browser.post("/account/password", data={**token, "current_password": TEST_PASSWORD,
                                                    "new_password": "short", "confirm_password": "short"})
    assert short.status_code == 422
    done = browser.post("/account/password", data={**token, "current_password": TEST_PASSWORD,
                                                   "new_password": new, "confirm_password": new},
                        follow_redirects=False)
    assert done.status_code == 303
    assert browser.get("/api/me").json()["name"] == "marie"  # this session goes on
    assert other.get("/api/me").json()["authenticated"] is False  # the other one ended
    assert len(audit_actions(engine, "user.password_change")) == 1
    browser.post("/logout", data=csrf_of(browser))
    assert submit_login(browser, "marie", TEST_PASSWORD).status_code == 401
    assert submit_login(browser, "marie", new).status_code == 303


def test_a_token_cannot_change_its_owners_password(api_client_as):
    response = api_client_as("legal").post("/account/password", data={"current_password": TEST_PASSWORD,
                                                                       "new_password": "x" * 20,
                                                                       "confirm_password": "x" * 20})
    assert response.status_code == 403


# --- administration of accounts ------------------------------------------------------------------

def test_admin_creates_an_account_that_can_log_in(login_as, browser, engine):
    admin = login_as("admin")
    response = admin.post("/admin/users/", data={"username": "jean", "display_name": "Jean Dupont",
                                                 "role": "delegation", "countries": "RS, ba",
                                                 "password": "long enough password"}, follow_redirects=False)
    assert response.status_code == 303
    with Session(engine) as db:
        user = db.exec(select(User).where(User.username == "jean")).one()
    assert (user.role, user.countries) == ("delegation", ["BA", "RS"])
    assert user.password_hash.startswith("$argon2id$")
    assert submit_login(browser, "jean", "long enough password").status_code == 303
    assert browser.get("/api/me").json()["countries"] == ["BA", "RS"]
    (entry,) = [e for e in audit_actions(engine, "user.create") if e.entity_id == str(user.id)]
    assert entry.actor == admin.user.username and "password" not in str(entry.after)


@pytest.mark.parametrize("form,field", [
    ({"username": "x y", "role": "legal", "password": "long enough password"}, "username"),
    ({"username": "ok", "role": "king", "password": "long enough password"}, "role"),
    ({"username": "ok", "role": "legal", "password": "short"}, "password"),
    ({"username": "ok", "role": "legal", "password": "long enough password", "countries": "ZZ"}, "countries"),
])
def test_admin_form_errors_name_the_field(login_as, form, field):
    response = login_as("admin").post("/admin/users/", data=form)
    assert response.status_code == 422 and f"{field}:" in response.text


def test_disabling_an_account_ends_its_sessions_and_tokens_at_once(login_as, make_user, make_token, client, engine):
    user = make_user("caisse", username="fund")
    person = login_as(user=user)
    secret = make_token("caisse", owner=user)
    machine = {"Authorization": f"Bearer {secret}"}
    assert person.get("/api/me").json()["name"] == "fund"
    assert client.get("/api/me", headers=machine).status_code == 200
    admin = login_as("admin")
    assert admin.post(f"/admin/users/{user.id}/disable", follow_redirects=False).status_code == 303
    assert person.get("/account").status_code == 401
    assert client.get("/api/me", headers=machine).status_code == 401
    assert [e.entity_id for e in audit_actions(engine, "user.disable")] == [str(user.id)]
    admin.post(f"/admin/users/{user.id}/enable")
    assert client.get("/api/me", headers=machine).status_code == 200  # tokens come back with the account
    assert person.get("/account").status_code == 401  # sessions do not


def test_the_last_admin_cannot_be_disabled_or_demoted(login_as, engine):
    admin = login_as("admin")
    me = admin.user.id
    assert admin.post(f"/admin/users/{me}/disable").status_code == 422
    assert admin.post(f"/admin/users/{me}/role", data={"role": "legal"}).status_code == 422
    with Session(engine) as db:
        assert db.get(User, me).role == "admin" and db.get(User, me).is_active


def test_admin_changes_a_role_and_it_applies_at_once(login_as, make_user):
    user = make_user("researcher")
    person = login_as(user=user)
    assert person.get("/api/audit").status_code == 403
    login_as("admin").post(f"/admin/users/{user.id}/role", data={"role": "admin", "countries": ""})
    assert person.get("/api/audit").status_code == 200


def test_unknown_account_is_404(login_as):
    assert login_as("admin").post("/admin/users/424242/disable").status_code == 404


# --- the secret key ------------------------------------------------------------------------------

def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    settings = Settings(data_dir=tmp_path / "var")
    key = ensure_secret_key(settings)
    path = tmp_path / "var" / "secret_key"
    assert len(key) >= 32 and ensure_secret_key(settings) == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]


def test_a_configured_secret_key_is_used_and_must_be_long(tmp_path):
    assert ensure_secret_key(Settings(data_dir=tmp_path, secret_key="k" * 40)) == "k" * 40
    assert not (tmp_path / "secret_key").exists()
    with pytest.raises(SettingsError, match="REGISTRY_SECRET_KEY"):
        ensure_secret_key(Settings(data_dir=tmp_path, secret_key="short"))


def test_a_page_no_route_matched_does_not_offer_a_logged_in_person_to_log_in(login_as):
    admin = login_as("admin")
    missing = admin.get("/nowhere", headers={"accept": "text/html"})
    assert missing.status_code == 404 and 'href="/login"' not in missing.text
    known = admin.get("/countries/ZZ", headers={"accept": "text/html"})  # a route: authentication ran
    assert known.status_code == 404 and 'href="/login"' not in known.text and 'href="/account"' in known.text
