"""`registry run` checks every setting before the server says it listens (issue 13, item 11),
and stops within a bounded time on SIGTERM (granian's kill timeout)."""

import pytest
from click.testing import CliRunner

from registry.cli import SHUTDOWN_GRACE, main


class FakeGranian:
    """Stands in for the server: records how it would have been started, serves nothing."""

    started: list[dict] = []

    def __init__(self, target, **options) -> None:
        self.options = {"target": target, **options}

    def serve(self) -> None:
        FakeGranian.started.append(self.options)


@pytest.fixture
def run_registry(tmp_path, monkeypatch):
    import granian

    FakeGranian.started = []
    monkeypatch.setattr(granian, "Granian", FakeGranian)

    def invoke(**env):
        base = {"REGISTRY_DATA_DIR": str(tmp_path / "var"), "REGISTRY_DATABASE_URL": "",
                "REGISTRY_SEARCH_BACKEND": "memory", "REGISTRY_SEED_ON_START": "false"}
        return CliRunner().invoke(main, ["run", "--no-prepare"], env={**base, **env}, catch_exceptions=False)

    return invoke


@pytest.mark.parametrize("env,named", [
    ({"REGISTRY_SECRET_KEY": "short"}, "REGISTRY_SECRET_KEY: at least 32 characters"),
    ({"REGISTRY_TRUSTED_PROXIES": "*"}, "REGISTRY_TRUSTED_PROXIES"),
    ({"REGISTRY_TRUSTED_PROXIES": "10.0.0.0/33"}, "REGISTRY_TRUSTED_PROXIES"),
    ({"REGISTRY_SEARCH_BACKEND": "elastic"}, "REGISTRY_SEARCH_BACKEND"),
    ({"REGISTRY_SEARCH_BACKEND": "postgres"}, "REGISTRY_SEARCH_BACKEND"),
    ({"REGISTRY_ENVIRONMENT": "prod"}, "REGISTRY_ENVIRONMENT: expected one of production, development, test"),
    ({"REGISTRY_THREADS": "0"}, "REGISTRY_THREADS: expected at least 1"),
    ({"REGISTRY_PORT": "70000"}, "REGISTRY_PORT"),
    ({"REGISTRY_QUEUE_TIMEOUT": "soon"}, "REGISTRY_QUEUE_TIMEOUT: expected a number"),
    ({"REGISTRY_QUEUE_TIMEOUT": "60"}, "REGISTRY_QUEUE_TIMEOUT: must be shorter than REGISTRY_REQUEST_TIMEOUT"),
    ({"REGISTRY_WORKERS": "2", "REGISTRY_SEARCH_BACKEND": "whoosh"}, "REGISTRY_WORKERS"),
])
def test_a_bad_setting_stops_run_with_one_line_before_it_listens(run_registry, env, named):
    result = run_registry(**env)
    assert result.exit_code != 0 and named in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert "Registry on" not in result.output and FakeGranian.started == []


def test_good_settings_reach_the_server_with_a_bounded_shutdown(run_registry):
    result = run_registry(REGISTRY_SECRET_KEY="k" * 32, REGISTRY_TRUSTED_PROXIES="10.0.0.5,10.1.0.0/16")
    assert result.exit_code == 0, result.output
    assert "Registry on http://127.0.0.1:8000 (production)" in result.output
    (options,) = FakeGranian.started
    assert options["workers_kill_timeout"] == SHUTDOWN_GRACE < 10 and options["workers"] == 1
