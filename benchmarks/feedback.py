"""Feedback benchmark (issue #17): the nightly feedback workbooks of every unit against that
night's build step, on the history of ``make bench-incremental`` (benchmarks/incremental.py: 10M
dossier states, 3.5M dossiers, 300 units, 3 years, synthesised straight into an ingestion
database).

The incremental benchmark's history has no validation findings; here 1% of its rows also carry a
missing due date (R03) and 0.5% a due date off the statutory limit (R09), so that the gap
lifecycle and the workbooks have per-submission gaps besides the history rules' (R11 stale
pending dossiers, most of them). Then:

1. full build of the last night D (``prepare_build`` + ``dbt build --full-refresh``), published;
2. night D + 1: the incremental benchmark's night (30,000 states, one re-sent ledger) with 1% of
   its rows carrying R03, built incrementally (the nightly ``build`` step, timed) and published;
3. the nightly feedback of every unit with open gaps from the published warehouse
   (:func:`motcua.reports.feedback.write_all_feedback`, what the ``report`` step runs), timed.

The last line printed is ``feedback_vs_build=<feedback seconds / night's build seconds>``
(target: at most 0.5).

    .venv/bin/python benchmarks/feedback.py                       # the issue's sizes
    .venv/bin/python benchmarks/feedback.py --states 300000 --dossiers 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from benchmarks.incremental import (  # noqa: E402
    LAST_DAY,
    add_history_arguments,
    prepare_work_dir,
    run_results,
    synthesise_history,
    synthesise_night,
    timed_build,
    write_reference,
)
from ingestion import reference  # noqa: E402
from motcua.common import store  # noqa: E402
from motcua.common.config import Settings  # noqa: E402
from motcua.reports.feedback import write_all_feedback  # noqa: E402
from motcua.warehouse import publish  # noqa: E402

GAP_MODELS = ("int_files_nighted", "dq_gap_status", "dq_unit_accountability")


def add_findings(con: duckdb.DuckDBPyConnection, where: str, r09: bool = True) -> int:
    """Findings for a share of the submission rows ``where`` selects (R03, and R09 if asked)."""
    before = con.execute("select count(*) from findings").fetchone()[0]
    con.execute(
        f"""insert into findings
            select 'R03_missing_required', 'error', file_id, row_number, unit_code, report_date,
                   dossier_code, 'Thiếu trường bắt buộc: Ngày hẹn trả',
                   'Missing required field(s): due_at'
            from submission_rows where ({where}) and hash(file_id, row_number, 'r03') % 100 = 0"""
    )
    if r09:
        con.execute(
            f"""insert into findings
                select 'R09_due_date_vs_statutory', 'warning', file_id, row_number, unit_code,
                       report_date, dossier_code,
                       'Ngày hẹn trả muộn hơn 3 ngày làm việc so với thời hạn',
                       'Due 3 working days later than the statutory limit'
                from submission_rows
                where ({where}) and hash(file_id, row_number, 'r09') % 200 = 0"""
        )
    return con.execute("select count(*) from findings").fetchone()[0] - before


def gap_model_times(settings: Settings) -> str:
    times = {n: t for t, n in run_results(settings)}
    return ", ".join(f"{n} {times.get(n, 0):.1f}s" for n in GAP_MODELS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_history_arguments(parser)
    args = parser.parse_args(argv)

    work, settings = prepare_work_dir(args.work_dir, "motcua-bench-feedback-")
    first = LAST_DAY - dt.timedelta(days=365 * args.years - 1)
    night = LAST_DAY + dt.timedelta(days=1)
    try:
        started = time.monotonic()
        con = store.connect(settings.ingest_db)
        reference.load_calendar(con, work)
        write_reference(con, args.units)
        synthesise_history(con, args.dossiers, args.states, first, LAST_DAY)
        findings = add_findings(con, "true")
        n_states, n_files = con.execute(
            "select count(*), count(distinct file_id) from submission_rows"
        ).fetchone()
        con.close()
        print(
            f"history: {n_states:,} states, {n_files:,} files, {args.units} units, {first} .. "
            f"{LAST_DAY}, {findings:,} findings (synthesised in "
            f"{time.monotonic() - started:.1f} s)"
        )

        prep_full, dbt_full, plan = timed_build(settings, LAST_DAY)
        assert plan.full_refresh, plan
        print(
            f"full build of {LAST_DAY}: {prep_full + dbt_full:.1f} s (prepare_build "
            f"{prep_full:.1f} s, dbt {dbt_full:.1f} s); {gap_model_times(settings)}"
        )
        publish.publish(settings, info={"report_date": LAST_DAY.isoformat(), "run_id": "bench"})

        con = duckdb.connect(str(settings.ingest_db))
        synthesise_night(con, night, args.night_states)
        night_findings = add_findings(con, f"report_date = date '{night}'", r09=False)
        con.close()
        prep, dbt, plan = timed_build(settings, night)
        assert not plan.full_refresh, plan
        night_build = prep + dbt
        print(
            f"night {night} build step: {night_build:.1f} s (prepare_build {prep:.1f} s, dbt "
            f"{dbt:.1f} s; {plan.new_rows:,} new states, {night_findings:,} new findings, "
            f"{plan.changed_dossiers:,} dossiers re-derived); {gap_model_times(settings)}"
        )
        publish.publish(settings, info={"report_date": night.isoformat(), "run_id": "bench"})

        con = duckdb.connect(str(settings.warehouse_db), read_only=True)
        counts = con.execute(
            "select status, count(*) from marts.dq_gap_status group by 1 order by 1"
        ).fetchall()
        by_rule = con.execute(
            "select rule_id, count(*) from marts.dq_gap_status where status = 'open' "
            "group by 1 order by 1"
        ).fetchall()
        con.close()
        print(f"dq_gap_status: {dict(counts)}; open by rule: {dict(by_rule)}")

        t0 = time.monotonic()
        summary = write_all_feedback(settings)
        feedback = time.monotonic() - t0
        size = sum(p.stat().st_size for p in Path(summary["feedback_dir"]).iterdir()) / 1e6
        print(
            f"feedback of every unit as of {summary['feedback_as_of']}: {feedback:.1f} s, "
            f"{summary['feedback_units']} units, {summary['feedback_open_gaps']:,} open gaps, "
            f"{size:.1f} MB of xlsx and csv"
        )
        print(f"feedback_vs_build={feedback / night_build:.3f}")
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
