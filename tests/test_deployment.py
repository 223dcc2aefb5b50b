"""The production deployment files: the compose file is valid and complete, the image uses the
project's lock."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from ingestion.config import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"


def test_compose_file_validates_against_the_compose_specification():
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_names_every_airflow_service():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    for name in (
        "postgres",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "redis",
        "airflow-worker",
    ):
        assert name in services, name
    assert services["airflow-scheduler"]["command"] == "scheduler"
    assert services["airflow-worker"]["profiles"] == ["celery"]
    assert "healthcheck" in services["postgres"]


def test_no_secret_is_committed():
    text = COMPOSE.read_text()
    for key, value in re.findall(r"^\s*(\w*(?:PASSWORD|SECRET|FERNET)\w*):\s*(.*)$", text, re.M):
        if key.endswith("_FILE"):
            continue  # a path to a secret, not a secret
        assert value.startswith("${"), f"{key} must come from .env, not the compose file"
    assert (REPO_ROOT / ".env.example").exists()
    assert ".env" in (REPO_ROOT / ".gitignore").read_text().split()


def test_image_installs_the_same_lock_as_make():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "uv pip sync --system --no-cache requirements.lock" in dockerfile
    assert "pip sync --quiet --python $(PY) requirements.lock" in makefile
    uv_pins = set(re.findall(r"uv==([\d.]+)", dockerfile + makefile))
    assert len(uv_pins) == 1
