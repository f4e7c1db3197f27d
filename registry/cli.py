"""The `registry` command (also `python -m registry`). Composition root: feature packages are
imported inside the commands."""

import getpass
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from registry.db import DatabaseUnreachable, check_reachable, engine_for, session_scope
from registry.settings import Settings, SettingsError


def progress_bar() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), transient=not sys.stderr.isatty())


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def reachable_engine(settings: Settings):
    engine = engine_for(settings)
    try:
        check_reachable(engine)
    except DatabaseUnreachable as exc:
        raise click.ClickException(str(exc)) from None
    return engine


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Registry of France's bilateral social-security agreements, liaison forms and joint commissions."""


@main.command()
@click.option("--no-prepare", is_flag=True, help="Serve without migrating, seeding or indexing first.")
def run(no_prepare: bool) -> None:
    """Migrate, load reference data on first start, build the search index if missing, and serve."""
    settings = load_settings()
    engine = reachable_engine(settings)
    if not no_prepare:
        prepare(settings, engine)
    from granian import Granian

    click.echo(f"Registry on http://{settings.host}:{settings.port}")
    Granian("registry.web.asgi:app_from_env", address=settings.host, port=settings.port, interface="asgi",
            factory=True, workers=settings.workers).serve()


def prepare(settings: Settings, engine) -> None:
    from registry import composition, migrate
    from search import make_backend

    migrate.upgrade(engine)
    with session_scope(engine) as session:
        if settings.seed_on_start and not composition.has_reference_data(session):
            created = composition.seed(session)
            click.echo(f"Reference data loaded: {sum(created.values())} rows")
    backend = make_backend(settings.search_backend, settings.index_dir)
    if backend.ensure():
        build_index(engine, backend)


def build_index(engine, backend) -> int:
    from registry import composition

    with session_scope(engine) as session, progress_bar() as bar:
        task = bar.add_task("Indexing", total=None)
        count = composition.reindex(session, backend, progress=lambda n: bar.update(task, completed=n))
        bar.update(task, total=count, completed=count)
    click.echo(f"Search index built: {count} documents")
    return count


@main.group()
def db() -> None:
    """Database schema and reference data."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Apply the schema migrations."""
    from registry import migrate

    migrate.upgrade(reachable_engine(load_settings()), revision)
    click.echo("Database schema up to date")


@db.command("seed")
def db_seed() -> None:
    """Load the shipped reference data (creates only what is missing; safe to run again)."""
    from registry import composition

    engine = reachable_engine(load_settings())
    with session_scope(engine) as session:
        created = composition.seed(session)
    summary = ", ".join(f"{table}: {n}" for table, n in created.items()) or "nothing new"
    click.echo(f"Reference data: {summary}")


@main.group()
def search() -> None:
    """Search index."""


@search.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index from the database."""
    from search import make_backend

    settings = load_settings()
    build_index(reachable_engine(settings), make_backend(settings.search_backend, settings.index_dir))


@main.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "legal", "delegation", "caisse", "researcher"]), default="admin",
              show_default=True, help="Role of the account.")
@click.option("--name", "display_name", default="", help="Name shown in the audit and pages.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting.")
def users_create(username: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Create an account (the first admin, typically)."""
    from registry import accounts

    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass("Password: ")
    engine = reachable_engine(load_settings())
    try:
        with session_scope(engine) as session:
            user = accounts.create_user(session, username, password, role, display_name)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.username} ({user.role})")


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Backup file (default: var/backups/…).")
def backup(out: Path | None) -> None:
    """Copy the database consistently (SQLite online backup); for PostgreSQL use pg_dump."""
    import sqlite3

    settings = load_settings()
    if not settings.is_sqlite:
        raise click.ClickException("backup copies the embedded SQLite database; for PostgreSQL run pg_dump")
    source = settings.data_dir / "registry.db"
    if not source.exists():
        raise click.ClickException(f"no database at {source}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = out or settings.data_dir / "backups" / f"registry-{stamp}.db"
    out.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(out) as dst, progress_bar() as bar:
        task = bar.add_task("Backup", total=100)
        src.backup(dst, pages=256, progress=lambda _s, remaining, total: bar.update(
            task, completed=100 * (total - remaining) / max(total, 1)))
    click.echo(f"Backup written to {out} ({shutil.disk_usage(out.parent).free // 2**20} MiB free)")
