"""Alembic environment. Run through registry.migrate (the `registry db upgrade` command)."""

from alembic import context

from registry.composition import all_metadata, is_migrated


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=all_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=is_migrated,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
