"""The four nights of the gap lifecycle scenario (issue #17), shared by tests/warehouse/
test_gap_status.py and tests/reports/test_feedback.py through the session fixture ``gap_nights``
(tests/conftest.py): taken in, validated, built and published one by one, each file arriving on
the evening of the night it belongs to unless said otherwise:

* 445's night-1 ledger has A1 without a channel (R03); a corrected re-send of that ledger arrives
  on night 2: fixed by ``resend`` on night 2;
* 44501's night-1 ledger has B1 without a channel; its night-2 ledger has B1 again, with its
  channel: fixed by ``later_state`` on night 2 (the night-1 file is never re-sent);
* 44502's night-1 ledger has C1 without a channel, and nothing ever fixes it: open since night 1,
  one day older every night;
* S01 sends nothing for night 1 (R01); the file comes late, on night 3: fixed by ``late_file``.

Every other ledger is header-only; A0 and F1 are clean dossiers.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

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


# Personal data typed into C1's row: none of it may reach the feedback files.
PERSONAL = {
    "applicant_name": "Hoàng Thị Lựu",
    "applicant_id": "042190007777",
    "applicant_phone": "0913222333",
    "applicant_address": "Thôn Bến Thủy, xã Thạch Trị",
    "notes": "Bà Hoàng Thị Lựu, SĐT 0913222333",
}
NEVER_FOUND = ("Lựu", "042190007777", "0913222333", "0913 222 333", "Bến Thủy")


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
                "44502": [{**refused("C1", channel=None), **PERSONAL}],
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


def build_gap_nights(data_dir: Path) -> tuple[Settings, dict, dict]:
    """The four nights run one by one: (settings, each night's build plan, each night's
    dq_gap_status as :func:`gap_status` reads it)."""
    make_reference(data_dir)
    settings = Settings.from_env(data_dir)
    plans, tables = {}, {}
    for day, deliveries in NIGHTS.items():
        for report_date, rows in deliveries:
            deliver(data_dir, report_date, rows, arrived=day)
        plans[day] = run_night(settings, day)
        tables[day] = gap_status(settings.warehouse_db)
    return settings, plans, tables
