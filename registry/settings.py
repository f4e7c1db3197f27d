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


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(Path("var"), "Folder for runtime data: the SQLite database and the search index.")
    database_url: str = _setting("", "SQLAlchemy URL; empty means SQLite in the data folder. PostgreSQL: postgresql+psycopg://user:pw@host/db")
    host: str = _setting("127.0.0.1", "Address the server listens on.")
    port: int = _setting(8000, "Port the server listens on.")
    secret_key: str = _setting("", "Secret that signs CSRF tokens and device cookies; empty means one is generated and kept in the data folder.")
    environment: str = _setting("development", "development or production (production sets Secure cookies and hides error details).")
    default_locale: str = _setting("fr", "Interface language when the request names none.")
    search_backend: str = _setting("tantivy", "Search engine: tantivy (embedded, one instance; the default), whoosh (embedded, pure Python, slower), postgres (PostgreSQL full-text in the database; required by several instances) or memory (tests).")
    workers: int = _setting(1, "Server worker processes (granian).")
    max_upload_mb: int = _setting(20, "Largest accepted upload, in megabytes.")
    seed_on_start: bool = _setting(True, "Load the shipped reference data when the database has none.")
    unoserver: str = _setting("", "Path of the unoserver executable for PDF; empty means .venv-uno/bin/unoserver (made by `make uno`).")
    pdf_timeout: int = _setting(60, "Seconds one DOCX to PDF conversion may take before LibreOffice is restarted.")
    pdf_slots: int = _setting(1, "PDF conversions at once (each warm LibreOffice converts one document at a time).")
    render_workers: int = _setting(2, "Processes rendering DOCX templates (and batches).")
    render_timeout: int = _setting(20, "Seconds one document render may take before its worker is stopped.")
    render_memory_mb: int = _setting(1024, "Memory ceiling of a render worker, in megabytes.")
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
            raise SettingsError(f"{ENV_PREFIX}SECRET_KEY: at least {MIN_SECRET_KEY_LENGTH} characters")
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
    if isinstance(default, Path):
        return Path(raw)
    return raw
