"""Scan the landing folder: which files there are, what their paths say, which to examine.

Every entry below ``landing/`` that is not a folder becomes a :class:`Candidate` carrying its
size and modification time and what its path ``<YYYY-MM-DD>/<unit_code>.<ext>`` tells (unit,
report date, extension), or the R02 reason it cannot be taken in. Only regular files are ever
opened: a link (to anything, inside or outside ``landing/``), a FIFO, a socket or a device is
quarantined with its reason and never followed or opened (its archive copy describes it, see
``readers.fetch``), and a path holding ``..`` is refused before anything else. The files not
taken in yet are examined in chunks (:func:`chunks`), one transaction each (see
:mod:`ingestion.load`).

Imports nothing heavy (neither DuckDB nor Arrow).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .readers import ALLOWED_EXTENSIONS

# A chunk (one transaction) holds up to this many files, or bytes: DuckDB's cost a chunk (a
# commit, parsing the distinct dates and labels, one insert a layout) is shared by many small
# files, and memory stays bounded by the chunk, not by the night.
CHUNK_FILES = 20000
CHUNK_BYTES = 256 * 1024 * 1024
FIRST_CHUNK_FILES = 1000
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UNIT_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")


@dataclass
class Candidate:
    """A landing file that has not been taken in yet."""

    landing_path: str  # relative to landing/, POSIX
    abs_path: str
    size: int
    mtime_ns: int
    unit_code: str | None = None
    report_date: dt.date | None = None
    ext: str = ""
    path_error: tuple[str, str, str] | None = None  # (rule_id, code, message)
    # The file the scan saw (st_dev, st_ino): the fetch worker checks it opens that very file.
    identity: tuple[int, int] | None = field(default=None, compare=False)


def classify_path(landing_path: str) -> tuple[str | None, dt.date | None, str, tuple | None]:
    """Read unit, report date and extension from ``<YYYY-MM-DD>/<unit_code>.<ext>``."""
    parts = landing_path.split("/")
    name = parts[-1]
    ext = name.rsplit(".", 1)[1].lower() if "." in name else ""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    unit = stem if _UNIT_CODE.match(stem) else None
    report_date = None
    if len(parts) >= 2 and _DATE_DIR.match(parts[-2]):
        try:
            report_date = dt.date.fromisoformat(parts[-2])
        except ValueError:
            report_date = None
    if landing_path.startswith("/") or ".." in parts or "." in parts or "" in parts:
        # The scan never makes such a path (it lists folders): a path handed in from elsewhere.
        return (
            unit,
            report_date,
            ext,
            (
                "R02_unreadable_file",
                "leaves_landing",
                f"'{landing_path}' holds '..', '.' or an empty or absolute part: "
                "a path that tries to leave the landing folder",
            ),
        )
    if len(parts) != 2:
        return (
            unit,
            report_date,
            ext,
            (
                "R02_unreadable_file",
                "bad_path",
                f"'{landing_path}' is not <YYYY-MM-DD>/<unit_code>.<ext> directly under landing/",
            ),
        )
    if report_date is None:
        return (
            unit,
            None,
            ext,
            (
                "R02_unreadable_file",
                "bad_date_folder",
                f"folder '{parts[0]}' is not a valid report date YYYY-MM-DD",
            ),
        )
    if ext not in ALLOWED_EXTENSIONS:
        return (
            unit,
            report_date,
            ext,
            (
                "R02_unreadable_file",
                "extension_not_allowed",
                f"extension '.{ext}' is not one of {', '.join(ALLOWED_EXTENSIONS)}",
            ),
        )
    if unit is None:
        return (
            None,
            report_date,
            ext,
            (
                "R02_unreadable_file",
                "bad_name",
                f"file name '{name}' is not <unit_code>.<ext>",
            ),
        )
    return unit, report_date, ext, None


_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def special_kind(mode: int) -> str | None:
    """What a file that is neither a regular file, a folder nor a link is, from its mode."""
    return next((kind for test, kind in _SPECIAL if test(mode)), None)


def scan_landing(landing_dir: Path) -> list[Candidate]:
    """Every entry below landing/ that is not a folder, with its size and modification time
    (a link's own, never its target's)."""
    found: list[Candidate] = []
    if not landing_dir.exists():
        return found
    root = landing_dir.resolve()

    def scan(folder: str, prefix: str) -> None:
        # os.scandir knows from the directory listing which entries are links and folders:
        # one lstat per file, however many files a night brings.
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                scan(entry.path, f"{prefix}{entry.name}/")
                continue
            rel = prefix + entry.name
            st = entry.stat(follow_symlinks=False)
            cand = Candidate(rel, entry.path, st.st_size, st.st_mtime_ns)
            cand.identity = (st.st_dev, st.st_ino)
            cand.unit_code, cand.report_date, cand.ext, cand.path_error = classify_path(rel)
            if entry.is_symlink():
                cand.path_error = _link_error(entry.path, rel, root)
            elif not stat.S_ISREG(st.st_mode) and (kind := special_kind(st.st_mode)):
                cand.path_error = (
                    "R02_unreadable_file",
                    "special_file",
                    f"'{rel}' is {kind}, not a regular file: never opened; send the ledger "
                    "as a file",
                )
            found.append(cand)

    scan(os.fspath(landing_dir), "")
    return found


def _link_error(path: str, rel: str, root: Path) -> tuple[str, str, str]:
    """The R02 reason of a link: links are never followed, wherever they point."""
    link = os.readlink(path)
    target = Path(path).resolve()
    if root not in target.parents:
        return (
            "R02_unreadable_file",
            "leaves_landing",
            f"'{rel}' is a link to '{link}', outside the landing folder",
        )
    if not target.is_file():
        return ("R02_unreadable_file", "not_a_file", f"'{rel}' is no file")
    return (
        "R02_unreadable_file",
        "symlink",
        f"'{rel}' is a link to '{link}': links are never followed; put the file itself in landing/",
    )


def to_examine(
    candidates: list[Candidate],
    known: dict[str, tuple[int, int]],
    report_date: dt.date | None,
) -> tuple[list[Candidate], int]:
    """The files to examine, in arrival order (report date, then modification time, then path),
    and how many wait for a later night (a report date after ``report_date``).

    ``known`` holds the size and modification time the manifest last recorded under each landing
    path: a file showing both again is taken in already.
    """
    todo = []
    waiting = 0
    for cand in candidates:
        if report_date and cand.report_date and cand.report_date > report_date:
            waiting += 1
            continue
        if known.get(cand.landing_path) == (cand.size, cand.mtime_ns):
            continue
        todo.append(cand)
    todo.sort(key=lambda c: (c.report_date or dt.date.max, c.mtime_ns, c.landing_path))
    return todo, waiting


def chunks(todo: list[Candidate]) -> list[list[Candidate]]:
    """The files to examine, in chunks of at most CHUNK_FILES files or about CHUNK_BYTES.

    The first chunks are smaller, each twice the one before: nothing else can happen while the
    first chunk is fetched, and DuckDB gets to work sooner on a small one.
    """
    chunked: list[list[Candidate]] = [[]]
    limit = min(FIRST_CHUNK_FILES, CHUNK_FILES)
    size = 0
    for cand in todo:
        if len(chunked[-1]) >= limit or size >= CHUNK_BYTES:
            chunked.append([])
            limit = min(2 * limit, CHUNK_FILES)
            size = 0
        chunked[-1].append(cand)
        size += cand.size
    return chunked
