"""The nightly build is incremental (motcua.warehouse.build.prepare_build + dbt incremental models)
and gives exactly the tables of a full rebuild (`dbt build --full-refresh`).

Four nights are taken in (validation aside: no findings needed here), built and published one by
one: night 1 builds in full (no published warehouse), nights 2-4 incrementally. Night 3 also
brings a corrected re-send of 445's night-1 ledger (the first file becomes `replaced`: D2
disappears from night 1, D1's due date changes) and 44501's night-2 ledger late (it changes E1's
due date between two states it already had: R12 moves). Night 4, weeks later, opens a new month,
quarter and trailing twelve months, while dossiers untouched since night 2 age past their due
dates (the period facts must move them without being told); its trailing twelve months start
from the previous ones (int_period_seeds), less April 2008, where K1 was received and K2
resolved; night 5 changes only April, so the period marts keep their March rows. After night 5
the published warehouse is moved aside and the same night is built in full: every marts table
must be equal row for row.
A replay of an earlier night falls back to a full rebuild."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from ingestion.load import ingest
from motcua.common.config import DBT_PROJECT_DIR, REPO_ROOT, Settings
from motcua.demo import write_night
from motcua.pipeline.steps import step_build, step_publish
from motcua.warehouse import build
from tests.support.builders import make_reference

N1, N2, N3 = (dt.date(2009, 3, 2) + dt.timedelta(days=i) for i in range(3))
N4 = dt.date(2009, 4, 1)  # a new month, quarter and trailing twelve months
N5 = dt.date(2009, 4, 2)  # March and the first quarter are complete and untouched: kept


def dossier(code, received, due, status, *, finished=None, returned=None, sector="DD"):
    return {
        "dossier_code": code,
        "procedure_code": "DD01" if sector == "DD" else "TP01",
        "sector": sector,
        "channel": 1,
        "received_at": received,
        "due_at": due,
        "finished_at": finished,
        "returned_at": returned,
        "status": status,
    }


def night(data_dir: Path, day: dt.date, rows: dict, arrived: dt.date) -> None:
    for path in write_night(data_dir, day, rows):
        stamp = dt.datetime.combine(arrived, dt.time(23, 0)).timestamp()
        os.utime(path, (stamp, stamp))


NIGHTS = {
    N1: [
        (
            N1,
            {
                "445": [
                    dossier("D1", N1, dt.date(2009, 3, 20), 4),
                    dossier("D2", dt.date(2009, 2, 25), dt.date(2009, 3, 1), 4),
                ],
                "44501": [
                    dossier("E1", N1, dt.date(2009, 3, 3), 2, sector="TP"),
                    dossier(
                        "E2", dt.date(2009, 3, 1), dt.date(2009, 3, 5), 10, finished=N1, returned=N1
                    ),
                ],
                "44502": [],
                "S01": [
                    dossier("F1", N1, dt.date(2009, 3, 10), 4),
                    # in the month that leaves the trailing twelve months on night 4 (April
                    # 2008): K1 received then and still pending, K2 resolved then
                    dossier("K1", dt.date(2008, 4, 15), dt.date(2008, 5, 15), 4),
                    dossier(
                        "K2",
                        dt.date(2008, 3, 20),
                        dt.date(2008, 4, 20),
                        10,
                        finished=dt.date(2008, 4, 10),
                        returned=dt.date(2008, 4, 10),
                    ),
                ],
            },
        ),
    ],
    N2: [
        (
            N2,
            {
                "445": [
                    dossier("D1", N1, dt.date(2009, 3, 20), 9, finished=N2),
                    dossier("D3", N2, dt.date(2009, 3, 4), 4),
                ],
                "44502": [dossier("G1", N2, dt.date(2009, 3, 3), 4)],
                "S01": [],
            },
        ),  # 44501's ledger for N2 comes late, on night 4
    ],
    N3: [
        (
            N3,
            {
                "445": [
                    dossier(
                        "D2",
                        dt.date(2009, 2, 25),
                        dt.date(2009, 3, 1),
                        10,
                        finished=N3,
                        returned=N3,
                    )
                ],
                "44501": [dossier("E1", N1, dt.date(2009, 3, 3), 7, sector="TP")],
                "44502": [],
                "S01": [dossier("F1", N1, dt.date(2009, 3, 10), 10, finished=N3, returned=N3)],
            },
        ),
        # corrected re-send of 445's night-1 ledger: D2 was not received then, D1's due date
        (N1, {"445": [dossier("D1", N1, dt.date(2009, 3, 21), 4)]}),
        # 44501's night-2 ledger, late: E1 in process with another due date
        (N2, {"44501": [dossier("E1", N1, dt.date(2009, 3, 4), 4, sector="TP")]}),
    ],
    # weeks later: G1 and D3 (pending past their due dates, untouched since night 2) age, D3 is
    # resolved now, H1 arrives; 445 and 44502 stay silent
    N4: [
        (
            N4,
            {
                "445": [
                    dossier("D3", N2, dt.date(2009, 3, 4), 10, finished=N4, returned=N4),
                    dossier("D4", N4, dt.date(2009, 4, 8), 2),
                ],
                "S01": [dossier("H1", dt.date(2009, 3, 31), dt.date(2009, 4, 2), 4)],
            },
        ),
    ],
    N5: [(N5, {"S01": [dossier("H2", N5, dt.date(2009, 4, 9), 2)]})],
}


def marts(path: Path) -> dict[str, list[tuple]]:
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


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("incremental")
    make_reference(data_dir)
    settings = Settings.from_env(data_dir)
    plans = {}
    for day, deliveries in NIGHTS.items():
        for report_date, rows in deliveries:
            night(data_dir, report_date, rows, arrived=day)
        ingest(settings, day)
        plans[day] = step_build(day, settings, run_id=f"test-{day}")
        # the SQL dbt ran that night, for test_lineage_is_what_each_model_reads
        target = settings.data_dir / "build" / "dbt_target"
        shutil.copytree(target / "compiled", data_dir / f"compiled-{day}")
        shutil.copy(target / "manifest.json", data_dir / f"manifest-{day}.json")
        step_publish(day, settings, run_id=f"test-{day}")
    return settings, plans


def test_nights_after_the_first_are_incremental(nights) -> None:
    settings, plans = nights
    assert [plans[d]["full_refresh"] for d in (N1, N2, N3, N4, N5)] == [True] + [False] * 4
    assert plans[N1]["reason"] == "no published warehouse"
    assert (plans[N2]["new_files"], plans[N2]["new_rows"], plans[N2]["changed_dossiers"]) == (
        3,
        3,
        3,
    )
    # night 3: four ledgers of the night, the re-send (its first file's D1, D2) and the late file
    assert (plans[N3]["new_files"], plans[N3]["new_rows"], plans[N3]["changed_dossiers"]) == (
        6,
        5,
        4,
    )


def test_a_new_night_does_not_parse_the_project_again(nights) -> None:
    # Each night has another as-of date; passed as a dbt var it would make dbt throw away its
    # parsed project every night (a full parse: seconds of every night's build).
    settings, _ = nights
    log = (settings.data_dir / "build" / "dbt_logs" / "dbt.log").read_text(errors="replace")
    assert "--vars" not in log
    assert "Unable to do partial parsing because config vars" not in log
    reused = "Partial parsing enabled: 0 files deleted, 0 files added, 0 files changed"
    assert log.count(reused) >= 4


def test_a_quiet_night_changes_only_the_periods_it_touches(nights) -> None:
    # night 5 brings one dossier received on 2 April: the period facts change only in the periods
    # running on 2 April (March and the first quarter keep their rows)
    settings, _ = nights
    con = duckdb.connect(str(settings.state_db), read_only=True)  # internal: the build state
    try:
        touched = con.execute(
            """select distinct period_type, period_start
               from intermediate.int_period_unit_deltas order by all"""
        ).fetchall()
    finally:
        con.close()
    assert touched == [
        ("half", dt.date(2009, 1, 1)),
        ("month", dt.date(2009, 4, 1)),
        ("nine_months", dt.date(2009, 1, 1)),
        ("quarter", dt.date(2009, 4, 1)),
        ("ttm", dt.date(2008, 5, 1)),
        ("year", dt.date(2009, 1, 1)),
    ]


def test_incremental_equals_full_refresh(nights) -> None:
    settings, _ = nights
    incremental = marts(settings.warehouse_db)
    state = incremental["fct_dossier"]
    assert len(state) == 12  # D1-D4, E1, E2, F1, G1, H1, H2, K1, K2
    aside = settings.state_db.with_name("incremental.duckdb")
    shutil.move(settings.state_db, aside)
    try:
        plan = step_build(N5, settings)
        assert plan["full_refresh"] and plan["reason"] == "no published warehouse"
        full = marts(settings.build_db)
    finally:
        shutil.move(aside, settings.state_db)
    assert sorted(full) == sorted(incremental)
    for table in full:
        assert full[table] == incremental[table], table


def test_history_through_the_replaced_and_the_late_file(nights) -> None:
    settings, _ = nights
    con = duckdb.connect(str(settings.warehouse_db), read_only=True)
    try:
        history = con.execute(
            """select dossier_code, report_date, status_code, due_date
               from marts.fct_dossier_history
               where dossier_code in ('D1', 'D2', 'E1') order by 1, 2"""
        ).fetchall()
        r12 = con.execute(
            """select unit_code, report_date, dossier_code from marts.dq_issues
               where rule_id = 'R12_retroactive_edit' order by all"""
        ).fetchall()
    finally:
        con.close()
    assert history == [
        ("D1", N1, 4, dt.date(2009, 3, 21)),
        ("D1", N2, 9, dt.date(2009, 3, 20)),
        ("D2", N3, 10, dt.date(2009, 3, 1)),
        ("E1", N1, 2, dt.date(2009, 3, 3)),
        ("E1", N2, 4, dt.date(2009, 3, 4)),
        ("E1", N3, 7, dt.date(2009, 3, 3)),
    ]
    assert r12 == [("445", N2, "D1"), ("44501", N2, "E1"), ("44501", N3, "E1")]


def test_replay_of_an_earlier_night_rebuilds_in_full(nights) -> None:
    settings, _ = nights
    plan = build.prepare_build(settings, N2)
    assert plan.full_refresh
    # 4 files of N3, 2 of N4, 1 of N5
    assert plan.reason == "the ingestion database holds 7 files after 2009-03-03"
    plan = build.prepare_build(settings, N5)
    assert not plan.full_refresh and plan.new_files == 0 and plan.changed_dossiers == 0
    settings.build_db.unlink()


def test_raw_tables_are_synced_file_by_file() -> None:
    """An incremental build rewrites only the rows of the files whose rows differ (count or
    content, duplicates and a NULL file_id included) and ends with the ingestion table's rows."""
    con = duckdb.connect()
    con.execute("attach ':memory:' as ingest")
    con.execute("create schema raw")
    for catalog in ("raw", "ingest.main"):
        con.execute(f"create table {catalog}.findings (rule_id varchar, file_id bigint, n int)")
    con.execute(
        """insert into raw.findings values
           ('R03', 1, 1), ('R03', 2, 7), ('R03', 2, 7), ('R04', 3, 1), ('R01', null, 1)"""
    )
    con.execute(
        """insert into ingest.main.findings values
           ('R03', 1, 1), ('R03', 2, 7), ('R04', 3, 2), ('R01', null, 1), ('R01', null, 2),
           ('R05', 4, 1)"""
    )
    untouched = con.execute("select rowid from raw.findings where file_id = 1").fetchall()
    build._sync_by_file(con, "findings")
    order = "order by file_id nulls first, rule_id, n"
    assert con.execute(f"select * from raw.findings {order}").fetchall() == [
        ("R01", None, 1),
        ("R01", None, 2),
        ("R03", 1, 1),
        ("R03", 2, 7),
        ("R04", 3, 2),
        ("R05", 4, 1),
    ]
    # file 1 did not change: its row was left where it was
    assert con.execute("select rowid from raw.findings where file_id = 1").fetchall() == untouched
    assert sorted(r[0] for r in con.execute("select file_key from changed_files").fetchall()) == [
        -1,
        2,
        3,
        4,
    ]


def relations_read(sql: str, relations: dict[str, str]) -> set[str]:
    """The nodes whose relation (e.g. "motcua"."intermediate"."int_periods") the SQL names,
    comments left out."""
    sql = re.sub(r"/\*.*?\*/", "", sql, flags=re.S)
    sql = re.sub(r"--[^\n]*", "", sql)
    return {uid for name, uid in relations.items() if name in sql}


HOOK_READS = re.compile(r"""(?:ref\(\s*'([^']+)'\s*\)|source\(\s*'([^']+)'\s*,\s*'([^']+)'\s*\))""")


def test_lineage_is_what_each_model_reads(nights) -> None:
    """dbt's lineage (depends_on, what `dbt ls` and the docs' graph show) is exactly what each
    model reads: the relations named in the SQL dbt ran for it on a full rebuild (night 1) or on
    an incremental night (night 4: a new month, a seeded trailing twelve months), and those its
    hooks name. No model reads a relation dbt does not know of (as adapter.get_relation did), and
    none declares one it never reads."""
    settings, _ = nights
    data_dir = settings.data_dir
    manifest = json.loads((data_dir / f"manifest-{N4}.json").read_text())
    nodes = {**manifest["nodes"], **manifest["sources"]}
    relations = {
        n["relation_name"]: uid
        for uid, n in nodes.items()
        if n.get("relation_name") and n["resource_type"] in ("model", "seed", "source")
    }
    by_name = {
        (n["name"] if n["resource_type"] != "source" else (n["source_name"], n["name"])): uid
        for uid, n in nodes.items()
        if n["resource_type"] in ("model", "seed", "source")
    }
    checked = 0
    mismatched = {}
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] != "model":
            continue
        read: set[str] = set()
        for night_ in (N1, N4):
            compiled = data_dir / f"compiled-{night_}" / "motcua" / node["original_file_path"]
            if compiled.exists():
                read |= relations_read(compiled.read_text(), relations)
        for hook in node["config"]["pre-hook"] + node["config"]["post-hook"]:
            for ref, source, table in HOOK_READS.findall(hook["sql"]):
                read.add(by_name[ref] if ref else by_name[(source, table)])
        read.discard(uid)  # {{ this }}
        declared = set(node["depends_on"]["nodes"])
        if read != declared:
            mismatched[node["name"]] = {
                "undeclared": sorted(read - declared),
                "never read": sorted(declared - read),
            }
        checked += 1
    assert mismatched == {}
    assert checked == sum(1 for n in manifest["nodes"].values() if n["resource_type"] == "model")
    # the check does tell: the deltas read the staged periods, the facts their own seeds
    deltas = manifest["nodes"]["model.motcua.int_period_unit_deltas"]["depends_on"]["nodes"]
    assert "model.motcua.stg_build__periods_before" in deltas
    assert "model.motcua.int_period_unit_counts" not in deltas


def example_diff() -> str:
    """The diff of docs/warehouse-incremental.md's "Adding an indicator by period"."""
    doc = (REPO_ROOT / "docs" / "warehouse-incremental.md").read_text()
    section = doc[doc.index("## Adding an indicator by period") :]
    section = section[: section.index("\n## ", 1)]
    blocks = re.findall(r"```diff\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_adding_an_indicator_by_period_as_the_docs_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The docs' example, applied to a copy of the dbt project: a count added to the period facts
    flows to a column of rpt_bieu06, on a full rebuild and on an incremental night alike, and
    equals the count of the per-dossier processing times."""
    repo = tmp_path / "repo"
    shutil.copytree(
        DBT_PROJECT_DIR, repo / "dbt_project", ignore=shutil.ignore_patterns("target", "logs")
    )
    (tmp_path / "example.diff").write_text(example_diff())
    applied = subprocess.run(
        ["git", "apply", "--verbose", str(tmp_path / "example.diff")],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert applied.returncode == 0, applied.stderr
    monkeypatch.setattr(build, "DBT_PROJECT_DIR", repo / "dbt_project")

    data_dir = tmp_path / "data"
    make_reference(data_dir)
    settings = Settings.from_env(data_dir)
    plans = {}
    for day, deliveries in ((N1, NIGHTS[N1]), (N4, NIGHTS[N2] + NIGHTS[N3] + NIGHTS[N4])):
        for report_date, rows in deliveries:
            night(data_dir, report_date, rows, arrived=day)
        ingest(settings, day)
        plans[day] = step_build(day, settings, run_id=f"example-{day}")
        step_publish(day, settings, run_id=f"example-{day}")
    assert [plans[N1]["full_refresh"], plans[N4]["full_refresh"]] == [True, False]

    query = """select period_type, period_start, unit_code, sector_code, resolved_within_5_days
               from marts.rpt_bieu06 order by all"""
    con = duckdb.connect(str(settings.warehouse_db), read_only=True)
    try:
        incremental = con.execute(query).fetchall()
    finally:
        con.close()
    # the same count from one row per dossier, independently of the period facts (in the build
    # state, beside the intermediate tables)
    con = duckdb.connect(str(settings.state_db), read_only=True)
    try:
        expected = con.execute(
            """with resolved as (
                   select p.period_type, p.period_start, t.unit_code, t.sector_code
                   from intermediate.int_dossier_processing_times as t
                   inner join intermediate.int_periods as p
                       on t.resolution_date between p.period_start and p.as_of_date
                   where t.processing_working_days <= 5 and p.period_type <> 'ttm'
               )
               select period_type, period_start, unit_code, sector_code, count(*)
               from resolved where sector_code is not null group by all
               union all
               select period_type, period_start, unit_code, 'ALL', count(*)
               from resolved group by all
               order by all"""
        ).fetchall()
    finally:
        con.close()
    counted = sorted(r for r in incremental if r[4])
    assert counted == sorted(expected)
    assert counted  # F1 (2 working days) and K2 count somewhere

    aside = settings.state_db.with_name("incremental.duckdb")
    os.replace(settings.state_db, aside)
    assert step_build(N4, settings, run_id="example-full")["full_refresh"]
    step_publish(N4, settings, run_id="example-full")
    con = duckdb.connect(str(settings.warehouse_db), read_only=True)
    try:
        assert con.execute(query).fetchall() == incremental
    finally:
        con.close()
