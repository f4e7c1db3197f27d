"""The audit: filters on the admin page and GET /api/audit, and no way to change it."""

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from registry import audit
from registry.models import AuditEntry
from tests.test_permissions_matrix import route_table


@pytest.fixture
def entries(engine):
    with Session(engine) as db:
        for n in range(5):
            audit.record(db, audit.Actor("marie", "192.0.2.1"), "instrument.update", "instrument", n)
        audit.record(db, audit.Actor("paul", "192.0.2.2"), "auth.login", "user", 7)
        audit.record(db, audit.Actor("anonymous", "192.0.2.3"), "auth.login_failed", "user", "ghost")
        db.commit()


def actions(response) -> list[str]:
    return [e["action"] for e in response.json()["entries"]]


def test_filters(login_as, entries):
    admin = login_as("admin")
    assert actions(admin.get("/api/audit", params={"actor": "paul"})) == ["auth.login"]
    assert set(actions(admin.get("/api/audit", params={"action": "auth."}))) >= {"auth.login", "auth.login_failed"}
    assert actions(admin.get("/api/audit", params={"action": "auth.*", "actor": "anonymous"})) == ["auth.login_failed"]
    assert len(actions(admin.get("/api/audit", params={"entity": "instrument", "actor": "marie"}))) == 5
    assert actions(admin.get("/api/audit", params={"remote_addr": "192.0.2.3"})) == ["auth.login_failed"]
    today = date.today()
    assert len(actions(admin.get("/api/audit", params={"actor": "marie", "since": today.isoformat(),
                                                        "until": today.isoformat()}))) == 5
    assert actions(admin.get("/api/audit", params={"actor": "marie",
                                                   "until": (today - timedelta(days=2)).isoformat()})) == []


def test_pages_of_results_follow_each_other(login_as, entries):
    admin = login_as("admin")
    first = admin.get("/api/audit", params={"actor": "marie", "limit": 3}).json()
    second = admin.get("/api/audit", params={"actor": "marie", "limit": 3,
                                             "before_id": first["next_before_id"]}).json()
    ids = [e["id"] for e in first["entries"] + second["entries"]]
    assert len(ids) == 5 == len(set(ids)) and ids == sorted(ids, reverse=True)
    assert second["next_before_id"] is None


@pytest.mark.parametrize("params", [{"since": "yesterday"}, {"limit": 0}, {"limit": 100000}, {"before_id": -1},
                                    {"actor": "x" * 500}])
def test_bad_filters_are_400(login_as, params):
    assert login_as("admin").get("/api/audit", params=params).status_code == 400


def test_the_page_shows_the_filtered_audit(login_as, entries):
    page = login_as("admin").get("/admin/audit", params={"actor": "paul"}).text
    assert "auth.login" in page and "instrument.update" not in page


def test_no_route_writes_the_audit(app):
    writers = [f"{m} {p}" for m, p, _h in route_table(app) if "audit" in p and m not in ("GET", "HEAD", "OPTIONS")]
    assert writers == []


def test_the_database_refuses_to_change_or_delete_audit_entries(engine, entries):
    with Session(engine) as db:
        entry_id = db.exec(select(AuditEntry.id).where(AuditEntry.actor == "marie")).first()
        with pytest.raises(DBAPIError, match="audit entries cannot be"):
            db.exec(update(AuditEntry).where(AuditEntry.id == entry_id).values(actor="nobody"))
        db.rollback()
        with pytest.raises(DBAPIError, match="audit entries cannot be"):
            db.exec(delete(AuditEntry).where(AuditEntry.id == entry_id))
        db.rollback()
        assert db.get(AuditEntry, entry_id).actor == "marie"


def test_the_triggers_survive_every_migration(engine):
    """A later migration that rebuilds audit_entry (SQLite batch mode) would drop them silently."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger' "
                                          "AND tbl_name='audit_entry'")).scalars())
            assert names == {"audit_entry_no_update", "audit_entry_no_delete"}
        else:
            names = set(conn.execute(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_entry'::regclass "
                                          "AND NOT tgisinternal")).scalars())
            assert names == {"audit_entry_append_only", "audit_entry_no_truncate"}


SQL_INJECTIONS = ["' OR '1'='1", "'; DROP TABLE audit_entry; --", "\" OR 1=1 --", "1 UNION SELECT * FROM user_account",
                  "%", "_", "auth.%' --", "\\'; SELECT pg_sleep(5); --"]


@pytest.mark.parametrize("payload", SQL_INJECTIONS)
def test_sql_injection_in_audit_filters_finds_nothing_and_breaks_nothing(login_as, entries, engine, payload):
    admin = login_as("admin")
    for name in ("actor", "action", "entity", "entity_id", "remote_addr"):
        response = admin.get("/api/audit", params={name: payload})
        assert response.status_code == 200 and response.json()["entries"] == [], name
    assert admin.get("/api/audit", params={"action": payload + "."}).json()["entries"] == []
    with Session(engine) as db:
        assert len(db.exec(select(AuditEntry).where(AuditEntry.actor == "marie")).all()) == 5
