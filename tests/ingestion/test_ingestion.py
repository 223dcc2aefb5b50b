"""Ingestion: every format of the contract, arrival semantics, quarantine, personal data."""

from __future__ import annotations

import datetime as dt
import json
import os
import time

import duckdb
import pytest

from ingestion.load import ingest
from tests.support.builders import (
    csv_text,
    landing,
    to_cp1258,
    write_json,
    write_xlsx,
)

EN_HEADER = [
    "dossier_code",
    "procedure_code",
    "sector",
    "channel",
    "applicant_name",
    "applicant_id",
    "applicant_phone",
    "applicant_address",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "status",
]
VI_HEADER = [
    "Mã hồ sơ",
    "Mã TTHC",
    "Lĩnh vực",
    "Kênh nộp",
    "Tên cá nhân, tổ chức",
    "Số giấy tờ",
    "Số điện thoại",
    "Địa chỉ",
    "Ngày nhận hồ sơ",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Ngày trả kết quả",
    "Trạng thái",
]


def row(
    code,
    received="2009-01-05",
    due="2009-01-06",
    status="4",
    *,
    sector="TP",
    channel="1",
    finished="",
    returned="",
    name="Nguyễn Thị Hoa",
    ident="042190001234",
):
    return [
        code,
        "TP01",
        sector,
        channel,
        name,
        ident,
        "0912345678",
        "Xóm 3, Thạch Hạ",
        received,
        due,
        finished,
        returned,
        status,
    ]


@pytest.fixture(params=["duckdb", "python"])
def csv_reader(request, monkeypatch):
    """Run a test through both CSV paths: DuckDB's read_csv (big files) and Python's csv
    module (small files, batched)."""
    import ingestion.readers

    limit = 0 if request.param == "duckdb" else ingestion.readers.SMALL_CSV_BYTES
    monkeypatch.setattr(ingestion.readers, "SMALL_CSV_BYTES", limit)
    return request.param


def query(settings, sql, params=None):
    con = duckdb.connect(str(settings.ingest_db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def dossiers(settings, unit=None):
    sql = (
        "select s.dossier_code, s.status_code, s.received_date, s.due_date from submission_rows s "
        "join files f using (file_id) where f.status = 'loaded'"
    )
    if unit:
        sql += f" and s.unit_code = '{unit}'"
    return sorted(query(settings, sql + " order by 1"))


def test_every_contract_format_loads(settings, csv_reader):
    d = settings.data_dir
    landing(d, "2009-01-05", "44501.csv").write_text(
        csv_text(EN_HEADER, [row("A1"), row("A2", "05/01/2009", "06/01/2009", "Đang xử lý")]),
        encoding="utf-8",
    )
    # Windows-1258, Vietnamese headers and labels, combining tone marks
    landing(d, "2009-01-05", "44502.csv").write_bytes(
        to_cp1258(
            csv_text(
                VI_HEADER,
                [
                    row(
                        "B1",
                        "05-01-2009 08:30",
                        "06-01-2009",
                        "Đã trả kết quả",
                        finished="05-01-2009",
                        returned="06-01-2009",
                        channel="Trực tuyến",
                    )
                ],
            )
        )
    )
    # UTF-8 with BOM, semicolons, a quoted field with a newline in it
    landing(d, "2009-01-05", "445.csv").write_bytes(
        b"\xef\xbb\xbf"
        + csv_text(VI_HEADER, [row("C1", name="Trần Văn\nBình"), row("C2")], delimiter=";").encode()
    )
    write_xlsx(
        landing(d, "2009-01-05", "S01.xlsx"),
        VI_HEADER,
        [
            row("D1", dt.datetime(2009, 1, 5, 9, 0), dt.date(2009, 1, 6)),
            row("D2", "2009-01-05", "2009-01-06", "Đang xử lý"),
        ],
        titles=["UBND TỈNH HÀ TĨNH", "SỔ THEO DÕI HỒ SƠ NGÀY 05/01/2009"],
    )
    keys = EN_HEADER
    write_json(
        landing(d, "2009-01-06", "44501.json"),
        [dict(zip(keys, row("A1", status="9", finished="2009-01-06"), strict=True))],
    )
    write_json(
        landing(d, "2009-01-06", "44502.jsonl"),
        [dict(zip(keys, row("B2"), strict=True)), dict(zip(keys, row("B3"), strict=True))],
        lines=True,
    )

    summary = ingest(settings)

    assert (summary.loaded, summary.quarantined, summary.rows_loaded) == (6, 0, 10)
    got = {r[0]: r[1:] for r in dossiers(settings)}
    assert got["A2"] == (4, dt.date(2009, 1, 5), dt.date(2009, 1, 6))
    assert got["B1"] == (10, dt.date(2009, 1, 5), dt.date(2009, 1, 6))
    assert got["D1"] == (4, dt.date(2009, 1, 5), dt.date(2009, 1, 6))
    assert set(got) == {"A1", "A2", "B1", "C1", "C2", "D1", "D2", "B2", "B3"}
    formats = dict(query(settings, "select landing_path, format from files"))
    assert formats["2009-01-05/44502.csv"] == "csv;windows-1258;,"
    assert formats["2009-01-05/445.csv"] == "csv;utf-8-sig;;"
    # Vietnamese text is NFC whatever the source encoding
    sectors = query(
        settings, "select distinct channel_raw from submission_rows where dossier_code = 'B1'"
    )
    assert sectors == [("Trực tuyến",)]
    # lineage: file, row number (data rows only), report date, load id
    lineage = query(
        settings,
        "select s.row_number, f.landing_path, s.report_date, s.load_id = "
        "f.load_id from submission_rows s join files f using (file_id) "
        "where dossier_code in ('C2', 'D2') order by 1, 2",
    )
    assert lineage == [
        (2, "2009-01-05/445.csv", dt.date(2009, 1, 5), True),
        (2, "2009-01-05/S01.xlsx", dt.date(2009, 1, 5), True),
    ]


def test_xlsx_totals_row_is_never_a_dossier(settings):
    write_xlsx(
        landing(settings.data_dir, "2009-01-05", "44501.xlsx"),
        VI_HEADER,
        [row("X1"), row("X2")],
        titles=["SỔ THEO DÕI"],
        totals=True,
    )
    ingest(settings)
    assert [r[0] for r in dossiers(settings)] == ["X1", "X2"]


def test_personal_data_never_reaches_the_database(settings):
    landing(settings.data_dir, "2009-01-05", "44501.csv").write_text(
        csv_text(EN_HEADER, [row("P1", name="Lê Văn Tám", ident="042 190 009 999")])
    )
    ingest(settings)
    con = duckdb.connect(str(settings.ingest_db), read_only=True)
    columns = [c[0] for c in con.execute("describe submission_rows").fetchall()]
    dump = json.dumps(con.execute("select * from submission_rows").fetchall(), default=str)
    con.close()
    assert not [c for c in columns if c.startswith("applicant_") and c != "applicant_key"]
    for secret in ("Lê Văn Tám", "042 190 009 999", "042190009999", "0912345678", "Xóm 3"):
        assert secret not in dump
    import hashlib
    import hmac

    expected = hmac.new(b"test-key", b"042190009999", hashlib.sha256).hexdigest()
    assert query(settings, "select applicant_key from submission_rows") == [(expected,)]


def test_resend_replaces_rows_and_both_stay_archived(settings, csv_reader):
    path = landing(settings.data_dir, "2009-01-05", "44501.csv")
    path.write_text(csv_text(EN_HEADER, [row("R1", status="4"), row("R2")]))
    ingest(settings)
    path.write_text(csv_text(EN_HEADER, [row("R1", status="2")]))
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    summary = ingest(settings)
    assert (summary.loaded, summary.replaced) == (1, 1)
    assert dossiers(settings) == [("R1", 2, dt.date(2009, 1, 5), dt.date(2009, 1, 6))]
    statuses = query(settings, "select status, archive_path from files order by file_id")
    assert [s for s, _ in statuses] == ["replaced", "loaded"]
    assert all((settings.data_dir / a).exists() for _, a in statuses)


def test_same_content_twice_is_taken_once_and_rerun_is_idempotent(settings):
    d = settings.data_dir
    content = csv_text(EN_HEADER, [row("S1")])
    landing(d, "2009-01-05", "44501.csv").write_text(content)
    first = ingest(settings)
    second = ingest(settings)
    assert (first.loaded, second.files_new) == (1, 0)
    # touched (new mtime), same bytes: not taken again
    path = landing(d, "2009-01-05", "44501.csv")
    os.utime(path, ns=(path.stat().st_mtime_ns + 5 * 10**9,) * 2)
    third = ingest(settings)
    assert third.files_new == 0
    # the same bytes under another extension name for the same unit and date: a duplicate
    landing(d, "2009-01-05", "44501.jsonl").write_text(
        json.dumps(dict(zip(EN_HEADER, row("S1"), strict=True)))
    )
    assert query(settings, "select count(*) from submission_rows") == [(1,)]


def test_late_files_are_taken_and_future_files_wait(settings):
    d = settings.data_dir
    landing(d, "2009-01-10", "44501.csv").write_text(csv_text(EN_HEADER, [row("F1")]))
    early = ingest(settings, dt.date(2009, 1, 9))
    assert (early.waiting, early.loaded) == (1, 0)
    landing(d, "2009-01-02", "44502.csv").write_text(csv_text(EN_HEADER, [row("L1")]))
    later = ingest(settings, dt.date(2009, 1, 10))
    assert later.loaded == 2
    assert [r[0] for r in dossiers(settings)] == ["F1", "L1"]


def test_header_only_file_is_a_submission_with_no_rows(settings):
    landing(settings.data_dir, "2009-01-05", "44501.csv").write_text(",".join(EN_HEADER) + "\n")
    summary = ingest(settings)
    assert (summary.loaded, summary.rows_loaded) == (1, 0)


@pytest.mark.parametrize(
    ("relative", "content", "rule", "code"),
    [
        ("2009-01-05/44501.txt", b"dossier_code\n", "R02_unreadable_file", "extension_not_allowed"),
        (
            "2009-01-05/99999.csv",
            b"dossier_code,status,sector\n",
            "R05_unknown_reference",
            "unknown_unit",
        ),
        (
            "2009-13-05/44501.csv",
            b"dossier_code,status,sector\n",
            "R02_unreadable_file",
            "bad_date_folder",
        ),
        ("2009-01-05/sub/44501.csv", b"x", "R02_unreadable_file", "bad_path"),
        ("notes.csv", b"x", "R02_unreadable_file", "bad_path"),
        ("2009-01-05/44501.csv", b"a,b,c\n1,2,3\n", "R02_unreadable_file", "no_header"),
        ("2009-01-05/44501.csv", b"\x00\x01\x02binary", "R02_unreadable_file", "binary_content"),
        (
            "2009-01-05/44501.csv",
            "dossier_code\tstatus\tsector\n".encode("utf-16"),
            "R02_unreadable_file",
            "bad_encoding",
        ),
        (
            "2009-01-05/44501.xlsx",
            b"PK\x03\x04 not really a zip",
            "R02_unreadable_file",
            "bad_xlsx",
        ),
        ("2009-01-05/44501.json", b'[{"dossier_code": ', "R02_unreadable_file", "bad_json"),
        (
            "2009-01-05/44501.csv",
            b'dossier_code,status,sector\n"A1,4,TP\n',
            "R02_unreadable_file",
            "csv_error",
        ),
    ],
)
def test_unreadable_files_are_quarantined_with_reason(
    settings, csv_reader, relative, content, rule, code
):
    path = settings.data_dir / "landing" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    good = landing(settings.data_dir, "2009-01-05", "44502.csv")
    good.write_text(csv_text(EN_HEADER, [row("OK1")]))
    summary = ingest(settings)
    assert (summary.quarantined, summary.loaded) == (1, 1)
    ((status, reason_code, reason, archive),) = query(
        settings,
        "select status, reason_code, reason, archive_path from files where landing_path = ?",
        [relative],
    )
    assert (status, reason_code) == ("quarantined", rule)
    assert reason.startswith(code + ":")
    assert (settings.data_dir / archive).read_bytes() == content
    findings = query(settings, "select rule_id, severity from findings")
    assert findings == [(rule, "blocking")]
    reasons = list(settings.quarantine_dir.glob("*/reason.json"))
    assert len(reasons) == 1
    assert json.loads(reasons[0].read_text())["reason_code"] == rule


def test_link_leaving_landing_is_quarantined_unread(settings, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.csv"
    outside.write_text("dossier_code,status,sector\nSECRET,4,TP\n")
    link = landing(settings.data_dir, "2009-01-05", "44501.csv")
    link.symlink_to(outside)
    summary = ingest(settings)
    assert summary.quarantined == 1
    assert query(settings, "select reason from files")[0][0].startswith("leaves_landing:")
    assert query(settings, "select count(*) from submission_rows") == [(0,)]


def test_file_manifest_mart_tells_what_happened_to_each_file(settings, tmp_path):
    """marts.ops_file_manifest: "did unit X send its file on date D, and what happened to it"."""
    from motcua.warehouse.build import prepare_build
    from tests.support.dbt import run_dbt

    def arrive(path, when):
        stamp = int(dt.datetime.fromisoformat(when).timestamp()) * 10**9
        os.utime(path, ns=(stamp, stamp))

    d = settings.data_dir
    sent = landing(d, "2009-01-05", "44501.csv")
    sent.write_text(csv_text(EN_HEADER, [row("M1"), row("M2")]))
    arrive(sent, "2009-01-05 20:00:00")
    unknown = landing(d, "2009-01-05", "99999.csv")
    unknown.write_text(csv_text(EN_HEADER, [row("U1")]))
    arrive(unknown, "2009-01-05 21:00:00")
    ingest(settings, dt.date(2009, 1, 5))
    sent.write_text(csv_text(EN_HEADER, [row("M1", status="9", finished="2009-01-05")]))
    arrive(sent, "2009-01-07 08:00:00")  # a corrected re-send, two days late
    ingest(settings, dt.date(2009, 1, 7))

    prepare_build(settings, dt.date(2009, 1, 7))
    result = run_dbt(
        settings.build_db,
        tmp_path / "dbt",
        "build",
        "--select",
        "+ops_file_manifest",
        "--vars",
        '{report_date: "2009-01-07"}',
    )
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        got = con.execute(
            "select file_id, landing_path, unit_code, unit_name, report_date, file_status, "
            "is_current, replaced_by_file_id, rows_read, reason_code, arrival_delay_days, "
            "quarantine_path from marts.ops_file_manifest order by file_id"
        ).fetchall()
    finally:
        con.close()
    first, bad, resend = (r[0] for r in got)
    quarantine_folder = got[1][-1]
    assert got == [
        (first, "2009-01-05/44501.csv", "44501", "Xã Thạch Hạ", dt.date(2009, 1, 5),
         "replaced", False, resend, 2, None, 0, None),
        (bad, "2009-01-05/99999.csv", "99999", None, dt.date(2009, 1, 5),
         "quarantined", False, None, 0, "R05_unknown_reference", 0, quarantine_folder),
        (resend, "2009-01-05/44501.csv", "44501", "Xã Thạch Hạ", dt.date(2009, 1, 5),
         "loaded", True, None, 1, None, 2, None),
    ]  # fmt: skip
    assert json.loads((d / quarantine_folder / "reason.json").read_text())["file_id"] == bad


def test_xlsx_date_serials_empty_columns_and_wrapped_json(settings):
    """Dates typed into General-format cells (Excel serials) in a date column are dates; an
    empty column between the data and a totals row change nothing; JSON may wrap its array."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["SỔ THEO DÕI HỒ SƠ"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    ws.append(["Mã hồ sơ", None, "Mã TTHC", "Lĩnh vực", "Ngày tiếp nhận", "Hẹn trả kết quả"])
    ws.append(["XS1", None, "TP01", "TP", 39818, 39819.5])  # 2009-01-05, 2009-01-06 12:00
    ws.append(["XS2", None, "TP01", "TP", 2009, "06/01/2009"])  # 2009 is no date: kept, R04
    ws.append([None, None, None, None, None, None])
    ws.append(["Tổng cộng", None, None, None, 2, None])
    path = landing(settings.data_dir, "2009-01-05", "44501.xlsx")
    wb.save(path)
    write_json(
        landing(settings.data_dir, "2009-01-05", "44502.json"),
        {"data": [dict(zip(EN_HEADER, row("J1"), strict=True))]},
    )
    summary = ingest(settings)
    assert (summary.loaded, summary.rows_loaded) == (2, 3)
    assert query(
        settings,
        "select dossier_code, received_at_raw, received_date, due_at_raw, due_date "
        "from submission_rows order by dossier_code",
    ) == [
        ("J1", "2009-01-05", dt.date(2009, 1, 5), "2009-01-06", dt.date(2009, 1, 6)),
        ("XS1", "2009-01-05", dt.date(2009, 1, 5), "2009-01-06 12:00:00", dt.date(2009, 1, 6)),
        ("XS2", "2009", None, "06/01/2009", dt.date(2009, 1, 6)),
    ]


def test_chunks_read_ahead_keep_row_positions_and_the_last_resend(
    settings, csv_reader, monkeypatch
):
    """Files spread over many chunks (the next one read while the last one loads) keep every
    row with its 1-based position in its file, and a re-send in a later chunk replaces the
    earlier file."""
    import ingestion.scan

    monkeypatch.setattr(ingestion.scan, "CHUNK_FILES", 2)
    days = ["2009-01-05", "2009-01-06", "2009-01-07"]
    units = ["44501", "44502", "445"]
    mtime = 1_231_142_400 * 10**9
    offset = 0
    for day in days:
        for unit in units:
            path = landing(settings.data_dir, day, f"{unit}.csv")
            rows = [row(f"{unit}-{day}-{i}") for i in range(3)]
            text = csv_text(EN_HEADER, rows)
            lines = text.splitlines(keepends=True)
            # a row of empty cells between the first two rows: kept out, yet counted
            lines.insert(2, "," * (len(EN_HEADER) - 1) + "\n")
            path.write_text("".join(lines), encoding="utf-8")
            os.utime(path, ns=(mtime + offset * 10**9,) * 2)
            offset += 1
    resend = landing(settings.data_dir, days[0], "44501.json")
    write_json(resend, [dict(zip(EN_HEADER, row("R1"), strict=True))])
    os.utime(resend, ns=(mtime + offset * 10**9,) * 2)

    summary = ingest(settings)

    assert (summary.loaded, summary.replaced, summary.rows_loaded) == (10, 1, 28)
    got = query(
        settings,
        "select f.landing_path, s.row_number, s.dossier_code from submission_rows s "
        "join files f using (file_id) where f.status = 'loaded' order by 1, 2",
    )
    expected = [(f"{days[0]}/44501.json", 1, "R1")]
    # DuckDB numbers the empty row and leaves it out; Python's reader drops it before numbering
    positions = (1, 3, 4) if csv_reader == "duckdb" else (1, 2, 3)
    for day in days:
        for unit in units:
            if (day, unit) != (days[0], "44501"):
                expected += [
                    (f"{day}/{unit}.csv", position, f"{unit}-{day}-{i}")
                    for position, i in zip(positions, range(3), strict=True)
                ]
    assert sorted(got) == sorted(expected)
    counts = query(settings, "select count(*), sum(rows_read) from files")
    assert counts == [(10, 28)]


@pytest.mark.parametrize("fetch", ["threads", "processes"])
def test_a_failing_fetch_fails_the_run_loudly(settings, monkeypatch, fetch):
    """An error of the pipeline's own while fetching (here the archive cannot be written) stops
    the run with that error, whether files are fetched by threads or by worker processes: it is
    never taken for a fault of the file, and nothing of the chunk is committed."""
    import ingestion.workers

    if fetch == "processes":
        monkeypatch.setattr(ingestion.workers, "FETCH_PROCESS_MIN_FILES", 0)
    landing(settings.data_dir, "2009-01-05", "44501.csv").write_text(
        csv_text(EN_HEADER, [row("E1")])
    )
    settings.archive_dir.write_text("a file where the archive folder should be")
    with pytest.raises(NotADirectoryError):
        ingest(settings)
    assert query(settings, "select count(*) from files") == [(0,)]


def test_decoded_rows_become_one_arrow_table_per_column_mapping():
    """Rows decoded in Python travel as Arrow buffers: one table per column mapping, each row
    with its file's index, the mapped cells only, short rows padded, an empty cell as ''."""
    from ingestion.load import decoded_table
    from ingestion.readers import TableSource, decoded_columns

    mapping = {0: "dossier_code", 2: "sector"}
    decoded = decoded_columns(
        [
            TableSource([["A1", "spare", "Đất đai", "extra"], ["A2"]], mapping, "csv"),
            None,  # not decoded in Python (a big CSV, or unreadable)
            TableSource([["B1", None, None]], dict(mapping), "json"),
            TableSource([], {}, "json"),
            TableSource([["C1"]], {0: "dossier_code"}, "csv"),
        ]
    )
    got = [(columns.mapping, decoded_table(columns).to_pydict()) for columns in decoded]
    assert got == [
        (mapping, {"_item": [0, 0, 2], "c0": ["A1", "A2", "B1"], "c2": ["Đất đai", "", ""]}),
        ({}, {"_item": []}),
        ({0: "dossier_code"}, {"_item": [4], "c0": ["C1"]}),
    ]


def test_fetch_processes_return_results_raise_errors_and_stop_when_a_worker_dies():
    """The fetch worker processes hand back results and raise the calls' own errors; a run that
    stops cancels what no worker took yet; a worker that dies fails its call and every queued
    one at once (the run stops, it never hangs)."""
    from ingestion.workers import FetchProcesses

    pool = FetchProcesses(1)
    busy, waiting = pool.submit(time.sleep, 0.5), pool.submit(len, "abc")
    while not busy.running():
        time.sleep(0.01)
    pool.shutdown(cancel_futures=True)  # the run stops: what no worker took is cancelled
    assert (busy.result(), waiting.cancelled()) == (None, True)

    pool = FetchProcesses(1)
    try:
        assert pool.submit(len, "abcd").result(timeout=60) == 4
        with pytest.raises(ValueError, match="invalid literal"):
            pool.submit(int, "x").result(timeout=60)
        dying, queued = pool.submit(os._exit, 3), pool.submit(len, "ab")
        with pytest.raises(RuntimeError, match="exit code 3"):
            dying.result(timeout=60)
        with pytest.raises(RuntimeError, match="exit code 3"):
            queued.result(timeout=60)
        with pytest.raises(RuntimeError, match="exit code 3"):
            pool.submit(len, "abc").result(timeout=60)
    finally:
        pool.shutdown()


def test_a_file_removed_between_the_scan_and_its_reading_is_skipped(settings, monkeypatch, caplog):
    """The unit's uploader deletes (or renames) a file while the run reads the night's files:
    it is skipped with a warning, nothing of it is kept, the others load, and it is taken in
    when it comes back."""
    from ingestion import load

    day = landing(settings.data_dir, "2009-01-05", "44501.csv").parent
    kept = csv_text(EN_HEADER, [row("HS1")])
    removed = csv_text(EN_HEADER, [row("HS2")])
    (day / "44501.csv").write_text(kept)
    (day / "44502.csv").write_text(removed)
    real_scan = load.scan_landing

    def scan_then_delete(landing_dir):
        found = real_scan(landing_dir)  # the real scan sees both files...
        (day / "44502.csv").unlink()  # ...then the second goes before it is read
        return found

    monkeypatch.setattr(load, "scan_landing", scan_then_delete)
    with caplog.at_level("WARNING", logger="ingestion.load"):
        summary = ingest(settings)

    assert (summary.files_seen, summary.files_new, summary.loaded) == (2, 1, 1)
    assert (summary.vanished, summary.quarantined) == (1, 0)
    con = duckdb.connect(str(settings.ingest_db), read_only=True)
    try:
        assert con.execute("select landing_path, status from files").fetchall() == [
            ("2009-01-05/44501.csv", "loaded")
        ]
        assert con.execute("select dossier_code from submission_rows").fetchall() == [("HS1",)]
    finally:
        con.close()
    archived = list((settings.archive_dir / "2009-01-05").iterdir())
    assert [path.read_bytes() for path in archived] == [(day / "44501.csv").read_bytes()]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert [w.split(": ", 1)[1] for w in warnings if "removed from landing" in w] == [
        "2009-01-05/44502.csv was removed from landing after the scan (deleted or renamed "
        "while the run read the files): skipped; it is taken in if it comes back"
    ]

    # It comes back: the next run takes it in.
    monkeypatch.setattr(load, "scan_landing", real_scan)
    (day / "44502.csv").write_text(removed)
    summary = ingest(settings)
    assert (summary.files_new, summary.loaded, summary.vanished) == (1, 1, 0)
    con = duckdb.connect(str(settings.ingest_db), read_only=True)
    try:
        assert con.execute("select landing_path, status from files order by 1").fetchall() == [
            ("2009-01-05/44501.csv", "loaded"),
            ("2009-01-05/44502.csv", "loaded"),
        ]
    finally:
        con.close()
