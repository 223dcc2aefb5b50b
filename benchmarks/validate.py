"""Benchmark: validation of one night of one million rows against loading the same rows.

    .venv/bin/python benchmarks/validate.py [--rows 1000000] [--files 300] [--keep DIR]

Writes, straight into a fresh ingestion database, one night (2009-06-30) of ``--rows`` rows
spread over ``--files`` unit files, with the values units really send (procedure codes of the
Hà Tĩnh catalogue, sector codes or names, channel codes or labels, DD/MM/YYYY dates, due dates
the statutory number of working days after receipt, statuses 2–10 with their dates) and gaps in
the shares the demo generator plants (about 0.4 % of rows: R03–R08) plus the warnings that come
naturally (R09 on some due dates, R10 on late or overdue dossiers without an apology date), and
a few quarantined files (R02, R05).

Then it times:

* the one-off cost of importing Great Expectations and opening its context (reported apart);
* the validation step ``expectations.validate_new_files`` (derived columns in DuckDB, both GX
  suites, findings, Data Docs) on that night;
* DuckDB loading the same rows: the ``submission_rows`` of the night written as CSV, then read
  with ``read_csv`` into a table of a fresh database file.

Both are timed ``--repeat`` times, alternating (the validation state is reset in between); the
best time of each counts. The last line is
``validate_vs_load=<best validation seconds / best load seconds>`` (target ≤ 1.0).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402

from ingestion.reference import load_calendar  # noqa: E402
from motcua.common.config import Settings  # noqa: E402
from motcua.common.store import connect  # noqa: E402
from motcua.demo import hatinh  # noqa: E402

REPORT_DATE = date(2009, 6, 30)
STATUS_VI = {
    2: "Được tiếp nhận",
    4: "Đang xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
CHANNEL_VI = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}


def _reference(con: duckdb.DuckDBPyConnection, n_files: int) -> list[str]:
    procs = hatinh.PROCEDURES
    con.execute("delete from ref_procedures")
    con.executemany(
        "insert into ref_procedures values (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                p.procedure_code,
                p.procedure_name,
                p.sector_code,
                p.sector_name,
                p.level,
                p.statutory_days,
                p.inter_agency,
            )
            for p in procs
        ],
    )
    units = [f"{44000 + i:05d}" for i in range(n_files)]
    con.execute("delete from ref_units")
    con.executemany(
        "insert into ref_units values (?, ?, 'commune', '440', ?, ?, null)",
        [(u, f"Xã {u}", date(2008, 1, 1), date(2005, 1, 1)) for u in units],
    )
    return units


def generate(settings: Settings, n_rows: int, n_files: int) -> None:
    """One night of ``n_rows`` rows in ``n_files`` loaded files, plus 3 quarantined files."""
    con = connect(settings.ingest_db)
    load_calendar(con, settings.data_dir)
    units = _reference(con, n_files)
    procs = hatinh.PROCEDURES
    con.register(
        "_procs",
        pa.table(
            {
                "p": pa.array(range(len(procs)), pa.int32()),
                "procedure_code": [p.procedure_code for p in procs],
                "sector_code": [p.sector_code for p in procs],
                "sector_name": [p.sector_name for p in procs],
                "statutory_days": pa.array([p.statutory_days for p in procs], pa.int32()),
            }
        ),
    )
    con.execute(
        """
        create temp table _wd as
        select calendar_date as d, is_working_day,
               sum(is_working_day::int) over (order by calendar_date) as wd
        from ref_calendar
        where calendar_date between date '2008-01-01' and date '2010-12-31'
        """
    )
    con.execute(
        "create temp table _workdays as select wd, min(d) as d from _wd "
        "where is_working_day group by wd"
    )
    con.register("_units", pa.table({"u": units, "i": pa.array(range(1, len(units) + 1))}))
    con.execute(
        """
        insert into files (file_id, landing_path, unit_code, report_date, ext, sha256,
            size_bytes, archive_path, arrived_at, load_id, rows_read, status, format)
        select i, $day || '/' || u || '.csv', u, $day::date, 'csv', md5(u) || md5(u),
            1000, 'archive/x', timestamp '2009-06-30 18:00', 'bench', $per_file, 'loaded',
            'csv;utf-8;,'
        from _units
        """,
        {"day": REPORT_DATE.isoformat(), "per_file": n_rows // n_files},
    )
    n = len(units)
    con.execute(
        f"""
        insert into files (file_id, landing_path, unit_code, report_date, ext, sha256,
            size_bytes, archive_path, arrived_at, load_id, rows_read, status, reason_code,
            reason)
        values
            ({n + 1}, '2009-06-30/{units[0]}.xls', '{units[0]}', date '2009-06-30', 'xls',
             'a', 10, 'archive/_unparsed/a.xls', null, 'bench', 0, 'quarantined',
             'R02_unreadable_file', 'extension_not_allowed: .xls'),
            ({n + 2}, '2009-06-30/{units[1]}.csv', '{units[1]}', date '2009-06-30', 'csv',
             'b', 10, 'archive/x', null, 'bench', 0, 'quarantined',
             'R02_unreadable_file', 'no_header: no recognisable header'),
            ({n + 3}, '2009-06-30/49999.csv', '49999', date '2009-06-30', 'csv',
             'c', 10, 'archive/x', null, 'bench', 0, 'quarantined',
             'R05_unknown_reference', 'unknown_unit: 49999')
        """
    )
    # Every row a dossier received in the last 120 days; h* are independent pseudo-random
    # draws in [0, 1) from the row number.
    con.execute(
        f"""
        create temp table _base as
        with r as (
            select
                i,
                (i % {n_files}) + 1 as file_id,
                (i // {n_files}) + 1 as row_number,
                hash(i, 'p') % {len(procs)} as p,
                (hash(i, 'a') % 1000000) / 1e6 as ha,
                (hash(i, 'b') % 1000000) / 1e6 as hb,
                (hash(i, 'c') % 1000000) / 1e6 as hc,
                (hash(i, 'g') % 1000000) / 1e6 as hg,
            from range({n_rows}) as t(i)
        ),
        statused as (
            select r.*,
                case
                    when hb < 0.02 then 3
                    when hb < 0.03 then 7
                    when hb < 0.20 then 4
                    when hb < 0.23 then 5
                    when hb < 0.24 then 6
                    when hb < 0.26 then 2
                    when hb < 0.36 then 9
                    else 10
                end as status,
            from r
        ),
        dated as (
            select
                s.*,
                pr.procedure_code, pr.sector_code, pr.sector_name, pr.statutory_days,
                -- pending dossiers mostly received within their time limit; 10 % overdue
                $day::date - cast(floor(
                    case when s.status in (2, 4, 5, 6) and s.ha >= 0.1
                        then s.ha * pr.statutory_days * 1.3
                        else s.ha * 120 end
                ) as integer) as received_date,
            from statused as s join _procs as pr on pr.p = s.p
        ),
        due as (
            select d.*,
                -- a few due dates a couple of working days off the statutory limit (R09)
                coalesce(w.d, d.received_date + d.statutory_days * 2) as due_date,
                wr.wd as received_wd,
            from dated as d
            join _wd as wr on wr.d = d.received_date
            left join _workdays as w
                on w.wd = wr.wd + d.statutory_days + (case when d.hg < 0.003 then 3 else 0 end)
        )
        select * replace (
            case when received_date = $day::date and status not in (3, 7) then 2
                 else status end as status),
        from due
        """,
        {"day": REPORT_DATE.isoformat()},
    )
    con.execute(
        f"""
        create temp table _rows as
        with s as (
            select *,
                -- result: mostly within the limit, 7 % late
                case when status in (9, 10) then least(
                    $day::date,
                    case when hc < 0.07 then due_date + 1 + cast(hc * 100 as integer)
                         else received_date + cast(floor(hc * (due_date - received_date + 1))
                              as integer)
                    end)
                end as finished_date,
                -- an apology letter for a third of late or overdue dossiers
                case when hc < 0.07 / 3 or (status in (4, 5, 6) and due_date < $day::date
                                            and hc < 0.3)
                    then due_date + 10 end as rescheduled_due_date,
            from _base
        ),
        t as (
            select *,
                case when status = 10 then finished_date end as returned_date,
                case
                    when hg >= 0.990 and hg < 0.9915 then 'R03'
                    when hg >= 0.9915 and hg < 0.9918 then 'R04'
                    when hg >= 0.9918 and hg < 0.9923 then 'R05'
                    when hg >= 0.9923 and hg < 0.9929 then 'R06'
                    when hg >= 0.9929 and hg < 0.9935 then 'R07'
                    when hg >= 0.9935 and hg < 0.9940 then 'R08'
                end as gap,
            from s
        )
        select
            file_id,
            row_number::integer as row_number,
            lpad((file_id + 43999)::varchar, 5, '0') as unit_code,
            $day::date as report_date,
            'bench' as load_id,
            case when gap = 'R06' and row_number > 1
                then 'HS-' || file_id || '-' || (row_number - 1)
                else 'HS-' || file_id || '-' || row_number end as dossier_code,
            case when gap = 'R05' then 'X-TP-09' else procedure_code end as procedure_code,
            null::varchar as procedure_name,
            case when hb * 10 % 1 < 0.3 then sector_name else sector_code end as sector,
            case when gap = 'R03' then null
                 when hc * 10 % 1 < 0.2 then
                    {_case("1 + cast(floor(hc * 100 % 3) as integer)", CHANNEL_VI)}
                 else (1 + cast(floor(hc * 100 % 3) as integer))::varchar end as channel_raw,
            null::varchar as handling_agency,
            strftime(received_date, '%d/%m/%Y') as received_at_raw,
            case when status not in (3, 7) then strftime(due_date, '%d/%m/%Y') end
                as due_at_raw,
            case when gap = 'R04' then 'hẹn lại sau'
                 else strftime(rescheduled_due_date, '%d/%m/%Y') end as rescheduled_due_at_raw,
            strftime(finished_date, '%d/%m/%Y') as finished_at_raw,
            strftime(case
                when gap = 'R08' and status in (4, 9) then coalesce(finished_date, due_date)
                when gap = 'R07' and status = 10 then finished_date - 1
                else returned_date end, '%d/%m/%Y') as returned_at_raw,
            case when hb * 100 % 1 < 0.25 and status in (2, 4, 9, 10)
                then {_case("status", STATUS_VI)} else status::varchar end as status_raw,
            null::varchar as notes,
            case when gap = 'R03' then null
                 else (1 + cast(floor(hc * 100 % 3) as integer)) end::tinyint as channel_code,
            status::tinyint as status_code,
            received_date,
            case when status not in (3, 7) then due_date end as due_date,
            case when gap = 'R04' then null else rescheduled_due_date end
                as rescheduled_due_date,
            finished_date,
            case when gap = 'R08' and status in (4, 9) then coalesce(finished_date, due_date)
                 when gap = 'R07' and status = 10 then finished_date - 1
                 else returned_date end as returned_date,
            md5(i::varchar) as applicant_key,
        from t
        """,
        {"day": REPORT_DATE.isoformat()},
    )
    con.execute("insert into submission_rows by name select * from _rows")
    con.close()


def _case(expr: str, labels: dict[int, str]) -> str:
    whens = " ".join(f"when {k} then '{v}'" for k, v in labels.items())
    return f"(case {expr} {whens} end)"


def reset_validation(settings: Settings) -> None:
    """Forget the night's validation, so that it can be timed again."""
    con = connect(settings.ingest_db)
    con.execute("delete from findings where row_number is not null")
    con.execute("delete from validated_files")
    con.close()


def time_load(settings: Settings, work: Path) -> tuple[float, int]:
    """Seconds DuckDB takes to load the night's rows from CSV into a table."""
    csv = work / "night.csv"
    con = connect(settings.ingest_db)
    con.execute(
        f"copy (select * exclude (load_id) from submission_rows) to '{csv}' (header, delimiter ',')"
    )
    con.close()
    target = duckdb.connect(str(work / "load.duckdb"))
    t0 = time.perf_counter()
    target.execute(f"create or replace table submission_rows as select * from read_csv('{csv}')")
    seconds = time.perf_counter() - t0
    (count,) = target.execute("select count(*) from submission_rows").fetchone()
    target.close()
    return seconds, int(count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="keep the data folder here")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="time validation and load this many times each, alternating; the best counts "
        "(the machines are shared: the best of a few runs is the least disturbed)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log the validation steps")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    work = args.keep or Path(tempfile.mkdtemp(prefix="motcua-bench-validate-"))
    if args.keep and work.exists():
        shutil.rmtree(work)
    settings = Settings(work / "data")
    try:
        t0 = time.perf_counter()
        generate(settings, args.rows, args.files)
        print(
            f"generated {args.rows:,} rows in {args.files} files "
            f"(+3 quarantined) in {time.perf_counter() - t0:.1f} s"
        )

        t0 = time.perf_counter()
        from expectations import suite

        suite.open_context(settings)
        gx_import = time.perf_counter() - t0
        print(f"one-off: import great_expectations + open the GX context: {gx_import:.1f} s")

        from expectations import validate_new_files

        validate_times, load_times = [], []
        for attempt in range(args.repeat):
            if attempt:
                reset_validation(settings)
            t0 = time.perf_counter()
            summary = validate_new_files(settings, report_date=REPORT_DATE)
            validate_times.append(time.perf_counter() - t0)
            assert summary.rows == args.rows, summary
            load_seconds, loaded = time_load(settings, work)
            assert loaded == args.rows
            load_times.append(load_seconds)
        share = sum(summary.findings_by_rule.values()) / args.rows
        print(
            f"validation: {summary.rows:,} rows, {summary.findings:,} findings "
            f"({share:.2%} of rows), quarantined files {summary.quarantined_by_rule}"
        )
        for rule, count in summary.findings_by_rule.items():
            print(f"  {rule}: {count:,}")
        print(
            "validation (derive + GX suites + findings + Data Docs): "
            + ", ".join(f"{s:.1f}" for s in validate_times)
            + f" s; best {min(validate_times):.1f} s"
        )
        print(
            "DuckDB load of the same rows (read_csv into a table): "
            + ", ".join(f"{s:.1f}" for s in load_times)
            + f" s; best {min(load_times):.1f} s"
        )
        print(f"validate_vs_load={min(validate_times) / min(load_times):.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
