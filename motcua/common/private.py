"""Private folders and files: what holds personal data is readable by its owner only.

The pseudonym key (``secrets/``), the ingestion database (``ingest/``), the archive and the
quarantine hold personal data or what protects it. Their folders are mode ``0700`` and every
file the pipeline writes in them ``0600``, whatever the process's umask (see
docs/operations.md, "Security").

A folder found more open than ``0700`` (made by an earlier version, by hand, or restored from
a backup) is tightened, with everything in it, and a warning says so: the pipeline owns these
folders, and stopping the night for what it can fix itself would help nobody. A folder the
pipeline cannot tighten (another owner) stops the run with what to do.

Imports nothing heavy: the loader's fetch worker processes use it.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
_OPEN = 0o077  # the group and other bits


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700; missing parents get the usual mode) or tighten it: a folder
    found open to its group or others is set to 0700, and so is everything below it."""
    try:
        os.mkdir(path, DIR_MODE)
        os.chmod(path, DIR_MODE)  # mkdir's mode goes through the umask: say it exactly
        return path
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return ensure_dir(path)
    except FileExistsError:
        pass
    mode = os.stat(path).st_mode
    if not stat.S_ISDIR(mode):
        raise NotADirectoryError(f"{path} should be a folder; move whatever is there aside")
    if mode & _OPEN:
        _tighten(path, mode)
        files = _tighten_tree(path)
        log.warning(
            "%s was readable by others (mode %o): set to 0700, and %d files and folders in it "
            "to owner-only; check who could read it while it was open",
            path,
            stat.S_IMODE(mode),
            files,
        )
    return path


def tighten_file(path: Path) -> None:
    """Make an existing file owner-only (its group and other bits cleared), with a warning
    when it was open."""
    mode = os.stat(path).st_mode
    if mode & _OPEN:
        _tighten(path, mode)
        log.warning("%s was readable by others (mode %o): set to owner-only", path, mode & 0o777)


def open_new(path: str | os.PathLike[str]) -> int:
    """A file descriptor for writing ``path``, created (or truncated) with mode 0600."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` as a new owner-only file."""
    with open(open_new(path), "wb") as handle:
        handle.write(data)


def _tighten(path: Path | str, mode: int) -> None:
    try:
        os.chmod(path, stat.S_IMODE(mode) & ~_OPEN)
    except PermissionError as exc:
        raise PermissionError(
            f"{path} is readable by others (mode {stat.S_IMODE(mode):o}) and this process "
            f"(uid {os.getuid()}) cannot change it: it belongs to uid {os.stat(path).st_uid}. "
            f"Give it to the pipeline's service account (chown -R) or run "
            f"'chmod -R go-rwx {path}' as its owner."
        ) from exc


def _tighten_tree(root: Path) -> int:
    """Clear the group and other bits of every file and folder below ``root`` (links are left
    alone: their mode means nothing). Returns how many were changed."""
    changed = 0
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            mode = os.lstat(path).st_mode
            if not stat.S_ISLNK(mode) and mode & _OPEN:
                _tighten(path, mode)
                changed += 1
    return changed
