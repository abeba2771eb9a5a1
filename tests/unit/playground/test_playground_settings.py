"""The playground's embedded defaults, and its `--upstream` switch to a SIS (e.g. the simulator)."""

from __future__ import annotations

from typer.testing import CliRunner

from ownerbot.cli import app
from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.playground.runner import playground_settings


def test_defaults_are_demo_and_embedded() -> None:
    values = playground_settings()
    assert values["upstream_mode"] == "DEMO"
    assert values["database_url"] is None and values["redis_url"] is None


def test_sis_mode_keeps_the_environments_sis_settings() -> None:
    settings = Settings(
        _env_file=None,
        sis_base_url="http://127.0.0.1:8700",
        sis_ownerbot_api_key="sim-key",
        **playground_settings("SIS_HTTP"),
    )
    assert settings.upstream_mode is UpstreamMode.SIS_HTTP
    assert settings.sis_base_url == "http://127.0.0.1:8700"
    assert settings.sis_ownerbot_api_key is not None
    assert settings.sis_ownerbot_api_key.get_secret_value() == "sim-key"


def test_cli_refuses_an_unknown_upstream_naming_the_choices() -> None:
    result = CliRunner().invoke(app, ["playground", "--upstream", "FTP"])
    assert result.exit_code == 2
    output = result.output + (result.stderr if result.stderr_bytes else "")
    assert "DEMO" in output and "SIS_HTTP" in output and "AUTO" in output
