"""expectations.validate: every rule R02–R10 fires on its case and stays silent on its near miss
(R02/R05 of quarantined files in the file-level suite, the rest per row); findings are exact,
idempotent, and Data Docs are written under docs/gx, viewable offline."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from expectations import validate_new_files
from expectations.datadocs import install_assets, rewrite_html
from expectations.derive import OVERRIDES_CSV, read_overrides
from expectations.rules import R02, R05, R09, RULES
from motcua.common.config import REPO_ROOT, Settings
from motcua.common.store import connect

D = date.fromisoformat
REPORT_1 = D("2009-02-10")  # file 1, unit 443
REPORT_2 = D("2009-02-12")  # file 2, unit 446
REPORT_5 = D("2009-02-11")  # file 5, unit 443

PROCEDURES = [
    # code, name, sector_code, sector_name, level, statutory_days, inter_agency
    ("1.000001", "Chứng thực bản sao", "CT", "Tư pháp", "commune", 5, False),
    ("1.000002", "Đăng ký đất đai", "DD", "Đất đai", "district", 10, False),
    (
        "1.000003",
        "Trợ cấp xã hội",
        "LDTBXH",
        "Lao động - Thương binh và Xã hội",
        "commune",
        3,
        False,
    ),
]

# A clean dossier: received Monday 2009-02-02, due 5 working days later (Monday 2009-02-09),
# result on 2009-02-06, returned on the due date, status 10.
CLEAN = {
    "procedure_code": "1.000001",
    "sector": "Tư pháp",
    "channel": "1",
    "status": "10",
    "received": D("2009-02-02"),
    "due": D("2009-02-09"),
    "rescheduled": None,
    "finished": D("2009-02-06"),
    "returned": D("2009-02-09"),
}
DATE_FIELDS = {
    "received": "received_at",
    "due": "due_at",
    "rescheduled": "rescheduled_due_at",
    "finished": "finished_at",
    "returned": "returned_at",
}
INVALID = object()  # marker: a raw value that ingestion could not parse


def _raw_and_parsed(value):
    if value is None:
        return None, None
    if isinstance(value, tuple):  # (raw text, parsed value or None)
        return value
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y"), value
    return str(value), int(value)


def insert_file(
    con, file_id, unit, report_date, status="loaded", reason_code=None, reason=None, path=None
):
    con.execute(
        """
        insert into files (file_id, landing_path, unit_code, report_date, ext, sha256,
            size_bytes, archive_path, arrived_at, load_id, rows_read, status, reason_code,
            reason)
        values (?, ?, ?, ?, 'csv', ?, 100, ?, ?, 'load-1', 0, ?, ?, ?)
        """,
        [
            file_id,
            path or f"{report_date}/{unit}.csv",
            unit,
            report_date,
            f"{file_id:064x}",
            f"archive/{report_date}/{unit}/{file_id:064x}.csv",
            datetime(2009, 2, 13),
            status,
            reason_code,
            reason,
        ],
    )
    if status == "quarantined":  # ingestion writes the finding of a quarantined file
        con.execute(
            "insert into findings values (?, 'blocking', ?, null, ?, ?, null, ?, ?)",
            [reason_code, file_id, unit, report_date, f"Tệp {file_id}", f"File {file_id}"],
        )


def insert_row(con, file_id, row_number, unit, report_date, dossier, **changes):
    values = {**CLEAN, **changes}
    channel_raw, channel_code = _raw_and_parsed(values["channel"])
    status_raw, status_code = _raw_and_parsed(values["status"])
    cols = {
        "file_id": file_id,
        "row_number": row_number,
        "unit_code": unit,
        "report_date": report_date,
        "load_id": "load-1",
        "dossier_code": dossier,
        "procedure_code": values["procedure_code"],
        "sector": values["sector"],
        "channel_raw": channel_raw,
        "channel_code": channel_code,
        "status_raw": status_raw,
        "status_code": status_code,
    }
    for key, field in DATE_FIELDS.items():
        raw, parsed = _raw_and_parsed(values[key])
        cols[f"{field}_raw"] = raw
        cols[f"{key}_date" if key != "rescheduled" else "rescheduled_due_date"] = parsed
    names = ", ".join(cols)
    marks = ", ".join("?" for _ in cols)
    con.execute(f"insert into submission_rows ({names}) values ({marks})", list(cols.values()))


# (rule, unit, report date, dossier) each test row must produce; near misses produce nothing.
EXPECTED_FILE_1 = [
    ("R03_missing_required", "HS-R03-SECTOR"),
    ("R03_missing_required", "HS-R03-DUE"),
    ("R04_invalid_value", "HS-R04"),
    ("R04_invalid_value", "HS-R04-STATUS"),
    ("R05_unknown_reference", "HS-R05-PROC"),
    ("R05_unknown_reference", "HS-R05-SECTOR"),
    ("R06_duplicate_dossier", "HS-R06"),
    ("R07_date_order", "HS-R07-RET"),
    ("R07_date_order", "HS-R07-FUTURE"),
    ("R07_date_order", "HS-R07-DUE"),
    ("R07_date_order", "HS-R07-FIN"),
    ("R08_status_date_mismatch", "HS-R08-9"),
    ("R08_status_date_mismatch", "HS-R08-10"),
    ("R08_status_date_mismatch", "HS-R08-RET"),
    ("R08_status_date_mismatch", "HS-R08-PEND"),
    ("R09_due_date_vs_statutory", "HS-R09-PLUS3"),
    ("R09_due_date_vs_statutory", "HS-R09-MINUS2"),
    ("R09_due_date_vs_statutory", "HS-R09-TET-NAIVE"),
    ("R10_overdue_without_apology", "HS-R10-LATE"),
    ("R10_overdue_without_apology", "HS-R10-OVERDUE"),
]


def populate(con) -> None:
    con.executemany("insert into ref_procedures values (?, ?, ?, ?, ?, ?, ?)", PROCEDURES)
    con.executemany(
        "insert into ref_units values (?, ?, ?, ?, ?, ?, ?)",
        [
            ("443", "Huyện Can Lộc", "district", "42", D("2008-01-01"), D("2008-01-01"), None),
            ("446", "Huyện Cẩm Xuyên", "district", "42", D("2008-01-01"), D("2008-01-01"), None),
        ],
    )
    insert_file(con, 1, "443", REPORT_1)
    insert_file(con, 2, "446", REPORT_2)
    # R02: an unreadable file (quarantined by ingestion, no rows); one whose path gives no
    # report date is checked by the first run whatever its date. R05: a file named after a unit
    # the registry does not know. Near misses: the loaded and the replaced files.
    insert_file(con, 3, "447", REPORT_1, "quarantined", R02.id, "no_header: no header row")
    insert_file(con, 4, "446", D("2009-02-09"), status="replaced")
    insert_file(con, 5, "443", REPORT_5)
    insert_file(con, 6, "449", REPORT_2, "quarantined", R05.id, "unknown_unit: '449'")
    insert_file(
        con, 7, None, None, "quarantined", R02.id, "bad_path: not <date>/<unit>", "x/443.csv"
    )

    n = iter(range(1, 1000))

    def row(dossier, **changes):
        insert_row(con, 1, next(n), "443", REPORT_1, dossier, **changes)

    row("HS-CLEAN")
    # R03: a required field empty; near miss: no due date on a refused dossier (status 3).
    row("HS-R03-SECTOR", sector=None)
    row("HS-R03-DUE", status="4", due=None, finished=None, returned=None)
    row("HS-OK-REFUSED", status="3", due=None, finished=None, returned=None)
    # R04: a date that cannot be read; near miss: a readable rescheduled date.
    row("HS-R04", due=("31/02/2009", None))
    row("HS-OK-RESCHEDULED", rescheduled=D("2009-02-09"))
    # R04 on a status label ingestion could not map (present but not understood).
    row("HS-R04-STATUS", status=("Chờ lãnh đạo ký", None))
    # R05: unknown procedure, unknown sector; near misses: sector name in another case and
    # spacing, sector given by its code.
    row("HS-R05-PROC", procedure_code="9.999999")
    row("HS-R05-SECTOR", sector="Xây dựng")
    row(
        "HS-OK-SECTOR-NAME",
        procedure_code="1.000003",
        sector="  lao ĐỘNG -  thương binh và xã hội ",
        due=D("2009-02-05"),
        finished=D("2009-02-05"),
        returned=D("2009-02-05"),
    )
    row("HS-OK-SECTOR-CODE", sector="ct")
    # R06: one dossier twice in a file (one finding); near miss: same code in another file.
    row("HS-R06")
    row("HS-R06")
    row("HS-CROSS")
    # R07: returned before the result; received after the report date; due before received;
    # result before received. Near misses: due date ahead of the report date, return on the
    # result day.
    row("HS-R07-RET", finished=D("2009-02-05"), returned=D("2009-02-03"))
    row(
        "HS-R07-FUTURE",
        status="2",
        received=D("2009-02-11"),
        due=D("2009-02-18"),
        finished=None,
        returned=None,
    )
    row(
        "HS-R07-DUE",
        status="4",
        received=D("2009-02-05"),
        due=D("2009-02-04"),
        rescheduled=D("2009-02-20"),
        finished=None,
        returned=None,
    )
    row(
        "HS-R07-FIN",
        status="9",
        received=D("2009-02-05"),
        due=D("2009-02-12"),
        finished=D("2009-02-04"),
        returned=None,
    )
    row(
        "HS-OK-DUE-AHEAD",
        status="4",
        received=D("2009-02-09"),
        due=D("2009-02-16"),
        finished=None,
        returned=None,
    )
    row("HS-OK-SAME-DAY", finished=D("2009-02-09"), returned=D("2009-02-09"))
    # R08: status 9 without dates; status 10 without a return date; a return date on status 9;
    # a result date on a pending dossier. Near miss: status 9 with a result date only.
    row("HS-R08-9", status="9", finished=None, returned=None)
    row("HS-R08-10", status="10", returned=None)
    row("HS-R08-RET", status="9")
    row("HS-R08-PEND", status="4", returned=None)
    row("HS-OK-9", status="9", returned=None)
    # R09 (5 working days): exact is the clean row; N+1 is tolerated; N+3 and N-2 are not.
    # Tết 2009: received Friday 23/01; 26–28/01 off, and Thursday 29/01 for the eve on Sunday
    # 25/01 (no swap in 2009: Friday 30/01 is worked), so the 5th working day is 05/02.
    row("HS-OK-R09-PLUS1", due=D("2009-02-10"))
    row("HS-OK-R09-MINUS1", due=D("2009-02-06"), finished=D("2009-02-05"), returned=D("2009-02-06"))
    row("HS-R09-PLUS3", due=D("2009-02-12"))
    row("HS-R09-MINUS2", due=D("2009-02-05"), finished=D("2009-02-04"), returned=D("2009-02-05"))
    row(
        "HS-OK-R09-TET",
        received=D("2009-01-23"),
        due=D("2009-02-05"),
        finished=D("2009-02-05"),
        returned=D("2009-02-05"),
    )
    row(
        "HS-R09-TET-NAIVE",
        received=D("2009-01-23"),
        due=D("2009-01-30"),
        finished=D("2009-01-23"),
        returned=D("2009-01-23"),
    )
    # R10: result after the due date; pending past the due date. Near misses: the same with a
    # rescheduled date from an apology letter; pending and due on the report date itself.
    row("HS-R10-LATE", status="9", finished=D("2009-02-10"), returned=None)
    row(
        "HS-OK-R10-APOLOGY",
        status="9",
        finished=D("2009-02-10"),
        returned=None,
        rescheduled=D("2009-02-11"),
    )
    row("HS-R10-OVERDUE", status="4", finished=None, returned=None)
    row("HS-OK-R10-ON-DUE", finished=D("2009-02-09"), returned=D("2009-02-09"))
    row(
        "HS-OK-R10-OVERDUE-APOLOGY",
        status="4",
        finished=None,
        returned=None,
        rescheduled=D("2009-02-13"),
    )
    row(
        "HS-OK-R10-DUE-TODAY",
        status="4",
        received=D("2009-02-03"),
        due=D("2009-02-10"),
        finished=None,
        returned=None,
    )

    # File 2 (unit 446, 12/02): the cross-file code, and two rows without a dossier code.
    insert_row(con, 2, 1, "446", REPORT_2, "HS-CROSS")
    insert_row(con, 2, 2, "446", REPORT_2, None)
    insert_row(con, 2, 3, "446", REPORT_2, None, channel=None)
    # Quarantined and replaced files are never validated.
    insert_row(con, 4, 1, "446", D("2009-02-09"), "HS-REPLACED", sector=None)
    # File 5 (unit 443, 11/02): a duplicate whose copies both lack the sector.
    insert_row(con, 5, 1, "443", REPORT_5, "HS-DUP-NOSECTOR", sector=None)
    insert_row(con, 5, 2, "443", REPORT_5, "HS-OK-5")
    insert_row(con, 5, 3, "443", REPORT_5, "HS-DUP-NOSECTOR", sector=None)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    settings = Settings(tmp_path_factory.mktemp("motcua") / "data")
    con = connect(settings.ingest_db)
    populate(con)
    con.close()
    first = validate_new_files(settings, report_date=REPORT_1)
    con = connect(settings.ingest_db, read_only=True)
    after_first = con.execute("select file_id from validated_files order by 1").fetchall()
    con.close()
    second = validate_new_files(settings)
    third = validate_new_files(settings)
    con = connect(settings.ingest_db, read_only=True)
    findings = con.execute(
        "select rule_id, severity, file_id, row_number, unit_code, report_date, dossier_code, "
        "detail_vi, detail_en from findings order by file_id, row_number, rule_id"
    ).fetchall()
    validated = con.execute("select file_id from validated_files order by 1").fetchall()
    con.close()
    return {
        "settings": settings,
        "first": first,
        "after_first": after_first,
        "second": second,
        "third": third,
        "findings": findings,
        "validated": validated,
    }


def test_exact_findings(run):
    got = Counter((f[0], f[4], f[5], f[6]) for f in run["findings"])
    expected = Counter((rule, "443", REPORT_1, dossier) for rule, dossier in EXPECTED_FILE_1)
    expected.update(
        [
            ("R03_missing_required", "446", REPORT_2, None),  # row 2: no dossier code
            ("R03_missing_required", "446", REPORT_2, None),  # row 3: no dossier code, channel
            ("R03_missing_required", "443", REPORT_5, "HS-DUP-NOSECTOR"),
            ("R06_duplicate_dossier", "443", REPORT_5, "HS-DUP-NOSECTOR"),
            # ingestion's findings of the quarantined files, not written a second time
            ("R02_unreadable_file", "447", REPORT_1, None),
            ("R05_unknown_reference", "449", REPORT_2, None),
            ("R02_unreadable_file", None, None, None),
        ]
    )
    assert got == expected


def test_severities_come_from_the_registry(run):
    for rule_id, severity, _file, row_number, *_ in run["findings"]:
        if row_number is None:  # a quarantined file: blocking, R05 included (unknown unit)
            assert severity == "blocking" == R02.severity == R05.unknown_unit_severity
        else:
            assert severity == RULES[rule_id].severity
    assert {f[1] for f in run["findings"] if f[0].startswith(("R09", "R10"))} == {"warning"}


def test_files_selected_by_status_and_report_date(run):
    # rows: the loaded files only; the file-level suite: every file taken in up to the date,
    # quarantined ones (no rows) and one without a readable report date included
    assert run["first"].file_ids == (1,)
    assert run["first"].checked_file_ids == (1, 3, 4, 7)
    assert run["after_first"] == [(1,), (3,), (4,), (7,)]
    assert run["second"].file_ids == (2, 5)
    assert run["second"].checked_file_ids == (2, 5, 6)
    assert run["validated"] == [(i,) for i in range(1, 8)]
    assert run["first"].rows == 37
    assert run["second"].rows == 6
    assert run["first"].findings_by_rule["R07_date_order"] == 4


def test_quarantined_files_fail_the_file_suite_without_new_findings(run):
    # R02 and R05 (unknown unit) reach the report through the file-level suite; their
    # findings stay ingestion's, one per file (test_exact_findings counts them exactly)
    assert run["first"].quarantined_by_rule == {"R02_unreadable_file": 2}
    assert run["second"].quarantined_by_rule == {"R05_unknown_reference": 1}
    assert "R02_unreadable_file" not in run["first"].findings_by_rule
    assert run["third"].quarantined_by_rule == {}


def test_idempotent(run):
    assert run["third"].files == 0 and run["third"].findings == 0
    ingestion = 3  # the findings of the 3 quarantined files, written by ingestion
    assert run["first"].findings + run["second"].findings + ingestion == len(run["findings"])


def test_details_are_readable(run):
    by_dossier = {(f[0], f[6]): f for f in run["findings"] if f[6]}
    ret = by_dossier[("R07_date_order", "HS-R07-RET")]
    assert ret[7] == "Ngày trả kết quả (03/02/2009) trước ngày có kết quả (05/02/2009)"
    assert ret[8] == "Returned on 2009-02-03, before the result date 2009-02-05"
    plus3 = by_dossier[("R09_due_date_vs_statutory", "HS-R09-PLUS3")]
    assert "12/02/2009" in plus3[7] and "09/02/2009" in plus3[7] and "3 ngày làm việc" in plus3[7]
    assert "expected 2009-02-09" in plus3[8]
    dup = by_dossier[("R06_duplicate_dossier", "HS-R06")]
    assert "2 lần" in dup[7] and "2 times" in dup[8]
    missing = by_dossier[("R03_missing_required", "HS-DUP-NOSECTOR")]
    assert (
        missing[7]
        == "Dòng 1: Thiếu trường bắt buộc: Lĩnh vực; Dòng 3: Thiếu trường bắt buộc: Lĩnh vực"
    )
    assert by_dossier[("R04_invalid_value", "HS-R04")][8] == 'Invalid value(s): due_at "31/02/2009"'
    assert "Overdue" in by_dossier[("R10_overdue_without_apology", "HS-R10-OVERDUE")][8]


def test_data_docs_written_under_docs_gx(run):
    index = run["settings"].docs_dir / "gx" / "index.html"
    assert index.is_file()
    assert run["second"].data_docs_index == index
    pages = run["settings"].docs_dir / "gx" / "validations"
    assert list((pages / "motcua_submission").rglob("*.html"))
    files_pages = list((pages / "motcua_files").rglob("*.html"))
    assert len(files_pages) == 2  # one per run
    text = "\n".join(p.read_text(encoding="utf-8") for p in files_pages)
    assert "R02_unreadable_file" in text and "R05_unknown_reference" in text


def assert_offline(site: Path) -> int:
    """Every page of a Data Docs site loads its scripts, stylesheets and images from local files
    that exist inside the site folder, and carries no data context id (GX puts it in the logo's
    remote address: telemetry); returns the number of pages checked."""
    pages = [p for p in site.rglob("*.html") if "vendor" not in p.parts]
    root = site.resolve()
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.findall(r"<(?:script|link)\b[^>]*(?:src|href)=[\"']?(?:https?:)?//", html), (
            page
        )
        assert "dataContextId" not in html, page
        local = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html) + re.findall(
            r"<link\b[^>]*rel=\"stylesheet\"[^>]*href=\"([^\"]+)\"", html
        )
        assert len(local) >= 4, page  # jQuery, Bootstrap CSS and JS, Font Awesome, table
        sources = re.findall(r"\bsrc\s*=\s*[\"']([^\"']*)[\"']", html)
        assert "vendor/gx/logo-long.png" in " ".join(sources), page
        for ref in local + sources:
            target = (page.parent / ref).resolve()
            assert target.is_file() and root in target.parents, (page, ref)
    return len(pages)


def test_data_docs_open_offline(run):
    site = run["settings"].docs_dir / "gx"
    assert assert_offline(site) >= 5  # index, 2 suites, 2 + 2 validation pages
    css = (site / "vendor" / "font-awesome" / "css" / "all.min.css").read_text()
    assert "../webfonts/fa-solid-900.woff2" in css
    assert (site / "vendor" / "font-awesome" / "webfonts" / "fa-solid-900.woff2").is_file()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<script src="vendor/motcua-table.js"></script>' in index
    assert ".bootstrapTable(" in index


def test_rewrite_html_maps_and_drops_cdn_tags():
    html = (
        '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/'
        'bootstrap.min.css"/><script src="https://cdnjs.cloudflare.com/ajax/libs/popper.js/'
        '1.12.9/umd/popper.min.js" integrity="sha384-x" crossorigin="anonymous"></script>'
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
        '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>'
        '<script src="https://example.org/new-lib.js"></script>'
        '<a href="https://greatexpectations.io">GX</a>'
    )
    assert rewrite_html(html, "../vendor") == (
        '<link rel="stylesheet" href="../vendor/bootstrap/css/bootstrap.min.css"/>'
        '<script src="../vendor/jquery/jquery.min.js"></script>'
        '<a href="https://greatexpectations.io">GX</a>'
    )


def test_rewrite_html_serves_gx_logo_locally_and_drops_unknown_images():
    logo = (
        "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png"
        "?d=20090630T000000.000000Z&dataContextId=0f6a9c2e-1111-2222-3333-444455556666"
    )
    html = (
        f'<a href="#"><img\n  class="NO-CACHE"\n  src="{logo}"\n  alt="Great Expectations"/></a>'
        '<img src="//tracker.example.org/pixel.gif">'
        '<img src="vendor/gx/logo-long.png" alt="already local">'
    )
    assert rewrite_html(html, "../vendor") == (
        '<a href="#"><img\n  class="NO-CACHE"\n  src="../vendor/gx/logo-long.png"\n'
        '  alt="Great Expectations"/></a>'
        '<img src="vendor/gx/logo-long.png" alt="already local">'
    )


def test_the_local_logo_is_gxs_own(tmp_path):
    import great_expectations

    vendor = install_assets(tmp_path)
    shipped = Path(great_expectations.__file__).parent / "render/view/static/images/logo-long.png"
    assert (vendor / "gx" / "logo-long.png").read_bytes() == shipped.read_bytes()


def test_data_docs_url_logged_even_when_nothing_is_new(run, caplog):
    with caplog.at_level(logging.INFO, logger="expectations.validate"):
        summary = validate_new_files(run["settings"])
    assert summary.files == 0
    url = (run["settings"].docs_dir / "gx" / "index.html").resolve().as_uri()
    assert f"Data Docs (open from disk): {url}" in caplog.text


def test_no_new_files_returns_without_importing_gx(tmp_path):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from motcua.common.config import Settings\n"
        "from expectations import validate_new_files\n"
        f"s = validate_new_files(Settings(Path({str(tmp_path / 'data')!r})))\n"
        "assert s.files == 0 and s.rows == 0, s\n"
        "assert 'great_expectations' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)


def test_holiday_overrides_file():
    overrides = read_overrides([OVERRIDES_CSV])
    # 2009 had no swap (the first were in 2010; sources in dbt_project/seeds/_seeds.yml)
    assert not [day for day in overrides if day.year == 2009]
    assert overrides[D("2010-02-27")].is_working_day is True  # for Friday 19/02 (holidays)
    assert overrides[D("2010-09-03")].is_working_day is False  # not in the holidays package
    assert overrides[D("2010-09-11")].is_working_day is True
    assert R09.tolerance_working_days == 1


def test_tet_2009_calendar():
    """Tết Kỷ Sửu: the eve (Sunday 25/01) is made up on Thursday 29/01; Friday 30/01 is worked."""
    from motcua.common.calendar import calendar_rows

    days = calendar_rows(D("2009-01-17"), D("2009-02-02"), read_overrides([OVERRIDES_CSV]))
    off = [day for day, working, _ in days if not working and day.isoweekday() <= 5]
    assert off == [D("2009-01-26"), D("2009-01-27"), D("2009-01-28"), D("2009-01-29")]
    worked = {day for day, working, _ in days if working}
    assert D("2009-01-30") in worked and D("2009-01-17") not in worked
