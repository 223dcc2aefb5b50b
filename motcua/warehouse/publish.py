"""Publish a tested build: atomic rename over ``warehouse/motcua.duckdb``, older versions kept.

* :func:`publish` checkpoints the build file (no write-ahead log left), records in it which run
  built it (table ``ops.publication``), checks every public table is there, keeps the published
  file in ``warehouse/versions/`` by a hard link (no copy: the file is replaced anyway), then
  renames the build over the published file.
* :func:`rollback` swaps the published file with the newest kept version, by the same two steps
  (hard link, rename): the file rolled back from becomes the newest version, so a second rollback
  undoes the first.

Each step is atomic (``link``, ``rename``) and the published file is never opened for writing, so
a process killed at any moment leaves it byte-identical and readable. Analysts' connections opened
before a publish keep reading the old file (its inode lives on in ``versions/``); connections
opened after it see the new one. Publish and rollback take a lock file so they never race.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import logging
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from motcua.common.config import Settings
from motcua.common.errors import PipelineError
from motcua.common.store import sql_literal
from motcua.ops.faults import fault_point

log = logging.getLogger(__name__)

REQUIRED_MARTS = (
    "dim_unit",
    "dim_procedure",
    "fct_dossier",
    "ind_cohort",
    "rpt_bieu06",
    "ind_adoption",
    "dq_issues",
    "dq_unit_scorecard",
)
KEEP_VERSIONS = int(os.environ.get("MOTCUA_KEEP_VERSIONS", "5"))
VERSION_GLOB = "motcua-*.duckdb"


def versions_dir(settings: Settings) -> Path:
    return settings.warehouse_db.parent / "versions"


def check_build(
    path: Path, published_name: str = "motcua.duckdb", build_catalog: str | None = None
) -> None:
    """Refuse to publish a build that lacks a public table, or whose views would break once the
    file is renamed (a view naming the build file's catalog, e.g. ``motcua_build.x.y`` for a
    build file ``motcua_build.duckdb``: DuckDB names a file's catalog after the file, so after the
    rename that catalog no longer exists). The build file has the published file's name
    (:attr:`motcua.common.config.Settings.build_db`), so dbt's views keep working."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        views = con.execute(
            "select schema_name || '.' || view_name, sql from duckdb_views() "
            "where not internal and database_name = current_database()"
        ).fetchall()
    finally:
        con.close()
    missing = [t for t in REQUIRED_MARTS if t not in present]
    if missing:
        raise PipelineError(f"the build lacks marts tables {missing}: not published.")
    build_catalog = build_catalog or path.stem
    if build_catalog != Path(published_name).stem:
        pattern = re.compile(rf'(?<![\w."]){re.escape(build_catalog)}"?\.', re.IGNORECASE)
        broken = sorted(name for name, sql in views if pattern.search(sql or ""))
        internal = [name for name in broken if not name.startswith("marts.")]
        if internal:
            log.warning("non-public views that only work inside the build file: %s", internal)
        broken = [name for name in broken if name.startswith("marts.")]
        if broken:
            raise PipelineError(
                f"views {broken} name the build file's catalog '{build_catalog}' and would fail "
                f"in the published file ('{Path(published_name).stem}'): not published. Make them "
                "tables, or let dbt write relations without the database name."
            )


def published_info(path: Path) -> dict | None:
    """What ``ops.publication`` of a warehouse file says (None if absent or unreadable)."""
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute(
            "select report_date, run_id, built_at, published_at from ops.publication"
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    if row is None:
        return None
    keys = ("report_date", "run_id", "built_at", "published_at")
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in zip(keys, row, strict=True)
    }


@contextlib.contextmanager
def _lock(settings: Settings) -> Iterator[None]:
    lock_path = settings.warehouse_db.parent / ".publish.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _keep(target: Path, versions: Path) -> Path:
    """Keep the published file in ``versions/`` under a new name: a hard link, else a copy."""
    versions.mkdir(parents=True, exist_ok=True)
    kept = versions / f"motcua-{_stamp()}.duckdb"
    try:
        os.link(target, kept)
    except OSError as exc:  # a filesystem without hard links: copy (slower, same result)
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP):
            raise
        shutil.copy2(target, kept.with_suffix(".partial"))
        os.replace(kept.with_suffix(".partial"), kept)
    return kept


def list_versions(settings: Settings) -> list[Path]:
    """Kept versions, oldest first."""
    return sorted(versions_dir(settings).glob(VERSION_GLOB))


def _prune(settings: Settings, keep: int | None = None) -> None:
    keep = KEEP_VERSIONS if keep is None else keep
    for old in list_versions(settings)[:-keep] if keep > 0 else list_versions(settings):
        old.unlink(missing_ok=True)
    for partial in versions_dir(settings).glob("*.partial"):
        partial.unlink(missing_ok=True)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except FileNotFoundError:
        return False


def staged_path(settings: Settings) -> Path:
    """Where publish moves the build just before the rename (next to the published file)."""
    target = settings.warehouse_db
    return target.with_name(f".{target.name}.incoming")


def pending_build(settings: Settings) -> Path | None:
    """The tested build waiting to be published: the build file, or — when a publish was killed
    after moving it next to the published file — the staged file. None when there is none."""
    if settings.build_db.exists():
        return settings.build_db
    if staged_path(settings).exists():
        return staged_path(settings)
    return None


def publish(settings: Settings, info: dict | None = None) -> Path:
    """Atomically replace the published warehouse with the tested build file."""
    build, target = settings.build_db, settings.warehouse_db
    staged = staged_path(settings)
    if not build.exists() and staged.exists():
        # A publish killed after staging: the staged file is the complete, checked build.
        log.info("resuming an interrupted publish from %s", staged)
        check_build(staged, target.name, build_catalog=build.stem)
        with _lock(settings):
            _swap_in(settings, staged)
        log.info("published %s", target)
        return target
    if not build.exists():
        raise PipelineError(f"no build file at {build}: nothing to publish (did the build run?)")
    info = dict(info or {})
    con = duckdb.connect(str(build))
    try:
        con.execute("create schema if not exists ops")
        con.execute(
            "create or replace table ops.publication (report_date date, run_id varchar, "
            "built_at timestamp, published_at timestamp)"
        )
        values = ", ".join(
            sql_literal(info.get(key)) for key in ("report_date", "run_id", "built_at")
        )
        con.execute(f"insert into ops.publication values ({values}, current_timestamp::timestamp)")
        con.execute("checkpoint")
    finally:
        con.close()
    if build.with_name(build.name + ".wal").exists():
        raise PipelineError(f"{build} still has a write-ahead log after checkpoint: not published.")
    check_build(build, target.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _lock(settings):
        # Stage next to the target (same folder, same filesystem) so the final rename is atomic.
        staged.unlink(missing_ok=True)
        shutil.move(build, staged)
        _swap_in(settings, staged)
    log.info("published %s", target)
    return target


def _swap_in(settings: Settings, staged: Path) -> None:
    target = settings.warehouse_db
    if target.exists():
        _keep(target, versions_dir(settings))
    fault_point("publish")
    os.replace(staged, target)
    _fsync_dir(target.parent)
    _prune(settings)


def rollback(settings: Settings) -> tuple[Path, dict | None]:
    """Bring back the newest kept version; the current one becomes the newest kept version.

    Returns the published path and what the restored file says about itself.
    """
    target = settings.warehouse_db
    with _lock(settings):
        candidates = [v for v in list_versions(settings) if not _same_file(v, target)]
        if not candidates:
            raise PipelineError(
                f"no earlier version in {versions_dir(settings)} to roll back to "
                "(a version is kept at every publish)."
            )
        previous = candidates[-1]
        if target.exists():
            _keep(target, versions_dir(settings))
        os.replace(previous, target)
        _fsync_dir(target.parent)
    restored = published_info(target)
    log.info("rolled back %s to %s (%s)", target, previous.name, restored)
    return target, restored


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def describe_versions(settings: Settings) -> list[dict]:
    """The published file and every kept version, newest first, with what each says it holds."""
    rows = []
    target = settings.warehouse_db
    if target.exists():
        rows.append({"path": str(target), "published": True, **(published_info(target) or {})})
    for version in reversed(list_versions(settings)):
        rows.append({"path": str(version), "published": False, **(published_info(version) or {})})
    return rows
