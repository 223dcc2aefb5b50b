"""The warehouse built from the demo profile ``hatinh-2026`` (issue #14, part 4), against the
independent oracle of tests/support/oracle.py.

Hà Tĩnh 2025-01-01 … 2026-06-30 across the two-level reform of 2025-07-01 (12 districts and 209
communes, then 69 commune-level units; the successions' handover in the ledgers), generated at a
reduced volume: 6,000 dossiers instead of 420,000, but every file of the full profile (one per unit
in force and night, 67,517, most of them header only; all of them are taken in). The last night,
2026-06-30, is taken in and built through the real pipeline steps (ingest, build, publish), then
the published warehouse is compared with the oracle, which reads the landing files with the
standard library and applies indicators.md and the handover of submission-contract.md
(``unit_successions.csv``): every number below is the oracle's.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest

from ingestion.load import ingest
from motcua.common.config import Settings
from motcua.demo import generate_province
from motcua.pipeline.steps import step_build, step_publish
from tests.support.oracle import Oracle

D = dt.date.fromisoformat
AS_OF = D("2026-06-30")
REFORM = D("2025-07-01")
DOSSIERS = 6_000
COHORT = ("received", "returned_on_time", "returned_late", "in_process")
BIEU06 = {
    "c03": "c03_received_total",
    "c04": "c04_received_online",
    "c05": "c05_received_direct_postal",
    "c06": "c06_carried_over",
    "c07": "c07_resolved_total",
    "c08": "c08_resolved_early",
    "c09": "c09_resolved_on_time",
    "c10": "c10_resolved_late",
    "c11": "c11_pending_total",
    "c12": "c12_pending_within",
    "c13": "c13_pending_overdue",
}
# successors of 2025-07-01 (each keeps the code of one predecessor): 18073 Phường Thành Sen (nine
# communes, of them Đại Nài, split with 18652, and the abolished Thành phố Hà Tĩnh, 436, at its
# seat), 18754 Phường Sông Trí (the split Kỳ Lợi, 18796, and the abolished Thị xã Kỳ Anh, 449),
# 18685 Xã Cẩm Bình (four communes: a plain merger)
SUCCESSORS = ("18073", "18754", "18685")


def _roomy_tmpfs() -> Path | None:
    """/dev/shm when it can hold the ~67,500 files (creating that many is slow on some disks)."""
    shm = Path("/dev/shm")
    try:
        return (
            shm if shutil.disk_usage(shm).free > 2 * 1024**3 and os.access(shm, os.W_OK) else None
        )
    except OSError:
        return None


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    with tempfile.TemporaryDirectory(
        prefix="motcua-hatinh2026-", dir=_roomy_tmpfs() or tmp_path_factory.getbasetemp()
    ) as tmp:
        data_dir = Path(tmp)
        report = generate_province(data_dir, profile="hatinh-2026", dossiers=DOSSIERS)
        assert report.last_report_date == AS_OF
        settings = Settings.from_env(data_dir)
        ingest(settings, AS_OF)
        plan = step_build(AS_OF, settings, run_id="hatinh2026")
        assert plan["full_refresh"]
        step_publish(AS_OF, settings, run_id="hatinh2026")
        yield settings.warehouse_db, Oracle(data_dir, AS_OF)


def _rows(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _cohort(warehouse: Path, period_type: str, start: str) -> dict[tuple[str, str, str], tuple]:
    rows = _rows(
        warehouse,
        f"""select scope_level, scope_code, sector_code, {", ".join(COHORT)}
            from marts.ind_cohort where period_type = ? and period_start = ?""",
        [period_type, D(start)],
    )
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def _expected_cohort(oracle: Oracle, start: str, end: str, units, sector="ALL") -> tuple:
    got = oracle.cohort(D(start), D(end), units, sector)
    return tuple(got[k] for k in COHORT)


def _sectors(oracle: Oracle) -> list[str]:
    return sorted({d.sector for d in oracle.received_dossiers(None) if d.sector})


def test_one_row_per_dossier_held_by_the_unit_the_handover_gives(built) -> None:
    """fct_dossier: one row per dossier, a successor's row carrying a predecessor's dossier being
    that dossier (received by the predecessor), the holding unit at the as-of date, the handover
    date and the unit that last reported it, and its outcome, all as the oracle has them."""
    warehouse, oracle = built
    got = {
        (r[0], r[1]): r[2:]
        for r in _rows(
            warehouse,
            """select unit_code, dossier_code, holding_unit_code, handover_date,
                      last_reporting_unit_code, outcome
               from marts.fct_dossier""",
        )
    }
    expected = {
        key: (
            d.holder(AS_OF),
            d.handover[0] if d.handover else None,
            d.reporter,
            d.outcome(AS_OF) if d.is_received and d.received else None,
        )
        for key, d in oracle.dossiers.items()
    }
    # no dossier counted twice across a succession
    assert len(got) == len(expected) == len(oracle.dossiers)
    assert sum(1 for d in oracle.received_dossiers(None)) == DOSSIERS
    assert got == expected
    # the handover is exercised: dossiers continued in a successor's ledger, and open dossiers
    # held by a successor, districts' among them
    continued = [d for d in oracle.dossiers.values() if d.reporter != d.unit]
    handed = [d for d in oracle.dossiers.values() if d.holder(AS_OF) != d.unit]
    assert len(continued) > 20 and len(handed) > 100
    assert {oracle.units[d.unit]["level"] for d in handed} == {"commune", "district"}


@pytest.mark.parametrize(
    ("start", "end"), [("2025-01-01", "2025-03-31"), ("2025-04-01", "2025-06-30")]
)
def test_quarters_before_the_reform_by_district(built, start: str, end: str) -> None:
    """ind_cohort of 2025-Q1 and Q2: the 12 districts of the time, each with the communes it held
    then (a code kept by a new unit counts with its old version's district), every sector, and
    the province."""
    warehouse, oracle = built
    got = _cohort(warehouse, "quarter", start)
    districts = sorted(c for c, u in oracle.in_force(D(start)).items() if u["level"] == "district")
    assert len(districts) == 12
    assert sorted({k[1] for k in got if k[0] == "district"}) == districts
    checked = 0
    for district in districts:
        units = oracle.district_units(district, D(start))
        # the same communes all quarter long (the registry changes on 2025-07-01 only)
        assert units == oracle.district_units(district, D(end)) and len(units) > 5
        for sector in ["ALL", *_sectors(oracle)]:
            expected = _expected_cohort(oracle, start, end, units, sector)
            assert got.get(("district", district, sector), (0, 0, 0, 0)) == expected, (
                district,
                sector,
            )
            checked += expected[0] > 0
    assert checked > 40
    for sector in ["ALL", *_sectors(oracle)]:
        assert got[("province", "42", sector)] == _expected_cohort(oracle, start, end, None, sector)
    # the districts and the departments make the province
    departments = {c for c, u in oracle.units.items() if u["level"] == "department"}
    parts = [got[("district", d, "ALL")] for d in districts]
    parts.append(_expected_cohort(oracle, start, end, departments))
    assert tuple(map(sum, zip(*parts, strict=True))) == got[("province", "42", "ALL")]


@pytest.mark.parametrize(
    ("start", "end"), [("2025-07-01", "2025-09-30"), ("2026-01-01", "2026-03-31")]
)
def test_quarters_after_the_reform_by_commune_and_province(built, start: str, end: str) -> None:
    """ind_cohort of 2025-Q3 and 2026-Q1: no district scope; every unit (the 69 commune-level
    units, the departments and the centre) and the province, all sectors."""
    warehouse, oracle = built
    got = {k: v for k, v in _cohort(warehouse, "quarter", start).items() if k[2] == "ALL"}
    assert not [k for k in got if k[0] == "district"]
    assert got[("province", "42", "ALL")] == _expected_cohort(oracle, start, end, None)
    in_force = oracle.in_force(D(start))
    communes = sorted(c for c, u in in_force.items() if u["level"] == "commune")
    assert len(communes) == 69
    units = sorted(c for c, u in in_force.items() if u["level"] in ("commune", "department"))
    for unit in units:
        assert got[("unit", unit, "ALL")] == _expected_cohort(oracle, start, end, {unit}), unit
    assert sum(got[("unit", c, "ALL")][0] for c in communes) > 100
    # no unit beyond those receives anything (the old communes and districts have ended)
    others = {k[1]: v for k, v in got.items() if k[0] == "unit" and k[1] not in units}
    assert {v[0] for v in others.values()} <= {0}


def test_the_year_2025_at_province_level(built) -> None:
    warehouse, oracle = built
    got = _cohort(warehouse, "year", "2025-01-01")
    for sector in ["ALL", *_sectors(oracle)]:
        expected = _expected_cohort(oracle, "2025-01-01", "2025-12-31", None, sector)
        assert got[("province", "42", sector)] == expected, sector
    assert got[("province", "42", "ALL")][0] > DOSSIERS // 2


def _bieu06(warehouse: Path, units: list[str]) -> dict[tuple, tuple]:
    rows = _rows(
        warehouse,
        f"""select period_type, period_start, period_end, unit_code, sector_code,
                   {", ".join(BIEU06.values())}
            from marts.rpt_bieu06 where unit_code in ({", ".join("?" for _ in units)})""",
        units,
    )
    return {r[:5]: r[5:] for r in rows}


def _months(first: str, last: str) -> list[tuple[str, dt.date, dt.date]]:
    out, day = [], D(first)
    while day <= D(last):
        nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        out.append(("month", day, nxt - dt.timedelta(days=1)))
        day = nxt
    return out


def test_bieu06_of_successors_and_their_predecessors_around_the_reform(built) -> None:
    """rpt_bieu06 of three successors and every predecessor of theirs (an abolished district's
    open dossiers go to the unit at its seat, a split commune's to the lowest code), by the unit
    holding each dossier at the period's as-of date: the months of May 2025 … October 2025, the
    quarters, halves and years of the profile, every sector."""
    warehouse, oracle = built
    predecessors = {
        old for old, new, _ in oracle.successions if new in SUCCESSORS and old not in SUCCESSORS
    }
    assert {"436", "449", "18082", "18796"} <= predecessors and len(predecessors) >= 15
    units = sorted(predecessors | set(SUCCESSORS))
    got = _bieu06(warehouse, units)
    periods = _months("2025-05-01", "2025-10-31")
    for year in (2025, 2026):
        periods.append(("year", dt.date(year, 1, 1), dt.date(year, 12, 31)))
        periods += [("half", dt.date(year, m, 1), month_end(year, m + 5)) for m in (1, 7)]
        periods += [("quarter", dt.date(year, m, 1), month_end(year, m + 2)) for m in (1, 4, 7, 10)]
    checked = 0
    for period_type, start, end in periods:
        if start > AS_OF:
            continue
        for unit in units:
            for sector in ["ALL", *_sectors(oracle)]:
                exp = oracle.bieu06(unit, start, end, sector)
                expected = tuple(exp[k] for k in BIEU06)
                key = (period_type, start, end, unit, sector)
                assert got.get(key, (0,) * len(BIEU06)) == expected, (key, expected, got.get(key))
                checked += expected[0] > 0
    assert checked > 200
    # July 2025: each successor shows its predecessors' open dossiers carried over
    july = (D("2025-07-01"), D("2025-07-31"))
    for successor in SUCCESSORS:
        carried = [
            d
            for d in oracle.received_dossiers(None)
            if d.holder(july[1]) == successor and d.unit != successor and d.received < REFORM
        ]
        assert carried, successor
        assert got[("month", *july, successor, "ALL")][3] >= len(carried)
    # the predecessors hold nothing from then on
    for unit in predecessors:
        assert oracle.bieu06(unit, *july)["c03"] == 0


def test_bieu06_of_every_unit_by_quarter(built) -> None:
    """rpt_bieu06 of every unit, every quarter of the profile, all sectors, and the province as
    the sum of its units (the handover moves dossiers between units, never adds or drops one)."""
    warehouse, oracle = built
    rows = _rows(
        warehouse,
        f"""select period_start, period_end, unit_code, {", ".join(BIEU06.values())}
            from marts.rpt_bieu06 where period_type = 'quarter' and sector_code = 'ALL'""",
    )
    got = {r[:3]: r[3:] for r in rows}
    quarters = sorted({(r[0], r[1]) for r in rows})
    assert len(quarters) == 6
    units = sorted(c for c, u in oracle.units.items() if u["level"] != "province")
    assert {k[2] for k in got} <= set(units)
    for start, end in quarters:
        for unit in units:
            exp = oracle.bieu06(unit, start, end)
            assert got.get((start, end, unit), (0,) * len(BIEU06)) == tuple(
                exp[k] for k in BIEU06
            ), (start, unit)
        # every dossier received by the end and not resolved before the start is in one unit
        total = sum(v[0] for k, v in got.items() if k[:2] == (start, end))
        assert total == sum(
            1
            for d in oracle.received_dossiers(None)
            if d.received <= end and not (d.resolution() and d.resolution() < start)
        )


def month_end(year: int, month: int) -> dt.date:
    return (dt.date(year, month, 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
