"""Security headers everywhere, no inline script, bounded bodies, and 500s that tell nothing."""

import re
from pathlib import Path

import pytest
from litestar import get
from litestar.testing import TestClient

from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.settings import Settings
from registry.web.app import create_app
from registry.web.security_headers import DEFAULT_BODY_LIMIT, FORM_BODY_LIMIT

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [ROOT / "registry/web/templates", ROOT / "agreements/templates", ROOT / "forms/templates"]
# a JSON-LD block (instrument pages) is a data block: browsers never run a script whose type is
# not JavaScript, so CSP has nothing to allow; any other script without src is inline code
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/ld\+json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


@get("/test-only/boom", guards=[requires(Permission.read_public)])
async def boom() -> str:
    raise RuntimeError("secret detail: password=hunter2 at /srv/registry/db.py")


@pytest.mark.parametrize("path", ["/", "/api/countries", "/static/registry.css", "/no-such-page", "/admin/users",
                                  "/login", "/schema/openapi.json"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in headers  # not outside production


def test_the_openapi_viewer_has_its_own_wider_policy(client):
    csp = client.get("/schema/swagger").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "cdn.jsdelivr.net" in csp


def test_production_adds_hsts(tmp_path, engine, search_backend):
    settings = Settings(data_dir=tmp_path / "p", environment="production", search_backend="memory", secret_key="p" * 40)
    with TestClient(create_app(settings, engine=engine, search=search_backend)) as client:
        assert client.get("/health").headers["strict-transport-security"].startswith("max-age=31536000")


def template_files():
    return sorted(p for d in TEMPLATE_DIRS if d.exists() for p in d.rglob("*.html"))


def test_templates_have_no_inline_script():
    assert template_files(), "no template found: the check would pass vacuously"
    offending = [str(p.relative_to(ROOT)) for p in template_files()
                 if INLINE_SCRIPT.search(t := p.read_text(encoding="utf-8")) or EVENT_HANDLER.search(t)
                 or JAVASCRIPT_URL.search(t)]
    assert offending == []


def test_the_inline_script_check_catches_one():
    for sample in ('<script>alert(1)</script>', '<button onclick="x()">', '<a href="javascript:x()">'):
        assert INLINE_SCRIPT.search(sample) or EVENT_HANDLER.search(sample) or JAVASCRIPT_URL.search(sample)
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert not INLINE_SCRIPT.search('<script type="application/ld+json">{}</script>')
    assert INLINE_SCRIPT.search('<script type="text/javascript">alert(1)</script>')


@pytest.mark.parametrize("path", ["/", "/countries/RS", "/login", "/search?q=retraite",
                                  "/countries/RS/instruments/2014-11-06-accord"])
def test_rendered_pages_have_no_inline_script(client, path):
    page = client.get(path).text
    assert not INLINE_SCRIPT.search(page) and not EVENT_HANDLER.search(page)


def test_a_server_error_shows_no_detail_outside_development(app, client):
    app.register(boom)
    api = client.get("/test-only/boom", headers={"Accept": "application/json"})
    assert api.status_code == 500 and api.json() == {"status_code": 500, "detail": "Internal Server Error",
                                                     "request_id": api.headers["x-request-id"]}
    page = client.get("/test-only/boom", headers={"Accept": "text/html"})
    assert page.status_code == 500 and "text/html" in page.headers["content-type"]
    for response in (api, page):
        assert "hunter2" not in response.text and "Traceback" not in response.text and "db.py" not in response.text
    assert page.headers["content-security-policy"]


def test_development_keeps_the_traceback_for_the_developer(tmp_path, engine, search_backend):
    settings = Settings(data_dir=tmp_path / "d", environment="development", search_backend="memory")
    app = create_app(settings, engine=engine, search=search_backend)
    app.register(boom)
    with TestClient(app) as client:
        response = client.get("/test-only/boom", headers={"Accept": "text/plain"})
    assert response.status_code == 500 and "RuntimeError" in response.text


def test_json_bodies_are_limited(api_client_as):
    legal = api_client_as("legal")
    big = b'{"title_fr": "' + b"x" * DEFAULT_BODY_LIMIT + b'"}'
    response = legal.post("/api/instruments", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_account_forms_are_limited_more(client):
    body = "username=" + "x" * FORM_BODY_LIMIT
    response = client.post("/login", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_behind_a_trusted_proxy_the_audit_and_throttle_see_the_client(tmp_path, engine, search_backend):
    from sqlmodel import Session, select

    from registry.models import AuditEntry

    # the test client connects as "testclient": here it plays the proxy
    settings = Settings(data_dir=tmp_path / "p", search_backend="memory", trusted_proxies="testclient, 10.1.0.0/16")
    with TestClient(create_app(settings, engine=engine, search=search_backend)) as client:
        forwarded = {"X-Forwarded-For": "203.0.113.7, 10.1.2.3", "Accept": "application/json"}
        assert client.post("/api/meetings", json={}, headers=forwarded).status_code == 401
    with Session(engine) as db:
        entry = db.exec(select(AuditEntry).where(AuditEntry.action == "access.refused")
                        .order_by(AuditEntry.id.desc())).first()
        assert entry.remote_addr == "203.0.113.7"  # 10.1.2.3 is a trusted proxy too: skipped


def test_forwarded_headers_from_anyone_else_are_ignored(client, engine):
    from sqlmodel import Session, select

    from registry.models import AuditEntry

    client.post("/api/meetings", json={}, headers={"X-Forwarded-For": "203.0.113.7"})
    with Session(engine) as db:
        entry = db.exec(select(AuditEntry).where(AuditEntry.action == "access.refused")
                        .order_by(AuditEntry.id.desc())).first()
        assert entry.remote_addr == "testclient"


@pytest.mark.parametrize("setting", ["*", "10.0.0.0/33", "10.0.0.5, not/a-network"])
def test_a_proxy_setting_that_would_trust_too_much_stops_the_start(tmp_path, engine, search_backend, setting):
    from registry.settings import SettingsError

    with pytest.raises(SettingsError, match="REGISTRY_TRUSTED_PROXIES"):
        create_app(Settings(data_dir=tmp_path / "x", search_backend="memory", trusted_proxies=setting),
                   engine=engine, search=search_backend)
