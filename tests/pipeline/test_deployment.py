"""The production deployment files: the compose file is valid and complete, the image uses the
project's lock."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from motcua.common.config import REPO_ROOT

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


def test_image_copies_every_package_the_project_installs():
    """The image holds each package of pyproject.toml's package list, the dbt project and the
    DAGs (a package left out installs nothing and fails only at run time)."""
    import tomllib

    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = sorted(p.rstrip("*") for p in patterns)
    assert packages == ["expectations", "ingestion", "motcua"]
    copied = set(re.findall(r"^COPY (\S+) \./\1$", dockerfile, flags=re.M))
    assert set(packages) | {"dbt_project", "dags"} <= copied


def test_compose_runs_airflow_3_as_a_real_deployment():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    airflow = {name: s for name, s in services.items() if name.startswith("airflow-")}
    for name, service in airflow.items():
        env = service["environment"]
        # Airflow 3: tasks talk to the API server's execution API with JWTs from one shared secret
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == (
            "http://airflow-apiserver:8080/execution/"
        ), name
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${AIRFLOW__API_AUTH__JWT_SECRET:?")
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        volumes = service["volumes"]
        assert any(v.endswith(":/data") for v in volumes), name
        assert any(v.startswith("./dags:") for v in volumes), name
        assert service["env_file"] == ".env"
        if name != "airflow-init":
            assert "healthcheck" in service, name
            assert service["depends_on"]["airflow-init"] == {
                "condition": "service_completed_successfully"
            }
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name], name
    init = services["airflow-init"]["command"][-1]
    assert "airflow db migrate" in init
    assert "airflow pools set motcua_duckdb 1" in init
    assert "AIRFLOW_ADMIN_PASSWORD:?" in init
    # the admin's password is checked and written before anything else is done
    assert init.index("python -m motcua.ops.admin write") < init.index("airflow db migrate")
    assert services["redis"]["profiles"] == ["celery"]
    assert services["airflow-dag-processor"]["command"] == "dag-processor"
    assert services["airflow-apiserver"]["command"] == "api-server"


def test_env_example_names_every_required_variable_without_values():
    text = COMPOSE.read_text()
    required = set(re.findall(r"\$\{(\w+):\?", text)) | set(re.findall(r"\$\$\{(\w+):\?", text))
    example = (REPO_ROOT / ".env.example").read_text()
    values = dict(
        line.split("=", 1) for line in example.splitlines() if "=" in line and line[0] != "#"
    )
    for name in required:
        assert name in values, f"{name} is required by the compose file but not in .env.example"
        if any(word in name for word in ("PASSWORD", "SECRET", "KEY")):
            assert values[name] == "", f"{name} must be empty in .env.example"


def test_init_script_creates_the_same_pool_as_local_runs():
    from motcua.pipeline.airflow_local import DUCKDB_POOL, POOL_DESCRIPTION

    init = yaml.safe_load(COMPOSE.read_text())["services"]["airflow-init"]["command"][-1]
    assert f'airflow pools set {DUCKDB_POOL} 1 "{POOL_DESCRIPTION}"' in init
