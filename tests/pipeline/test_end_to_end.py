"""End to end: the real DAG, run by Airflow (`motcua run` → `airflow dags test`), on a generated
province, compared with an independent calculation (tests/support/oracle.py).

Night 1 takes in the whole generated history; night 2 brings new files, a late file and a
corrected re-send; re-running night 2 changes nothing; a broken run leaves the warehouse as it was.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from motcua.demo import generate_province, write_night
from tests.support.oracle import Oracle, month_end
from tests.support.published import fetch, fingerprint, sha

MOTCUA = str(Path(sys.executable).with_name("motcua"))
pytestmark = pytest.mark.e2e


def run_night(data_dir: Path, day: dt.date) -> subprocess.CompletedProcess:
    env = dict(os.environ, MOTCUA_PSEUDONYM_KEY="e2e-key")
    return subprocess.run(
        [MOTCUA, "--data-dir", str(data_dir), "run", "--date", day.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("province")
    report = generate_province(data_dir, seed=11, profile="small")
    night1 = report.last_report_date
    result = run_night(data_dir, night1)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    warehouse = data_dir / "warehouse" / "motcua.duckdb"
    return {
        "dir": data_dir,
        "report": report,
        "night1": night1,
        "warehouse": warehouse,
        "night1_fingerprint": fingerprint(warehouse),
        "stdout": result.stdout,
    }


def months(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append((day, month_end(day)))
        day = month_end(day) + dt.timedelta(days=1)
    return out


def check_against_oracle(data_dir: Path, warehouse: Path, as_of: dt.date) -> Oracle:
    oracle = Oracle(data_dir, as_of)
    # fct_dossier: every dossier, its outcome as of the warehouse date
    got = {
        (u, c): o
        for u, c, o in fetch(
            warehouse, "select unit_code, dossier_code, outcome from marts.fct_dossier"
        )
    }
    expected = {
        k: (d.outcome(as_of) if d.is_received and d.received else None)
        for k, d in oracle.dossiers.items()
    }
    assert got == expected
    first = min(d.received for d in oracle.received_dossiers(None))
    province_code = next(c for c, u in oracle.units.items() if u["level"] == "province")
    districts = sorted(c for c, u in oracle.units.items() if u["level"] == "district")
    # ind_cohort: every month, province / each district / each unit, all sectors and one sector
    cohort = {
        (r[0], r[1], r[2], r[3]): r[4:]
        for r in fetch(
            warehouse,
            """
            select scope_level, scope_code, sector_code, period_start, received,
                   returned_on_time, returned_late, in_process
            from marts.ind_cohort where period_type = 'month'""",
        )
    }
    sectors = sorted({d.sector for d in oracle.received_dossiers(None) if d.sector})
    checked = 0
    for start, end in months(first, as_of):
        if end < dt.date.fromisoformat(min(str(d) for _, d in oracle.submitted)).replace(day=1):
            continue
        scopes = [("province", province_code, None)]
        scopes += [("district", d, oracle.district_units(d)) for d in districts]
        scopes += [("unit", u, {u}) for u in sorted({d.unit for d in oracle.dossiers.values()})]
        for level, code, units in scopes:
            for sector in ["ALL", *sectors]:
                exp = oracle.cohort(start, end, units, sector)
                key = (level, code, sector, start)
                if key not in cohort:
                    assert exp["received"] == 0 or sector != "ALL", key
                    continue
                assert cohort[key] == tuple(exp.values()), (key, exp)
                checked += 1
    assert checked > 20
    # rpt_bieu06: every column, every unit and month, all sectors and each sector
    columns = [
        "c03_received_total",
        "c04_received_online",
        "c05_received_direct_postal",
        "c06_carried_over",
        "c07_resolved_total",
        "c08_resolved_early",
        "c09_resolved_on_time",
        "c10_resolved_late",
        "c11_pending_total",
        "c12_pending_within",
        "c13_pending_overdue",
    ]
    rows = fetch(
        warehouse,
        f"select unit_code, sector_code, period_start, period_end, "
        f"{', '.join(columns)} from marts.rpt_bieu06 "
        f"where period_type = 'month'",
    )
    assert rows
    carried = 0
    for unit, sector, start, end, *values in rows:
        exp = oracle.bieu06(unit, start, end, sector)
        assert dict(zip(columns, values, strict=True)) == {c: exp[c[:3]] for c in columns}, (
            unit,
            sector,
            start,
        )
        carried += exp["c06"]
    assert carried > 0, "the province must have carried-over dossiers"
    return oracle


def test_night_one_matches_the_independent_calculation(province):
    oracle = check_against_oracle(province["dir"], province["warehouse"], province["night1"])
    # a month as of its own end, and the trailing twelve months ending with the last month
    first_month = months(
        min(d.received for d in oracle.received_dossiers(None)), province["night1"]
    )[-2]
    (row,) = fetch(
        province["warehouse"],
        """
        select received, returned_on_time, returned_late, in_process, is_complete
        from marts.ind_cohort where period_type = 'month' and scope_level = 'province'
          and sector_code = 'ALL' and period_start = ?""",
        [first_month[0]],
    )
    as_of_end = Oracle(province["dir"], first_month[1]).cohort(*first_month)
    assert row[:4] == tuple(as_of_end.values()) and row[4] is True


def test_adoption_at_two_month_ends(province):
    oracle = Oracle(province["dir"], province["night1"])
    got = {
        (d, lv): (i, t)
        for d, lv, i, t in fetch(
            province["warehouse"],
            "select as_of_date, level, units_implementing, units_total from marts.ind_adoption",
        )
    }
    ends = sorted({d for d, _ in got})
    assert len(ends) >= 2
    for day in (ends[0], ends[-2]):
        for level in ("commune", "district", "department"):
            assert got[(day, level)] == oracle.adoption(day, level), (day, level)


def test_gaps_are_found_where_they_were_planted(province):
    report = province["report"]
    issues = set(
        fetch(
            province["warehouse"],
            "select rule_id, unit_code, report_date, dossier_code from marts.dq_issues",
        )
    )
    planted = {(p.rule_id, p.unit_code, p.report_date, p.dossier_code) for p in report.planted}
    assert planted, "the small province plants gaps"
    assert planted - issues == set()
    # R01 exactly: every missing night and nothing else
    oracle = Oracle(province["dir"], province["night1"])
    r01 = {(u, d) for rule, u, d, _ in issues if rule == "R01_missing_submission"}
    assert r01 == oracle.missing_submissions()
    assert {p.rule_id for p in report.planted} >= {
        "R01_missing_submission",
        "R03_missing_required",
        "R06_duplicate_dossier",
        "R07_date_order",
        "R08_status_date_mismatch",
    }


def test_no_personal_data_in_any_marts_table(province):
    names = set()
    for path in (province["dir"] / "landing").glob("*/*.csv"):
        text = path.read_text(encoding="utf-8-sig", errors="ignore")
        for line in text.splitlines()[1:40]:
            for cell in line.replace(";", ",").split(","):
                if len(cell) > 8 and (
                    cell.startswith(("Nguyễn", "Trần", "Lê", "Phạm"))
                    or cell.isdigit()
                    and len(cell) in (9, 12)
                ):
                    names.add(cell)
    assert names, "the generator writes applicant names and identity numbers"
    con = duckdb.connect(str(province["warehouse"]), read_only=True)
    for (table,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    ).fetchall():
        columns = [c[0] for c in con.execute(f"describe marts.{table}").fetchall()]
        assert not any(
            c in columns
            for c in ("applicant_name", "applicant_id", "applicant_phone", "applicant_address")
        )
        dump = str(con.execute(f"select * from marts.{table}").fetchall())
        assert not [n for n in names if n in dump], table
    con.close()


def test_second_night_corrections_rerun_and_failure(province):
    data_dir, night1, warehouse = province["dir"], province["night1"], province["warehouse"]
    night2 = night1 + dt.timedelta(days=1)
    oracle = Oracle(data_dir, night1)
    # units still sending on night 1 (a merged-away commune's ledger has stopped, see the small
    # profile's merger of 2009-02-01)
    sending = {p.stem for p in (data_dir / "landing" / night1.isoformat()).glob("*.csv")}
    unit, code = sorted(
        k
        for k, d in oracle.dossiers.items()
        if d.is_received and d.status in (2, 4) and d.due and d.due < night1 and k[0] in sending
    )[0]
    pending = oracle.dossiers[(unit, code)]
    # night 2: the overdue dossier is returned (late), a new dossier arrives
    write_night(
        data_dir,
        night2,
        {
            unit: [
                {
                    "dossier_code": code,
                    "procedure_code": "X",
                    "sector": pending.sector,
                    "channel": 1,
                    "received_at": pending.received,
                    "due_at": pending.due,
                    "finished_at": night2,
                    "returned_at": night2,
                    "status": 10,
                },
                {
                    "dossier_code": "E2E-NEW-1",
                    "procedure_code": "X",
                    "sector": pending.sector,
                    "channel": 2,
                    "received_at": night2,
                    "due_at": night2 + dt.timedelta(days=5),
                    "status": 4,
                },
            ]
        },
    )
    # a corrected re-send for night 1 of another unit: its dossier is now withdrawn
    other, other_code = sorted(
        k
        for k, d in oracle.dossiers.items()
        if d.is_received and d.status == 4 and k[0] != unit and k[0] in sending
    )[0]
    d = oracle.dossiers[(other, other_code)]
    before = (
        sha(data_dir / "landing" / night1.isoformat() / f"{other}.csv")
        if (data_dir / "landing" / night1.isoformat() / f"{other}.csv").exists()
        else None
    )
    write_night(
        data_dir,
        night1,
        {
            other: [
                {
                    "dossier_code": other_code,
                    "procedure_code": "X",
                    "sector": d.sector,
                    "channel": 1,
                    "received_at": d.received,
                    "due_at": d.due,
                    "status": 7,
                }
            ]
        },
        arrived_at=dt.datetime.now() + dt.timedelta(seconds=5),
    )
    assert before != sha(data_dir / "landing" / night1.isoformat() / f"{other}.csv")

    result = run_night(data_dir, night2)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    check_against_oracle(data_dir, warehouse, night2)
    got = dict(
        ((u, c), (s, o))
        for u, c, s, o in fetch(
            warehouse,
            "select unit_code, dossier_code, status_code, outcome from marts.fct_dossier "
            "where dossier_code in (?, ?, 'E2E-NEW-1')",
            [code, other_code],
        )
    )
    assert got[(unit, code)] == (10, "late")
    assert got[(other, other_code)] == (7, "on_time")
    assert got[(unit, "E2E-NEW-1")] == (4, "pending_within")
    manifest = fetch(
        data_dir / "ingest" / "ingest.duckdb",
        "select status from files where landing_path = ? order by file_id",
        [f"{night1.isoformat()}/{other}.csv"],
    )
    assert [s for (s,) in manifest][-2:] == ["replaced", "loaded"]

    # the same night again: nothing new, the same warehouse
    after_night2 = fingerprint(warehouse)
    again = run_night(data_dir, night2)
    assert again.returncode == 0, again.stdout[-3000:]
    assert fingerprint(warehouse) == after_night2

    # a run that fails (the unit registry is gone) leaves the published file untouched
    published = sha(warehouse)
    units = data_dir / "reference" / "units.csv"
    saved = units.read_bytes()
    units.unlink()
    try:
        failed = run_night(data_dir, night2 + dt.timedelta(days=1))
    finally:
        units.write_bytes(saved)
    assert failed.returncode != 0
    assert sha(warehouse) == published
