"""The gap lifecycle (marts.dq_gap_status, issue #17) on four nights taken in, validated, built and
published one by one (night 1 in full, nights 2-4 incrementally), each file arriving on the
evening of the night it belongs to unless said otherwise:

* 445's night-1 ledger has A1 without a channel (R03); a corrected re-send of that ledger arrives
  on night 2: fixed by ``resend`` on night 2;
* 44501's night-1 ledger has B1 without a channel; its night-2 ledger has B1 again, with its
  channel: fixed by ``later_state`` on night 2 (the night-1 file is never re-sent);
* 44502's night-1 ledger has C1 without a channel, and nothing ever fixes it: open since night 1,
  one day older every night;
* S01 sends nothing for night 1 (R01); the file comes late, on night 3: fixed by ``late_file``.

Every other ledger is header-only; A0 and F1 are clean dossiers. Expected values are worked by
hand from the dates above. Then: the same night run again changes nothing, and a full rebuild of
night 4 gives the same table as the nights one by one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from expectations.validate import validate_new_files
from ingestion.load import ingest
from motcua.common.config import Settings
from motcua.demo import write_night
from motcua.pipeline.steps import step_build, step_publish
from tests.support.builders import make_reference
from tests.support.published import fetch

N1, N2, N3, N4 = (dt.date(2009, 3, 2) + dt.timedelta(days=i) for i in range(4))
UNITS = ("445", "44501", "44502", "S01")
R03 = "R03_missing_required"
R01 = "R01_missing_submission"


def refused(code: str, *, channel: int | None = 1) -> dict:
    """A dossier refused at the counter on night 1: no due date required or checked, so a
    missing channel is its only gap (R03)."""
    return {
        "dossier_code": code,
        "procedure_code": "TP01",
        "sector": "TP",
        "channel": channel,
        "received_at": N1,
        "status": 3,
    }


def deliver(data_dir: Path, report_date: dt.date, rows: dict, arrived: dt.date) -> None:
    stamp = dt.datetime.combine(arrived, dt.time(20, 0)).timestamp()
    for path in write_night(data_dir, report_date, rows):
        os.utime(path, (stamp, stamp))


# night -> [(report date of the ledgers, {unit: rows})]
NIGHTS = {
    N1: [
        (
            N1,
            {
                "445": [refused("A0"), refused("A1", channel=None)],
                "44501": [refused("B1", channel=None)],
                "44502": [refused("C1", channel=None)],
            },
        )
    ],
    N2: [
        (N1, {"445": [refused("A0"), refused("A1")]}),  # corrected re-send
        (N2, {"445": [], "44501": [refused("B1")], "44502": [], "S01": []}),
    ],
    N3: [
        (N1, {"S01": [refused("F1")]}),  # late
        (N3, {u: [] for u in UNITS}),
    ],
    N4: [(N4, {u: [] for u in UNITS})],
}

COLUMNS = (
    "rule_id, unit_code, report_date, dossier_code, first_seen_date, last_seen_date, status, "
    "fixed_date, fixed_by, days_open"
)


def run_night(settings: Settings, day: dt.date) -> dict:
    ingest(settings, day)
    validate_new_files(settings, report_date=day)
    plan = step_build(day, settings, run_id=f"test-{day}")
    step_publish(day, settings, run_id=f"test-{day}")
    return plan


def gap_status(path: Path) -> list[tuple]:
    return fetch(path, f"select {COLUMNS} from marts.dq_gap_status order by all")


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("gaps")
    make_reference(data_dir)
    settings = Settings.from_env(data_dir)
    plans, tables = {}, {}
    for day, deliveries in NIGHTS.items():
        for report_date, rows in deliveries:
            deliver(data_dir, report_date, rows, arrived=day)
        plans[day] = run_night(settings, day)
        tables[day] = gap_status(settings.warehouse_db)
    return settings, plans, tables


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
