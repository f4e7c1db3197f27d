from litestar.testing import TestClient
from tests.conftest import TEST_PASSWORD, HTTPS_BASE_URL

def test_smoke(app, make_user, login_as, api_client_as):
    user = make_user("legal", username="marie")
    with TestClient(app, base_url=HTTPS_BASE_URL) as c:
        r = c.get("/login")
        print(r.status_code, r.headers)
        csrf = c.cookies.get("registry_csrf")
        r = c.post("/login", data={"username": "marie", "password": TEST_PASSWORD, "_csrf_token": csrf, "next": "/account"}, follow_redirects=False)
        print(r.status_code, r.headers, r.text[:500])
        r = c.get("/account")
        print(r.status_code, r.text[-1500:])
        r = c.get("/api/me"); print(r.json())
    admin = login_as("admin")
    r = admin.get("/admin/users"); print(r.status_code, r.text[-800:])
    r = admin.get("/admin/audit"); print(r.status_code, r.text[-1500:])
    cai = api_client_as("caisse")
    print(cai.get("/api/me").json())
    r = cai.get("/api/audit"); print(r.status_code, r.json())
    r = admin.get("/api/audit", params={"action": "access."}); print(r.status_code, r.json())
