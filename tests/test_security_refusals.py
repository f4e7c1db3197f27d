"""Nothing anonymous changes anything, and every refusal has a name, an address and a route in
the audit. The write routes are taken from the application's route table."""

import pytest
from sqlmodel import Session, select

from registry.auth.permissions import Permission
from registry.models import AuditEntry
from registry.web.refusal_sampling import RefusalSampler
from tests.test_permissions_matrix import concrete, guarded_routes

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def refusals(engine) -> list[AuditEntry]:
    with Session(engine) as db:
        return list(db.exec(select(AuditEntry).where(AuditEntry.action == "access.refused")
                            .order_by(AuditEntry.id)).all())


def write_routes(app) -> list[tuple[str, str, Permission]]:
    return [(m, p, perm) for m, p, perm in guarded_routes(app) if m in WRITE_METHODS and perm != Permission.read_public]


def test_there_are_write_routes_to_check(app):
    assert len(write_routes(app)) >= 15


def test_anonymous_gets_401_on_every_write_route_and_each_is_audited(app, client, engine):
    routes = write_routes(app)
    app.state.refusal_sampler = RefusalSampler(per_window=len(routes))  # every one, not a sample
    for method, path, permission in routes:
        response = client.request(method, concrete(path), json={}, headers={"Accept": "application/json"})
        assert response.status_code == 401, f"{method} {path}"
        assert response.json()["extra"]["permission"] == permission.value
    entries = refusals(engine)
    assert [e.entity_id for e in entries] == [f"{m} {concrete(p)}"[:100] for m, p, _ in routes]
    assert {(e.actor, e.remote_addr, e.after["status"]) for e in entries} == {("anonymous", "testclient", 401)}


def test_a_caisse_token_publishing_a_form_version_gets_403_and_is_audited(make_token, client, engine):
    secret = make_token("caisse", name="cpam-batch")
    response = client.post("/api/forms/SE-401/versions/1/publish", json={"valid_from": "2025-01-01"},
                           headers={"Authorization": f"Bearer {secret}", "If-Match": '"1"'})
    assert response.status_code == 403
    assert response.json()["extra"] == {"permission": "publish_forms"}
    (entry,) = refusals(engine)
    assert (entry.actor, entry.entity_id) == ("token:cpam-batch", "POST /api/forms/SE-401/versions/1/publish")
    assert entry.after == {"status": 403, "method": "POST", "path": "/api/forms/SE-401/versions/1/publish",
                           "permission": "publish_forms", "role": "caisse"}


def test_a_caisse_person_editing_an_instrument_gets_403_and_is_audited(login_as, engine):
    caisse = login_as("caisse")
    assert caisse.post("/api/instruments", json={"country_code": "RS"}).status_code == 403
    (entry,) = refusals(engine)
    assert entry.actor == caisse.user.username and entry.after["permission"] == "edit_instruments"


def test_pages_refuse_with_a_page_and_a_way_to_log_in(client):
    response = client.get("/admin/users", headers={"Accept": "text/html"})
    assert response.status_code == 401 and "text/html" in response.headers["content-type"]
    assert 'href="/login?next=/admin/users"' in response.text


def test_api_refusals_are_json_with_a_bearer_challenge(client):
    response = client.get("/api/audit", headers={"Accept": "text/html"})
    assert response.status_code == 401 and response.headers["content-type"].startswith("application/json")
    assert response.headers["www-authenticate"] == 'Bearer realm="registry"'


@pytest.mark.parametrize("path", ["/admin/audit", "/api/audit"])
def test_only_admins_read_the_audit(login_as, path):
    for role in ("legal", "delegation", "caisse", "researcher"):
        assert login_as(role).get(path).status_code == 403
    assert login_as("admin").get(path).status_code == 200


def test_an_anonymous_flood_is_sampled_per_address_and_people_are_always_recorded(app, client, engine, api_client_as):
    now = [0.0]
    app.state.refusal_sampler = RefusalSampler(per_window=3, window_seconds=60, clock=lambda: now[0])
    for _ in range(7):
        assert client.post("/api/meetings", json={}).status_code == 401
    with Session(engine) as db:
        rows = db.exec(select(AuditEntry).where(AuditEntry.action.startswith("access.refused"))
                       .order_by(AuditEntry.id)).all()
        assert [r.action for r in rows] == ["access.refused"] * 3 + ["access.refused.sampled"]
        assert rows[-1].entity_id == "testclient" and rows[-1].after["recorded"] == 3
    now[0] = 61.0  # the next window says how many were only counted
    assert client.post("/api/meetings", json={}).status_code == 401
    with Session(engine) as db:
        last = db.exec(select(AuditEntry).where(AuditEntry.action.startswith("access.refused"))
                       .order_by(AuditEntry.id.desc()).limit(2)).all()
        assert [(r.action, r.after.get("counted")) for r in reversed(last)] == [("access.refused.sampled", 4),
                                                                                  ("access.refused", None)]
    caisse = api_client_as("caisse")
    before = len(refusals(engine))
    for _ in range(5):
        assert caisse.post("/api/meetings", json={}).status_code == 403
    assert len(refusals(engine)) == before + 5  # someone with credentials: every refusal


def test_the_sampler_forgets_the_address_idle_longest(monkeypatch):
    from registry.web import refusal_sampling

    monkeypatch.setattr(refusal_sampling, "MAX_TRACKED_ADDRESSES", 2)
    now = [0.0]
    sampler = RefusalSampler(per_window=1, window_seconds=60, clock=lambda: now[0])
    sampler.judge("198.51.100.1")
    sampler.judge("198.51.100.2")
    sampler.judge("198.51.100.2")  # counted, not recorded
    now[0] = 100.0
    sampler.judge("198.51.100.1")  # a new window: .1 is now the most recent
    sampler.judge("198.51.100.3")  # one too many: .2, idle longest, is forgotten with its count
    assert sampler.judge("198.51.100.1").record is False  # .1 kept its window
    assert sampler.judge("198.51.100.2").counted_before == 0
