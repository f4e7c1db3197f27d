"""Engine and sessions. SQLite gets foreign keys, WAL and a busy timeout on every connection."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine, text

from registry import write_rules
from registry.settings import Settings

SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=5000",
)


class DatabaseUnreachable(RuntimeError):
    """The configured database cannot be reached; the message is one line for the operator."""


def _set_sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def make_engine(url: str, pool_size: int | None = None, pool_timeout: float = 30.0) -> Engine:
    """`pool_size`: a fixed pool of that many connections (no overflow), waited for at most
    `pool_timeout` seconds; None keeps SQLAlchemy's default pool (tools and tests)."""
    pool = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout}
    write_rules.install()  # dates in range, country limits: on every session's flush
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")  # one shared connection: no pool to size
        engine = create_engine(url, connect_args={"check_same_thread": False}, **({} if in_memory else pool))
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5}, **pool)


def engine_for(settings: Settings) -> Engine:
    """The application's engine: one connection per handler thread (REGISTRY_DB_POOL_SIZE), a
    request waiting at most REGISTRY_QUEUE_TIMEOUT for one (registry/web/request_threads.py)."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.resolved_database_url, settings.pool_size, settings.queue_timeout)


def health_engine(engine: Engine) -> Engine:
    """/health's own connections to the same database, so that it never waits behind requests:
    three, because its drain of the search outbox holds the drain lock's connection (PostgreSQL)
    and reads the units' rows while it holds the outbox's (search/following.py)."""
    return make_engine(engine.url.render_as_string(hide_password=False), pool_size=3, pool_timeout=1.0)


def check_reachable(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the same thing to the operator
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnreachable(f"database {engine.url.render_as_string(hide_password=True)} unreachable: {reason}") from exc


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def snapshot_session(engine: Engine) -> Iterator[Session]:
    """A read-only session whose queries all see the database as of its first read, whatever is
    committed meanwhile: PostgreSQL REPEATABLE READ; SQLite an explicit transaction (pysqlite opens
    none for reads on its own, so each query would see the latest commit), whose WAL snapshot is
    taken at the first read. Writers are not blocked, and do not block it."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        else:
            connection.exec_driver_sql("BEGIN")
        try:
            with Session(bind=connection) as session:
                yield session
        finally:
            connection.rollback()
