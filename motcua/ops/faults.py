"""Fault injection for tests and recovery drills: kill the pipeline hard in a named stage.

``MOTCUA_FAULT_STAGE=<stage>[@<seconds>]`` makes the process running that stage SIGKILL its
children (dbt, …) and itself — no cleanup, no ``finally``, like the OOM killer or a power cut:

* ``<stage>@<seconds>``: that many seconds after the stage started, or at the stage's end if it
  finishes sooner (so the kill always happens inside the stage);
* ``<stage>`` alone: at the stage's fixed kill point (:func:`fault_point`; ``publish`` has one
  after the old version is kept and the build is staged, just before the rename), else at once
  when the stage starts.

Unset (the default) it costs nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator

log = logging.getLogger(__name__)

FAULT_ENV = "MOTCUA_FAULT_STAGE"
FIXED_POINTS = {"publish"}


def kill_tree() -> None:
    """SIGKILL this process's children and then this process."""
    log.warning("fault injection: SIGKILL now (%s=%s)", FAULT_ENV, os.environ.get(FAULT_ENV))
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    if os.getpgid(0) == os.getpid():
        # Leader of its own process group (a test's stage process, `motcua run`): kill the group
        # in one call, so that a child the main thread spawns at this very moment dies too.
        os.killpg(os.getpid(), signal.SIGKILL)
    try:
        import psutil

        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
    except ImportError:  # pragma: no cover - psutil comes with Airflow
        pass
    os.kill(os.getpid(), signal.SIGKILL)


def fault_spec(stage_name: str) -> tuple[bool, float | None]:
    """(armed for this stage, delay in seconds or None)."""
    spec = os.environ.get(FAULT_ENV, "")
    name, _, delay = spec.partition("@")
    if not spec or name.strip() != stage_name:
        return False, None
    return True, float(delay) if delay.strip() else None


def fault_point(stage_name: str) -> None:
    """A fixed kill point inside a stage (active when no delay is given)."""
    armed, delay = fault_spec(stage_name)
    if armed and delay is None:
        kill_tree()


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    """Log a stage's start and end; carry out the fault injection asked for this stage."""
    armed, delay = fault_spec(name)
    timer = None
    log.info("stage %s started", name)
    if armed and delay is None and name not in FIXED_POINTS:
        kill_tree()
    if armed and delay is not None:
        timer = threading.Timer(delay, kill_tree)
        timer.daemon = True
        timer.start()
    started = time.monotonic()
    yield
    if timer is not None:
        kill_tree()  # the stage finished before the timer fired: die at its end instead
    log.info("stage %s finished in %.1f s", name, time.monotonic() - started)
