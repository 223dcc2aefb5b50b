"""The report step's failure policy: every part (summary, dashboard, feedback) is attempted, a
failing part is logged with what to do, and the step fails at the end naming it, after the
other parts were written. The published warehouse is not touched."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.common.errors import PipelineError
from motcua.pipeline.steps import step_build, step_ingest, step_publish, step_report
from tests.support.builders import csv_text, landing
from tests.support.published import sha

DAY = dt.date(2009, 1, 5)
HEADER = ["dossier_code", "procedure_code", "sector", "channel", "received_at", "due_at", "status"]


def test_a_failing_part_fails_the_step_after_the_others_are_written(settings, caplog):
    rows = [
        ["HS1", "TP01", "TP", "1", "2009-01-05", "2009-01-09", "4"],
        ["HS2", "TP01", "TP", "1", "2009-01-05", "2009-01-09", "4"],
    ]
    landing(settings.data_dir, "2009-01-05", "44501.csv").write_text(csv_text(HEADER, rows))
    step_ingest(DAY, settings)
    step_build(DAY, settings, run_id="night")
    step_publish(DAY, settings, run_id="night")
    published = sha(settings.warehouse_db)
    # The dashboard cannot write its page: a folder stands where reports/index.html goes.
    reports = settings.data_dir / "reports"
    (reports / "index.html").mkdir(parents=True)

    with caplog.at_level("INFO"), pytest.raises(PipelineError) as failure:
        step_report(DAY, settings, run_id="night")

    message = str(failure.value)
    assert message.startswith("report: 1 of 3 parts failed: dashboard (IsADirectoryError: ")
    assert message.endswith(
        "The other parts were written and the published warehouse is not affected: fix the "
        "cause (see the log above for each part) and re-run the report task."
    )
    # The summary was logged and the feedback written, after the dashboard had failed.
    logged = [record.getMessage() for record in caplog.records]
    assert any(line.startswith("report | warehouse ") for line in logged)
    assert any(line.startswith("report | feedback to units as of ") for line in logged)
    # Feedback for the three units of the reference (tests.support.builders.UNITS_CSV) with a
    # one-stop shop by then that sent nothing that night (R01_missing_submission): 445, 44502, S01.
    assert sorted(path.name for path in (reports / "units").iterdir()) == [
        "445.csv",
        "445.xlsx",
        "44502.csv",
        "44502.xlsx",
        "S01.csv",
        "S01.xlsx",
    ]
    (error,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert error.getMessage().startswith("report: the dashboard failed (IsADirectoryError: ")
    assert error.exc_info is not None  # with its traceback
    assert sha(settings.warehouse_db) == published

    # A province before its first ledger (no dossier, no figures) is no failure: every part
    # writes what there is.
    import duckdb

    (reports / "index.html").rmdir()
    con = duckdb.connect(str(settings.warehouse_db))
    con.execute("delete from marts.ind_cohort")
    con.execute("delete from marts.fct_dossier")
    con.close()
    summary = step_report(DAY, settings, run_id="night")
    assert "province" not in summary and summary["dashboard"]["pages"] == 1
    assert (reports / "index.html").is_file()
