"""Build files made by hand for the dbt models, and the real dbt CLI run on them.

:func:`create_raw_schema` is the one place the tests lay out a build file's schema ``raw``: the
ingestion database's tables (:data:`motcua.common.store.DDL`) and the build's own tables
(:func:`motcua.warehouse.build.create_build_tables`), as ``prepare_build`` lays them out for a
full build (no dossier to re-derive).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb

from motcua.common.config import DBT_PROJECT_DIR, REPO_ROOT
from motcua.common.store import DDL
from motcua.warehouse.build import create_build_tables

DBT_BIN = REPO_ROOT / ".venv" / "bin" / "dbt"


def create_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Schema ``raw`` with every table a build file holds, empty; ``raw`` becomes the current
    schema, so that the caller inserts its scenario with plain table names."""
    con.execute("create schema raw")
    con.execute("set schema 'raw'")
    con.execute(DDL)
    create_build_tables(con)


def run_dbt(
    db_path: Path, work_dir: Path, *args: str, report_date: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real dbt CLI of the project's virtualenv on the build database `db_path`, with the
    as-of date `report_date` in MOTCUA_REPORT_DATE if given (as the pipeline passes it)."""
    env = {
        **os.environ,
        "MOTCUA_BUILD_DB": str(db_path),
        "DBT_TARGET_PATH": str(work_dir / "target"),
        "DBT_LOG_PATH": str(work_dir / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PARTIAL_PARSE": "false",
    }
    env.pop("MOTCUA_REPORT_DATE", None)
    if report_date is not None:
        env["MOTCUA_REPORT_DATE"] = report_date
    return subprocess.run(
        [
            str(DBT_BIN),
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
