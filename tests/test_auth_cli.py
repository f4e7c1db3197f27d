"""`registry users …` and `registry tokens …` on the command line, audited as cli:<who>."""

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from registry.auth.tokens import resolve_token
from registry.cli import main
from registry.models import AuditEntry, User


@pytest.fixture
def registry(engine, tmp_path):
    env = {"REGISTRY_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "REGISTRY_DATA_DIR": str(tmp_path / "var")}

    def invoke(*args, stdin: str | None = None):
        return CliRunner().invoke(main, list(args), env=env, input=stdin, catch_exceptions=False)

    return invoke


def test_accounts_from_the_command_line(registry, engine):
    created = registry("users", "create", "jeanne", "--role", "delegation", "--country", "RS", "--password-stdin",
                       stdin="a long enough password\n")
    assert created.exit_code == 0, created.output
    assert "jeanne\tdelegation\tRS\tactive" in registry("users", "list").output
    assert registry("users", "disable", "jeanne").exit_code == 0
    assert "jeanne\tdelegation\tRS\tdisabled" in registry("users", "list").output
    assert registry("users", "enable", "jeanne").exit_code == 0
    reset = registry("users", "set-password", "jeanne", "--password-stdin", stdin="another long password\n")
    assert reset.exit_code == 0
    with Session(engine) as db:
        actions = [(e.action, e.actor.startswith("cli:")) for e in
                   db.exec(select(AuditEntry).where(AuditEntry.entity == "user").order_by(AuditEntry.id)).all()]
    assert actions == [("user.create", True), ("user.disable", True), ("user.enable", True),
                       ("user.password_reset", True)]


def test_command_line_errors_are_one_line(registry):
    short = registry("users", "create", "paul", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1 and "password: at least 12 characters" in short.output
    assert "no account named 'nobody'" in registry("users", "disable", "nobody").output


def test_tokens_from_the_command_line(registry, make_user, engine):
    make_user("caisse", username="cnav")
    created = registry("tokens", "create", "cnav-batch", "--user", "cnav", "--role", "caisse", "--country", "RS")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[0]
    assert secret.startswith("rgt_")
    with Session(engine) as db:
        assert resolve_token(db, secret).name == "token:cnav-batch"
    listed = registry("tokens", "list").output
    assert "cnav-batch" in listed and secret not in listed and "last used" in listed
    assert registry("tokens", "revoke", "cnav-batch").exit_code == 0
    with Session(engine) as db:
        assert resolve_token(db, secret) is None
    too_wide = registry("tokens", "create", "x", "--user", "cnav", "--role", "legal")
    assert too_wide.exit_code == 1 and "role:" in too_wide.output


def test_the_first_admin_can_log_in(registry, engine):
    from registry.auth.login import log_in

    assert registry("users", "create", "root", "--password-stdin", stdin="the first admin password\n").exit_code == 0
    with Session(engine) as db:
        assert db.exec(select(User).where(User.username == "root")).one().role == "admin"
        outcome = log_in(db, "k" * 40, "root", "the first admin password", "192.0.2.1")
    assert outcome.succeeded and outcome.principal.can("manage_users")
