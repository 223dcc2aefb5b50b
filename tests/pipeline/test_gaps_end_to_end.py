"""End to end, record-keeping gaps: the real DAG (`motcua run` → Airflow) on the small generated
province plus one more night that plants the per-submission gaps the generator does not plant.

Night X = 2009-02-15 (the day after the generated period): every unit that sent a file on the
last generated night sends a header-only file, except

* 18409, whose file carries a dossier due 9 working days after its statutory limit (R09) and a
  dossier returned late with no apology date (R10);
* 18829, whose only file is a corrupt XLSX (R02, quarantined: the night still counts as sent);

and a file named after a unit the registry does not know, 99999 (R05, quarantined). 18409's
rows also carry personal data where clerks type it (notes, procedure name, handling agency) and
in the applicant columns: none of it may reach the ingestion database, the published warehouse,
the Data Docs or the logs.

Checked: every planted gap (the generator's and these) is in marts.dq_issues with its rule,
unit, report date and dossier; R01, R06, R07 and R08 are exactly the planted ones (no false
alarm); the unit scorecard counts expected and missing submissions as computed by hand below;
the Data Docs open from disk and show the file-level suite. One Airflow run.

Then night X + 1 (a second Airflow run, issue #17): 18409 re-sends its night-X ledger with the
R10 dossier corrected. In marts.dq_gap_status the R10 gap is fixed that night by the re-send, the
other planted gaps are open since night X; 18409's feedback workbook lists exactly its open gaps
(R09's, not R10's), and no feedback file holds personal data.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from expectations.datadocs import remote_assets
from motcua.demo import generate_province, write_night
from tests.support.published import fetch

MOTCUA = str(Path(sys.executable).with_name("motcua"))
pytestmark = pytest.mark.e2e

D = dt.date.fromisoformat
SEED = 5
NIGHT = D("2009-02-15")
UNIT_A = "18409"  # R09 and R10 rows
UNIT_B = "18829"  # corrupt file (R02)
UNKNOWN_UNIT = "99999"  # R05
R09_DOSSIER = "GAP-R09-FAR-DUE"
R10_DOSSIER = "GAP-R10-LATE"
PLANTED_HERE = {
    ("R09_due_date_vs_statutory", UNIT_A, NIGHT, R09_DOSSIER),
    ("R10_overdue_without_apology", UNIT_A, NIGHT, R10_DOSSIER),
    ("R02_unreadable_file", UNIT_B, NIGHT, None),
    ("R05_unknown_reference", UNKNOWN_UNIT, NIGHT, None),
}


# Personal data planted in 18409's rows, and every piece of it that must not be found anywhere
# analysts (or the ingestion database) can read.
PERSONAL = {
    "applicant_name": "Trần Văn Khoái",
    "applicant_id": "042085001234",
    "applicant_phone": "0912345678",
    "applicant_address": "Xóm Đồng Bàu, xã Thạch Hạ",
    "notes": "Ông Trần Văn Khoái gọi lại SĐT 0912 345 678, CCCD 042085001234, "
    "mail khoai.tv@gmail.com",
}
PERSONAL_2 = {
    "notes": "Chị Lê Thị Mận (CMND 186543210) nhờ anh Phan Quốc Bảo nộp hộ, ĐT (0239) 3855 123",
    "procedure_name": "Đăng ký khai sinh cho cháu Nguyễn Văn Tèo",
    "handling_agency": "Tư pháp, ông Hồ Sĩ Lực 0987.654.321",
}
NEVER_FOUND = [
    "Khoái",
    "Đồng Bàu",
    "042085001234",
    "0912345678",
    "0912 345 678",
    "khoai.tv@gmail.com",
    "Mận",
    "186543210",
    "Phan Quốc Bảo",
    "3855 123",
    "Tèo",
    "Hồ Sĩ Lực",
    "0987.654.321",
]


def plant_night(data_dir: Path) -> None:
    senders = sorted(p.stem for p in (data_dir / "landing" / "2009-02-14").iterdir())
    assert UNIT_A in senders and UNIT_B in senders
    base = {"procedure_code": "X-TP-03", "sector": "TP", "channel": 1}  # 5 working days
    rows = {code: [] for code in senders if code != UNIT_B}
    rows[UNIT_A] = [
        # received Monday 09/02; the 5th working day after is Monday 16/02; promised 27/02,
        # 9 working days later (tolerance 1). Pending, due ahead: nothing else.
        {
            **base,
            "dossier_code": R09_DOSSIER,
            "received_at": D("2009-02-09"),
            "due_at": D("2009-02-27"),
            "status": 4,
            **PERSONAL,
        },
        # received Monday 02/02 (after Tết), due Monday 09/02 as the law says, result and
        # return on 12/02 with no rescheduled date: late without an apology letter.
        {
            **base,
            "dossier_code": R10_DOSSIER,
            "received_at": D("2009-02-02"),
            "due_at": D("2009-02-09"),
            "finished_at": D("2009-02-12"),
            "returned_at": D("2009-02-12"),
            "status": 10,
            **PERSONAL_2,
        },
    ]
    write_night(data_dir, NIGHT, rows)
    folder = data_dir / "landing" / NIGHT.isoformat()
    (folder / f"{UNIT_B}.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook " * 8)
    (folder / f"{UNKNOWN_UNIT}.csv").write_text(
        (folder / f"{UNIT_A}.csv").read_text(encoding="utf-8").splitlines()[0] + "\r\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("gaps")
    report = generate_province(data_dir, seed=SEED, profile="small")
    assert report.last_report_date == NIGHT - dt.timedelta(days=1)
    plant_night(data_dir)
    env = dict(os.environ, MOTCUA_PSEUDONYM_KEY="e2e-gaps-key")
    result = subprocess.run(
        [MOTCUA, "--data-dir", str(data_dir), "run", "--date", NIGHT.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    warehouse = data_dir / "warehouse" / "motcua.duckdb"
    issues = {
        (rule, unit, day, dossier or None)
        for rule, unit, day, dossier in fetch(
            warehouse,
            "select rule_id, unit_code, report_date, dossier_code from marts.dq_issues",
        )
    }
    return {
        "dir": data_dir,
        "report": report,
        "warehouse": warehouse,
        "issues": issues,
        "data_dir_ingest": data_dir / "ingest" / "ingest.duckdb",
    }


def test_every_planted_gap_is_reported(province):
    planted = {
        (p.rule_id, p.unit_code, p.report_date, p.dossier_code) for p in province["report"].planted
    }
    assert planted - province["issues"] == set()
    assert PLANTED_HERE - province["issues"] == set()


@pytest.mark.parametrize(
    "rule",
    [
        "R01_missing_submission",
        "R06_duplicate_dossier",
        "R07_date_order",
        "R08_status_date_mismatch",
    ],
)
def test_no_false_alarm(province, rule):
    planted = {
        (p.unit_code, p.report_date, p.dossier_code)
        for p in province["report"].planted
        if p.rule_id == rule
    }
    found = {(u, d, c) for r, u, d, c in province["issues"] if r == rule}
    assert planted, rule
    assert found == planted


def test_file_level_gaps_carry_severity_and_no_dossier(province):
    rows = fetch(
        province["warehouse"],
        "select rule_id, severity, unit_code, report_date, dossier_code from marts.dq_issues "
        "where report_date = ? and rule_id in ('R02_unreadable_file', 'R05_unknown_reference', "
        "'R09_due_date_vs_statutory', 'R10_overdue_without_apology')",
        [NIGHT],
    )
    assert sorted(rows) == [
        ("R02_unreadable_file", "blocking", UNIT_B, NIGHT, None),
        ("R05_unknown_reference", "blocking", UNKNOWN_UNIT, NIGHT, None),
        ("R09_due_date_vs_statutory", "warning", UNIT_A, NIGHT, R09_DOSSIER),
        ("R10_overdue_without_apology", "warning", UNIT_A, NIGHT, R10_DOSSIER),
    ]


def test_unit_scorecard_by_hand(province):
    # 18412 (one-stop shop since 2008-07-15, in force until 2009-01-31): the R01 window opens
    # with the first file of the province, 2009-01-01, so January expects 31 ledgers; the
    # generator left out 08/01 and 09/01: 29 received, 2 missing.
    # 18817 (since 2009-01-12): 12–31 January, 20 expected, all sent.
    # 18829 in February up to the night: 15 expected; the corrupt file of 15/02 counts as sent.
    got = {
        (u, m): (e, r, x)
        for u, m, e, r, x in fetch(
            province["warehouse"],
            "select unit_code, month, submissions_expected, submissions_received, "
            "missing_submissions from marts.dq_unit_scorecard",
        )
    }
    assert got[("18412", D("2009-01-01"))] == (31, 29, 2)
    assert got[("18817", D("2009-01-01"))] == (20, 20, 0)
    assert got[(UNIT_B, D("2009-02-01"))] == (15, 15, 0)
    missing = sorted(
        p.report_date
        for p in province["report"].planted
        if p.rule_id == "R01_missing_submission" and p.unit_code == "18412"
    )
    assert missing == [D("2009-01-08"), D("2009-01-09")]


def test_data_docs_open_from_disk(province):
    site = province["dir"] / "docs" / "gx"
    index = site / "index.html"
    assert index.is_file()
    pages = [p for p in site.rglob("*.html") if "vendor" not in p.parts]
    assert len(pages) >= 5  # index, two suites, one validation page per suite
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert remote_assets(html) == [], page
        assert "dataContextId" not in html, page
        refs = re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', html) + re.findall(
            r'<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html
        )
        assert refs and all((page.parent / ref).is_file() for ref in refs), page
    files_pages = list((site / "validations" / "motcua_files").rglob("*.html"))
    assert len(files_pages) == 1
    text = files_pages[0].read_text(encoding="utf-8")
    assert "R02_unreadable_file" in text and "R05_unknown_reference" in text
    # the validate step logs where the report is, in the night's log
    url = index.resolve().as_uri()
    logs = list((province["dir"] / "logs").glob("*.log"))
    assert any(f"Data Docs (open from disk): {url}" in p.read_text(errors="ignore") for p in logs)


def _tables_holding(path: Path, needles: list[str], at_least: int) -> list[tuple[str, str]]:
    """(table, needle) for every table or view of a DuckDB file (``at_least`` of them) that has
    a row whose text holds one of ``needles``."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
        assert len(tables) >= at_least
        found = []
        for schema, table in tables:
            for needle in needles:
                hit = con.execute(
                    f'select count(*) from "{schema}"."{table}" t '
                    "where contains(cast(t as varchar), ?)",
                    [needle],
                ).fetchone()[0]
                if hit:
                    found.append((f"{schema}.{table}", needle))
        return found
    finally:
        con.close()


def test_planted_rows_were_taken_in_scrubbed(province):
    """The rows with personal data were loaded (not quarantined), their free text scrubbed."""
    notes = dict(
        fetch(
            province["data_dir_ingest"],
            "select dossier_code, notes from submission_rows where dossier_code in (?, ?)",
            [R09_DOSSIER, R10_DOSSIER],
        )
    )
    assert notes == {
        R09_DOSSIER: "Ông [TÊN] gọi lại SĐT [SĐT], CCCD [CCCD], mail [EMAIL]",
        R10_DOSSIER: "Chị [TÊN] (CMND [CCCD]) nhờ anh [TÊN] nộp hộ, ĐT [SĐT]",
    }
    names = fetch(
        province["data_dir_ingest"],
        "select procedure_name, handling_agency from submission_rows where dossier_code = ?",
        [R10_DOSSIER],
    )
    assert names == [("Đăng ký khai sinh cho cháu [TÊN]", "Tư pháp, ông [TÊN] [SĐT]")]


def test_no_personal_data_in_any_table_docs_or_log(province):
    data_dir = province["dir"]
    # the published file (public schemas only), the private build state beside it (raw, staging
    # and intermediate included) and the ingestion database (files, rows, findings, reference)
    published = province["warehouse"]
    schemas = {
        s
        for (s,) in fetch(published, "select distinct table_schema from information_schema.tables")
    }
    assert schemas == {"marts", "ops", "semantic"}
    assert _tables_holding(published, NEVER_FOUND, at_least=18) == []
    assert _tables_holding(data_dir / "state" / "motcua.duckdb", NEVER_FOUND, at_least=50) == []
    assert _tables_holding(province["data_dir_ingest"], NEVER_FOUND, at_least=7) == []
    readable = [
        p
        for folder in (data_dir / "docs", data_dir / "logs", data_dir / "airflow" / "logs")
        for p in folder.rglob("*")
        if p.is_file()
    ]
    assert any(p.suffix == ".html" for p in readable) and any(".log" in p.name for p in readable)
    leaks = [
        (str(p.relative_to(data_dir)), needle)
        for p in readable
        for needle in NEVER_FOUND
        if needle in p.read_text(encoding="utf-8", errors="ignore")
    ]
    assert leaks == []


def test_the_readme_lists_exactly_what_analysts_can_read(province):
    """The analysts' section of the README names every table of the published file, no more."""
    from motcua.common.config import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| table | grain |", 1)[1].split("\n\n", 1)[0]
    listed = {f"marts.{name}" for name in re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE)}
    listed |= {"ops.publication", "semantic.metricflow_time_spine"}  # named in the paragraph
    assert "`ops.publication`" in readme and "`semantic.metricflow_time_spine`" in readme
    published = {
        f"{schema}.{name}"
        for schema, name in fetch(
            province["warehouse"], "select table_schema, table_name from information_schema.tables"
        )
    }
    assert listed == published


def test_personal_data_folders_are_owner_only(province):
    """Made by the real DAG (as `motcua demo` runs it): the ingestion database, the archive
    and the quarantine (18829's corrupt XLSX, 99999's file) are folders 0700 holding files 0600
    (docs/operations.md, "Security")."""
    data_dir = province["dir"]
    modes = {}
    for root in ("ingest", "archive", "quarantine"):
        for folder, dirs, files in os.walk(data_dir / root):
            for path in [folder] + [os.path.join(folder, name) for name in dirs + files]:
                modes[os.path.relpath(path, data_dir)] = os.lstat(path).st_mode & 0o7777
    assert "ingest/ingest.duckdb" in modes
    assert sum(1 for path in modes if path.startswith("quarantine/")) == 2 * 3  # 2 folders
    assert sum(1 for path in modes if path.startswith("archive/")) > 100
    assert {path: mode for path, mode in modes.items() if mode not in (0o700, 0o600)} == {}
    assert {mode for path, mode in modes.items() if os.path.isdir(data_dir / path)} == {0o700}


# --- the next night: a corrected re-send closes one planted gap (issue #17) -------------------

NEXT = NIGHT + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def next_night(province):
    """Night X + 1 through the real DAG: every unit of night X sends a header-only ledger and
    18409 re-sends its night-X ledger corrected (R10's dossier now has the new date of an apology
    letter; R09's is unchanged). The files are written now, with today's modification time, as
    an operator copying them in would: they count from the night that takes them in. Runs after
    the tests above (module order), which read the warehouse of night X."""
    data_dir = province["dir"]
    senders = sorted(p.stem for p in (data_dir / "landing" / NIGHT.isoformat()).iterdir())
    write_night(data_dir, NEXT, {code: [] for code in senders if code != UNKNOWN_UNIT})
    base = {"procedure_code": "X-TP-03", "sector": "TP", "channel": 1}
    write_night(
        data_dir,
        NIGHT,
        {
            UNIT_A: [
                {**base, "dossier_code": R09_DOSSIER, "received_at": D("2009-02-09"),
                 "due_at": D("2009-02-27"), "status": 4, **PERSONAL},
                {**base, "dossier_code": R10_DOSSIER, "received_at": D("2009-02-02"),
                 "due_at": D("2009-02-09"), "rescheduled_due_at": D("2009-02-13"),
                 "finished_at": D("2009-02-12"), "returned_at": D("2009-02-12"), "status": 10,
                 **PERSONAL_2},
            ]
        },
    )  # fmt: skip
    env = dict(os.environ, MOTCUA_PSEUDONYM_KEY="e2e-gaps-key")
    result = subprocess.run(
        [MOTCUA, "--data-dir", str(data_dir), "run", "--date", NEXT.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return data_dir


def test_the_resent_gap_is_fixed_that_night_and_the_others_stay_open(next_night, province):
    rows = fetch(
        province["warehouse"],
        "select rule_id, unit_code, report_date, dossier_code, first_seen_date, status, "
        "fixed_date, fixed_by, days_open from marts.dq_gap_status where report_date = ? "
        "and rule_id in (?, ?, ?, ?) order by rule_id",
        [NIGHT, *sorted(rule for rule, *_ in PLANTED_HERE)],
    )
    assert rows == [
        ("R02_unreadable_file", UNIT_B, NIGHT, None, NIGHT, "open", None, None, 1),
        ("R05_unknown_reference", UNKNOWN_UNIT, NIGHT, None, NIGHT, "open", None, None, 1),
        ("R09_due_date_vs_statutory", UNIT_A, NIGHT, R09_DOSSIER, NIGHT, "open", None, None, 1),
        ("R10_overdue_without_apology", UNIT_A, NIGHT, R10_DOSSIER, NIGHT, "fixed", NEXT,
         "resend", 1),
    ]  # fmt: skip


def test_the_units_feedback_lists_its_open_gaps_only(next_night, province):
    import openpyxl

    path = next_night / "reports" / "units" / f"{UNIT_A}.xlsx"
    wb = openpyxl.load_workbook(path)
    try:
        listed = {
            (r[1], r[3].date(), r[6]) for r in wb.active.iter_rows(min_row=7, values_only=True)
        }
        assert wb.active["A3"].value.startswith("Tính đến ngày: 16/02/2009")
    finally:
        wb.close()
    expected = {
        (rule, day, dossier)
        for rule, day, dossier in fetch(
            province["warehouse"],
            "select rule_id, report_date, dossier_code from marts.dq_gap_status "
            "where unit_code = ? and status = 'open'",
            [UNIT_A],
        )
    }
    assert listed == expected
    assert ("R09_due_date_vs_statutory", NIGHT, R09_DOSSIER) in listed
    assert not any(dossier == R10_DOSSIER for _, _, dossier in listed)


def test_no_personal_data_in_the_feedback(next_night):
    import zipfile

    folder = next_night / "reports" / "units"
    files = sorted(folder.iterdir())
    assert {p.suffix for p in files} == {".xlsx", ".csv"}
    for path in files:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                text = "".join(z.read(n).decode("utf-8") for n in z.namelist())
        else:
            text = path.read_text(encoding="utf-8-sig")
        for needle in NEVER_FOUND:
            assert needle not in text, (path.name, needle)
