"""The `registry` command (also `python -m registry`). Composition root: feature packages are
imported inside the commands."""

import gc
import getpass
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
    from registry.composition import track_search_changes

    track_search_changes()  # whatever a command writes reaches the search outbox (search/outbox.py)


@main.command()
@click.option("--no-prepare", is_flag=True, help="Serve without migrating, seeding or indexing first.")
def run(no_prepare: bool) -> None:
    """Migrate, load reference data on first start, build the search index if missing, and serve."""
    settings = checked_settings()
    check_fault_points(settings)
    engine = reachable_engine(settings)
    backend = search_backend(settings, engine)  # a wrong choice stops here, before any worker starts
    if not no_prepare:
        prepare(settings, engine, backend)
    engine.dispose()  # the workers open their own connections; none is shared across the fork
    gc.freeze()  # what preparing left is never collected: the workers inherit it, and exiting skips it
    from granian import Granian
    from granian.http import HTTP1Settings

    click.echo(f"Registry on http://{settings.host}:{settings.port} ({settings.environment})")
    # On SIGTERM granian stops accepting connections but goes on serving kept-alive ones, so a
    # busy client holds the worker until it is killed (granian issue #568), and a killed worker
    # cannot stop its LibreOffice. One request per connection lets it drain and shut down itself;
    # a worker still busy SHUTDOWN_GRACE s after SIGTERM is killed all the same.
    Granian("registry.web.asgi:app_from_env", address=settings.host, port=settings.port, interface="asgi",
            factory=True, workers=settings.workers, workers_kill_timeout=SHUTDOWN_GRACE,
            http1_settings=HTTP1Settings(keep_alive=False)).serve()


SHUTDOWN_GRACE = 7  # seconds: with granian's own steps, the process is gone within 10 s of SIGTERM


def checked_settings() -> Settings:
    """Every setting checked before the server says it listens: one line naming the first bad one."""
    from registry.settings import ensure_secret_key

    settings = load_settings()
    try:
        settings.check()
        ensure_secret_key(settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    check_proxies(settings)
    return settings


def check_fault_points(settings: Settings) -> None:
    from registry.faults import kill_before_index

    try:
        kill_before_index(settings)  # a crash-test fault point in production stops here, before any write
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def check_proxies(settings: Settings) -> None:
    from registry.web.proxies import trusted_proxies

    try:
        trusted_proxies(settings.trusted_proxies)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def search_backend(settings: Settings, engine):
    from search import make_backend

    try:
        return make_backend(settings.search_backend, settings.index_dir, engine)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def prepare(settings: Settings, engine, backend) -> None:
    from registry import composition, migrate
    from search import SearchUnavailable

    migrate.upgrade(engine)
    with session_scope(engine) as session:
        if settings.seed_on_start and not composition.has_reference_data(session):
            created = composition.seed(session)
            click.echo(f"Reference data loaded: {sum(created.values())} rows")
    try:
        created = backend.ensure()
    except SearchUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    if created:
        build_index(engine, backend)
    else:
        catch_up_index(engine, backend)


def build_index(engine, backend) -> int:
    """The whole index, built aside and swapped in (searches answer from the old one meanwhile);
    writes committed during the build are applied after the swap."""
    from registry import composition
    from search import SearchUnavailable
    from search.following import SearchBusy

    with progress_bar() as bar:
        task = bar.add_task("Indexing", total=None)
        try:
            count = composition.rebuild_search(
                engine, backend, progress=lambda done, total: bar.update(task, completed=done, total=total))
        except (SearchUnavailable, SearchBusy) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Search index built: {count} documents")
    return count


def catch_up_index(engine, backend) -> None:
    """Apply what the outbox holds (changes committed before a crash, or by another command)."""
    from registry.composition import following_index

    following = following_index(engine, backend)
    following.drain(wait=5.0)
    status = following.status()
    if status.pending:
        click.echo(f"Search index: {status.pending} change(s) not applied yet ({status.last_error or 'busy'}); "
                   "retried by the server", err=True)


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

    settings = load_settings()
    engine = reachable_engine(settings)
    with session_scope(engine) as session:
        created = composition.seed(session)
    summary = ", ".join(f"{table}: {n}" for table, n in created.items()) or "nothing new"
    click.echo(f"Reference data: {summary}")
    backend = search_backend(settings, engine)
    if backend.is_reachable():
        catch_up_index(engine, backend)  # else the index is built at the next `registry run`


@main.group()
def search() -> None:
    """Search index."""


@search.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index from the database, aside, while the server keeps answering."""
    from search import SearchUnavailable

    settings = load_settings()
    engine = reachable_engine(settings)
    backend = search_backend(settings, engine)
    try:
        backend.ensure()
        build_index(engine, backend)
    except SearchUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()


@main.group()
def users() -> None:
    """User accounts."""


ROLES = ["admin", "legal", "delegation", "caisse", "researcher"]


def cli_actor():
    from registry.audit import Actor

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(name=f"cli:{who}")


@contextmanager
def account_session() -> Iterator:
    """One transaction on the configured database, whose connections are closed afterwards."""
    engine = reachable_engine(load_settings())
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def read_password(from_stdin: bool, prompt: str = "Password: ") -> str:
    return sys.stdin.readline().rstrip("\n") if from_stdin else getpass.getpass(prompt)


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True, help="Role of the account.")
@click.option("--name", "display_name", default="", help="Name shown in the audit and pages.")
@click.option("--country", "countries", multiple=True, help="Limit the account to a country (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting.")
def users_create(username: str, role: str, display_name: str, countries: tuple[str, ...], password_stdin: bool) -> None:
    """Create an account (the first admin, typically)."""
    from registry import accounts

    password = read_password(password_stdin)
    try:
        with account_session() as session:
            user = accounts.create_user(session, username, password, role, display_name, actor=cli_actor(),
                                        countries=countries)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.username} ({user.role})")


@users.command("list")
def users_list() -> None:
    """List the accounts with their role, countries and state."""
    from registry import accounts

    with account_session() as session:
        for user in accounts.list_users(session):
            state = "active" if user.is_active else "disabled"
            click.echo(f"{user.username}\t{user.role}\t{','.join(user.countries) or 'all'}\t{state}")


def change_account(username: str, change) -> None:
    from registry import accounts

    try:
        with account_session() as session:
            user = accounts.find_user(session, username)
            if user is None:
                raise click.ClickException(f"no account named {username!r}")
            change(session, user)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable an account: its sessions end now and its tokens stop working."""
    from registry import accounts

    change_account(username, lambda session, user: accounts.disable_user(session, cli_actor(), user))
    click.echo(f"Disabled {username}")


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Enable a disabled account again."""
    from registry import accounts

    change_account(username, lambda session, user: accounts.enable_user(session, cli_actor(), user))
    click.echo(f"Enabled {username}")


@users.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting.")
def users_set_password(username: str, password_stdin: bool) -> None:
    """Set an account's password (recovery); every session of the account ends."""
    from registry import accounts

    password = read_password(password_stdin, "New password: ")
    change_account(username, lambda session, user: accounts.set_password(session, cli_actor(), user, password))
    click.echo(f"Password of {username} set; its sessions ended")


@main.group()
def tokens() -> None:
    """API tokens for machines (a fund's batch system)."""


@tokens.command("create")
@click.argument("name")
@click.option("--user", "username", required=True, help="Account the token acts for.")
@click.option("--role", type=click.Choice(ROLES), default="caisse", show_default=True,
              help="Role of the token (no wider than the account's).")
@click.option("--country", "countries", multiple=True, help="Limit the token to a country (repeatable).")
@click.option("--expires-in-days", type=int, default=None, help="Days until the token expires (default: never).")
def tokens_create(name: str, username: str, role: str, countries: tuple[str, ...], expires_in_days: int | None) -> None:
    """Create a token and print its secret, once: only its sha256 is kept."""
    from registry import accounts
    from registry.auth import tokens as api_tokens

    try:
        with account_session() as session:
            owner = accounts.find_user(session, username)
            if owner is None:
                raise click.ClickException(f"no account named {username!r}")
            secret, _token = api_tokens.create_token(session, cli_actor(), owner, name, role, countries, expires_in_days)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(secret)
    click.echo(f"Token {name!r} for {username} ({role}); copy it now, it is not shown again.", err=True)


@tokens.command("list")
def tokens_list() -> None:
    """List the tokens (never their secrets) with their last use."""
    from registry.auth import tokens as api_tokens

    with account_session() as session:
        for token, owner in api_tokens.list_tokens(session):
            state = "revoked" if token.revoked_at else "active"
            used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never"
            click.echo(f"{token.name}\t{token.prefix}…\t{owner.username}\t{token.role}\t"
                       f"{','.join(token.countries) or 'all'}\t{state}\tlast used {used}")


@tokens.command("revoke")
@click.argument("name")
def tokens_revoke(name: str) -> None:
    """Revoke a token: it stops working at once."""
    from sqlmodel import select

    from registry.auth import tokens as api_tokens
    from registry.auth.models import ApiToken

    with account_session() as session:
        token = session.exec(select(ApiToken).where(ApiToken.name == name)).first()
        if token is None:
            raise click.ClickException(f"no token named {name!r}")
        api_tokens.revoke_token(session, cli_actor(), token)
    click.echo(f"Revoked {name}")


@main.group()
def forms() -> None:
    """Liaison forms and the catalog of templates the project ships."""


@forms.command("check")
@click.argument("template", type=click.Path(path_type=Path, dir_okay=False, exists=True), required=False)
@click.option("--fields", "fields_file", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="With TEMPLATE: the fields.toml ([[fields]] tables) the template is meant for.")
@click.option("--partner-language", default="en", show_default=True, help="With TEMPLATE: the form's partner language.")
@click.option("--lang", default="fr", show_default=True, help="With TEMPLATE: the language of the report (fr, en).")
@click.option("--catalog", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="Catalog folder (default: the shipped forms/catalog).")
def forms_check(template: Path | None, fields_file: Path | None, partner_language: str, lang: str,
                catalog: Path | None) -> None:
    """Without TEMPLATE: check every catalog template (format, sandbox, fields) and render it with
    its sample.json. With TEMPLATE.docx --fields fields.toml: a template author's check, per
    paragraph (declared, missing, unused, refused); exits 1 when the upload would refuse it."""
    if template is not None:
        return _author_check(template, fields_file, partner_language, lang)
    from forms.catalog_loader import check_catalog

    results = check_catalog(catalog)
    for result in results:
        mark = "ok" if result.ok else "FAILED"
        click.echo(f"{mark:6} {result.folder} v{result.version}")
        for problem in result.problems:
            click.echo(f"       {problem}")
    failed = [r for r in results if not r.ok]
    if failed or not results:
        raise click.ClickException(f"{len(failed)} of {len(results)} catalog versions failed" if results
                                   else "no form.toml found in the catalog")
    click.echo(f"{len(results)} catalog versions checked and rendered")


def _author_check(template: Path, fields_file: Path | None, partner_language: str, lang: str) -> None:
    from forms.template_report import MAX_TEMPLATE_BYTES, MISSING, UNUSED, author_report, read_fields_toml
    from forms.trial_render import checked_in_process
    from registry import i18n

    if fields_file is None:
        raise click.UsageError("a template needs --fields fields.toml")
    try:
        fields = read_fields_toml(fields_file)
    except ValueError as exc:
        raise click.ClickException(f"{fields_file}: {exc}") from None
    report = author_report(template.read_bytes(), fields, partner_language, MAX_TEMPLATE_BYTES,
                           checker=checked_in_process).as_dict(lang)
    for tag in report["tags"]:
        click.echo(f"{tag['part']} ¶{tag['paragraph']}: {' '.join(tag['tags'])[:200]}")
        for path, status in tag["paths"].items():
            click.echo(f"    {path}: {status}")
    for heading, key in ((MISSING, "missing"), (UNUSED, "unused")):
        if report[key]:
            click.echo(f"{i18n.gettext(lang, heading)}: {', '.join(report[key])}")
    for problem in report["refused"] + ([report["reason"]] if report["reason"] else []):
        click.echo(f"  ✗ {problem}")
    click.echo(report["verdict"])
    if not report["accepted"]:
        raise SystemExit(1)


@main.command()
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Backup file (default: <data dir>/backups/registry-<time>.db); the manifest goes beside it (.json).")
def backup(out: Path | None) -> None:
    """Copy the SQLite database consistently (the server may run) and write its manifest."""
    from registry.backup import DATABASE_NAME, take_backup

    settings = sqlite_settings("backup")
    source = settings.data_dir / DATABASE_NAME
    if not source.exists():
        raise click.ClickException(f"no database at {source}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = out or settings.data_dir / "backups" / f"registry-{stamp}.db"
    if out.exists() or out.with_suffix(".json").exists():
        raise click.ClickException(f"{out} or its manifest already exists: choose another --out")
    with progress_bar() as bar:
        task = bar.add_task("Backup", total=100)
        manifest = take_backup(source, out, progress=lambda _s, remaining, total: bar.update(
            task, completed=100 * (total - remaining) / max(total, 1)))
    click.echo(f"Backup written to {out} ({manifest.size // 1024} KiB, {manifest.rows} rows in "
               f"{len(manifest.tables)} tables, schema {manifest.schema_revision}, sha256 {manifest.sha256[:12]}…); "
               f"manifest {manifest.path.name}; {shutil.disk_usage(out.parent).free // 2**20} MiB free")


@main.command()
@click.argument("snapshot", type=click.Path(path_type=Path, dir_okay=False))
def restore(snapshot: Path) -> None:
    """Check SNAPSHOT (a backup's .json manifest or its .db) and put it in place of the database.

    Stop the server first. Nothing changes unless every check passes; the previous database is
    kept aside (registry.db.before-restore-<time>), never deleted; the search index is rebuilt."""
    from registry import migrate
    from registry.backup import SnapshotRefused, check_snapshot, read_manifest, swap_in

    settings = sqlite_settings("restore")
    try:
        manifest = read_manifest(snapshot)
        check_snapshot(manifest, migrate.known_revisions())
        kept = swap_in(manifest, settings.data_dir)
    except SnapshotRefused as exc:
        raise click.ClickException(f"restore refused, nothing changed: {exc}") from None
    click.echo(f"Restored {manifest.database.name} (taken {manifest.created_at}, schema {manifest.schema_revision}, "
               f"{manifest.rows} rows in {len(manifest.tables)} tables) into {settings.data_dir / 'registry.db'}")
    click.echo(f"Previous database kept as {kept}" if kept else "There was no database before")
    engine = reachable_engine(settings)
    try:
        migrate.upgrade(engine)  # a snapshot of an older schema is brought up to this version's
        build_index(engine, search_backend(settings, engine))
    finally:
        engine.dispose()


def sqlite_settings(command: str) -> Settings:
    settings = load_settings()
    if not settings.is_sqlite:
        raise click.ClickException(f"{command} works on the embedded SQLite database; with PostgreSQL use pg_dump "
                                   "and pg_restore, then `registry search reindex` (README, Backup and restore)")
    return settings


@main.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="ZIP file to write.")
@click.option("--base-url", default=None, help="Address of the registry named in the dump (default: http://HOST:PORT).")
def export(out: Path, base_url: str | None) -> None:
    """Write the open-data dump (what GET /api/export/registry.zip serves): public tables as CSV and
    JSON, datapackage.json, Licence Ouverte 2.0; one consistent read of the database."""
    from registry.composition import dump_table_providers
    from registry.opendata import export_registry

    settings = load_settings()
    engine = reachable_engine(settings)
    try:
        body = export_registry(engine, dump_table_providers(), base_url or f"http://{settings.host}:{settings.port}")
    finally:
        engine.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(body)
    tmp.replace(out)  # a reader of `out` never sees half a file
    click.echo(f"Open-data dump written to {out} ({len(body) // 1024} KiB)")


@forms.command("generate")
@click.argument("code")
@click.option("--data", "data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="CSV (headers: field names or labels) or JSON Lines (.jsonl), up to 10,000 rows.")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]), default="docx", show_default=True)
@click.option("--on", "on", default=None, help="Date whose version applies (YYYY-MM-DD, default today).")
@click.option("--name-field", default="", help="Field whose value names each file (e.g. worker.last_name).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="ZIP file to write.")
def forms_generate(code: str, data_file: Path, fmt: str, on: str | None, name_field: str, out: Path) -> None:
    """Fill a form for every row of a file: a ZIP of documents and report.csv of refused rows."""
    from datetime import date

    from forms.generation import batch
    from forms.generation.generate import FormNotApplicable, resolve
    from forms.generation.jobs import job_for
    from registry import audit
    from registry.web.app import make_converter, make_render_pool

    settings = load_settings()
    engine = reachable_engine(settings)
    as_of = date.fromisoformat(on) if on else date.today()
    pool, converter = make_render_pool(settings), make_converter(settings)
    try:
        with session_scope(engine) as session:
            form, version = resolve(session, code, as_of)
            job = job_for(form, version, as_of)
            media = "jsonl" if data_file.suffix.lower() in (".jsonl", ".ndjson") else "csv"
            rows = batch.read_rows(data_file.read_bytes(), media, job)
            with progress_bar() as bar:
                task = bar.add_task(f"{form.code} {version.label}", total=len(rows))
                result = batch.run_batch(job, rows, fmt, pool, converter, name_field, form.slug,
                                         progress=lambda n: bar.update(task, completed=n))
            out.write_bytes(result.archive)
            rejected = len({r[0] for r in result.rejected})
            audit.record(session, audit.Actor.system("system:cli"), "form.generate_batch", "form_version", version.id,
                         after={"form": form.code, "version": version.label, "format": fmt,
                                "documents": result.documents, "rejected_rows": rejected})
    except (FormNotApplicable, batch.BatchRefused, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        pool.close()
        converter.close()
    click.echo(f"{result.documents} documents, {rejected} rows refused (see report.csv) -> {out}")
