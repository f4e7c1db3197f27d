"""Alembic environment. Run through registry.migrate (the `registry db upgrade` command)."""

from alembic import context
from sqlmodel import SQLModel


def target_metadata():
    # every table module, imported here so autogenerate and the schema test see all tables
    import agreements.models  # noqa: F401
    import registry.models  # noqa: F401

    return SQLModel.metadata


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
