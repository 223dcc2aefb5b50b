"""The Airflow UI's admin password: no api-server starts with a default or empty one.

The deployment uses Airflow's SimpleAuthManager: users are named in
``AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS`` (``name:ROLE,...``) and their passwords are read from
the JSON file ``AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE`` (``{"name": "password"}``).
``airflow-init`` writes that file from ``.env`` (``AIRFLOW_ADMIN_USER`` /
``AIRFLOW_ADMIN_PASSWORD``) with ``python -m motcua.ops.admin write``, which refuses a weak
password; the api-server's auth manager (:mod:`motcua.ops.auth_manager`) checks the file again
before it serves anything, so an api-server started any other way refuses too.

A password is refused when it is empty or blank, shorter than :data:`MIN_LENGTH` characters,
equal to the user's name, or one of :data:`DEFAULT_PASSWORDS` (compared without case, spaces,
dashes or underscores: ``Change-Me`` is ``changeme``). ``simple_auth_manager_all_admins = True``
(everyone is admin without logging in) is refused as well.

    python -m motcua.ops.admin check   # exit 2 with what to change if the file is weak
    python -m motcua.ops.admin write   # check $AIRFLOW_ADMIN_PASSWORD, write the file (0600)
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from motcua.common.errors import PipelineError

MIN_LENGTH = 12
# Passwords that tutorials, images and installers use, and what people type when asked for one.
DEFAULT_PASSWORDS = frozenset(
    {
        "",
        "admin",
        "administrator",
        "airflow",
        "password",
        "passw0rd",
        "changeme",
        "changeit",
        "default",
        "secret",
        "motcua",
        "postgres",
        "root",
        "test",
        "guest",
        "letmein",
        "qwerty",
        "123456",
        "12345678",
        "123456789",
        "1234567890",
        "admin123",
        "admin1234",
        "adminadmin",
        "airflowairflow",
        "airflowadmin",
        "password123",
        "matkhau",  # "mật khẩu"
        "matkhau123",
    }
)
FIX = (
    "set AIRFLOW_ADMIN_PASSWORD in .env to a long random value, e.g. the output of "
    '`python -c "import secrets; print(secrets.token_urlsafe(24))"`, then run airflow-init again '
    "(docs/operations.md, Deployment)"
)


def _normal(text: str) -> str:
    return "".join(c for c in text.casefold() if c not in " -_.")


def password_problem(user: str, password: str | None) -> str | None:
    """Why ``password`` must not guard ``user``'s login, or None if it may."""
    if password is None or not password.strip():
        return "is empty"
    if _normal(password) in DEFAULT_PASSWORDS:
        return "is a default password"
    if _normal(password) == _normal(user):
        return "is the user's name"
    if len(password) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    return None


def users_from_setting(setting: str) -> list[str]:
    """The user names of ``simple_auth_manager_users`` (``"admin:admin,viewer:viewer"``)."""
    return [item.split(":")[0].strip() for item in setting.split(",") if item.strip()]


def check_passwords(
    users: list[str], passwords_file: str | os.PathLike | None, *, all_admins: bool = False
) -> None:
    """Raise :class:`PipelineError` unless every user has a password in the file that
    :func:`password_problem` accepts (and logging in is required at all)."""
    if all_admins:
        raise PipelineError(
            "simple_auth_manager_all_admins is on: anyone who reaches the api-server is admin "
            "without a password; remove AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"
        )
    if not users:
        raise PipelineError(
            "no user is configured (AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS is empty); " + FIX
        )
    if not passwords_file:
        raise PipelineError(
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE is not set: Airflow would make up "
            "a password and print it to its log; set it as docker-compose.yml does"
        )
    path = Path(passwords_file)
    try:
        passwords = json.loads(path.read_text())
    except FileNotFoundError:
        raise PipelineError(
            f"the passwords file {path} does not exist: airflow-init writes it; " + FIX
        ) from None
    except (OSError, ValueError) as exc:
        raise PipelineError(f"the passwords file {path} cannot be read ({exc}); " + FIX) from None
    if not isinstance(passwords, dict):
        raise PipelineError(f"the passwords file {path} is not a JSON object; " + FIX)
    for user in users:
        password = passwords.get(user)
        problem = password_problem(user, password if isinstance(password, str) else None)
        if problem:
            raise PipelineError(
                f"refusing to start the api-server: the password of Airflow user {user!r} "
                f"{problem}; " + FIX
            )


def check_environment(env: Mapping[str, str] | None = None) -> None:
    """:func:`check_passwords` with the settings of the environment (as Airflow reads them)."""
    env = os.environ if env is None else env
    all_admins = env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    check_passwords(
        users_from_setting(env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "")),
        env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"),
        all_admins=all_admins.strip().lower() in ("true", "t", "1", "yes", "y", "on"),
    )


def write_passwords_file(env: Mapping[str, str] | None = None) -> Path:
    """airflow-init's step: ``{AIRFLOW_ADMIN_USER: AIRFLOW_ADMIN_PASSWORD}`` into the passwords
    file, readable by its owner only; refuses (writing nothing) a weak password."""
    env = os.environ if env is None else env
    user = env.get("AIRFLOW_ADMIN_USER") or "admin"
    password = env.get("AIRFLOW_ADMIN_PASSWORD")
    problem = password_problem(user, password)
    if problem:
        raise PipelineError(f"AIRFLOW_ADMIN_PASSWORD {problem}; " + FIX)
    target = env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")
    if not target:
        raise PipelineError("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE is not set")
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({user: password}, handle)
    os.chmod(path, 0o600)
    return path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv not in (["check"], ["write"]):
        print("usage: python -m motcua.ops.admin check|write", file=sys.stderr)
        return 2
    try:
        if argv == ["write"]:
            path = write_passwords_file()
            print(f"motcua: admin password written to {path} (0600)")
        check_environment()
    except PipelineError as exc:
        print(f"motcua: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
