"""The small province of the reform tests (issue #14): scopes by period across the abolition of
the district level, on a province the project has never seen, every expected value worked out by
hand. tests/warehouse/test_reform_scopes.py and tests/reports/test_feedback.py read the same
warehouse through the session fixture ``reform`` (tests/conftest.py), built once.

Province 42: district 901 (communes 90101, 90102) and district 902 (commune 90201) until
2025-06-30; on 2025-07-01 the districts are abolished, 90101 and 90102 merge into 90101 (a new
version, Phường Hòa Bình, parent 42) and 90201 continues alone (a new version, parent 42); the
department S01 throughout. Dossiers (received, due, resolved):

    90201  C1  01-15  01-20  01-25   late          90101  A1  02-10  02-14  02-12  early
    90102  B1  03-03  03-10  03-10   on time       901    D1  04-01  04-30  04-15  early
    90101  A2  05-05  05-20  05-25   late          90102  B2  06-20  07-15  never  pending
    901    D2  06-25  07-05  07-03   early         S01    E1  07-10  07-20  07-18   early
    90101  A3  08-04  08-10  08-08   early         90201  C2  09-01  09-20  never   pending

The handover (submission-contract.md): B2 and D2, open on 2025-07-01, pass to the new 90101 (the
successor of 90102 and of the abolished 901). The new 90101 never reports B2; it reports D2,
resolved, in its ledger of 2025-09-30 under D2's original code: one dossier, received by 901.

Nights: the ledgers of January to June are taken in and built on 2025-06-30 (a full build),
2025-07-01 and 2025-12-31 incrementally; the warehouse of 2025-12-31 must equal a full rebuild.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ingestion.load import ingest
from motcua.common.config import Settings
from motcua.demo import write_night
from motcua.pipeline.steps import step_build, step_publish
from tests.support.builders import PROCEDURES_CSV

D = dt.date.fromisoformat

UNITS_CSV = """unit_code,unit_name,level,parent_code,one_stop_since,valid_from,valid_to
42,Tỉnh Thử,province,,,2020-01-01,
901,Huyện Một,district,42,2020-01-01,2020-01-01,2025-06-30
902,Huyện Hai,district,42,2020-01-01,2020-01-01,2025-06-30
90101,Xã An,commune,901,2020-01-01,2020-01-01,2025-06-30
90102,Xã Bình,commune,901,2020-01-01,2020-01-01,2025-06-30
90201,Xã Cường,commune,902,2020-01-01,2020-01-01,2025-06-30
90101,Phường Hòa Bình,commune,42,2025-07-01,2025-07-01,
90201,Xã Cường,commune,42,2025-07-01,2025-07-01,
S01,Sở Tư pháp,department,42,2020-01-01,2020-01-01,
"""

SUCCESSIONS_CSV = """old_unit_code,successor_unit_code,effective_date,kind,note
90101,90101,2025-07-01,merge,
90102,90101,2025-07-01,merge,
90201,90201,2025-07-01,rename,
901,90101,2025-07-01,abolish,
902,90201,2025-07-01,abolish,
"""


def dossier(code, received, due, status, resolved=None):
    return {
        "dossier_code": code,
        "procedure_code": "TP01",
        "sector": "TP",
        "channel": 2,
        "received_at": D(received),
        "due_at": D(due),
        "finished_at": D(resolved) if resolved else None,
        "returned_at": D(resolved) if resolved else None,
        "status": status,
    }


OLD = ("901", "902", "90101", "90102", "90201", "S01")
NEW = ("90101", "90201", "S01")
LEDGERS = {
    "2025-01-31": {"90201": [dossier("C1", "2025-01-15", "2025-01-20", 10, "2025-01-25")]},
    "2025-03-31": {
        "90101": [dossier("A1", "2025-02-10", "2025-02-14", 10, "2025-02-12")],
        "90102": [dossier("B1", "2025-03-03", "2025-03-10", 10, "2025-03-10")],
    },
    "2025-06-30": {
        "90101": [dossier("A2", "2025-05-05", "2025-05-20", 10, "2025-05-25")],
        "90102": [dossier("B2", "2025-06-20", "2025-07-15", 4)],
        "901": [
            dossier("D1", "2025-04-01", "2025-04-30", 10, "2025-04-15"),
            dossier("D2", "2025-06-25", "2025-07-05", 4),
        ],
    },
    "2025-07-01": {},
    "2025-09-30": {
        "90101": [
            dossier("A3", "2025-08-04", "2025-08-10", 10, "2025-08-08"),
            dossier("D2", "2025-06-25", "2025-07-05", 10, "2025-07-03"),
        ],
        "90201": [dossier("C2", "2025-09-01", "2025-09-20", 4)],
        "S01": [dossier("E1", "2025-07-10", "2025-07-20", 10, "2025-07-18")],
    },
    "2025-12-31": {},
}
# the night each ledger is taken in and built
NIGHTS = {
    D("2025-06-30"): ["2025-01-31", "2025-03-31", "2025-06-30"],
    D("2025-07-01"): ["2025-07-01"],
    D("2025-12-31"): ["2025-09-30", "2025-12-31"],
}


def build_nights(data_dir: Path, ledgers: dict, nights: dict) -> tuple[Settings, dict]:
    """Writes the reference and each night's ledgers, takes them in, builds and publishes night
    after night; returns the settings and each night's build plan."""
    ref = data_dir / "reference"
    ref.mkdir(parents=True)
    (ref / "units.csv").write_text(UNITS_CSV, encoding="utf-8")
    (ref / "procedures.csv").write_text(PROCEDURES_CSV, encoding="utf-8")
    (ref / "unit_successions.csv").write_text(SUCCESSIONS_CSV, encoding="utf-8")
    settings = Settings.from_env(data_dir)
    plans = {}
    for night, days in nights.items():
        for day in days:
            units = OLD if D(day) < D("2025-07-01") else NEW
            rows = {u: ledgers[day].get(u, []) for u in units}
            for path in write_night(data_dir, D(day), rows):
                stamp = dt.datetime.combine(night, dt.time(23, 0)).timestamp()
                os.utime(path, (stamp, stamp))
        ingest(settings, night)
        plans[night] = step_build(night, settings, run_id=f"reform-{night}")
        step_publish(night, settings, run_id=f"reform-{night}")
    return settings, plans
