"""Publish a tested build: atomic rename over ``warehouse/motcua.duckdb``, older versions kept.

The build file is checkpointed (no write-ahead log left), checked for every public table, then
renamed over the published file. Readers holding the old file keep reading it; new connections
see the new one. A run that fails before this step leaves the published file as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from pathlib import Path

import duckdb

from .config import Settings
from .errors import PipelineError

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
KEEP_VERSIONS = 5


def check_build(path: Path) -> None:
    """Refuse to publish a build that lacks a public table."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    finally:
        con.close()
    missing = [t for t in REQUIRED_MARTS if t not in present]
    if missing:
        raise PipelineError(f"the build lacks marts tables {missing}: not published.")


def publish(settings: Settings) -> Path:
    """Atomically replace the published warehouse with the tested build file."""
    build, target = settings.build_db, settings.warehouse_db
    if not build.exists():
        raise PipelineError(f"no build file at {build}: nothing to publish (did the build run?)")
    con = duckdb.connect(str(build))
    con.execute("checkpoint")
    con.close()
    if build.with_name(build.name + ".wal").exists():
        raise PipelineError(f"{build} still has a write-ahead log after checkpoint: not published.")
    check_build(build)
    target.parent.mkdir(parents=True, exist_ok=True)
    versions = target.parent / "versions"
    versions.mkdir(exist_ok=True)
    if target.exists():
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
        shutil.copy2(target, versions / f"motcua-{stamp}.duckdb")
        for old in sorted(versions.glob("motcua-*.duckdb"))[:-KEEP_VERSIONS]:
            old.unlink()
    # Same folder tree, same filesystem: the rename is atomic.
    staged = target.with_name(f".{target.name}.incoming")
    shutil.move(build, staged)
    os.replace(staged, target)
    log.info("published %s", target)
    return target
