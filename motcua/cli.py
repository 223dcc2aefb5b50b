"""``motcua``: run the nightly refresh, the demo, and the operator's small tools."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys

from motcua.common.config import Settings
from motcua.common.errors import PipelineError

DEMO_REPORT_DATE = dt.date(2009, 6, 30)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date YYYY-MM-DD") from exc


def _dates(args: argparse.Namespace) -> list[dt.date]:
    start = args.date
    end = args.end or start
    if end < start:
        raise PipelineError(f"--end {end} is before --date {start}")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env(args.data_dir)
    if args.no_airflow:
        from motcua.pipeline.stages import run_night

        for day in _dates(args):
            print(f"[motcua] running {day} without Airflow ...", flush=True)
            out = run_night(day, settings)
            if not args.quiet:
                for line in out["report"]["lines"]:
                    print("  " + line, flush=True)
            print(f"[motcua] run for {day} succeeded", flush=True)
        return 0
    from motcua.pipeline.airflow_local import run_dag

    for day in _dates(args):
        code = run_dag(settings, day, quiet=args.quiet)
        if code != 0:
            return code
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from motcua.warehouse import publish

    settings = Settings.from_env(args.data_dir)
    if args.rollback:
        target, info = publish.rollback(settings)
        info = info or {}
        print(
            f"[motcua] {target} rolled back: now the build of run {info.get('run_id', '?')} "
            f"as of {info.get('report_date', '?')} (published {info.get('published_at', '?')}). "
            "Run `motcua publish --rollback` again to undo.",
            flush=True,
        )
        return 0
    rows = publish.describe_versions(settings)
    if not rows:
        print(f"[motcua] nothing published yet in {settings.warehouse_db.parent}")
    for row in rows:
        label = "published" if row["published"] else "kept     "
        print(
            f"{label}  {row['path']}  report date {row.get('report_date', '?')}  "
            f"published {row.get('published_at', '?')}  run {row.get('run_id', '?')}"
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from motcua.demo import generate_province
    from motcua.pipeline.airflow_local import run_dag
    from motcua.reports.summary import print_province_report

    settings = Settings.from_env(args.data_dir)
    marker = settings.data_dir / ".motcua-demo"
    landing = settings.landing_dir
    if landing.exists() and any(landing.iterdir()) and not marker.exists():
        raise PipelineError(
            f"{settings.data_dir} already holds submissions that are not demo data; "
            "use another --data-dir (or MOTCUA_DATA_DIR) for the demo."
        )
    print(
        f"[motcua] generating the demo province ({args.profile}) in {settings.data_dir} ...",
        flush=True,
    )
    report = generate_province(
        settings.data_dir, seed=args.seed, profile=args.profile, overwrite=marker.exists()
    )
    marker.write_text(f"profile={args.profile} seed={args.seed}\n")
    print(
        f"[motcua] {report.n_units} units ({report.n_submitting_units} sending), "
        f"{report.n_procedures} procedures, {report.n_files:,} files with {report.n_rows:,} rows, "
        f"{report.first_report_date} … {report.last_report_date}, in {report.seconds:.0f} s",
        flush=True,
    )
    day = args.date or report.last_report_date
    code = run_dag(settings, day, quiet=args.quiet)
    if code != 0:
        return code
    print_province_report(settings, day)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    settings = Settings.from_env(args.data_dir)
    if args.html:
        from motcua.reports.dashboard import write_nightly

        out = write_nightly(settings)
        print(
            f"[motcua] wrote {out['index']} ({out['pages']} pages, data as of "
            f"{out['as_of_date']}, run {out['run_id']}) and {len(out['exports'])} exports in "
            f"{settings.data_dir / 'reports' / 'bieu06'}; open it in a browser (works offline)",
            flush=True,
        )
        return 0
    if args.period is None and args.scope is None and args.sector is None and args.format is None:
        from motcua.reports.summary import print_province_report

        print_province_report(settings, args.date)
        return 0
    import duckdb

    from motcua.reports import lookup
    from motcua.reports.bieu06 import Scope

    if not settings.warehouse_db.exists():
        raise PipelineError(
            f"no published warehouse at {settings.warehouse_db}: run `motcua run --date ...` first"
        )
    con = duckdb.connect(str(settings.warehouse_db), read_only=True)
    try:
        rows = lookup.lookup(
            con,
            args.period,
            args.scope or Scope("province", None),
            None if args.sector == "each" else (args.sector or "ALL"),
        )
    finally:
        con.close()
    sys.stdout.write(lookup.render(rows, args.format or "text"))
    return 0


def _report_period(text: str):
    from motcua.reports.lookup import parse_report_period

    try:
        return parse_report_period(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _period(text: str):
    from motcua.reports.bieu06 import parse_period

    try:
        return parse_period(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _scope(text: str):
    from motcua.reports.bieu06 import parse_scope

    try:
        return parse_scope(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _report_scope(text: str):
    from motcua.reports.lookup import parse_report_scope

    try:
        return parse_report_scope(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _period_help() -> str:
    from motcua.reports.lookup import PERIOD_HELP

    return PERIOD_HELP


def cmd_export_bieu06(args: argparse.Namespace) -> int:
    from pathlib import Path

    from motcua.common import periods
    from motcua.reports.bieu06 import export_bieu06, parse_period

    settings = Settings.from_env(args.data_dir)
    out = Path(args.out)
    fmt = args.format or ("csv" if out.suffix.lower() == ".csv" else "xlsx")
    basis = args.basis or periods.reporting_calendar()
    period = parse_period(args.period.text, basis)
    report = export_bieu06(
        settings.warehouse_db, period, args.scope, out, sector=args.sector, fmt=fmt
    )
    sheets = f", {len(report.sheets)} sheets" if fmt == "xlsx" and len(report.sheets) > 1 else ""
    running = "" if report.is_complete else f", period still running: figures as of {report.as_of}"
    print(
        f"[motcua] wrote {out} ({fmt}{sheets}): Biểu 06 {report.period.label} "
        f"({report.period.start} … {report.period.end}), {report.scope_name} "
        f"({report.scope.text}), from {report.source}{running}",
        flush=True,
    )
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from pathlib import Path

    from motcua.reports.feedback import write_unit_feedback

    settings = Settings.from_env(args.data_dir)
    folder = Path(args.out_dir) if args.out_dir else None
    fb, xlsx, csv_path = write_unit_feedback(settings, args.unit, args.date, folder)
    print(
        f"[motcua] wrote {xlsx} and {csv_path}: {fb.unit_name} ({fb.unit_code}), "
        f"{fb.open_gaps} open gaps as of {fb.as_of}",
        flush=True,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="motcua",
        description=(
            "motcua: the one-stop-shop (một cửa) data platform. Takes in the units' nightly "
            "dossier ledgers from $MOTCUA_DATA_DIR/landing, validates them, builds and publishes "
            "the warehouse $MOTCUA_DATA_DIR/warehouse/motcua.duckdb."
        ),
    )
    parser.add_argument(
        "--data-dir", help="data folder (default: $MOTCUA_DATA_DIR, else ./data)", default=None
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run",
        help="run the motcua_nightly DAG through Airflow for a report date (or a range)",
        description=(
            "Runs the motcua_nightly DAG with `airflow dags test` on a local Airflow whose "
            "metadata (SQLite) and logs live in the data folder. Exits non-zero if a run failed; "
            "the published warehouse is then unchanged."
        ),
    )
    run.add_argument("--date", type=_date, required=True, help="report date YYYY-MM-DD")
    run.add_argument("--end", type=_date, help="last report date of a range (runs each night)")
    run.add_argument("--quiet", action="store_true", help="print only the outcome of each run")
    run.add_argument(
        "--no-airflow",
        action="store_true",
        help="run the same steps in this process, without Airflow (recovery drills, debugging)",
    )
    run.set_defaults(func=cmd_run)

    pub = sub.add_parser(
        "publish",
        help="list the published warehouse and its kept versions, or roll back",
        description=(
            "Without options: lists warehouse/motcua.duckdb and the versions kept in "
            "warehouse/versions/ (newest first) with the report date each holds. --rollback "
            "atomically brings back the newest kept version; the file rolled back from is kept, "
            "so a second --rollback undoes the first."
        ),
    )
    pub.add_argument("--rollback", action="store_true", help="bring back the previous version")
    pub.set_defaults(func=cmd_publish)

    demo = sub.add_parser(
        "demo",
        help="generate a demo province (default: Hà Tĩnh 2008–2009) and run the nightly DAG on it",
        description=(
            "Writes the demo unit registry, unit successions, procedure catalogue and the nightly "
            "submissions of the profile into the data folder (hatinh: July 2008 – June 2009; "
            "hatinh-2026: January 2025 – June 2026, across the 1 July 2025 reform), runs the "
            "nightly DAG for the profile's last night, and prints the province's indicators."
        ),
    )
    demo.add_argument("--seed", type=int, default=2009, help="generator seed (default 2009)")
    demo.add_argument(
        "--profile",
        default="hatinh",
        choices=["hatinh", "small", "hatinh-2026"],
        help="hatinh: the 2008-2009 review (default); small: a few units for tests; "
        "hatinh-2026: Hà Tĩnh 2025-01-01 … 2026-06-30 across the two-level reform of 2025-07-01",
    )
    demo.add_argument("--date", type=_date, help="report date to run (default: last demo night)")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(func=cmd_demo)

    report = sub.add_parser(
        "report",
        help="print the province's indicators, any figure of the dashboard, or write the dashboard",
        description=(
            "Without options: the province's trailing twelve months. With --period, --scope, "
            "--sector or --format: the figures of one period and scope (ind_cohort, "
            "ind_progress_score, ind_service_measures) as text, csv or json. --html writes the "
            "dashboard $MOTCUA_DATA_DIR/reports/index.html (and the night's Biểu 06 exports) as "
            "the nightly run does. The published warehouse is only read. See docs/reports.md."
        ),
    )
    report.add_argument("--date", type=_date, help="period end month (default: latest)")
    report.add_argument(
        "--html", action="store_true", help="write the dashboard reports/index.html and exports"
    )
    report.add_argument("--period", type=_report_period, help=_period_help())
    report.add_argument(
        "--scope",
        type=_report_scope,
        help="unit:<code>, district:<code>, lineage:<code> (a successor with its predecessors) "
        "or province (default)",
    )
    report.add_argument(
        "--sector", help="a sector code, ALL (default) or each (every sector and ALL)"
    )
    report.add_argument("--format", choices=["text", "csv", "json"], help="default text")
    report.set_defaults(func=cmd_report)

    export = sub.add_parser(
        "export", help="write a report people hand in (Biểu 06) from the published warehouse"
    )
    reports = export.add_subparsers(dest="report", required=True)
    bieu06 = reports.add_parser(
        "bieu06",
        help="Biểu số 06/VPCP/KSTT for a period and a unit, district or the province",
        description=(
            "Writes Biểu số 06/VPCP/KSTT (Thông tư 01/2020/TT-VPCP) from the published warehouse, "
            "opened read-only: an xlsx workbook in the layout of the form (the scope's own report "
            "first; for a district or the province one more sheet per reporting unit, named by "
            "its code) or a csv of the same rows. A standard period is read from "
            "marts.rpt_bieu06; an explicit range is computed from marts.fct_dossier by the same "
            "rules. See docs/reports.md."
        ),
    )
    bieu06.add_argument(
        "--period",
        type=_period,
        required=True,
        help="2009-03 (month), 2009-Q1, 2009-H1, 2009-9M, 2009 (year) or 2009-01-01..2009-03-31",
    )
    bieu06.add_argument(
        "--scope", type=_scope, required=True, help="unit:<code>, district:<code> or province"
    )
    bieu06.add_argument("--sector", help="one sector code only (default: every sector)")
    bieu06.add_argument(
        "--basis",
        choices=["calendar", "cutoff"],
        help=(
            "the calendar of a standard period: calendar months, or the official cut-off "
            "(15th to 14th, Nghị định 09/2019/NĐ-CP Điều 12); default: the warehouse's "
            "MOTCUA_REPORTING_CALENDAR"
        ),
    )
    bieu06.add_argument(
        "--format",
        choices=["xlsx", "csv"],
        help="xlsx (default) or csv (default: csv when --out ends in .csv)",
    )
    bieu06.add_argument("--out", required=True, help="the file to write")
    bieu06.set_defaults(func=cmd_export_bieu06)

    feedback = sub.add_parser(
        "feedback",
        help="write one unit's feedback workbook: its open record-keeping gaps, what to do",
        description=(
            "Writes <unit>.xlsx and <unit>.csv (Vietnamese) under $MOTCUA_DATA_DIR/reports/units/ "
            "from the published warehouse, opened read-only: one row per gap of the unit still "
            "open on the date (marts.dq_gap_status), oldest first, with the rule, the report "
            "date and file, the row, the dossier code, the field and what to do; a summary sheet "
            "with counts by rule, gaps fixed this month and the unit's rank. The nightly run "
            "writes one for every unit with open gaps."
        ),
    )
    feedback.add_argument("--unit", required=True, help="unit code, e.g. 44502")
    feedback.add_argument(
        "--date", type=_date, help="as of this night (default: the warehouse's report date)"
    )
    feedback.add_argument("--out-dir", help="write there instead of reports/units/")
    feedback.set_defaults(func=cmd_feedback)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.func(args)
    except PipelineError as exc:
        print(f"motcua: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
