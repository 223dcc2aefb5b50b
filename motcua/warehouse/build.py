"""Write–audit–publish: build the warehouse in a separate file, test it, then publish it.

1. :func:`prepare_build` makes the build file. Incrementally when it can: a file copy of the
   published build state (``state/motcua.duckdb``, the whole last build, published with the
   warehouse) whose schema ``raw`` is brought up to date with the ingestion database
   (new submission rows appended by ``file_id``, the small tables replaced), plus the build
   tables the incremental dbt models read: ``raw.build_changes``, the dossiers whose rows
   changed, and what the night needs from the previous build (those dossiers' previous state,
   the periods the period facts held), staged before dbt rewrites the tables they come from.
   The build tables are declared once, in the dbt project (:data:`BUILD_SOURCES_YML`). Else
   (no usable build state, a replay of an earlier night, a changed reference, ingest
   schema or dbt project, files after the report date) a fresh file with a full copy, built with
   ``dbt build --full-refresh``. See docs/warehouse-incremental.md.
2. :func:`run_dbt` runs ``dbt build`` (models and their tests) into the build file, in a
   separate process so that no DuckDB handle of dbt outlives the build.
3. :mod:`motcua.warehouse.publish` then publishes the tested build file: its public schemas as
   the warehouse, the whole file as the build state (atomic renames). The published files are
   never opened for writing: they are copied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from motcua.common import periods, private, store
from motcua.common.config import DBT_PROJECT_DIR, Settings
from motcua.common.errors import PipelineError
from motcua.common.store import sql_literal

log = logging.getLogger(__name__)

RAW_TABLES = (
    "files",
    "submission_rows",
    "ref_units",
    "ref_unit_successions",
    "ref_procedures",
    "ref_calendar",
    "findings",
    "validated_files",
)
# Appended by file_id on an incremental build; every other raw table is replaced wholesale.
APPEND_TABLES = ("submission_rows",)
# Tables whose content, when changed, forces a full rebuild (units, procedures, working days).
REFERENCE_TABLES = ("ref_units", "ref_unit_successions", "ref_procedures", "ref_calendar")
BUILD_LOG = "build_runs"  # raw.build_runs: one row per build that went into this file
CHANGES = "build_changes"  # raw.build_changes: dossiers to re-derive on an incremental build
DOSSIERS_BEFORE = "build_dossiers_before"  # the changed dossiers as the previous build held them
PERIODS_BEFORE = "build_periods_before"  # the periods the previous build's period facts held
# The build's own tables in schema raw, beside the ingestion tables: the contract between this
# module and the dbt models, defined once, in the dbt project (the source `build`, read by the
# staging models stg_build__*), with each table's columns and data types.
BUILD_SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "build" / "_build__sources.yml"


@dataclass(frozen=True)
class BuildTable:
    """A table of the source ``build``: its columns (name, data type) in order, and for a table
    copied from the previous build, the relation it is copied from (``meta.staged_from``)."""

    name: str
    columns: tuple[tuple[str, str], ...]
    staged_from: str | None = None

    def ddl(self, schema: str = "raw") -> str:
        columns = ", ".join(f"{name} {data_type}" for name, data_type in self.columns)
        return f"create table if not exists {schema}.{self.name} ({columns})"

    def column_list(self) -> str:
        return ", ".join(name for name, _ in self.columns)


def load_build_tables(path: Path = BUILD_SOURCES_YML) -> dict[str, BuildTable]:
    """The tables of the dbt source ``build``, as declared in ``path``."""
    (source,) = [s for s in yaml.safe_load(path.read_text())["sources"] if s["name"] == "build"]
    return {
        t["name"]: BuildTable(
            t["name"],
            tuple((c["name"], c["data_type"]) for c in t["columns"]),
            (t.get("meta") or {}).get("staged_from"),
        )
        for t in source["tables"]
    }


BUILD_TABLES = load_build_tables()


def create_build_tables(con: duckdb.DuckDBPyConnection, schema: str = "raw") -> None:
    """The build's own tables (:data:`BUILD_TABLES`), empty, in ``schema`` when missing."""
    for table in BUILD_TABLES.values():
        con.execute(table.ddl(schema))


@dataclass(frozen=True)
class BuildPlan:
    """What :func:`prepare_build` did: ``full`` (fresh file, ``--full-refresh``) or not."""

    path: Path
    full_refresh: bool
    reason: str
    new_files: int = 0
    new_rows: int = 0
    changed_dossiers: int = 0

    def dbt_build_args(self) -> tuple[str, ...]:
        """The nightly ``dbt build``: the models, not their data tests (the ``test`` step runs them
        on the finished build) nor the unit tests (they test the code, and run in CI: make test).
        Seeds and the models tagged ``static`` (views whose SQL does not depend on the as-of date,
        tables of code, seeds and reference data: see dbt_project.yml) are built on a full
        rebuild only: an incremental build starts from a warehouse built by the same dbt project
        (its fingerprint, seeds included, is unchanged) from the same reference tables."""
        if self.full_refresh:
            return ("build", "--exclude-resource-type", "test", "unit_test", "--full-refresh")
        return (
            "build",
            "--exclude-resource-type",
            "test",
            "unit_test",
            "seed",
            "--exclude",
            "tag:static",
        )

    def as_dict(self) -> dict:
        return {
            "build_db": str(self.path),
            "full_refresh": self.full_refresh,
            "reason": self.reason,
            "new_files": self.new_files,
            "new_rows": self.new_rows,
            "changed_dossiers": self.changed_dossiers,
        }


def _remove_db(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def _project_fingerprint() -> str:
    """Hash of the dbt project's code: a changed model invalidates the incremental tables."""
    digest = hashlib.sha256()
    for folder in ("models", "macros", "seeds"):
        for path in sorted((DBT_PROJECT_DIR / folder).rglob("*")):
            if path.is_file() and path.suffix in (".sql", ".yml", ".yaml", ".csv", ".md"):
                digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode())
                digest.update(path.read_bytes())
    digest.update((DBT_PROJECT_DIR / "dbt_project.yml").read_bytes())
    return digest.hexdigest()


def _table_fingerprint(con: duckdb.DuckDBPyConnection, qualified: str) -> str:
    columns = con.execute(f"select * from {qualified} limit 0").description
    count, total = con.execute(f"select count(*), sum(hash(t)) from {qualified} as t").fetchone()
    return f"{[c[0] for c in columns]}|{count}|{total}"


def _fingerprints(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, str]:
    """Reference contents and every raw table's columns, as read in ``catalog``."""
    out = {t: _table_fingerprint(con, f"{catalog}.{t}") for t in REFERENCE_TABLES}
    for table in RAW_TABLES:
        if table not in REFERENCE_TABLES:
            columns = con.execute(f"select * from {catalog}.{table} limit 0").description
            out[table] = str([c[0] for c in columns])
    out["dbt_project"] = _project_fingerprint()
    # the periods are cut on this calendar: another one means every period is new
    out["reporting_calendar"] = periods.reporting_calendar()
    return out


def _log_run(
    con: duckdb.DuckDBPyConnection,
    report_date: dt.date | None,
    full: bool,
    fingerprints: dict[str, str],
) -> None:
    create_build_tables(con)
    # No bound parameters in the build (store.sql_literal says why).
    text = sql_literal(json.dumps(fingerprints, sort_keys=True))
    con.execute(
        f"insert into raw.{BUILD_LOG} select now()::timestamp, {sql_literal(report_date)}, "
        f"{sql_literal(bool(full))}, (select coalesce(max(file_id), 0) from raw.files), {text}"
    )


def _why_not_incremental(
    settings: Settings, report_date: dt.date | None, ingest: duckdb.DuckDBPyConnection
) -> str | None:
    """The reason a full rebuild is needed, or None when the published build state can be reused."""
    if report_date is None:
        return "no report date given"
    warehouse = settings.state_db  # the private state published with the warehouse
    if not warehouse.exists():
        return "no published warehouse"  # (its build state)
    from motcua.warehouse.publish import published_info

    state_run, public_run = published_info(warehouse), published_info(settings.warehouse_db)
    if state_run != public_run:
        return (
            f"the build state ({state_run}) and the published warehouse ({public_run}) are not "
            "one publication"
        )
    later = ingest.execute(
        f"select count(*) from files where report_date > {sql_literal(report_date)}"
    ).fetchone()[0]
    if later:
        return f"the ingestion database holds {later} files after {report_date}"
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:  # pragma: no cover - a broken file is rebuilt
        return f"published build state unreadable ({exc})"
    try:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
        if BUILD_LOG not in present or not set(RAW_TABLES) <= present:
            return "published build state has no build log"
        relations = {
            f"{r[0]}.{r[1]}"
            for r in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        lacking = sorted(
            t.staged_from
            for t in BUILD_TABLES.values()
            if t.staged_from and t.staged_from not in relations
        )
        if lacking:
            return f"published build state lacks {', '.join(lacking)}"
        last = con.execute(
            f"select report_date, fingerprints from raw.{BUILD_LOG} order by built_at desc limit 1"
        ).fetchone()
        if last is None or last[0] is None:
            return "published build state has no build log"
        if report_date < last[0]:
            return f"replay: {report_date} is before the last built night {last[0]}"
        con.execute(f"attach '{settings.ingest_db.as_posix()}' as ingest (read_only)")
        try:
            now = _fingerprints(con, "ingest.main")
            # file_id is the watermark: the files already built must be the same files
            rewritten = con.execute(
                """select count(*) from raw.files as old
                   left join ingest.main.files as new on old.file_id = new.file_id
                   where new.file_id is null or new.sha256 <> old.sha256
                       or new.landing_path <> old.landing_path"""
            ).fetchone()[0]
        finally:
            con.execute("detach ingest")
        if rewritten:
            return f"the ingestion database no longer holds {rewritten} files already built"
        before = json.loads(last[1])
        changed = sorted(k for k in now.keys() | before.keys() if now.get(k) != before.get(k))
        if changed:
            return f"changed since the last build: {', '.join(changed)}"
    finally:
        con.close()
    return None


def prepare_build(settings: Settings, report_date: dt.date | None = None) -> BuildPlan:
    """The build file for ``report_date``: incremental from the published build state when it can
    be, else a fresh file holding a full copy of the ingestion tables in schema ``raw``."""
    if not settings.ingest_db.exists():
        raise PipelineError(
            f"{settings.ingest_db} does not exist: run the ingest step first "
            "(motcua run does it for you)."
        )
    build = settings.build_db
    private.ensure_dir(build.parent)  # the build file holds the submission rows, like ingest/
    _remove_db(build)
    store.connect(settings.ingest_db).close()  # make sure every table exists
    ingest = duckdb.connect(str(settings.ingest_db), read_only=True)
    try:
        reason = _why_not_incremental(settings, report_date, ingest)
    finally:
        ingest.close()
    if reason is None:
        return _prepare_incremental(settings, report_date)
    log.info("full rebuild: %s", reason)
    con = duckdb.connect(str(build))
    try:
        con.execute(f"attach '{settings.ingest_db.as_posix()}' as ingest (read_only)")
        con.execute("create schema raw")
        for table in RAW_TABLES:
            con.execute(f"create table raw.{table} as select * from ingest.main.{table}")
        fingerprints = _fingerprints(con, "ingest.main")
        con.execute("detach ingest")
        _log_run(con, report_date, True, fingerprints)
        con.execute("checkpoint")
    finally:
        con.close()
    log.info("build file prepared (full): %s", build)
    return BuildPlan(build, True, reason)


def _sync_by_file(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Make ``raw.<table>`` equal to the ingestion database's, rewriting only the rows of the
    files (``file_id``, NULL included) whose rows differ: their count or the sum of their row
    hashes. Rewriting every row of ``files`` (one per file ever received) cost more than a
    night's new submission rows."""
    con.execute(
        f"""create or replace temp table changed_files as
            with old as (
                select coalesce(file_id, -1) as file_key, count(*) as n, sum(hash(t)) as h
                from raw.{table} as t group by all
            ),
            new as (
                select coalesce(file_id, -1) as file_key, count(*) as n, sum(hash(t)) as h
                from ingest.main.{table} as t group by all
            )
            select coalesce(old.file_key, new.file_key) as file_key
            from old full join new on old.file_key = new.file_key
            where old.n is distinct from new.n or old.h is distinct from new.h"""
    )
    con.execute(
        f"delete from raw.{table} "
        "where coalesce(file_id, -1) in (select file_key from changed_files)"
    )
    con.execute(
        f"insert into raw.{table} select * from ingest.main.{table} "
        "where coalesce(file_id, -1) in (select file_key from changed_files)"
    )


def _add_succession_keys(con: duckdb.DuckDBPyConnection) -> int:
    """Adds to ``raw.build_changes``, for each of its dossier codes, the same code under every unit
    linked to its unit by a succession (either way, step by step until nothing is added), and
    returns how many it added. A successor's row may continue a predecessor's dossier (the
    contract's handover: macros/submission_rows_used.sql), so a dossier is re-derived from the rows
    of both units, and a dossier whose rows moved to another key is re-derived under both keys."""
    links = """select distinct cast(old_unit_code as varchar) as a,
                       cast(successor_unit_code as varchar) as b
               from raw.ref_unit_successions
               where cast(old_unit_code as varchar) <> cast(successor_unit_code as varchar)"""
    added = 0
    while True:
        n = con.execute(
            f"""insert into raw.{CHANGES} (unit_code, dossier_code)
                select distinct l.b, c.dossier_code
                from raw.{CHANGES} as c inner join ({links}) as l on c.unit_code = l.a
                union
                select distinct l.a, c.dossier_code
                from raw.{CHANGES} as c inner join ({links}) as l on c.unit_code = l.b
                except
                select unit_code, dossier_code from raw.{CHANGES}"""
        ).fetchone()[0]
        if not n:
            return added
        added += n


def _stage_previous_build(con: duckdb.DuckDBPyConnection) -> None:
    """What tonight's dbt models need from the previous build, copied into the build tables
    before dbt rewrites the tables it comes from (the models read them through ref() only): the
    changed dossiers as int_dossiers_latest held them, the periods the period facts held."""
    before = BUILD_TABLES[DOSSIERS_BEFORE]
    con.execute(f"delete from raw.{before.name}")
    con.execute(
        f"""insert into raw.{before.name} ({before.column_list()})
            select {before.column_list()} from {before.staged_from}
            where (unit_code, dossier_code) in (
                select (unit_code, dossier_code) from raw.{CHANGES}
            )"""
    )
    periods = BUILD_TABLES[PERIODS_BEFORE]
    con.execute(f"delete from raw.{periods.name}")
    con.execute(
        f"""insert into raw.{periods.name} ({periods.column_list()})
            select distinct {periods.column_list()} from {periods.staged_from}"""
    )


def _prepare_incremental(settings: Settings, report_date: dt.date | None) -> BuildPlan:
    build = settings.build_db
    staged = build.with_name(build.name + ".copying")
    shutil.copyfile(settings.state_db, staged)  # never open the published state for writing
    os.replace(staged, build)
    con = duckdb.connect(str(build))
    try:
        con.execute(f"attach '{settings.ingest_db.as_posix()}' as ingest (read_only)")
        con.execute("begin")
        watermark = int(
            con.execute("select coalesce(max(file_id), 0) from raw.files").fetchone()[0]
        )
        # Files that counted before and no longer do (loaded -> replaced): their dossiers change.
        con.execute(
            """create temp table unloaded as
               select old.file_id from raw.files as old
               inner join ingest.main.files as new on old.file_id = new.file_id
               where old.status = 'loaded' and new.status <> 'loaded'"""
        )
        new_rows = con.execute(
            "insert into raw.submission_rows select * from ingest.main.submission_rows "
            f"where file_id > {watermark}"
        ).fetchone()[0]
        for table in RAW_TABLES:
            # Reference tables are unchanged (else _why_not_incremental asked for a full rebuild).
            if table not in APPEND_TABLES and table not in REFERENCE_TABLES:
                _sync_by_file(con, table)
        new_files = con.execute(
            f"select count(*) from raw.files where file_id > {watermark}"
        ).fetchone()[0]
        create_build_tables(con)
        con.execute(f"delete from raw.{CHANGES}")
        changed = con.execute(
            f"""insert into raw.{CHANGES}
                select distinct unit_code, dossier_code from raw.submission_rows
                where dossier_code is not null
                    and (file_id > {watermark} or file_id in (select file_id from unloaded))"""
        ).fetchone()[0]
        changed += _add_succession_keys(con)
        _stage_previous_build(con)
        fingerprints = _fingerprints(con, "ingest.main")
        _log_run(con, report_date, False, fingerprints)
        con.execute("commit")
        con.execute("detach ingest")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        _remove_db(build)
        raise
    con.close()
    log.info(
        "build file prepared (incremental from the published build state): %d new files, "
        "%d new rows, %d dossiers to re-derive",
        new_files,
        new_rows,
        changed,
    )
    return BuildPlan(build, False, "incremental", new_files, new_rows, changed)


def dbt_command(
    settings: Settings,
    *args: str,
    work_dir: Path | None = None,
) -> list[str]:
    """The dbt command line for this data folder (target and logs under ``work_dir``, by default
    build/). The as-of date goes to dbt through the environment (:func:`dbt_env`), not as a var:
    vars that change from one command to the next make dbt parse the whole project again."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt) if dbt.exists() else "dbt",
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work_dir / "target" if work_dir else settings.data_dir / "build" / "dbt_target"),
        "--log-path",
        str(work_dir / "logs" if work_dir else settings.data_dir / "build" / "dbt_logs"),
    ]
    return command


def dbt_env(settings: Settings, report_date: dt.date | None = None) -> dict[str, str]:
    """The environment of a dbt command: the build file and the as-of date (MOTCUA_REPORT_DATE,
    read by macros/as_of_date.sql when running)."""
    env = dict(os.environ)
    env["MOTCUA_BUILD_DB"] = str(settings.build_db)
    env.pop("MOTCUA_REPORT_DATE", None)
    if report_date is not None:
        env["MOTCUA_REPORT_DATE"] = report_date.isoformat()
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("DO_NOT_TRACK", "1")
    return env


# The audit before publishing: every data test (unit tests test the code and run in CI).
DBT_TEST_ARGS = ("test", "--exclude-resource-type", "unit_test")


def run_dbt(settings: Settings, report_date: dt.date, *args: str) -> None:
    """``dbt build`` (or the given command) as of ``report_date``; raises when dbt fails."""
    command = dbt_command(settings, *(args or ("build",)))
    log.info("running %s (as of %s)", " ".join(command), report_date)
    started = time.monotonic()
    result = subprocess.run(
        command, env=dbt_env(settings, report_date), capture_output=True, text=True, check=False
    )
    for line in result.stdout.splitlines():
        log.info("dbt | %s", line)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-40:] + result.stderr.splitlines()[-20:])
        raise PipelineError(
            f"dbt {' '.join(args or ('build',))} failed (exit {result.returncode}); the published "
            f"warehouse is unchanged. Fix the model or test named below, then re-run the night.\n"
            f"{tail}"
        )
    log.info("dbt finished in %.1f s", time.monotonic() - started)
