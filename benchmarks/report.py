"""Nightly report benchmark: the ``report`` step (dashboard and exports) against that night's
``build`` step, on the history of ``make bench-incremental``.

The history (``--states`` dossier states, 10,000,000, of ``--dossiers`` dossiers of ``--units``
units over ``--years`` years) is synthesised by :mod:`benchmarks.incremental`'s own functions
straight into an ingestion database. Then:

1. full build of the last night D, published, and its report step run once (the first report of
   a data folder also writes the charts' JavaScript bundle beside the pages; nights after it
   only check it);
2. night D + 1 (``--night-states`` new states, the first of a month, the dearest night):
   its build step (prepare_build + the nightly ``dbt build``) timed, published;
3. that night's report step (``motcua.pipeline.steps.step_report``: the province summary, the
   dashboard ``reports/index.html`` with a page per district, and the night's Biểu 06 exports)
   timed, in a fresh process as Airflow runs each task (imports included), and in this process;
4. for scale: one Biểu 06 on demand (a district's quarter, every unit's sheet) by
   ``motcua export bieu06`` in its own process.

The last line printed is ``report_vs_build=<report step seconds / build step seconds>`` with the
report step's own process (the Airflow task's cost).

    .venv/bin/python benchmarks/report.py                          # the issue's sizes
    .venv/bin/python benchmarks/report.py --states 300000 --dossiers 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from benchmarks import incremental as bench  # noqa: E402
from ingestion import reference  # noqa: E402
from motcua.common import store  # noqa: E402
from motcua.common.config import Settings  # noqa: E402
from motcua.warehouse import publish  # noqa: E402

MOTCUA = str(Path(sys.executable).with_name("motcua"))

STEP_IN_PROCESS = """
import datetime as dt, json, sys, time
started = time.monotonic()
from motcua.common.config import Settings
from motcua.pipeline.steps import step_report
out = step_report(dt.date.fromisoformat(sys.argv[2]), Settings.from_env(sys.argv[1]),
                  run_id="bench")
print(json.dumps({"seconds": time.monotonic() - started, "dashboard": out["dashboard"]}))
"""


def report_in_new_process(settings: Settings, day: dt.date) -> tuple[float, dict]:
    """The report step as an Airflow task runs it: a fresh Python process (imports included)."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", STEP_IN_PROCESS, str(settings.data_dir), day.isoformat()],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    wall = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"the report step failed:\n{result.stdout}\n{result.stderr}")
    return wall, json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bench.add_history_arguments(parser)
    args = parser.parse_args(argv)

    work, settings = bench.prepare_work_dir(args.work_dir, "motcua-bench-report-")
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # the JS bundle made in this run, not kept
    last = bench.LAST_DAY
    first = last - dt.timedelta(days=365 * args.years - 1)
    night = last + dt.timedelta(days=1)
    try:
        started = time.monotonic()
        con = store.connect(settings.ingest_db)
        reference.load_calendar(con, work)
        bench.write_reference(con, args.units)
        bench.synthesise_history(con, args.dossiers, args.states, first, last)
        n_states, n_files = con.execute(
            "select (select count(*) from submission_rows), (select count(*) from files)"
        ).fetchone()
        con.close()
        print(
            f"history: {n_states:,} states, {n_files:,} files, {args.units} units, {first} .. "
            f"{last} (synthesised in {time.monotonic() - started:.1f} s)",
            flush=True,
        )

        prep, dbt_s, plan = bench.timed_build(settings, last)
        assert plan.full_refresh, plan
        publish.publish(settings, info={"report_date": last.isoformat(), "run_id": "bench-full"})
        print(f"full build of {last}: {prep + dbt_s:.1f} s", flush=True)
        first_report, out = report_in_new_process(settings, last)
        print(
            f"report step of {last} (the data folder's first: writes the JavaScript bundle too): "
            f"{first_report:.1f} s",
            flush=True,
        )

        con = duckdb.connect(str(settings.ingest_db))
        bench.synthesise_night(con, night, args.night_states)
        con.close()
        prep, dbt_s, plan = bench.timed_build(settings, night)
        assert not plan.full_refresh, plan
        build_s = prep + dbt_s
        publish.publish(settings, info={"report_date": night.isoformat(), "run_id": "bench-night"})
        print(
            f"build step of {night} ({plan.new_rows:,} new states): {build_s:.1f} s "
            f"(prepare_build {prep:.1f} s, dbt {dbt_s:.1f} s)",
            flush=True,
        )

        report_s, out = report_in_new_process(settings, night)
        dash = out["dashboard"]
        print(
            f"report step of {night} in its own process: {report_s:.1f} s (inside it: "
            f"{out['seconds']:.1f} s; dashboard {dash['seconds']:.1f} s, {dash['pages']} pages; "
            f"exports {dash['exports_seconds']:.1f} s, {len(dash['exports'])} files)",
            flush=True,
        )
        from motcua.pipeline.steps import step_report

        step_report(night, settings, run_id="bench-warm")  # imports paid
        t0 = time.monotonic()
        step_report(night, settings, run_id="bench-warm")
        warm = time.monotonic() - t0
        print(f"report step again in this process (imports paid): {warm:.1f} s", flush=True)
        size = sum(p.stat().st_size for p in (work / "reports").glob("*.html")) / 1e6
        print(f"pages: {size:.1f} MB of HTML (+ the 0.9 MB bundle in assets/)")

        district = min(p.stem.split("-", 1)[1] for p in (work / "reports").glob("district-*.html"))
        quarter = f"{night.year}-Q{(night.month - 1) // 3 + 1}"
        t0 = time.monotonic()
        result = subprocess.run(
            [MOTCUA, "--data-dir", str(work), "export", "bieu06", "--period", quarter,
             "--scope", f"district:{district}", "--out", str(work / "one.xlsx")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise SystemExit(result.stderr)
        print(
            f"one Biểu 06 on demand (district {district}, {quarter}): "
            f"{time.monotonic() - t0:.1f} s ({result.stdout.strip()})"
        )
        print(f"report_vs_build={report_s / build_s:.3f}")
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
