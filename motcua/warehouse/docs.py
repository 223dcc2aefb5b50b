"""The dbt docs site: ``python -m motcua.warehouse.docs`` (``make docs``) writes
``$MOTCUA_DATA_DIR/docs/dbt/index.html``, one self-contained page (``dbt docs generate --static``)
that opens offline from the file system.

The catalog (column types, row counts) is read from a copy of the published build state (the whole
last build, published with the warehouse), so the page describes every model; the published files
are never opened for writing. Without a
published warehouse, an empty warehouse is built for the docs instead: the ingestion tables are
created empty in schema ``raw``, the seeds are loaded and the models run with ``--empty``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from motcua.common import store
from motcua.common.config import Settings
from motcua.common.errors import PipelineError
from motcua.warehouse.build import dbt_command, dbt_env

log = logging.getLogger(__name__)


def _dbt(settings: Settings, db: Path, work: Path, report_date: dt.date, *args: str) -> None:
    command = dbt_command(settings, *args, work_dir=work)
    env = dbt_env(settings, report_date)
    env["MOTCUA_BUILD_DB"] = str(db)
    env["DBT_PARTIAL_PARSE"] = "false"
    log.info("running %s", " ".join(command))
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-30:] + result.stderr.splitlines()[-10:])
        raise PipelineError(f"dbt {args[0]} failed (exit {result.returncode}):\n{tail}")


def _latest_report_date(db: Path) -> dt.date | None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select max(report_date) from raw.files where status = 'loaded'"
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return row[0] if row else None


def _empty_warehouse(db: Path) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema raw")
        con.execute("set schema 'raw'")
        con.execute(store.DDL)
    finally:
        con.close()


def generate(settings: Settings) -> Path:
    """Write the static dbt docs page and return its path."""
    started = time.monotonic()
    work = settings.data_dir / "build" / "dbt_docs"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "docs_warehouse.duckdb"
    if settings.state_db.exists():  # the whole last build: every model has its catalog entry
        shutil.copyfile(settings.state_db, db)
        report_date = _latest_report_date(db) or dt.date.today()
        log.info("documenting a copy of %s (as of %s)", settings.state_db, report_date)
    else:
        log.info("no published warehouse: documenting an empty build")
        report_date = dt.date.today()
        _empty_warehouse(db)
        _dbt(settings, db, work, report_date, "seed")
        _dbt(settings, db, work, report_date, "run", "--empty")
    _dbt(settings, db, work, report_date, "docs", "generate", "--static")
    out_dir = settings.docs_dir / "dbt"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "index.html"
    shutil.copyfile(work / "target" / "static_index.html", out)
    for name in ("manifest.json", "catalog.json"):
        shutil.copyfile(work / "target" / name, out_dir / name)
    shutil.rmtree(work, ignore_errors=True)
    log.info("dbt docs written to %s in %.1f s", out, time.monotonic() - started)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m motcua.warehouse.docs",
        description="Write the dbt docs site to $MOTCUA_DATA_DIR/docs/dbt/index.html.",
    )
    parser.add_argument("--data-dir", help="data folder (default $MOTCUA_DATA_DIR or ./data)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings.from_env(args.data_dir)
    try:
        out = generate(settings)
    except PipelineError as exc:
        print(f"[motcua] {exc}", file=sys.stderr)
        return 1
    print(f"[motcua] dbt docs: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
