"""Machines: API tokens shown once, stored hashed, scoped, revocable, with last-used time."""

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from registry.accounts import AccountError
from registry.audit import Actor
from registry.auth.credentials import digest
from registry.auth.models import ApiToken
from registry.auth.tokens import create_token, resolve_token
from registry.models import AuditEntry, utcnow

ADMIN = Actor(name="admin-test")


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_admin_creates_a_token_shown_once_and_stored_hashed(login_as, make_user, engine, client):
    owner = make_user("caisse", username="cnav")
    admin = login_as("admin")
    page = admin.post("/admin/tokens/", data={"name": "cnav-batch", "username": "cnav", "role": "caisse",
                                              "countries": "RS", "expires_in_days": "90"})
    assert page.status_code == 201 and page.headers["cache-control"] == "no-store"
    secret = re.search(r'id="token-secret">(rgt_[A-Za-z0-9_-]+)<', page.text).group(1)
    with Session(engine) as db:
        token = db.exec(select(ApiToken).where(ApiToken.name == "cnav-batch")).one()
    assert token.token_hash == digest(secret) and secret not in token.model_dump_json()
    assert (token.user_id, token.role, token.countries) == (owner.id, "caisse", ["RS"])
    assert secret not in admin.get("/admin/tokens").text  # never shown again
    me = client.get("/api/me", headers=bearer(secret)).json()
    assert (me["name"], me["role"], me["by"], me["countries"]) == ("token:cnav-batch", "caisse", "token", ["RS"])


def test_last_use_is_recorded(make_token, client, engine):
    secret = make_token("caisse", name="fund-system")
    with Session(engine) as db:
        assert db.exec(select(ApiToken)).one().last_used_at is None
    client.get("/api/me", headers=bearer(secret))
    with Session(engine) as db:
        assert db.exec(select(ApiToken)).one().last_used_at is not None


def test_bearer_requests_are_not_asked_for_a_csrf_token(make_token, client):
    """A JSON write with a token and no CSRF token: refused by role, never by CSRF."""
    legal = client.post("/api/instruments", headers=bearer(make_token("legal")), json={})
    assert legal.status_code not in (401, 403)
    caisse = client.post("/api/instruments", headers=bearer(make_token("caisse")), json={})
    assert caisse.status_code == 403 and caisse.json()["extra"]["permission"] == "edit_instruments"


def test_a_session_write_without_csrf_token_is_refused(login_as):
    legal = login_as("legal")
    response = legal.post("/api/instruments", json={}, headers={"x-csrftoken": ""})
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_a_cookie_next_to_a_token_is_ignored(make_token, login_as):
    """With Authorization, only the token counts: an admin's cookie gives the caisse nothing."""
    admin = login_as("admin")
    response = admin.get("/api/audit", headers={"Authorization": f"Bearer {make_token('caisse')}"})
    assert response.status_code == 403


@pytest.mark.parametrize("header", ["Bearer rgt_not-a-real-token", "Bearer ", "Basic YWRtaW46YWRtaW4=", "rgt_x"])
def test_bad_credentials_are_401_even_on_public_routes(client, header):
    response = client.get("/api/countries", headers={"Authorization": header})
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_at_once(make_token, login_as, client, engine):
    secret = make_token("caisse", name="old-system")
    assert client.get("/api/me", headers=bearer(secret)).status_code == 200
    with Session(engine) as db:
        token_id = db.exec(select(ApiToken.id).where(ApiToken.name == "old-system")).one()
    login_as("admin").post(f"/admin/tokens/{token_id}/revoke")
    assert client.get("/api/me", headers=bearer(secret)).status_code == 401
    with Session(engine) as db:
        (entry,) = db.exec(select(AuditEntry).where(AuditEntry.action == "token.revoke")).all()
    assert entry.entity_id == str(token_id)


def test_an_expired_token_stops(session, make_user):
    owner = make_user("caisse")
    secret, _ = create_token(session, ADMIN, owner, "short-lived", "caisse", expires_in_days=1)
    session.commit()
    assert resolve_token(session, secret) is not None
    assert resolve_token(session, secret, utcnow() + timedelta(days=1, minutes=1)) is None


def test_a_token_never_exceeds_its_owner(session, make_user):
    legal = make_user("legal")
    with pytest.raises(AccountError, match="role"):
        create_token(session, ADMIN, legal, "too-wide", "admin")
    delegate = make_user("delegation", countries=["RS"])
    with pytest.raises(AccountError, match="countries"):
        create_token(session, ADMIN, delegate, "elsewhere", "delegation", ["DZ"])
    secret, token = create_token(session, ADMIN, delegate, "inherits", "delegation")
    session.commit()
    assert resolve_token(session, secret).countries == ("RS",)  # the owner's limit applies


def test_narrowing_the_owner_stops_a_wider_token(session, make_user):
    owner = make_user("legal")
    secret, _ = create_token(session, ADMIN, owner, "legal-tool", "legal")
    session.commit()
    owner = session.merge(owner)
    owner.role = "caisse"
    session.commit()
    assert resolve_token(session, secret) is None


def test_token_names_are_unique_and_the_form_says_why(login_as, make_user):
    make_user("caisse", username="msa")
    admin = login_as("admin")
    form = {"name": "msa-batch", "username": "msa", "role": "caisse"}
    assert admin.post("/admin/tokens/", data=form).status_code == 201
    again = admin.post("/admin/tokens/", data=form)
    assert again.status_code == 422 and "name:" in again.text
    assert admin.post("/admin/tokens/", data={**form, "name": "x", "username": "nobody"}).status_code == 422
    assert admin.post("/admin/tokens/", data={**form, "name": "y", "expires_in_days": "soon"}).status_code == 422
