from pathlib import Path

import pytest

from registry.settings import Settings, SettingsError

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_work_without_environment():
    settings = Settings.from_env({})
    assert settings.resolved_database_url == "sqlite:///var/registry.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_environment_overrides_are_typed():
    settings = Settings.from_env({"REGISTRY_PORT": "9001", "REGISTRY_SEED_ON_START": "false", "REGISTRY_DATA_DIR": "/tmp/x"})
    assert settings.port == 9001 and settings.seed_on_start is False and settings.data_dir == Path("/tmp/x")


@pytest.mark.parametrize("name,value", [("REGISTRY_PORT", "eighty"), ("REGISTRY_SEED_ON_START", "perhaps")])
def test_bad_setting_names_the_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_readme_documents_every_setting():
    readme = README.read_text(encoding="utf-8")
    missing = [name for name, _default, _help in Settings.documented() if f"`{name}`" not in readme]
    assert not missing, f"README.md does not document: {missing}"
