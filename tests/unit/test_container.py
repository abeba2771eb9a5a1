"""The container files: compose config validates, services have healthchecks, the image runs as non-root."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose_command() -> list[str]:
    if shutil.which("docker") is None:
        pytest.skip("docker client is not installed")
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    if probe.returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail(
        "a docker client exists but neither `docker compose` nor `docker-compose` (run make services)"
    )


def test_compose_config_is_valid(tmp_path: Path) -> None:
    command = _compose_command()
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / "ENV.example", tmp_path / ".env")
    result = subprocess.run([*command, "config"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert set(services) == {"postgres", "redis", "app"}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("postgres", "redis", "app"):
        assert services[name]["healthcheck"]["test"], name
    assert services["app"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    env = services["app"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert env["REDIS_URL"].startswith("redis://")


def test_dockerfile_shape() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert "ffmpeg" in text
    user_lines = [line for line in text.splitlines() if line.startswith("USER ")]
    assert user_lines and user_lines[-1].split()[1] not in {"root", "0"}
    assert 'CMD ["ownerbot", "health"]' in text
