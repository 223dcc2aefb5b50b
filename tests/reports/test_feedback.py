"""Feedback workbooks per unit (issue #17) on the gap lifecycle scenario of
tests/support/gap_nights.py, published as of night 4 (2009-03-05): 44502 has one open gap (C1
without a channel since night 1), every other gap is fixed. The workbooks are opened with
openpyxl; expected cells are written out by hand."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from motcua.common.errors import PipelineError
from motcua.reports.feedback import (
    GAP_SHEET,
    HEADER,
    HEADER_ROW,
    SUMMARY_SHEET,
    write_all_feedback,
    write_unit_feedback,
)
from tests.support.gap_nights import N1, N2, N4, NEVER_FOUND

MOTCUA = str(Path(sys.executable).with_name("motcua"))
C1_ROW = (
    1,
    "R03_missing_required",
    "Thiếu trường bắt buộc",
    dt.datetime(2009, 3, 2),
    "2009-03-02/44502.csv",
    1,
    "C1",
    "Kênh nộp",
    "Thiếu trường bắt buộc: Kênh nộp",
    "Bổ sung Kênh nộp",
    dt.datetime(2009, 3, 2),
    3,
)


def sheet_rows(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def gap_rows(path: Path) -> list[tuple]:
    rows = sheet_rows(path, GAP_SHEET)
    assert rows[HEADER_ROW - 1] == HEADER
    return rows[HEADER_ROW:]


@pytest.fixture(scope="module")
def nightly(gap_nights):
    settings, _, _ = gap_nights
    folder = settings.data_dir / "reports" / "units"
    # as of night 2 S01's night-1 ledger is still missing: it gets a workbook then ...
    before = write_all_feedback(settings, N2)
    listed_before = sorted(p.name for p in folder.iterdir())
    # ... and none once the late file came (night 3): the nightly write as of the warehouse date
    summary = write_all_feedback(settings)
    return settings, folder, before, listed_before, summary


def test_every_unit_with_open_gaps_gets_a_workbook_and_only_those(nightly) -> None:
    _, folder, before, listed_before, summary = nightly
    assert before["feedback_as_of"] == "2009-03-03" and before["feedback_units"] == 2
    assert listed_before == ["44502.csv", "44502.xlsx", "S01.csv", "S01.xlsx"]
    assert summary["feedback_as_of"] == "2009-03-05"
    assert (summary["feedback_units"], summary["feedback_open_gaps"]) == (1, 1)
    assert summary["feedback_files_removed"] == 2  # S01's: its gap was fixed on night 3
    assert sorted(p.name for p in folder.iterdir()) == ["44502.csv", "44502.xlsx"]


def test_the_workbook_lists_exactly_the_units_open_gaps(nightly) -> None:
    _, folder, *_ = nightly
    path = folder / "44502.xlsx"
    top = sheet_rows(path, GAP_SHEET)[:4]
    assert [r[0] for r in top] == [
        "THÔNG BÁO LỖI GHI CHÉP SỔ THEO DÕI HỒ SƠ CẦN KHẮC PHỤC",
        "Đơn vị: Xã Thạch Trị (mã 44502)",
        "Tính đến ngày: 05/03/2009 (xếp từ lỗi tồn tại lâu nhất)",
        "Số lỗi chưa khắc phục: 1",
    ]
    assert gap_rows(path) == [C1_ROW]


def test_the_summary_sheet(nightly) -> None:
    _, folder, *_ = nightly
    rows = [
        tuple(v for v in r if v is not None)
        for r in sheet_rows(folder / "44502.xlsx", SUMMARY_SHEET)
    ]
    assert [r for r in rows if r] == [
        ("TỔNG HỢP LỖI GHI CHÉP SỔ THEO DÕI HỒ SƠ",),
        ("Đơn vị: Xã Thạch Trị (mã 44502)",),
        ("Tính đến ngày: 05/03/2009",),
        ("Mã lỗi", "Tên lỗi", "Số lỗi chưa khắc phục"),
        ("R03_missing_required", "Thiếu trường bắt buộc", 1),
        ("Tổng cộng", 1),
        ("Lỗi phát hiện trong tháng 03/2009", 1),
        ("Lỗi đã khắc phục trong tháng 03/2009", 0),
        # four units run the one-stop shop (the province itself does not); 44502 has the most
        ("Xếp hạng trong tỉnh theo số lỗi chưa khắc phục (1 = nhiều lỗi nhất)", "1 / 4 đơn vị"),
    ]


def test_the_csv_holds_the_same_rows(nightly) -> None:
    _, folder, *_ = nightly
    text = (folder / "44502.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    lines = text.decode("utf-8-sig").split("\r\n")
    assert lines[0].split(",") == [f'"{h}"' for h in HEADER]
    assert lines[1] == (
        '"1","R03_missing_required","Thiếu trường bắt buộc","02/03/2009",'
        '"2009-03-02/44502.csv","1","C1","Kênh nộp","Thiếu trường bắt buộc: Kênh nộp",'
        '"Bổ sung Kênh nộp","02/03/2009","3"'
    )
    assert lines[2:] == [""]


def test_no_personal_data_in_any_feedback_file(nightly) -> None:
    _, folder, *_ = nightly
    for path in folder.iterdir():
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                text = "".join(z.read(n).decode("utf-8") for n in z.namelist())
        else:
            text = path.read_text(encoding="utf-8-sig")
        for secret in NEVER_FOUND:
            assert secret not in text, (path.name, secret)


def test_on_demand_for_an_earlier_night(gap_nights, tmp_path) -> None:
    settings, _, _ = gap_nights
    result = subprocess.run(
        [MOTCUA, "--data-dir", str(settings.data_dir), "feedback", "--unit", "S01", "--date",
         N2.isoformat(), "--out-dir", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "1 open gaps as of 2009-03-03" in result.stdout
    assert gap_rows(tmp_path / "S01.xlsx") == [
        (1, "R01_missing_submission", "Không gửi sổ theo dõi hồ sơ", dt.datetime(2009, 3, 2),
         "(không có tệp)", None, None, None, "Đơn vị không gửi sổ theo dõi ngày 02/03/2009",
         "Gửi sổ ngày 02/03/2009", dt.datetime(2009, 3, 2), 1),
    ]  # fmt: skip


def test_a_unit_without_open_gaps_gets_an_empty_list_on_demand(gap_nights, tmp_path) -> None:
    settings, _, _ = gap_nights
    fb, xlsx, _ = write_unit_feedback(settings, "445", N4, tmp_path)
    assert fb.open_gaps == 0 and fb.fixed_this_month == 1 and fb.rank == 2
    assert gap_rows(xlsx) == []
    assert sheet_rows(xlsx, GAP_SHEET)[3][0] == "Không có lỗi chưa khắc phục."


def test_bad_requests_say_what_to_do(gap_nights, tmp_path) -> None:
    settings, _, _ = gap_nights
    with pytest.raises(PipelineError, match="not in the warehouse's unit registry"):
        write_unit_feedback(settings, "99999", N4, tmp_path)
    with pytest.raises(PipelineError, match="as of 2009-03-05: there is no feedback"):
        write_unit_feedback(settings, "445", N4 + dt.timedelta(days=1), tmp_path)
    assert N1 < N4


def test_a_unit_gone_is_reported_in_its_successors_workbook(reform) -> None:
    """After the reform (tests/support/reform.py, as of 2025-12-31): 901 and 902, abolished, and
    90102, merged into 90101, get no workbook; their open gaps (the ledgers they never sent from
    02-01 to 06-29, R01, which late files may still fix) are listed in their successors' (901 and
    90102 in 90101's, 902 in 90201's), each naming the unit whose ledger it is, and the summary
    ranks the three units in force."""
    settings, _ = reform
    written = write_all_feedback(settings)
    folder = Path(written["feedback_dir"])
    assert sorted(p.name for p in folder.glob("*.xlsx")) == ["90101.xlsx", "90201.xlsx", "S01.xlsx"]
    con = duckdb.connect(str(settings.warehouse_db), read_only=True)
    try:
        open_gaps = dict(
            con.execute(
                "select unit_code, count(*) from marts.dq_gap_status where status = 'open' "
                "group by 1"
            ).fetchall()
        )
    finally:
        con.close()
    # the R01 of 148 nights each (tests/warehouse/test_reform_scopes.py), and nothing else open
    assert {u: open_gaps[u] for u in ("901", "90102", "902")} == {
        "901": 148,
        "90102": 148,
        "902": 148,
    }
    rows = {code: gap_rows(folder / f"{code}.xlsx") for code in ("90101", "90201")}
    assert len(rows["90101"]) == open_gaps["90101"] + 148 + 148
    assert len(rows["90201"]) == open_gaps["90201"] + 148

    def named(code: str, prefix: str) -> list[tuple]:
        return [r for r in rows[code] if str(r[8]).startswith(prefix)]

    gone_901 = named("90101", "Sổ của đơn vị tiền thân 901 Huyện Một: ")
    gone_90102 = named("90101", "Sổ của đơn vị tiền thân 90102 Xã Bình: ")
    assert len(gone_901) == len(gone_90102) == 148
    assert len(named("90201", "Sổ của đơn vị tiền thân 902 Huyện Hai: ")) == 148
    assert {r[1] for r in gone_901 + gone_90102} == {"R01_missing_submission"}
    assert min(r[3] for r in gone_901) == dt.datetime(2025, 2, 1)
    assert max(r[3] for r in gone_901) == dt.datetime(2025, 6, 29)
    summary = {r[0]: r[2] for r in sheet_rows(folder / "90101.xlsx", SUMMARY_SHEET) if r[0]}
    assert summary["Tổng cộng"] == len(rows["90101"])
    rank = summary["Xếp hạng trong tỉnh theo số lỗi chưa khắc phục (1 = nhiều lỗi nhất)"]
    assert rank.endswith(" / 3 đơn vị")
    with pytest.raises(PipelineError, match=r"--unit 90101"):
        write_unit_feedback(settings, "90102")
