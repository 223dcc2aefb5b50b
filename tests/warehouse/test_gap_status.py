"""The gap lifecycle (marts.dq_gap_status, issue #17) on the four nights of
tests/support/gap_nights.py (night 1 built in full, nights 2-4 incrementally): a gap fixed by a
re-send, one by a later state of the dossier, a missing ledger fixed by a late file (R01), one
gap nobody fixes that ages. Expected values are worked by hand from the scenario's dates. Then:
the same night run again changes nothing, and a full rebuild of night 4 gives the same table as
the nights one by one.
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

from motcua.pipeline.steps import step_build
from tests.support.gap_nights import N1, N2, N3, N4, NIGHTS, R01, R03, gap_status, run_night
from tests.support.published import fetch


@pytest.fixture
def nights(gap_nights):
    return gap_nights


def test_each_gap_has_its_lifecycle(nights) -> None:
    settings, plans, tables = nights
    assert [plans[d]["full_refresh"] for d in NIGHTS] == [True, False, False, False]
    assert tables[N4] == [
        (R01, "S01", N1, None, N1, N2, "fixed", N3, "late_file", 2),
        (R03, "445", N1, "A1", N1, N1, "fixed", N2, "resend", 1),
        (R03, "44501", N1, "B1", N1, N1, "fixed", N2, "later_state", 1),
        (R03, "44502", N1, "C1", N1, N4, "open", None, None, 3),
    ]


def test_the_table_night_by_night(nights) -> None:
    _, _, tables = nights
    assert tables[N1] == [
        (R01, "S01", N1, None, N1, N1, "open", None, None, 0),
        (R03, "445", N1, "A1", N1, N1, "open", None, None, 0),
        (R03, "44501", N1, "B1", N1, N1, "open", None, None, 0),
        (R03, "44502", N1, "C1", N1, N1, "open", None, None, 0),
    ]
    assert tables[N2] == [
        (R01, "S01", N1, None, N1, N2, "open", None, None, 1),
        (R03, "445", N1, "A1", N1, N1, "fixed", N2, "resend", 1),
        (R03, "44501", N1, "B1", N1, N1, "fixed", N2, "later_state", 1),
        (R03, "44502", N1, "C1", N1, N2, "open", None, None, 1),
    ]
    # the gap nobody fixes ages: 0, 1, 2, 3 days
    assert [t[-1] for n in NIGHTS for t in tables[n] if t[3] == "C1"] == [0, 1, 2, 3]


def test_open_gaps_are_those_of_dq_issues(nights) -> None:
    settings, _, _ = nights
    open_ids = fetch(
        settings.warehouse_db,
        "select issue_id from marts.dq_gap_status where status = 'open' order by 1",
    )
    # dq_issues still lists A1 and B1's night-1 gaps? A1: no (the re-send replaced the file);
    # B1: yes (the night-1 file still says so), but a later state fixed it.
    issues = fetch(
        settings.warehouse_db,
        "select issue_id, rule_id, dossier_code from marts.dq_issues order by 2, 3",
    )
    assert [(r, d) for _, r, d in issues] == [(R03, "B1"), (R03, "C1")]
    assert open_ids == [(i,) for i, _, d in issues if d == "C1"]


def test_accountability_per_unit_and_month(nights) -> None:
    settings, _, _ = nights
    rows = fetch(
        settings.warehouse_db,
        "select unit_code, month, gaps_opened, gaps_fixed, gaps_open_at_month_end, "
        "median_days_to_fix, fixed_within_7_days, fixed_within_7_days_rate, rank_in_province "
        "from marts.dq_unit_accountability order by unit_code",
    )
    march = dt.date(2009, 3, 1)
    assert rows == [
        ("445", march, 1, 1, 0, 1.0, 1, 1.0, 2),
        ("44501", march, 1, 1, 0, 1.0, 1, 1.0, 2),
        ("44502", march, 1, 0, 1, None, 0, 0.0, 1),
        ("S01", march, 1, 1, 0, 2.0, 1, 1.0, 2),
    ]


def test_a_rerun_changes_nothing(nights) -> None:
    settings, _, tables = nights
    before = fetch(settings.warehouse_db, "select * from marts.dq_gap_status order by all")
    plan = run_night(settings, N4)
    assert not plan["full_refresh"] and plan["new_files"] == 0
    assert fetch(settings.warehouse_db, "select * from marts.dq_gap_status order by all") == before
    assert gap_status(settings.warehouse_db) == tables[N4]


def test_full_rebuild_equals_the_nights_one_by_one(nights) -> None:
    settings, _, tables = nights
    incremental = fetch(settings.warehouse_db, "select * from marts.dq_gap_status order by all")
    accountability = fetch(
        settings.warehouse_db, "select * from marts.dq_unit_accountability order by all"
    )
    aside = settings.warehouse_db.with_name("incremental.duckdb")
    shutil.move(settings.warehouse_db, aside)
    try:
        plan = step_build(N4, settings)
        assert plan["full_refresh"]
        con = duckdb.connect(str(settings.build_db), read_only=True)
        try:
            full = con.execute("select * from marts.dq_gap_status order by all").fetchall()
            full_acc = con.execute(
                "select * from marts.dq_unit_accountability order by all"
            ).fetchall()
        finally:
            con.close()
    finally:
        shutil.move(aside, settings.warehouse_db)
    assert full == incremental
    assert full_acc == accountability
    assert len(full) == len(tables[N4]) == 4
