"""Upgrading an empty database gives exactly the schema the models declare, on both backends."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from registry import migrate
from registry.composition import all_metadata


def schema_differences(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, all_metadata())


def test_upgrade_from_empty_matches_models(empty_engine):
    migrate.upgrade(empty_engine)
    assert schema_differences(empty_engine) == []
    assert "alembic_version" in inspect(empty_engine).get_table_names()


def test_comparison_sees_a_missing_table(empty_engine):
    """The check above can fail: an unmigrated database differs from the models."""
    assert schema_differences(empty_engine) != []


def test_upgrade_twice_is_harmless(empty_engine):
    migrate.upgrade(empty_engine)
    migrate.upgrade(empty_engine)
    assert schema_differences(empty_engine) == []


def test_migrations_form_a_single_line():
    """One head: a new revision must build on it, not branch beside it."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from registry.migrate import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    heads = script.get_heads()
    newest = max(path.name[:4] for path in MIGRATIONS_DIR.joinpath("versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    assert heads == [newest]  # one head, and it is the newest file
