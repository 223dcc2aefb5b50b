"""Publish a tested build: the public warehouse and the private build state, together.

A build file holds everything dbt made: the raw submission rows, staging, intermediate and the
marts. Analysts get only the public schemas (:data:`PUBLIC_SCHEMAS`: ``marts``, ``ops``,
``semantic``) in ``warehouse/motcua.duckdb``; the whole build becomes the private build state
``state/motcua.duckdb`` (folder 0700, file 0600), which the next night's incremental build starts
from. Both are one publication:

* :func:`publish` checkpoints the build file (no write-ahead log left), records in it which run
  built it (table ``ops.publication``), checks every public table is there, copies the public
  schemas into a new public file (every view materialised as a table, table and column comments
  kept), keeps the current pair in ``warehouse/versions/`` and ``state/versions/`` under one name
  by hard links (no copy: the files are replaced anyway), then renames the state, then the public
  file, into place.
* :func:`rollback` swaps both with the newest kept pair, by the same steps (hard link, rename):
  the pair rolled back from becomes the newest version, so a second rollback undoes the first.

Each step is atomic (``link``, ``rename``) and the published files are never opened for writing,
so a process killed at any moment leaves each byte-identical and readable; a kill between the two
renames is finished by the next publish (the staged public file waits beside the published one),
and until then the next build sees that the two disagree (their ``ops.publication`` rows differ)
and rebuilds in full. Analysts' connections opened before a publish keep reading the old file (its
inode lives on in ``versions/``); connections opened after it see the new one. Publish and
rollback take a lock file so they never race.
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

from motcua.common import private
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
#: The schemas of the published warehouse (everything else stays in the private build state).
PUBLIC_SCHEMAS = ("marts", "ops", "semantic")
KEEP_VERSIONS = int(os.environ.get("MOTCUA_KEEP_VERSIONS", "5"))
VERSION_GLOB = "motcua-*.duckdb"


def versions_dir(settings: Settings) -> Path:
    return settings.warehouse_db.parent / "versions"


def state_versions_dir(settings: Settings) -> Path:
    return settings.state_db.parent / "versions"


def _private_dir(path: Path) -> None:
    private.ensure_dir(path)  # 0700, tightened with a warning when found open


def extract_public(build: Path, out: Path) -> list[str]:
    """Write to ``out`` (a new file) the public schemas of ``build`` as tables, with their table
    and column comments (the dbt descriptions analysts read in their client); returns the tables
    copied, ``schema.table``. Views are materialised, so the public file needs nothing else."""
    out.unlink(missing_ok=True)
    out.with_name(out.name + ".wal").unlink(missing_ok=True)
    # The build is attached under its own catalog name (a view naming it resolves), read-only.
    con = duckdb.connect()
    try:
        con.execute(f"attach {sql_literal(str(build))} as {build.stem} (read_only)")
        con.execute(f"attach {sql_literal(str(out))} as public_out")
        con.execute(f"use {build.stem}")
        schemas = ", ".join(sql_literal(s) for s in PUBLIC_SCHEMAS)
        here = "database_name = current_database()"
        tables = con.execute(
            f"select schema_name, table_name, comment from duckdb_tables() "
            f"where {here} and schema_name in ({schemas}) "
            f"union all "
            f"select schema_name, view_name, comment from duckdb_views() "
            f"where {here} and schema_name in ({schemas}) and not internal order by 1, 2"
        ).fetchall()
        columns = con.execute(
            f"select schema_name, table_name, column_name, comment from duckdb_columns() "
            f"where {here} and schema_name in ({schemas}) and comment is not null "
            f"and comment <> ''"
        ).fetchall()
        con.execute("begin")  # one commit: each statement committing alone costs seconds
        for schema in sorted({t[0] for t in tables}):
            con.execute(f'create schema public_out."{schema}"')
        for schema, table, comment in tables:
            name = f'"{schema}"."{table}"'
            con.execute(f"create table public_out.{name} as select * from {name}")
            if comment:
                con.execute(f"comment on table public_out.{name} is {sql_literal(comment)}")
        for schema, table, column, comment in columns:
            con.execute(
                f'comment on column public_out."{schema}"."{table}"."{column}" '
                f"is {sql_literal(comment)}"
            )
        con.execute("commit")
        con.execute("checkpoint public_out")
        con.execute("use memory")
        con.execute("detach public_out")
        con.execute(f"detach {build.stem}")
    finally:
        con.close()
    if out.with_name(out.name + ".wal").exists():
        raise PipelineError(f"{out} still has a write-ahead log after checkpoint: not published.")
    return [f"{schema}.{table}" for schema, table, _ in tables]


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


def _keep(target: Path, versions: Path, name: str | None = None) -> Path:
    """Keep the published file in ``versions/`` under a new name: a hard link, else a copy."""
    versions.mkdir(parents=True, exist_ok=True)
    kept = versions / (name or f"motcua-{_stamp()}.duckdb")
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
    for folder in (versions_dir(settings), state_versions_dir(settings)):
        kept = sorted(folder.glob(VERSION_GLOB))
        for old in kept[:-keep] if keep > 0 else kept:
            old.unlink(missing_ok=True)
        for partial in folder.glob("*.partial"):
            partial.unlink(missing_ok=True)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except FileNotFoundError:
        return False


def staged_path(settings: Settings) -> Path:
    """Where publish writes the public file just before the rename (next to the published one)."""
    target = settings.warehouse_db
    return target.with_name(f".{target.name}.incoming")


def staged_state_path(settings: Settings) -> Path:
    """Where publish moves the build (the new state) just before the rename."""
    target = settings.state_db
    return target.with_name(f".{target.name}.incoming")


def pending_build(settings: Settings) -> Path | None:
    """The tested build waiting to be published: the build file, or — when a publish was killed
    after staging — the staged state, else the staged public file. None when there is none."""
    for candidate in (settings.build_db, staged_state_path(settings), staged_path(settings)):
        if candidate.exists():
            return candidate
    return None


def publish(settings: Settings, info: dict | None = None) -> Path:
    """Atomically replace the published warehouse (public schemas) and the private build state
    with the tested build file."""
    build, target = settings.build_db, settings.warehouse_db
    staged, staged_state = staged_path(settings), staged_state_path(settings)
    if not build.exists() and (staged.exists() or staged_state.exists()):
        # A publish killed after staging: the staged files are the complete, checked build.
        log.info(
            "resuming an interrupted publish from %s",
            staged_state if staged_state.exists() else staged,
        )
        with _lock(settings):
            _swap_in(settings)
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
    _private_dir(settings.state_db.parent)
    with _lock(settings):
        # Stage next to the targets (same folders, same filesystems) so the renames are atomic.
        staged_state.unlink(missing_ok=True)
        copied = extract_public(build, staged)
        log.info("publish: %d public tables copied (%s)", len(copied), ", ".join(PUBLIC_SCHEMAS))
        shutil.move(build, staged_state)
        os.chmod(staged_state, 0o600)
        _swap_in(settings)
    log.info("published %s (build state %s)", target, settings.state_db)
    return target


def _swap_in(settings: Settings) -> None:
    """Rename the staged state, then the staged public file, into place. The current pair is kept
    first (one name in both versions folders) when a new state comes in."""
    target, state = settings.warehouse_db, settings.state_db
    staged, staged_state = staged_path(settings), staged_state_path(settings)
    if staged_state.exists():
        name = f"motcua-{_stamp()}.duckdb"
        if target.exists():
            _keep(target, versions_dir(settings), name)
        if state.exists():
            _private_dir(state_versions_dir(settings))
            _keep(state, state_versions_dir(settings), name)
    fault_point("publish")
    if staged_state.exists():
        os.replace(staged_state, state)
        _fsync_dir(state.parent)
    if staged.exists():
        os.replace(staged, target)
        _fsync_dir(target.parent)
    _prune(settings)


def rollback(settings: Settings) -> tuple[Path, dict | None]:
    """Bring back the newest kept version of the published warehouse and, with it, the build state
    kept under the same name; the current pair becomes the newest kept version.

    Returns the published path and what the restored file says about itself.
    """
    target, state = settings.warehouse_db, settings.state_db
    with _lock(settings):
        candidates = [v for v in list_versions(settings) if not _same_file(v, target)]
        if not candidates:
            raise PipelineError(
                f"no earlier version in {versions_dir(settings)} to roll back to "
                "(a version is kept at every publish)."
            )
        previous = candidates[-1]
        previous_state = state_versions_dir(settings) / previous.name
        name = f"motcua-{_stamp()}.duckdb"
        if target.exists():
            _keep(target, versions_dir(settings), name)
        if state.exists():
            _private_dir(state_versions_dir(settings))
            _keep(state, state_versions_dir(settings), name)
        if previous_state.exists():
            os.replace(previous_state, state)
        else:  # no state kept with it: the next night rebuilds in full (its copy is kept above)
            state.unlink(missing_ok=True)
        os.replace(previous, target)
        _fsync_dir(state.parent)
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
