"""Settings: one frozen dataclass read from REGISTRY_* environment variables.

Each field carries its help text in its metadata; the README table is checked against it.
"""

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "REGISTRY_"


def _setting(default, help_text: str):
    return field(default=default, metadata={"help": help_text})


# the search-outbox drainer (search/following.py), one thread at a time per database, holds its
# lock's connection (PostgreSQL) and reads the changed units on another, beside its request's
DRAINER_CONNECTIONS = 2


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(Path("var"), "Folder for runtime data: the SQLite database and the search index.")
    database_url: str = _setting("", "SQLAlchemy URL; empty means SQLite in the data folder. PostgreSQL: postgresql+psycopg://user:pw@host/db")
    host: str = _setting("127.0.0.1", "Address the server listens on.")
    port: int = _setting(8000, "Port the server listens on.")
    secret_key: str = _setting("", "Secret that signs CSRF tokens and device cookies; empty means one is generated and kept in the data folder.")
    environment: str = _setting("production", "production, development or test. production (the default: `registry run` serves production unless told otherwise; `make run` sets development) sets Secure cookies and HSTS and never shows error details; development shows tracebacks; test is production without Secure cookies, for the test suite.")
    default_locale: str = _setting("fr", "Interface language when the request names none.")
    search_backend: str = _setting("tantivy", "Search engine: tantivy (embedded, one instance; the default), whoosh (embedded, pure Python, slower), postgres (PostgreSQL full-text in the database; required by several instances) or memory (tests).")
    workers: int = _setting(1, "Server worker processes (granian).")
    threads: int = _setting(8, "Handler threads per worker process: requests served at once by one worker (each holds at most one database connection); the others wait up to REGISTRY_QUEUE_TIMEOUT.")
    db_pool_size: int = _setting(0, "Database connections per worker process; 0 means one per handler thread (REGISTRY_THREADS) plus 2 for the one thread at a time that drains the search outbox (its lock and its reads), so no handler waits for one. /health has 3 of its own: PostgreSQL must allow REGISTRY_WORKERS × (pool + 3) connections per instance.")
    queue_timeout: float = _setting(5.0, "Seconds a request may wait for a free handler thread or database connection; then it is answered 503 with Retry-After.")
    request_timeout: float = _setting(30.0, "Seconds a request may take in all (deadline); then it is answered 503 with Retry-After and a write it had not yet committed is not committed. Document batches allow themselves an hour.")
    max_upload_mb: int = _setting(20, "Largest accepted upload, in megabytes.")
    seed_on_start: bool = _setting(True, "Load the shipped reference data when the database has none.")
    unoserver: str = _setting("", "Path of the unoserver executable for PDF; empty means .venv-uno/bin/unoserver (made by `make uno`).")
    pdf_timeout: int = _setting(60, "Seconds one DOCX to PDF conversion may take before LibreOffice is restarted.")
    pdf_slots: int = _setting(1, "PDF conversions at once (each warm LibreOffice converts one document at a time).")
    render_workers: int = _setting(2, "Processes rendering DOCX templates (and batches).")
    render_timeout: int = _setting(20, "Seconds one document render may take before its worker is stopped.")
    render_memory_mb: int = _setting(1024, "Memory ceiling of a render worker, in megabytes.")
    render_queue: int = _setting(4, "Renders of one form version that may wait for a worker; past that, or after waiting as long as a render may take, a render is refused with 503 and Retry-After (the workers go to the form with the fewest renders running).")
    fault_kill_before_index: int = _setting(0, "Crash tests only: percent of the commits with search changes after which the server kills its own process group (SIGKILL) before the index follows them (registry/faults.py). 0: off; refused in production.")
    trusted_proxies: str = _setting("", "Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (comma-separated addresses or networks, e.g. 10.0.0.5,10.1.0.0/16); the client's address (audit, login throttling) is then the last one before them. Empty: the connection's address.")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'registry.db'}"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def pool_size(self) -> int:
        return self.db_pool_size or self.threads + DRAINER_CONNECTIONS

    def check(self) -> None:
        """Every value in range, or SettingsError naming the first variable that is not (what
        `registry run` checks before the server says it listens)."""
        for name, problem in _problems(self):
            raise SettingsError(f"{ENV_PREFIX}{name.upper()}: {problem}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _parse(f.name, f.default, raw)
        values.update(overrides)
        return cls(**values)

    @classmethod
    def documented(cls) -> list[tuple[str, object, str]]:
        """(variable name, default, help) for every setting: the README table's source."""
        return [(ENV_PREFIX + f.name.upper(), f.default, f.metadata["help"]) for f in fields(cls)]


class SettingsError(ValueError):
    pass


SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_LENGTH = 32


def ensure_secret_key(settings: Settings) -> str:
    """REGISTRY_SECRET_KEY, or the key kept in <data_dir>/secret_key (created 0600 on first use).

    Several instances on several machines must share one key: set REGISTRY_SECRET_KEY there."""
    if settings.secret_key:
        if len(settings.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise SettingsError(f"{ENV_PREFIX}SECRET_KEY: at least {MIN_SECRET_KEY_LENGTH} characters "
                                f"(got {len(settings.secret_key)})")
        return settings.secret_key
    path = settings.data_dir / SECRET_KEY_FILE
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # written to a private temporary file, then linked into place: a second process starting
        # at the same moment either wins the link or reads the complete key of the first
        temporary = path.with_name(f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise SettingsError(f"{path}: the kept secret key is shorter than {MIN_SECRET_KEY_LENGTH} characters")
    return key


ENVIRONMENTS = ("production", "development", "test")
AT_LEAST_ONE = ("workers", "threads", "pdf_slots", "render_workers", "max_upload_mb", "pdf_timeout", "render_timeout")


def _problems(settings: Settings):
    """(setting, what is wrong) for each value out of range; pairs are checked after single values."""
    if settings.environment not in ENVIRONMENTS:
        yield "environment", f"expected one of {', '.join(ENVIRONMENTS)}, got {settings.environment!r}"
    if not 0 < settings.port < 65536:
        yield "port", f"expected a port between 1 and 65535, got {settings.port}"
    for name in AT_LEAST_ONE:
        if getattr(settings, name) < 1:
            yield name, f"expected at least 1, got {getattr(settings, name)}"
    if settings.db_pool_size < 0:
        yield "db_pool_size", f"expected 0 (one per thread) or more, got {settings.db_pool_size}"
    for name in ("queue_timeout", "request_timeout"):
        if not getattr(settings, name) > 0:
            yield name, f"expected a number of seconds above 0, got {getattr(settings, name)}"
    if settings.render_memory_mb < 64:
        yield "render_memory_mb", f"expected at least 64, got {settings.render_memory_mb}"
    if settings.secret_key and len(settings.secret_key) < MIN_SECRET_KEY_LENGTH:
        yield "secret_key", f"at least {MIN_SECRET_KEY_LENGTH} characters (got {len(settings.secret_key)})"
    if settings.queue_timeout >= settings.request_timeout:
        yield "queue_timeout", (f"must be shorter than REGISTRY_REQUEST_TIMEOUT ({settings.request_timeout:g} s), "
                                f"got {settings.queue_timeout:g}")
    if settings.workers > 1 and settings.search_backend in ("tantivy", "whoosh"):
        yield "workers", (f"{settings.workers} workers need REGISTRY_SEARCH_BACKEND=postgres: a "
                          f"{settings.search_backend} index takes one writer")


def _parse(name: str, default, raw: str):
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}: expected true or false, got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()}: expected a whole number, got {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()}: expected a number, got {raw!r}") from None
    if isinstance(default, Path):
        return Path(raw)
    return raw
