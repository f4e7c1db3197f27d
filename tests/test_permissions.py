"""The permission table: its README copy, token roles, and who sees restricted material."""

from pathlib import Path

import pytest

from registry.auth.audiences import audiences_for, may_see, visible_to
from registry.auth.permissions import DESCRIPTIONS, PERMISSIONS, Permission, allowed, markdown_table, role_within
from registry.auth.principal import ANONYMOUS, Principal
from registry.enums import Role
from search.api import SearchDocument
from search import Visibility
from search.memory import MemoryBackend
from tests.search_helpers import keys

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- permissions:start -->\n", "<!-- permissions:end -->"


def readme_table() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index(START) + len(START):text.index(END)]


def test_readme_table_is_generated_from_the_permission_table():
    assert readme_table() == markdown_table(), "run: python -m registry.auth.permissions, paste into README.md"


def test_table_check_sees_a_change(monkeypatch):
    monkeypatch.setitem(PERMISSIONS, Permission.read_audit, frozenset(Role))
    assert readme_table() != markdown_table()


def test_every_permission_is_in_the_table_and_described():
    assert set(PERMISSIONS) == set(Permission) == set(DESCRIPTIONS)


@pytest.mark.parametrize("role,permission,expected", [
    (Role.legal, Permission.publish_forms, True),
    (Role.caisse, Permission.publish_forms, False),
    (Role.caisse, Permission.generate_documents, True),
    (Role.researcher, Permission.generate_documents, False),
    (Role.delegation, Permission.edit_meetings, True),
    (Role.legal, Permission.edit_meetings, False),
    (None, Permission.read_public, True),
    (None, Permission.own_account, False),
    (Role.admin, Permission.read_audit, True),
])
def test_roles_of_the_issue(role, permission, expected):
    assert allowed(role, permission) is expected


def test_a_token_role_never_exceeds_its_owner():
    assert role_within(Role.caisse, Role.legal) and role_within(Role.researcher, Role.caisse)
    assert role_within(Role.legal, Role.admin) and role_within(Role.admin, Role.admin)
    assert not role_within(Role.legal, Role.caisse) and not role_within(Role.delegation, Role.legal)


def test_audiences_follow_read_staff():
    assert audiences_for(ANONYMOUS) == ("public",)
    assert audiences_for(Principal("c", Role.caisse)) == ("public",)
    assert audiences_for(Principal("r", Role.researcher)) == ("public",)
    for role in (Role.delegation, Role.legal, Role.admin):
        assert audiences_for(Principal("s", role)) == ("public", "staff")
    assert may_see(Principal("d", Role.delegation), "staff") and not may_see(ANONYMOUS, "staff")


def test_restricted_minutes_are_invisible_to_a_caisse_in_search():
    backend = MemoryBackend()
    backend.rebuild_aside([
        SearchDocument(key="minutes:1", kind="minutes", title="Commission mixte franco-serbe",
                       body="retraite anticipée", url="/m/1", country="RS", audience="staff"),
        SearchDocument(key="minutes:2", kind="minutes", title="Commission mixte franco-serbe publique",
                       body="retraite anticipée", url="/m/2", country="RS", audience="public"),
    ])
    caisse, delegate = Principal("c", Role.caisse), Principal("d", Role.delegation, countries=("RS",))
    assert keys(backend, "retraite", visibility=Visibility(audiences_for(caisse))) == ["minutes:2"]
    assert set(keys(backend, "retraite", visibility=Visibility(audiences_for(delegate), delegate.countries))) == {
        "minutes:1", "minutes:2"}


def test_visible_to_filters_a_query(session):
    """The SQL form of the same rule, on any table with an audience column."""
    from sqlalchemy import Column, MetaData, String, Table, insert, select

    table = Table("tmp_minutes", MetaData(), Column("key", String(10)), Column("audience", String(10)))
    connection = session.connection()
    table.create(connection)
    connection.execute(insert(table), [{"key": "a", "audience": "public"}, {"key": "b", "audience": "staff"}])

    def keys(principal):
        return sorted(connection.execute(select(table.c.key).where(visible_to(principal, table.c.audience))).scalars())

    assert keys(Principal("c", Role.caisse)) == ["a"] and keys(Principal("l", Role.legal)) == ["a", "b"]
    session.rollback()


def test_country_limits():
    delegate = Principal("d", Role.delegation, countries=("RS", "BA"))
    assert delegate.covers_country("RS") and not delegate.covers_country("DZ")
    assert Principal("l", Role.legal).covers_country("DZ")
