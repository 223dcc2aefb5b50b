"""The production topology of docker-compose.yml, run on this machine without Docker.

PostgreSQL and Redis from Debian's packages, each started by hand on the loopback address, and
Airflow's components run with the environment docker-compose.yml gives its containers: the
image's ``ENV`` (Dockerfile), the ``.env`` file (``env_file``, filled from ``.env.example``) and
each service's ``environment``, interpolated as Compose does, then translated to this machine:
a service's host name and container port (``postgres:5432``, ``redis:6379``,
``airflow-apiserver:8080``) become ``127.0.0.1`` and the port the test started it on, and the
containers' mount points (``/data``, ``/opt/motcua/dags``, ``/opt/airflow``) become the host
folders of the service's ``volumes``. Nothing is copied by hand, so the compose file and the
test cannot drift: a new variable reaches the test by itself, and a host or mount point the
translation does not know fails it (:func:`Topology.service_env`).

Every process is started in its own session and stopped by its own id, with its descendants
(:func:`stop`).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import yaml

from motcua.common.config import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
VENV_BIN = Path(sys.executable).parent
# Ports the images listen on inside their containers (the compose file addresses them so).
IMAGE_PORTS = {"postgres": 5432, "redis": 6379}
# Paths of the image's file system: each must be translated to a host folder.
CONTAINER_PATH = re.compile(r"(?<![\w/.-])(/opt/airflow|/opt/motcua|/data)(?=/|\s|$)")
APT_HINT = "run `make install-services` (as root: apt-get install postgresql redis-server)"

_VAR = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)")


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    """Compose's variable substitution: ``$$``, ``$VAR``, ``${VAR}``, ``${VAR:-default}``,
    ``${VAR-default}``, ``${VAR:?error}`` and ``${VAR?error}``."""

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        op, arg = match.group(2), match.group(3) or ""
        value = variables.get(name)
        unset_or_empty = value is None or (value == "" and op is not None and op.startswith(":"))
        if op in (":-", "-") and unset_or_empty:
            return arg
        if op in (":?", "?") and unset_or_empty:
            raise ValueError(f"compose would refuse to start: {name}: {arg}")
        return value or ""

    return _VAR.sub(one, text)


def dockerfile_env(path: Path = DOCKERFILE) -> dict[str, str]:
    """The image's ``ENV`` instructions (``ENV A=1 B=2``, continued lines joined)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip().upper().startswith("ENV "):
            for item in shlex.split(line.strip()[4:]):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def dotenv(overrides: Mapping[str, str]) -> dict[str, str]:
    """A ``.env`` as an operator writes it from ``.env.example``: its values, every empty secret
    filled with a fresh random one (the Fernet key a real Fernet key), then ``overrides``."""
    from cryptography.fernet import Fernet

    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    for key, value in values.items():
        if value == "":
            values[key] = (
                Fernet.generate_key().decode()
                if key == "AIRFLOW__CORE__FERNET_KEY"
                else secrets.token_urlsafe(24)
            )
    values.update(overrides)
    return values


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable, timeout: float, logs: Path | None = None, every=1.0):
    """Poll ``check`` until it returns something true; on timeout fail with the logs' tails."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            break
        time.sleep(every)
    tails = ""
    if logs is not None:
        tails = "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}"
            for p in sorted(logs.glob("*.log"))
        )
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")


def start(command: list[str], log: Path, **options) -> subprocess.Popen:
    """One process in a session of its own (its group id is its pid), output to ``log``."""
    with log.open("ab") as handle:
        return subprocess.Popen(
            command,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **options,
        )


def descendants(proc: subprocess.Popen) -> list[psutil.Process]:
    with contextlib.suppress(psutil.Error):
        return psutil.Process(proc.pid).children(recursive=True)
    return []


def kill_now(proc: subprocess.Popen) -> list[int]:
    """SIGKILL the process, its group and every descendant (Airflow's task processes run in
    groups of their own), as a machine that dies would; returns the pids killed."""
    victims = [proc.pid] + [p.pid for p in descendants(proc)]
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=30)
    psutil.wait_procs([p for p in map(_process, victims) if p], timeout=30)
    return victims


def _process(pid: int) -> psutil.Process | None:
    with contextlib.suppress(psutil.Error):
        return psutil.Process(pid)
    return None


def stop(processes: list[subprocess.Popen], grace: float = 5) -> list[int]:
    """SIGTERM each process we started (by its pid, its group and its descendants), SIGKILL what
    is left after ``grace`` seconds, and reap them all; returns the pids it stopped."""
    victims: dict[int, psutil.Process] = {}
    for proc in processes:
        if proc.poll() is None and (parent := _process(proc.pid)):
            victims[parent.pid] = parent
        for child in descendants(proc):
            victims[child.pid] = child
    for proc in processes:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
    for victim in victims.values():
        with contextlib.suppress(psutil.Error):
            victim.terminate()
    _, alive = psutil.wait_procs(list(victims.values()), timeout=grace)
    for proc in processes:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    for victim in alive:
        with contextlib.suppress(psutil.Error):
            victim.kill()
    psutil.wait_procs(alive, timeout=grace)
    for proc in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    return sorted(victims)


# -- PostgreSQL and Redis from Debian's packages ------------------------------------------------


def postgres_bin() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not found:
        raise AssertionError(f"PostgreSQL's server is not installed; {APT_HINT}")
    return Path(found[-1]).parent


def redis_bin() -> str:
    found = shutil.which("redis-server")
    if not found:
        raise AssertionError(f"redis-server is not installed; {APT_HINT}")
    return found


@dataclass
class Postgres:
    """A PostgreSQL cluster of its own in a fresh folder, on 127.0.0.1 only, password auth.

    As root (CI) it runs as the ``postgres`` user that Debian's package creates (the server
    refuses to run as root)."""

    user: str
    password: str
    database: str
    logs: Path
    port: int = field(default_factory=free_port)
    root: Path = field(init=False)
    process: subprocess.Popen | None = None

    def start(self, processes: list[subprocess.Popen]) -> None:
        bindir = postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="motcua-postgres-"))
        as_user = {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}
        if as_user:
            shutil.chown(self.root, "postgres", "postgres")
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if as_user:
            shutil.chown(pwfile, "postgres", "postgres")
        pwfile.chmod(0o600)
        result = subprocess.run(
            [str(bindir / "initdb"), "-D", str(self.root / "data"), "-U", self.user]
            + ["--pwfile", str(pwfile), "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"]
            + ["--locale=C.UTF-8"],
            capture_output=True,
            text=True,
            check=False,
            **as_user,
        )
        pwfile.unlink()
        assert result.returncode == 0, result.stdout + result.stderr
        (self.root / "sock").mkdir()
        if as_user:
            shutil.chown(self.root / "sock", "postgres", "postgres")
        self.process = start(
            [str(bindir / "postgres"), "-D", str(self.root / "data")]
            + ["-h", "127.0.0.1", "-p", str(self.port), "-k", str(self.root / "sock")]
            # a throw-away cluster: no need to wait for the disk
            + ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            self.logs / "postgres.log",
            **as_user,
        )
        processes.append(self.process)
        env = {**os.environ, "PGPASSWORD": self.password}
        address = ["-h", "127.0.0.1", "-p", str(self.port), "-U", self.user]
        wait_for(
            "PostgreSQL to accept connections",
            lambda: (
                self.process.poll() is None
                and subprocess.run(
                    [str(bindir / "pg_isready"), *address, "-d", "postgres"],
                    capture_output=True,
                    check=False,
                ).returncode
                == 0
            ),
            timeout=60,
            logs=self.logs,
            every=0.3,
        )
        subprocess.run(
            [str(bindir / "createdb"), *address, self.database], env=env, check=True, timeout=60
        )

    def listening(self) -> list[str]:
        return listening_addresses(self.process)

    def cleanup(self) -> None:
        with contextlib.suppress(AttributeError):
            shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Redis:
    logs: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self, processes: list[subprocess.Popen]) -> None:
        self.process = start(
            [redis_bin(), "--bind", "127.0.0.1", "--port", str(self.port), "--protected-mode"]
            + ["yes", "--save", "", "--appendonly", "no", "--daemonize", "no"],
            self.logs / "redis.log",
        )
        processes.append(self.process)

        def ping() -> bool:
            assert self.process.poll() is None, (self.logs / "redis.log").read_text()
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=2) as s,
            ):
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
            return False

        wait_for("Redis to answer PING", ping, timeout=30, logs=self.logs, every=0.2)

    def listening(self) -> list[str]:
        return listening_addresses(self.process)


def listening_addresses(proc: subprocess.Popen | None) -> list[str]:
    """The addresses the process (and its children) listen on."""
    if proc is None:
        return []
    found = set()
    for p in [psutil.Process(proc.pid), *descendants(proc)]:
        with contextlib.suppress(psutil.Error):
            for c in p.net_connections(kind="inet"):
                if c.status == psutil.CONN_LISTEN:
                    found.add(c.laddr.ip)
    return sorted(found)


# -- The compose file's Airflow, translated to this machine -------------------------------------


@dataclass
class Topology:
    """docker-compose.yml's services with their environment as this machine runs them."""

    root: Path  # the data folder, the Airflow home and the logs go under it
    env_file: dict[str, str]  # the .env
    ports: dict[str, int]  # compose service -> port on 127.0.0.1
    overrides: dict[str, str]  # what the test changes, each said why where it is set
    compose: dict = field(init=False)

    def __post_init__(self) -> None:
        self.compose = yaml.safe_load(COMPOSE.read_text())
        (self.root / "logs").mkdir(parents=True, exist_ok=True)

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def service(self, name: str) -> dict:
        return self.compose["services"][name]

    def interpolate(self, text: str) -> str:
        # Compose substitutes from the shell's environment and the project's .env file.
        return interpolate(text, self.env_file)

    def container_port(self, name: str) -> int:
        for mapping in self.service(name).get("ports", []):
            return int(self.interpolate(str(mapping)).rsplit(":", 1)[1])
        return IMAGE_PORTS[name]

    def mounts(self, name: str) -> dict[str, Path]:
        """Container path -> host path, from the service's ``volumes``."""
        out: dict[str, Path] = {}
        for volume in self.service(name).get("volumes", []):
            source, target = self.interpolate(volume).split(":")[:2]
            if source.startswith(("./", "/", "../")):
                host = (REPO_ROOT / source).resolve()
            else:  # a named volume
                host = self.root / "volumes" / source
            host.mkdir(parents=True, exist_ok=True)
            out[target] = host
        # what the image holds (Dockerfile: WORKDIR /opt/motcua, the code) is this checkout
        out.setdefault("/opt/motcua", REPO_ROOT)
        return out

    def translate(self, value: str, mounts: Mapping[str, Path]) -> str:
        for name, local in self.ports.items():
            value = re.sub(
                rf"(?<=[/@]){re.escape(name)}:{self.container_port(name)}(?=[/]|$)",
                f"127.0.0.1:{local}",
                value,
            )
        for target in sorted(mounts, key=len, reverse=True):
            value = re.sub(
                rf"(?<![\w/.-]){re.escape(target)}(?=/|\s|$|[\"'])", str(mounts[target]), value
            )
        return value

    def service_env(self, name: str) -> dict[str, str]:
        """The container's environment (image ENV < env_file < environment), translated."""
        service = self.service(name)
        mounts = self.mounts(name)
        env = dockerfile_env()
        if service.get("env_file"):
            env.update(self.env_file)
        env.update(
            {k: self.interpolate(str(v)) for k, v in (service.get("environment") or {}).items()}
        )
        env = {k: self.translate(v, mounts) for k, v in env.items()}
        for key, value in env.items():
            for host in self.compose["services"]:
                assert f"//{host}:" not in value and f"@{host}:" not in value, (
                    f"{key} of {name} names the host {host}, which this run does not start"
                )
            assert not CONTAINER_PATH.search(value), (
                f"{key}={value} of {name}: a path inside the container that no volume maps"
            )
        env.update(self.overrides)
        env.update(
            {
                "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
                "HOME": str(self.root / "home"),
                "LANG": "C.UTF-8",
            }
        )
        Path(env["HOME"]).mkdir(exist_ok=True)
        return env

    def command(self, name: str) -> list[str]:
        """The service's command line: its entrypoint (the image's ``airflow`` when the
        service keeps it) and its command, mount points translated."""
        service = self.service(name)
        entry = service.get("entrypoint", "airflow")  # the image's: tini -- airflow
        entry = shlex.split(entry) if isinstance(entry, str) else list(entry)
        command = service.get("command", [])
        command = shlex.split(command) if isinstance(command, str) else list(command)
        mounts = self.mounts(name)
        argv = [self.translate(self.interpolate(str(a)), mounts) for a in entry + command]
        if argv[0] == "airflow":
            argv[0] = str(VENV_BIN / "airflow")
        return argv

    def run_init(self, timeout: float = 600) -> str:
        """``airflow-init``'s script, as its container runs it, except ``chown`` (every
        component here runs as the invoking user, not uid 50000)."""
        argv = self.command("airflow-init")
        assert argv[:2] == ["/bin/bash", "-c"], argv
        script = "\n".join(
            line for line in argv[2].splitlines() if not line.strip().startswith("chown ")
        )
        result = subprocess.run(
            ["/bin/bash", "-c", script],
            env=self.service_env("airflow-init"),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        (self.logs / "airflow-init.log").write_text(result.stdout + result.stderr)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout

    def start(self, name: str, processes: list[subprocess.Popen], extra: list[str] = (), log=None):
        proc = start(
            self.command(name) + list(extra),
            self.logs / f"{log or name}.log",
            env=self.service_env(name),
            cwd=self.root,
        )
        processes.append(proc)
        return proc


# -- Airflow's REST API (v2) --------------------------------------------------------------------


@dataclass
class Api:
    base: str
    token: str | None = None

    def login(self, username: str, password: str) -> None:
        """A JWT from the auth manager's token endpoint (SimpleAuthManager: ``/auth/token``)."""
        body = {"username": username, "password": password}
        self.token = self._call("POST", "/auth/token", body)["access_token"]

    def get(self, path: str) -> dict:
        return self._call("GET", "/api/v2" + path)

    def post(self, path: str, body: dict) -> dict:
        return self._call("POST", "/api/v2" + path, body)

    def patch(self, path: str, body: dict) -> dict:
        return self._call("PATCH", "/api/v2" + path, body)

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"}
            | ({"Authorization": f"Bearer {self.token}"} if self.token else {}),
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise AssertionError(
                f"{method} {path}: HTTP {exc.code}: {exc.read().decode(errors='replace')[:2000]}"
            ) from None

    def up(self) -> bool:
        with contextlib.suppress(OSError, AssertionError, ValueError):
            return bool(self._call("GET", "/api/v2/version").get("version"))
        return False
