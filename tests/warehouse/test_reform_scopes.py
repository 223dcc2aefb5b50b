"""Scopes by period across the abolition of the district level (issue #14, part 1), successions,
lineages and units in force, on the small province of tests/support/reform.py (the session
fixture ``reform``: its nights taken in and built on 2025-06-30, 2025-07-01 and 2025-12-31), every
expected value worked out by hand."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb

from motcua.common.config import Settings
from motcua.pipeline.steps import step_build
from tests.support.reform import LEDGERS, NEW, NIGHTS, OLD, D, build_nights, dossier


def _marts(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "order by 1"
            ).fetchall()
        ]
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in tables}
    finally:
        con.close()


def _incremental_and_full(settings: Settings, night: dt.date) -> tuple[dict, dict]:
    """The published (incremental) warehouse's marts and those of a full rebuild of ``night``."""
    incremental = _marts(settings.warehouse_db)
    aside = settings.warehouse_db.with_name("incremental.duckdb")
    shutil.move(settings.warehouse_db, aside)
    try:
        plan = step_build(night, settings)
        assert plan["full_refresh"]
        full = _marts(settings.build_db)
    finally:
        shutil.move(aside, settings.warehouse_db)
    return incremental, full


def _cohort(settings: Settings, period_type: str, start: str) -> dict[tuple[str, str], tuple]:
    con = duckdb.connect(str(settings.warehouse_db), read_only=True)
    try:
        rows = con.execute(
            """select scope_level, scope_code, received, returned_on_time, returned_late,
                      in_process
               from marts.ind_cohort
               where period_type = ? and period_start = ? and sector_code = 'ALL'""",
            [period_type, D(start)],
        ).fetchall()
    finally:
        con.close()
    return {(r[0], r[1]): r[2:] for r in rows}


def test_nights_are_incremental_across_the_reform(reform) -> None:
    _, plans = reform
    assert [p["full_refresh"] for p in plans.values()] == [True, False, False]


def test_quarters_before_the_reform_by_district(reform) -> None:
    settings, _ = reform
    q1 = _cohort(settings, "quarter", "2025-01-01")
    # (received, on time, late, in process); Q1: C1 late, A1 early, B1 on time
    assert {k: v for k, v in q1.items() if k[0] in ("district", "province")} == {
        ("province", "42"): (3, 2, 1, 0),
        ("district", "901"): (2, 2, 0, 0),
        ("district", "902"): (1, 0, 1, 0),
    }
    q2 = _cohort(settings, "quarter", "2025-04-01")
    # Q2 as of 06-30: A2 late, B2 and D2 pending (due 07-15, 07-05), D1 early; 902 exists,
    # received nothing
    assert {k: v for k, v in q2.items() if k[0] in ("district", "province")} == {
        ("province", "42"): (4, 1, 1, 2),
        ("district", "901"): (4, 1, 1, 2),
        ("district", "902"): (0, 0, 0, 0),
    }


def test_quarters_after_the_reform_by_commune_and_province_without_districts(reform) -> None:
    settings, _ = reform
    q3 = _cohort(settings, "quarter", "2025-07-01")
    # Q3 as of 09-30: E1 early (S01), A3 early (90101, the new ward), C2 pending (90201)
    assert not [k for k in q3 if k[0] == "district"]
    assert q3[("province", "42")] == (3, 2, 0, 1)
    assert q3[("unit", "90101")] == (1, 1, 0, 0)
    assert q3[("unit", "90201")] == (1, 0, 0, 1)
    assert q3[("unit", "S01")] == (1, 1, 0, 0)
    # the province is the sum of its units
    units = [v for k, v in q3.items() if k[0] == "unit"]
    assert tuple(map(sum, zip(*units, strict=True))) == q3[("province", "42")]
    for period_type, start in (("half", "2025-07-01"), ("month", "2025-12-01")):
        assert not [k for k in _cohort(settings, period_type, start) if k[0] == "district"]


def test_a_year_straddling_the_reform(reform) -> None:
    settings, _ = reform
    year = _cohort(settings, "year", "2025-01-01")
    # as of 12-31. 901 with the communes it held until 06-30: A1, A2, B1, B2 (overdue), D1, D2
    # (resolved early by the new 90101: the cohort keeps it where it was received), but not A3,
    # received by the new ward 90101 in August; 902: C1, not C2
    assert year[("district", "901")] == (6, 4, 1, 1)
    assert year[("district", "902")] == (1, 0, 1, 0)
    # the province: all ten, D2 once; the unit 90101: A1, A2 (Xã An) and A3 (Phường Hòa Bình)
    assert year[("province", "42")] == (10, 6, 2, 2)
    assert year[("unit", "90101")] == (3, 2, 1, 0)
    units = [v for k, v in year.items() if k[0] == "unit"]
    assert tuple(map(sum, zip(*units, strict=True))) == year[("province", "42")]


def _rows(settings: Settings, sql: str, params: list) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_db), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_the_handover_counts_each_dossier_once_held_by_the_successor(reform) -> None:
    """submission-contract.md, unit_successions.csv: B2 and D2, open on 2025-07-01, stay received by
    90102 and 901 and are held by the new 90101 from then on; D2, which the new 90101 reports under
    its original code, is one dossier."""
    settings, _ = reform
    assert _rows(
        settings,
        """select unit_code, dossier_code, holding_unit_code, handover_date,
                  last_reporting_unit_code, status_code, outcome
           from marts.fct_dossier order by dossier_code""",
        [],
    ) == [
        ("90101", "A1", "90101", None, "90101", 10, "early"),
        ("90101", "A2", "90101", None, "90101", 10, "late"),
        ("90101", "A3", "90101", None, "90101", 10, "early"),
        ("90102", "B1", "90102", None, "90102", 10, "on_time"),
        ("90102", "B2", "90101", D("2025-07-01"), "90102", 4, "pending_overdue"),
        ("90201", "C1", "90201", None, "90201", 10, "late"),
        ("90201", "C2", "90201", None, "90201", 4, "pending_overdue"),
        ("901", "D1", "901", None, "901", 10, "early"),
        ("901", "D2", "90101", D("2025-07-01"), "90101", 10, "early"),
        ("S01", "E1", "S01", None, "S01", 10, "early"),
    ]
    # D2's history: reported by 901 on 06-30, by the new 90101 on 09-30
    assert _rows(
        settings,
        """select unit_code, report_date, reporting_unit_code, status_code
           from marts.fct_dossier_history where dossier_code = 'D2' order by report_date""",
        [],
    ) == [("901", D("2025-06-30"), "901", 4), ("901", D("2025-09-30"), "90101", 10)]
    # Biểu 06 (c03 received total, c04 + c05 received, c06 carried over, c07 resolved, c08
    # early, c11 pending, c12 within, c13 overdue): June at 901, D2 received and pending; July at
    # the new 90101, B2 and D2 carried over, D2 resolved early, B2 overdue at 07-31; 901 and 90102
    # hold nothing in July
    bieu06 = """select unit_code, c03_received_total,
                       c04_received_online + c05_received_direct_postal, c06_carried_over,
                       c07_resolved_total, c08_resolved_early, c11_pending_total,
                       c12_pending_within, c13_pending_overdue
                from marts.rpt_bieu06
                where period_type = 'month' and period_start = ? and sector_code = 'ALL'
                    and unit_code in ('901', '90101', '90102') order by 1"""
    assert _rows(settings, bieu06, [D("2025-06-01")]) == [
        ("901", 1, 1, 0, 0, 0, 1, 1, 0),
        ("90101", 0, 0, 0, 0, 0, 0, 0, 0),
        ("90102", 1, 1, 0, 0, 0, 1, 1, 0),
    ]
    assert _rows(settings, bieu06, [D("2025-07-01")]) == [
        ("901", 0, 0, 0, 0, 0, 0, 0, 0),
        ("90101", 2, 0, 2, 1, 1, 1, 0, 1),
        ("90102", 0, 0, 0, 0, 0, 0, 0, 0),
    ]
    # each dossier once: the province's Q3 received total (carried over B2, D2; received E1, A3,
    # C2) is the sum of the units'
    q3 = _rows(
        settings,
        """select sum(c03_received_total), sum(c06_carried_over) from marts.rpt_bieu06
           where period_type = 'quarter' and period_start = ? and sector_code = 'ALL'""",
        [D("2025-07-01")],
    )
    assert q3 == [(5, 2)]


def test_progress_score_and_service_measures_follow_the_scopes(reform) -> None:
    settings, _ = reform
    score = """select scope_level, scope_code, received_total, progress_numerator,
                      round(progress_score, 3)
               from marts.ind_progress_score
               where period_type = ? and period_start = ? and sector_code = 'ALL'
                   and scope_level in ('district', 'province') order by 1, 2"""
    # Q1 (Biểu 06 col 3 = received + carried over): 901 A1 early, B1 on time; 902 C1 late
    assert _rows(settings, score, ["quarter", D("2025-01-01")]) == [
        ("district", "901", 2, 2, 20.0),
        ("district", "902", 1, 0, 0.0),
        ("province", "42", 3, 2, 13.333),
    ]
    # Q3: no district; B2 carried over and overdue, D2 carried over and resolved early, A3 and E1
    # early, C2 overdue
    assert _rows(settings, score, ["quarter", D("2025-07-01")]) == [("province", "42", 5, 3, 12.0)]
    # the year: 901 counts what its units settled until 06-30 (A1, D1 early, B1 on time, A2
    # late), not A3 (resolved by the new ward 90101 after 06-30), nor B2 and D2, which the new
    # 90101 holds from the handover on; 902: C1, not C2 (received by the new 90201)
    assert _rows(settings, score, ["year", D("2025-01-01")]) == [
        ("district", "901", 4, 3, 15.0),
        ("district", "902", 1, 0, 0.0),
        ("province", "42", 10, 6, 12.0),
    ]
    measures = """select scope_level, scope_code, received, resolved_measured,
                         processing_days_mean, processing_days_median, late_or_overdue,
                         pending_overdue
                  from marts.ind_service_measures
                  where period_type = ? and period_start = ? and sector_code = 'ALL'
                      and scope_level in ('district', 'province') order by 1, 2"""
    # working days: A1 02-10 -> 02-12: 2; B1 03-03 -> 03-10: 5; D1 04-01 -> 04-15 (04-07 Giỗ Tổ
    # Hùng Vương): 9; A2 05-05 -> Sunday 05-25: 14. 901's year: received A1, A2, B1, D1 (B2 and
    # D2 are held by the new 90101 at 12-31); resolved A1, A2, B1, D1; late A2
    got = _rows(settings, measures, ["year", D("2025-01-01")])
    assert got[0] == ("district", "901", 4, 4, 7.5, 7.0, 1, 0)
    assert got[1][:4] == ("district", "902", 1, 1)
    # the province: A2 and C1 late, B2 and C2 overdue at 12-31
    assert got[2][:3] == ("province", "42", 10) and got[2][6:] == (4, 2)
    assert [r[:2] for r in _rows(settings, measures, ["quarter", D("2025-07-01")])] == [
        ("province", "42")
    ]


def test_units_in_force_each_night(reform) -> None:
    """dim_unit gives a unit's level and parent as of any date; R01 and the scorecard expect a
    file only from the units in force that night (90102, 901 and 902 owe none after 06-30; the
    new 90101 and 90201 do)."""
    settings, _ = reform
    as_of = """select unit_code, level, parent_code, district_code from marts.dim_unit
               where ? between valid_from and coalesce(valid_to, ?) order by 1"""
    june, july = D("2025-06-30"), D("2025-07-01")
    assert _rows(settings, as_of, [june, june]) == [
        ("42", "province", None, None),
        ("901", "district", "42", "901"),
        ("90101", "commune", "901", "901"),
        ("90102", "commune", "901", "901"),
        ("902", "district", "42", "902"),
        ("90201", "commune", "902", "902"),
        ("S01", "department", "42", None),
    ]
    assert _rows(settings, as_of, [july, july]) == [
        ("42", "province", None, None),
        ("90101", "commune", "42", None),
        ("90201", "commune", "42", None),
        ("S01", "department", "42", None),
    ]
    # expected from the first report date (2025-01-31) while in force; files on 3 nights each
    r01 = """select unit_code, count(*), min(report_date), max(report_date) from marts.dq_issues
             where rule_id = 'R01_missing_submission' group by 1 order by 1"""
    assert _rows(settings, r01, []) == [
        ("901", 148, D("2025-02-01"), D("2025-06-29")),
        ("90101", 329, D("2025-02-01"), D("2025-12-30")),
        ("90102", 148, D("2025-02-01"), D("2025-06-29")),
        ("902", 148, D("2025-02-01"), D("2025-06-29")),
        ("90201", 329, D("2025-02-01"), D("2025-12-30")),
        ("S01", 329, D("2025-02-01"), D("2025-12-30")),
    ]
    july_scores = """select unit_code, submissions_expected, submissions_received
                     from marts.dq_unit_scorecard
                     where month = ? and submissions_expected > 0 order by 1"""
    assert _rows(settings, july_scores, [july]) == [
        ("90101", 31, 1),
        ("90201", 31, 1),
        ("S01", 31, 1),
    ]
    assert _rows(settings, july_scores, [D("2025-06-01")]) == [
        (u, 30, 1) for u in ("901", "90101", "90102", "902", "90201", "S01")
    ]
    # the accountability ranks the units in force in the month; the units gone on 06-30 keep
    # their rows (their R01 gaps of before stay open), unranked
    ranked = """select unit_code, rank_in_province from marts.dq_unit_accountability
                where month = ? order by 1"""
    june_ranks = _rows(settings, ranked, [D("2025-06-01")])
    assert [u for u, rank in june_ranks if rank is not None] == sorted(OLD)
    assert min(rank for _, rank in june_ranks) == 1
    for month in ("2025-07-01", "2025-12-01"):
        ranks = dict(_rows(settings, ranked, [D(month)]))
        assert sorted(ranks) == sorted(set(OLD) | set(NEW))
        assert sorted(u for u, rank in ranks.items() if rank is not None) == sorted(NEW)
        assert min(rank for rank in ranks.values() if rank is not None) == 1


def test_successors_with_their_predecessors(reform) -> None:
    """map_unit_successor follows the successions (a code kept by the new unit maps to itself), so
    the new ward's history can be read with the communes it replaced (docs/warehouse.md)."""
    settings, _ = reform
    assert _rows(
        settings,
        """select unit_code, successor_unit_code, steps, succession_kinds
           from marts.map_unit_successor where unit_code <> '42' order by 1""",
        [],
    ) == [
        ("901", "90101", 1, "abolish"),
        ("90101", "90101", 0, None),
        ("90102", "90101", 1, "merge"),
        ("902", "90201", 1, "abolish"),
        ("90201", "90201", 0, None),
        ("S01", "S01", 0, None),
    ]
    # the documented lineage query: 90101 with the communes it replaced (abolished districts
    # left out), per quarter of 2025: Q1 A1 (90101), B1 (90102); Q2 A2, B2; Q3 A3
    lineage = """select c.period_label, sum(c.received)
                 from marts.ind_cohort c
                 join marts.map_unit_successor m on c.scope_code = m.unit_code
                 where c.scope_level = 'unit' and c.sector_code = 'ALL'
                     and c.period_type = 'quarter' and m.successor_unit_code = ?
                     and coalesce(m.succession_kinds, '') not like '%abolish%'
                 group by 1 order by 1"""
    assert _rows(settings, lineage, ["90101"]) == [
        ("2025-Q1", 2),
        ("2025-Q2", 2),
        ("2025-Q3", 1),
        ("2025-Q4", 0),
    ]


def test_incremental_equals_full_rebuild_across_the_reform(reform) -> None:
    settings, _ = reform
    incremental, full = _incremental_and_full(settings, D("2025-12-31"))
    assert sorted(full) == sorted(incremental)
    for table in full:
        assert full[table] == incremental[table], table


def test_lineage_scope_of_a_successor_with_its_predecessors(reform) -> None:
    """scope_level 'unit_lineage' (issue #14, part 3): the new ward 90101 with the commune it
    replaced, 90102 (steps 1, merge); not the abolished district 901, whose chain is `abolish`;
    90201 kept its code alone (a rename to itself is not a step), so it has no lineage scope."""
    settings, _ = reform
    assert _rows(
        settings,
        """select lineage_code, lineage_name, unit_code, steps, succession_kinds
           from marts.map_unit_lineage order by all""",
        [],
    ) == [
        ("90101", "Phường Hòa Bình", "90101", 0, None),
        ("90101", "Phường Hòa Bình", "90102", 1, "merge"),
    ]
    assert _rows(
        settings,
        """select distinct scope_code from marts.ind_cohort
           where scope_level = 'unit_lineage' order by all""",
        [],
    ) == [("90101",)]
    # (received, on time, late, in process) of the lineage per quarter: Q1 A1 early (90101), B1
    # on time (90102); Q2 A2 late, B2 pending (due 07-15) at 06-30; Q3 A3 early; Q4 nothing
    lineage = [
        _cohort(settings, "quarter", start)[("unit_lineage", "90101")]
        for start in ("2025-01-01", "2025-04-01", "2025-07-01", "2025-10-01")
    ]
    assert lineage == [(2, 2, 0, 0), (2, 0, 1, 1), (1, 1, 0, 0), (0, 0, 0, 0)]
    # the same as the documented query over map_unit_successor (abolished districts left out)
    documented = """select c.period_label, sum(c.received)
                    from marts.ind_cohort c
                    join marts.map_unit_successor m on c.scope_code = m.unit_code
                    where c.scope_level = 'unit' and c.sector_code = 'ALL'
                        and c.period_type = 'quarter' and m.successor_unit_code = ?
                        and coalesce(m.succession_kinds, '') not like '%abolish%'
                    group by 1 order by 1"""
    assert [r[1] for r in _rows(settings, documented, ["90101"])] == [r[0] for r in lineage]
    # the year, as of 12-31: A1, B1, A3 on time, A2 late, B2 still in process (overdue); the
    # lineage is the sum of its two units (90101: A1, A2, A3; 90102: B1, B2)
    year = _cohort(settings, "year", "2025-01-01")
    assert year[("unit_lineage", "90101")] == (5, 3, 1, 1)
    assert year[("unit", "90102")] == (2, 1, 0, 1)
    assert year[("unit", "90101")] == (3, 2, 1, 0)
    # the province stays the sum of its units, lineage rows apart
    assert year[("province", "42")] == (10, 6, 2, 2)


def test_lineage_scope_in_the_progress_score_and_service_measures(reform) -> None:
    settings, _ = reform
    score = """select period_label, received_total, progress_numerator, round(progress_score, 3)
               from marts.ind_progress_score
               where scope_level = 'unit_lineage' and scope_code = '90101'
                   and sector_code = 'ALL' and period_type in ('quarter', 'year')
               order by period_type, period_start"""
    # Biểu 06 col 3 = received + carried over; numerator = early + on time + pending within.
    # Q1: A1 early, B1 on time. Q2: A2 late, B2 pending within (due 07-15) at 06-30 (D2 is
    # still 901's). Q3: B2 carried over, overdue at 09-30; D2 carried over from the abolished 901
    # (held by 90101 from the handover), resolved early; A3 early. Q4: B2 carried over, overdue.
    # The year, as held at 12-31: A1, B1, A3, D2 settled in time of A1, A2, A3, B1, B2, D2.
    # (Held by 90102 or by 90101 after the handover, B2 counts once in the lineage.)
    assert _rows(settings, score, []) == [
        ("2025-Q1", 2, 2, 20.0),
        ("2025-Q2", 2, 1, 10.0),
        ("2025-Q3", 3, 2, 13.333),
        ("2025-Q4", 1, 0, 0.0),
        ("2025", 6, 4, 13.333),
    ]
    measures = """select received, resolved_measured, processing_days_mean,
                         processing_days_median, late_or_overdue, pending_overdue
                  from marts.ind_service_measures
                  where scope_level = 'unit_lineage' and scope_code = '90101'
                      and sector_code = 'ALL' and period_type = 'year'"""
    # held at 12-31: A1, A2, A3, B1, B2 and D2 (from 901); working days: A1 2, B1 5, A2 14, A3
    # 08-04 (Monday) -> 08-08 (Friday) 4, D2 06-25 (Wednesday) -> 07-03 (Thursday) 6: mean 31 / 5,
    # median 5; A2 late and B2 overdue at 12-31
    assert _rows(settings, measures, []) == [(6, 5, 6.2, 5.0, 2, 1)]


def test_a_stale_dossier_is_the_gap_of_the_unit_holding_it(reform) -> None:
    """R11_stale_pending after the handover: B2 (received by 90102 on 06-20, due 07-15, last in
    90102's ledger of 06-30, never re-reported) is stale as of 12-31 from
    greatest(07-15 + 1, 06-30 + 31, handover 07-01) = 07-31 on, and it is the gap of the new 90101,
    whose ledger carries it; C2 (90201's own, due 09-20, last reported 09-30) from 10-31 on.
    90102, abolished, is owed nothing."""
    settings, _ = reform
    issues = _rows(
        settings,
        """select unit_code, report_date, dossier_code, detail_en from marts.dq_issues
           where rule_id = 'R11_stale_pending' order by dossier_code""",
        [],
    )
    assert [r[:3] for r in issues] == [
        ("90101", D("2025-07-31"), "B2"),
        ("90201", D("2025-10-31"), "C2"),
    ]
    assert issues[0][3].endswith("; received by unit 90102, handed over on 2025-07-01")
    assert "received by" not in issues[1][3]
    gaps = _rows(
        settings,
        """select unit_code, dossier_code, status, first_seen_date from marts.dq_gap_status
           where rule_id = 'R11_stale_pending' order by dossier_code""",
        [],
    )
    assert gaps == [
        ("90101", "B2", "open", D("2025-07-31")),
        ("90201", "C2", "open", D("2025-10-31")),
    ]
    # fct_dossier keeps B2 under 90102 and counts the successor's gap on it
    counts = dict(
        _rows(
            settings,
            """select f.unit_code || '/' || f.dossier_code,
                      f.issue_count - (select count(*) from marts.dq_issues i
                                       where i.dossier_code = f.dossier_code
                                         and i.unit_code = f.unit_code)
               from marts.fct_dossier f where f.dossier_code in ('B2', 'C2')""",
            [],
        )
    )
    assert counts == {"90102/B2": 1, "90201/C2": 0}


def test_the_successors_gaps_on_the_dossiers_it_carries_on(tmp_path) -> None:
    """B9, received by 90102 on 03-04, due 03-12, pending, last in its ledger of 03-31: stale from
    greatest(03-13, 03-31 + 31) = 05-01, 90102's gap on 06-30. On 07-01 it is handed over to the
    new 90101 with nothing reported: the incremental night moves the gap to 90101 from 07-01 on,
    as a full rebuild does (macros/stale_pending.sql takes the dossiers handed over since the
    previous night). The same night the new 90101 reports 901's D2 with its due date moved from
    07-05 to 07-06 (R12) and its status back from 4 to 2 (R14), and 901's D1, resolved on 04-15
    (so never handed over), with its due date moved from 04-30 to 05-01 (R12): gaps of 90101's
    ledger, counted in 901's D2 and D1."""
    ledgers = {day: {u: list(rows) for u, rows in units.items()} for day, units in LEDGERS.items()}
    ledgers["2025-03-31"]["90102"].append(dossier("B9", "2025-03-04", "2025-03-12", 4))
    ledgers["2025-07-01"] = {
        "90101": [
            dossier("D2", "2025-06-25", "2025-07-06", 2),
            dossier("D1", "2025-04-01", "2025-05-01", 10, "2025-04-15"),
        ]
    }
    nights = {night: days for night, days in NIGHTS.items() if night <= D("2025-07-01")}
    settings, plans = build_nights(tmp_path / "data", ledgers, nights)
    assert [p["full_refresh"] for p in plans.values()] == [True, False]
    history = """select rule_id, unit_code, report_date, dossier_code from marts.dq_issues
                 where source = 'history' and rule_id <> 'R01_missing_submission' order by all"""
    assert _rows(settings, history, []) == [
        ("R11_stale_pending", "90101", D("2025-07-01"), "B9"),
        ("R12_retroactive_edit", "90101", D("2025-07-01"), "D1"),
        ("R12_retroactive_edit", "90101", D("2025-07-01"), "D2"),
        ("R14_status_regression", "90101", D("2025-07-01"), "D2"),
    ]
    counts = """select unit_code, dossier_code, holding_unit_code, issue_count
                from marts.fct_dossier where dossier_code in ('B9', 'D1', 'D2') order by all"""
    # 901's own ledger has no gap on D1 or D2: theirs are 90101's
    assert _rows(settings, counts, []) == [
        ("901", "D1", "901", 1),
        ("901", "D2", "90101", 2),
        ("90102", "B9", "90101", 1),
    ]
    incremental, full = _incremental_and_full(settings, D("2025-07-01"))
    for table in ("dq_issues", "dq_gap_status", "fct_dossier"):
        assert full[table] == incremental[table], table
