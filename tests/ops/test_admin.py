"""No api-server with a default or empty admin password (#16, part 5): the rule
(motcua.ops.admin), airflow-init's step of docker-compose.yml that writes the passwords file, and
the auth manager the api-server initialises (motcua.ops.auth_manager). The api-server itself,
started with a default password, is refused in tests/production/test_topology.py."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
import yaml

from motcua.common.errors import PipelineError
from motcua.ops.admin import (
    MIN_LENGTH,
    check_environment,
    check_passwords,
    password_problem,
    write_passwords_file,
)
from tests.support.production import COMPOSE, Topology, dotenv

STRONG = "vR7-q2mL9xTz4pWs"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        (None, "is empty"),
        ("", "is empty"),
        ("   ", "is empty"),
        ("admin", "is a default password"),
        ("Admin", "is a default password"),
        ("airflow", "is a default password"),
        ("AIRFLOW", "is a default password"),
        ("password", "is a default password"),
        ("Change-Me", "is a default password"),
        ("change_me", "is a default password"),
        ("12345678", "is a default password"),
        ("matkhau", "is a default password"),
        ("quantri", "is the user's name"),
        ("Quan-Tri", "is the user's name"),
        ("k9#Lm2", f"is shorter than {MIN_LENGTH} characters"),
        ("x" * (MIN_LENGTH - 1), f"is shorter than {MIN_LENGTH} characters"),
        ("x" * MIN_LENGTH, None),
        (STRONG, None),
    ],
)
def test_password_rule(password, problem):
    assert password_problem("quantri", password) == problem


def passwords_file(tmp_path, content) -> str:
    path = tmp_path / "passwords.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def test_check_passwords_accepts_a_strong_password_for_every_user(tmp_path):
    check_passwords(
        ["admin", "viewer"], passwords_file(tmp_path, {"admin": STRONG, "viewer": STRONG})
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"admin": "admin"}, "'admin' is a default password"),
        ({"admin": ""}, "'admin' is empty"),
        ({"admin": STRONG}, "'viewer' is empty"),  # viewer has no password in the file
        ({"admin": STRONG, "viewer": 12345678901234}, "'viewer' is empty"),
        ("[]", "is not a JSON object"),
        ("{not json", "cannot be read"),
    ],
)
def test_check_passwords_refuses(tmp_path, content, message):
    with pytest.raises(PipelineError, match="refusing|passwords file") as caught:
        check_passwords(["admin", "viewer"], passwords_file(tmp_path, content))
    assert message in str(caught.value)
    assert "AIRFLOW_ADMIN_PASSWORD" in str(caught.value)  # what to do


def test_check_passwords_refuses_a_missing_file_no_file_setting_and_no_login(tmp_path):
    with pytest.raises(PipelineError, match="does not exist: airflow-init writes it"):
        check_passwords(["admin"], tmp_path / "none.json")
    with pytest.raises(PipelineError, match="PASSWORDS_FILE is not set"):
        check_passwords(["admin"], None)
    with pytest.raises(PipelineError, match="all_admins is on"):
        check_passwords(["admin"], passwords_file(tmp_path, {"admin": STRONG}), all_admins=True)
    with pytest.raises(PipelineError, match="no user is configured"):
        check_passwords([], passwords_file(tmp_path, {"admin": STRONG}))


def test_write_passwords_file_writes_the_admin_only_for_its_owner(tmp_path):
    target = tmp_path / "home" / "passwords.json"
    env = {
        "AIRFLOW_ADMIN_USER": "quantri",
        "AIRFLOW_ADMIN_PASSWORD": STRONG,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(target),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "quantri:admin",
    }
    assert write_passwords_file(env) == target
    assert json.loads(target.read_text()) == {"quantri": STRONG}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    check_environment(env)
    with pytest.raises(PipelineError, match="AIRFLOW_ADMIN_PASSWORD is a default password"):
        write_passwords_file(env | {"AIRFLOW_ADMIN_PASSWORD": "airflow"})
    assert json.loads(target.read_text()) == {"quantri": STRONG}  # nothing written
    with pytest.raises(PipelineError, match="all_admins"):
        check_environment(env | {"AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True"})


@pytest.mark.parametrize("password", ["", "admin", "airflow", "short"])
def test_airflow_init_of_the_compose_file_refuses_a_weak_password(tmp_path, password):
    """airflow-init's own script (translated to this machine) stops before migrating anything,
    so none of the compose file's Airflow services starts (they wait for it to succeed)."""
    env_file = dotenv({"AIRFLOW_ADMIN_PASSWORD": password, "MOTCUA_HOST_DATA_DIR": str(tmp_path)})
    ports = {"postgres": 1, "redis": 2, "airflow-apiserver": 3}  # never reached
    topology = Topology(tmp_path / "root", env_file, ports, overrides={})
    with pytest.raises(AssertionError) as caught:
        topology.run_init(timeout=60)
    said = str(caught.value)
    if password:
        assert "motcua: error: AIRFLOW_ADMIN_PASSWORD is" in said
    else:
        assert "set AIRFLOW_ADMIN_PASSWORD in .env" in said
    assert "Performing upgrade to the metadata database" not in said
    env = topology.service_env("airflow-init")
    assert not os.path.exists(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])


def test_compose_refuses_to_start_the_api_server_without_an_admin_password(tmp_path):
    """Compose's own interpolation (``${AIRFLOW_ADMIN_PASSWORD:?...}``) stops ``up`` at once."""
    ports = {"postgres": 1, "redis": 2, "airflow-apiserver": 3}
    for password in ("", None):
        env_file = dotenv({"MOTCUA_HOST_DATA_DIR": str(tmp_path)})
        if password is None:
            del env_file["AIRFLOW_ADMIN_PASSWORD"]
        else:
            env_file["AIRFLOW_ADMIN_PASSWORD"] = password
        topology = Topology(tmp_path / "root", env_file, ports, overrides={})
        with pytest.raises(ValueError, match="set AIRFLOW_ADMIN_PASSWORD in .env"):
            topology.service_env("airflow-apiserver")
    env_file["AIRFLOW_ADMIN_PASSWORD"] = STRONG
    topology = Topology(tmp_path / "root", env_file, ports, overrides={})
    assert topology.service_env("airflow-apiserver")["AIRFLOW_ADMIN_PASSWORD"] == STRONG


def test_every_airflow_service_of_the_compose_file_uses_the_checking_auth_manager():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    for name, service in services.items():
        if name.startswith("airflow-"):
            assert service["environment"]["AIRFLOW__CORE__AUTH_MANAGER"] == (
                "motcua.ops.auth_manager.MotcuaSimpleAuthManager"
            ), name


def test_the_auth_manager_refuses_to_initialise_with_a_default_password(tmp_path):
    """In a fresh interpreter, as the api-server does: Airflow's config from the environment."""
    weak = passwords_file(tmp_path, {"admin": "admin"})
    code = (
        "from airflow.api_fastapi.app import init_auth_manager\n"
        "from airflow.exceptions import AirflowConfigException\n"
        "try:\n    init_auth_manager()\nexcept AirflowConfigException as e:\n    print(e)\n"
        "else:\n    print('STARTED')\n"
    )
    env = {
        "AIRFLOW_HOME": str(tmp_path / "home"),
        "AIRFLOW__CORE__AUTH_MANAGER": "motcua.ops.auth_manager.MotcuaSimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PATH": "/usr/bin:/bin",
    }

    def run(passwords: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code],
            env=env | {"AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": passwords},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout

    said = run(weak)
    assert "refusing to start the api-server" in said and "is a default password" in said
    assert "STARTED" in run(passwords_file(tmp_path, {"admin": STRONG}))
