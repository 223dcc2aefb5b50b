"""Incremental warehouse benchmark: a full build against one night's incremental refresh.

A history of ``--states`` dossier states (10,000,000) for ``--dossiers`` dossiers (3,500,000) of
``--units`` units (300) over ``--years`` years (3) is written straight into an ingestion database
with DuckDB SQL (no CSV: the loader has its own benchmark), one file per unit and night. Then:

1. full build of the last night D: ``prepare_build`` (no published warehouse: fresh file, full copy)
   + ``dbt build --full-refresh`` (models, no data tests: the nightly ``build`` step); published;
2. night D + 1 brings ``--night-states`` new states (30,000: new dossiers and updates of pending
   ones, and one unit's ledger of D re-sent), appended to the ingestion database;
3. incremental build of D + 1: ``prepare_build`` (file copy of the published warehouse, raw tables
   brought up to date) + ``dbt build`` (the nightly ``build`` step). D + 1 is the first of a
   month: the night also computes the new month's periods (month, quarter, trailing twelve
   months, ...) in full, the dearest night of a month; the ratio line is this night's;
4. for comparison, the next night (D + 2, mid-month, the same amount of news), published too.

Both timings count the whole build step (prepare_build + dbt). dbt's fixed cost (process start,
parse, a one-view run) is measured on its own, and so is the floor of any night (the same night
built again with nothing new); the slowest models of each build are listed.
The last line printed is ``incremental_vs_full=<incremental seconds / full seconds>``.

    .venv/bin/python benchmarks/incremental.py                       # the issue's sizes
    .venv/bin/python benchmarks/incremental.py --states 300000 --dossiers 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from ingestion import reference  # noqa: E402
from motcua.common import store  # noqa: E402
from motcua.common.config import Settings  # noqa: E402
from motcua.warehouse import build, publish  # noqa: E402

LAST_DAY = dt.date(2025, 6, 30)
SECTORS = [("DD", "Đất đai"), ("TP", "Tư pháp"), ("LDTBXH", "Lao động - Thương binh và Xã hội"),
           ("XD", "Xây dựng"), ("KD", "Đăng ký kinh doanh")]  # fmt: skip


def write_reference(con: duckdb.DuckDBPyConnection, units: int) -> None:
    """Province 42, 12 districts, 8 departments and the rest communes (5-digit codes)."""
    districts = 12
    departments = 8
    communes = max(units - 1 - districts - departments, 1)
    con.execute(
        """insert into ref_units values ('42', 'Tỉnh Hà Tĩnh', 'province', null, null,
           date '2000-01-01', null)"""
    )
    con.execute(
        f"""insert into ref_units
        select cast(436 + i as varchar), 'Huyện ' || i, 'district', '42', date '2015-01-01',
               date '2000-01-01', null
        from range({districts}) t(i)
        union all
        select 'S' || lpad(cast(i + 1 as varchar), 2, '0'), 'Sở ' || i, 'department', '42',
               date '2015-01-01', date '2000-01-01', null
        from range({departments}) t(i)
        union all
        select cast(436 + i % {districts} as varchar) || lpad(cast(i // {districts} + 1 as varchar),
               2, '0'), 'Xã ' || i, 'commune', cast(436 + i % {districts} as varchar),
               date '2015-01-01', date '2000-01-01', null
        from range({communes}) t(i)"""
    )
    rows = []
    for s, (code, name) in enumerate(SECTORS):
        for p in range(4):
            rows.append((f"{code}{p:02d}", f"Thủ tục {code} {p}", code, name, "commune",
                         [1, 5, 10, 15, 30][(s + p) % 5], False))  # fmt: skip
    con.executemany("insert into ref_procedures values (?, ?, ?, ?, ?, ?, ?)", rows)


def synthesise_history(
    con: duckdb.DuckDBPyConnection, dossiers: int, states: int, first: dt.date, last: dt.date
) -> None:
    """Dossiers received uniformly over [first, last], each with 1-5 states (mean states /
    dossiers): accepted (2), in process (4) or waiting (5), then resolved (9/10 with dates) or still
    pending; states at increasing report dates, none after ``last``."""
    mean_states = states / dossiers
    days = (last - first).days + 1
    con.execute("create temp table units as select unit_code, row_number() over (order by "
                "unit_code) - 1 as u from ref_units where one_stop_since is not null")  # fmt: skip
    n_units = con.execute("select count(*) from units").fetchone()[0]
    con.execute("create temp table procs as select *, row_number() over (order by "
                "procedure_code) - 1 as p from ref_procedures")  # fmt: skip
    # k = number of states reported for the dossier, mean ~ mean_states (1 + binomial-ish)
    con.execute(
        f"""
        create temp table dossiers as
        select
            i,
            'HS' || lpad(cast(i as varchar), 9, '0') as dossier_code,
            hash(i, 'u') % {n_units} as u,
            hash(i, 'p') % 20 as p,
            date '{first}' + cast(hash(i, 'r') % {days} as integer) as received_date,
            1 + cast(least(4, floor((hash(i, 'k') % 1000) / 1000.0 * 2 * ({mean_states} - 1)
                + 0.5)) as integer) as k,
            (hash(i, 'c') % 5 = 0) as online,
            (hash(i, 'late') % 100) / 100.0 as speed,
        from range({dossiers}) t(i)
        """
    )
    con.execute(
        f"""
        create temp table states as
        with base as (
            select d.*, procs.procedure_code, procs.sector_code, procs.statutory_days,
                   d.received_date + cast(ceil(procs.statutory_days * 1.4) as integer) as due_date,
                   cast(ceil(procs.statutory_days * 1.4 * (0.3 + 1.1 * d.speed)) as integer)
                       as span
            from dossiers as d inner join procs on d.p = procs.p
        ),
        exploded as (
            select base.*, j, received_date + cast(round(span * j / greatest(k - 1, 1)) as integer)
                   as report_date
            from base, range(k) r(j)
        )
        select
            units.unit_code,
            dossier_code,
            report_date,
            procedure_code,
            sector_code,
            if(online, 2, 1)::tinyint as channel_code,
            case
                when j = 0 and k > 1 then 2
                when j < k - 1 then if(hash(i, j) % 4 = 0, 5, 4)
                when hash(i, 'pending') % 25 = 0 then 4
                when hash(i, 'nine') % 10 = 0 then 9
                else 10
            end::tinyint as status_code,
            received_date,
            due_date,
        from exploded inner join units on exploded.u = units.u
        where report_date <= date '{last}'
        """
    )
    con.execute(
        f"""create temp table files_new as
        select row_number() over (order by report_date, unit_code) as file_id, unit_code,
               report_date
        from (select unit_code, cast(d as date) as report_date from units,
                  range(date '{first}', date '{last}' + 1, interval 1 day) t(d))"""
    )
    _insert(con, "history")


def _insert(con: duckdb.DuckDBPyConnection, load_id: str) -> None:
    """files_new + states -> files, submission_rows (finished/returned on the report date)."""
    con.execute(
        f"""
        insert into submission_rows (file_id, row_number, unit_code, report_date, load_id,
            dossier_code, procedure_code, sector, channel_raw, status_raw, channel_code,
            status_code, received_date, due_date, finished_date, returned_date)
        select f.file_id,
               row_number() over (partition by f.file_id order by s.dossier_code),
               s.unit_code, s.report_date, '{load_id}', s.dossier_code, s.procedure_code,
               s.sector_code, cast(s.channel_code as varchar), cast(s.status_code as varchar),
               s.channel_code, s.status_code, s.received_date, s.due_date,
               if(s.status_code in (9, 10), s.report_date, null),
               if(s.status_code = 10, s.report_date, null)
        from states as s
        inner join files_new as f on s.unit_code = f.unit_code and s.report_date = f.report_date
        """
    )
    con.execute(
        f"""
        insert into files (file_id, landing_path, unit_code, report_date, ext, sha256, size_bytes,
            archive_path, load_id, rows_read, status)
        select f.file_id, f.report_date || '/' || f.unit_code || '.csv', f.unit_code,
               f.report_date, 'csv', md5(f.file_id::varchar), 100, 'archive', '{load_id}',
               coalesce(c.n, 0), 'loaded'
        from files_new as f
        left join (select unit_code, report_date, count(*) as n from states group by all) as c
            on f.unit_code = c.unit_code and f.report_date = c.report_date
        """
    )
    con.execute("insert into validated_files select file_id, now() from files_new")
    con.execute("drop table files_new")
    con.execute("drop table states")


def synthesise_night(con: duckdb.DuckDBPyConnection, day: dt.date, night_states: int) -> None:
    """Night ``day``: a third new dossiers, two thirds updates (pending ones resolved or moved on),
    every unit a ledger; one unit re-sends its previous night (the old file becomes replaced)."""
    new = night_states // 3
    updates = night_states - new
    con.execute("create temp table units as select unit_code, row_number() over (order by "
                "unit_code) - 1 as u from ref_units where one_stop_since is not null")  # fmt: skip
    n_units = con.execute("select count(*) from units").fetchone()[0]
    con.execute(
        f"""
        create temp table states as
        with latest as (
            select unit_code, dossier_code, procedure_code, sector, channel_code, status_code,
                   received_date, due_date
            from submission_rows
            where report_date >= date '{day}' - 60
            qualify row_number() over (partition by unit_code, dossier_code
                                       order by report_date desc, file_id desc) = 1
        ),
        moved as (
            select unit_code, dossier_code, procedure_code, sector as sector_code, channel_code,
                   (case when status_code = 2 then 4 else 10 end)::tinyint as status_code,
                   received_date, due_date
            from latest where status_code in (2, 4, 5)
            order by hash(dossier_code) limit {updates}
        ),
        fresh as (
            select units.unit_code, 'NEW' || lpad(cast(i as varchar), 7, '0') as dossier_code
            from range({new}) t(i) inner join units on hash(i, 'nu') % {n_units} = units.u
        )
        select unit_code, dossier_code, date '{day}' as report_date, procedure_code, sector_code,
               channel_code, status_code, received_date, due_date
        from moved
        union all
        select f.unit_code, f.dossier_code, date '{day}', 'DD00', 'DD', 1::tinyint, 2::tinyint,
               date '{day}', date '{day}' + 2
        from fresh as f
        """
    )
    con.execute(
        f"""create temp table files_new as
        select row_number() over (order by unit_code) + (select max(file_id) from files)
                   as file_id, unit_code, date '{day}' as report_date
        from units"""
    )
    _insert(con, "night")
    # a corrected re-send of the previous night by one unit: same rows, newer file
    resent = con.execute(
        f"""select file_id, unit_code from files where report_date = date '{day}' - 1
            and status = 'loaded' and rows_read > 0 order by unit_code limit 1"""
    ).fetchone()
    if resent:
        old_id, unit = resent
        new_id = con.execute("select max(file_id) + 1 from files").fetchone()[0]
        con.execute(
            f"""insert into submission_rows
                select * replace ({new_id} as file_id, 'resend' as load_id)
                from submission_rows where file_id = {old_id}"""
        )
        con.execute(
            f"""insert into files select * replace ({new_id} as file_id, 'resend' as load_id,
                    'r' || sha256 as sha256) from files where file_id = {old_id}"""
        )
        con.execute(f"update files set status = 'replaced' where file_id = {old_id}")
    con.execute("drop table units")


def run_results(settings: Settings) -> list[tuple[float, str]]:
    path = settings.data_dir / "build" / "dbt_target" / "run_results.json"
    results = json.loads(path.read_text())["results"]
    return sorted(((r["execution_time"], r["unique_id"].split(".")[-1]) for r in results),
                  reverse=True)  # fmt: skip


def timed_build(settings: Settings, day: dt.date) -> tuple[float, float, build.BuildPlan]:
    started = time.monotonic()
    plan = build.prepare_build(settings, day)
    prepared = time.monotonic()
    build.run_dbt(settings, day, *plan.dbt_build_args())  # what the nightly build step runs
    return prepared - started, time.monotonic() - prepared, plan


def add_history_arguments(parser: argparse.ArgumentParser) -> None:
    """The size of the synthesised history, shared by the benchmarks built on it."""
    parser.add_argument("--states", type=int, default=10_000_000)
    parser.add_argument("--dossiers", type=int, default=3_500_000)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--night-states", type=int, default=30_000)
    parser.add_argument("--work-dir", type=Path, help="keep the data folder here (default: temp)")


def prepare_work_dir(work_dir: Path | None, prefix: str) -> tuple[Path, Settings]:
    """An empty data folder (``work_dir``, else a new temporary one) with a private copy of the
    dbt project: an edit of the checkout during the run would otherwise (rightly) turn the
    incremental night into a full rebuild (docs/warehouse-incremental.md)."""
    work = work_dir or Path(tempfile.mkdtemp(prefix=prefix))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    project = work / "dbt_project"
    shutil.copytree(build.DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    build.DBT_PROJECT_DIR = project
    return work, Settings.from_env(work)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_history_arguments(parser)
    parser.add_argument("--tests", action="store_true", help="also time dbt test after each build")
    args = parser.parse_args(argv)

    work, settings = prepare_work_dir(args.work_dir, "motcua-bench-incr-")
    first = LAST_DAY - dt.timedelta(days=365 * args.years - 1)
    night = LAST_DAY + dt.timedelta(days=1)
    try:
        started = time.monotonic()
        con = store.connect(settings.ingest_db)
        reference.load_calendar(con, work)
        write_reference(con, args.units)
        synthesise_history(con, args.dossiers, args.states, first, LAST_DAY)
        n_states, n_dossiers = con.execute(
            "select count(*), count(distinct (unit_code, dossier_code)) from submission_rows"
        ).fetchone()
        n_files = con.execute("select count(*) from files").fetchone()[0]
        con.close()
        print(
            f"history: {n_states:,} states of {n_dossiers:,} dossiers, {n_files:,} files, "
            f"{args.units} units, {first} .. {LAST_DAY} (synthesised in "
            f"{time.monotonic() - started:.1f} s)"
        )

        t0 = time.monotonic()
        build.run_dbt(settings, LAST_DAY, "parse")
        parse_s = time.monotonic() - t0

        prep_full, dbt_full, plan = timed_build(settings, LAST_DAY)
        assert plan.full_refresh, plan
        full_models = run_results(settings)
        if args.tests:
            t0 = time.monotonic()
            build.run_dbt(settings, LAST_DAY, *build.DBT_TEST_ARGS)
            print(f"dbt test after the full build: {time.monotonic() - t0:.1f} s")
        publish.publish(settings, info={"report_date": LAST_DAY.isoformat(), "run_id": "bench"})
        size = settings.warehouse_db.stat().st_size / 1e9
        full = prep_full + dbt_full
        print(
            f"full build of {LAST_DAY}: {full:.1f} s (prepare_build {prep_full:.1f} s, "
            f"dbt {dbt_full:.1f} s); published file {size:.2f} GB"
        )
        print("  slowest models: " + ", ".join(f"{n} {t:.1f}s" for t, n in full_models[:10]))

        con = duckdb.connect(str(settings.ingest_db))
        synthesise_night(con, night, args.night_states)
        new_rows = con.execute(
            "select count(*) from submission_rows where report_date = ?", [night]
        ).fetchone()[0]
        con.close()

        prep_inc, dbt_inc, plan = timed_build(settings, night)
        assert not plan.full_refresh, plan
        inc_models = run_results(settings)
        incremental = prep_inc + dbt_inc
        print(
            f"incremental build of {night} ({new_rows:,} new states, {plan.new_files} new files, "
            f"{plan.changed_dossiers:,} dossiers re-derived): {incremental:.1f} s "
            f"(prepare_build {prep_inc:.1f} s, dbt {dbt_inc:.1f} s)"
        )
        slow = [(t, n) for t, n in inc_models if t >= 0.5][:20]
        print("  models over 0.5 s: " + ", ".join(f"{n} {t:.1f}s" for t, n in slow))
        if args.tests:
            t0 = time.monotonic()
            build.run_dbt(settings, night, *build.DBT_TEST_ARGS)
            print(f"dbt test after the incremental build: {time.monotonic() - t0:.1f} s")

        # A night in the middle of a month (most nights): no new period, the same amount of news.
        t0 = time.monotonic()
        publish.publish(settings, info={"report_date": night.isoformat(), "run_id": "bench"})
        sizes = ", ".join(
            f"{p.relative_to(settings.data_dir)} {p.stat().st_size / 1e9:.2f} GB"
            for p in dict.fromkeys(
                (settings.warehouse_db, getattr(settings, "state_db", settings.warehouse_db))
            )
            if p.exists()
        )
        print(f"publish of {night}: {time.monotonic() - t0:.1f} s ({sizes})")
        mid = night + dt.timedelta(days=1)
        con = duckdb.connect(str(settings.ingest_db))
        synthesise_night(con, mid, args.night_states)
        con.close()
        prep_mid, dbt_mid, plan = timed_build(settings, mid)
        assert not plan.full_refresh, plan
        mid_models = run_results(settings)
        print(
            f"incremental build of {mid}, mid-month ({plan.new_rows:,} new states, "
            f"{plan.changed_dossiers:,} dossiers re-derived): {prep_mid + dbt_mid:.1f} s "
            f"(prepare_build {prep_mid:.1f} s, dbt {dbt_mid:.1f} s) = "
            f"{(prep_mid + dbt_mid) / full:.3f} of the full build"
        )
        slow = [(t, n) for t, n in mid_models if t >= 0.5][:20]
        print("  models over 0.5 s: " + ", ".join(f"{n} {t:.1f}s" for t, n in slow))

        # The floor of any night: the same night built again on top of itself (nothing new, no
        # dossier re-derived, no period moved): file copy, dbt start, every model's own cost.
        night = mid
        publish.publish(settings, info={"report_date": night.isoformat(), "run_id": "bench"})
        prep_empty, dbt_empty, plan = timed_build(settings, night)
        assert not plan.full_refresh and plan.changed_dossiers == 0, plan
        print(
            f"the same night again, nothing new: {prep_empty + dbt_empty:.1f} s (prepare_build "
            f"{prep_empty:.1f} s, dbt {dbt_empty:.1f} s) = "
            f"{(prep_empty + dbt_empty) / full:.3f} of the full build"
        )

        t0 = time.monotonic()
        build.run_dbt(settings, night, "run", "--select", "stg_ingest__units")
        fixed = time.monotonic() - t0
        print(
            f"dbt fixed cost: parse {parse_s:.1f} s; process + parse + one view {fixed:.1f} s "
            f"({fixed / incremental:.0%} of the incremental build)"
        )
        print(f"incremental_vs_full={incremental / full:.3f}")
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
