"""Independent check of the demo generator (motcua.demo).

The verifier below reads the landing files the way the submission contract describes them
(English or Vietnamese headers, ``,`` or ``;``, ISO or day-first dates, codes or labels),
applies the supersede rule (later report date wins; within a file the later row wins) and
computes the cohort figures by the rules of indicators.md. It shares no code with the
generator: only ``generate_province`` and ``write_night`` are imported.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from motcua.demo import generate_province, write_night

# --------------------------------------------------------------------------------------------
# contract knowledge (submission-contract.md)

_ALIASES = {
    "dossier_code": ["Mã hồ sơ"],
    "procedure_code": ["Mã TTHC", "Mã thủ tục"],
    "procedure_name": ["Tên TTHC", "Tên thủ tục"],
    "sector": ["Lĩnh vực"],
    "channel": ["Kênh nộp", "Hình thức nộp"],
    "applicant_name": ["Tên cá nhân, tổ chức", "Người nộp"],
    "applicant_id": ["Số giấy tờ", "CCCD"],
    "applicant_phone": ["Số điện thoại"],
    "applicant_address": ["Địa chỉ"],
    "handling_agency": ["Cơ quan chủ trì giải quyết"],
    "received_at": ["Ngày nhận hồ sơ", "Ngày tiếp nhận"],
    "due_at": ["Ngày hẹn trả", "Hẹn trả kết quả"],
    "rescheduled_due_at": ["Ngày hẹn lại"],
    "finished_at": ["Ngày có kết quả", "Ngày xử lý xong"],
    "returned_at": ["Ngày trả kết quả"],
    "status": ["Trạng thái"],
    "notes": ["Ghi chú"],
}
_STATUS = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
_CHANNEL = {
    1: ["Trực tiếp", "in person"],
    2: ["Trực tuyến", "online"],
    3: ["Bưu chính công ích", "postal"],
}
PERSONAL = ("applicant_name", "applicant_id", "applicant_phone", "applicant_address")


def _norm(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return " ".join(text.lower().split())


HEADER_MAP = {_norm(a): col for col, al in _ALIASES.items() for a in [col, *al]}
STATUS_MAP = {_norm(v): k for k, v in _STATUS.items()} | {str(k): k for k in _STATUS}
CHANNEL_MAP = {_norm(v): k for k, vs in _CHANNEL.items() for v in vs} | {"1": 1, "2": 2, "3": 3}
INVALID = object()
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_DMY = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")


def parse_date(value: str):
    value = value.strip()
    if not value:
        return None
    try:
        if m := _ISO.match(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY.match(value):
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return INVALID
    return INVALID


@dataclass
class Row:
    unit: str
    report_date: date
    raw: dict[str, str]

    def get(self, col: str) -> str:
        return (self.raw.get(col) or "").strip()

    def date(self, col: str):
        return parse_date(self.get(col))

    @property
    def status(self) -> int | None:
        return STATUS_MAP.get(_norm(self.get("status")))

    @property
    def channel(self) -> int | None:
        return CHANNEL_MAP.get(_norm(self.get("channel")))


@dataclass
class Landing:
    files: dict[tuple[str, date], list[Row]]
    formats: Counter


def read_csv_file(path: Path) -> tuple[list[dict[str, str]], str]:
    text = path.read_bytes().decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delim = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(text.splitlines(), delimiter=delim)
    header = next(reader)
    cols = [HEADER_MAP.get(_norm(h)) for h in header]
    assert None not in cols, f"{path}: unknown header in {header}"
    assert "dossier_code" in cols and "status" in cols, path
    rows = [dict(zip(cols, values, strict=True)) for values in reader if any(values)]
    lang = "en" if header[0] == "dossier_code" else "vi"
    return rows, f"{lang};{delim}"


def read_landing(data_dir: Path) -> Landing:
    files: dict[tuple[str, date], list[Row]] = {}
    formats: Counter = Counter()
    for day_dir in sorted((data_dir / "landing").iterdir()):
        report_date = date.fromisoformat(day_dir.name)
        for path in sorted(day_dir.iterdir()):
            assert path.suffix == ".csv"
            rows, fmt = read_csv_file(path)
            formats[fmt] += 1
            files[(path.stem, report_date)] = [Row(path.stem, report_date, r) for r in rows]
    return Landing(files, formats)


def read_units(data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / "reference" / "units.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def read_procedures(data_dir: Path) -> dict[str, dict[str, str]]:
    with open(data_dir / "reference" / "procedures.csv", encoding="utf-8", newline="") as fh:
        return {r["procedure_code"]: r for r in csv.DictReader(fh)}


# --------------------------------------------------------------------------------------------
# indicators.md


def latest_states(landing: Landing) -> tuple[dict, dict]:
    """Supersede rule: later report date wins, within a file the later row wins. Also the
    report date of the first file that shows each dossier withdrawn."""
    latest: dict[tuple[str, str], Row] = {}
    first_withdrawn: dict[tuple[str, str], date] = {}
    for unit, report_date in sorted(landing.files, key=lambda k: (k[1], k[0])):
        for row in landing.files[(unit, report_date)]:
            key = (unit, row.get("dossier_code"))
            latest[key] = row
            if row.status == 7 and key not in first_withdrawn:
                first_withdrawn[key] = report_date
    return latest, first_withdrawn


def outcome(row: Row, withdrawn_on: date | None, as_of: date) -> str | None:
    status = row.status
    if status in (1, 3):
        return None
    received = row.date("received_at")
    due = row.date("due_at")
    if status == 7 and withdrawn_on is not None and withdrawn_on <= as_of:
        return "on_time"
    resolution = None
    if status in (9, 10):
        resolution = row.date("finished_at") or row.date("returned_at")
    if resolution is not None and resolution is not INVALID and resolution <= as_of:
        resolution = max(resolution, received)  # resolved before received counts as received
        if resolution < due:
            return "early"
        return "on_time" if resolution == due else "late"
    return "pending_within" if due >= as_of else "pending_overdue"


def cohort(landing: Landing, start: date, end: date, units: set[str] | None = None) -> dict:
    latest, first_withdrawn = latest_states(landing)
    out = Counter()
    for key, row in latest.items():
        if units is not None and key[0] not in units:
            continue
        res = outcome(row, first_withdrawn.get(key), end)
        if res is None:
            continue
        received = row.date("received_at")
        if not (start <= received <= end):
            continue
        out["received"] += 1
        if res in ("early", "on_time"):
            out["returned_on_time"] += 1
        elif res == "late":
            out["returned_late"] += 1
        else:
            out["in_process"] += 1
    return dict(out)


def adoption(units: list[dict[str, str]], level: str, as_of: date) -> tuple[int, int]:
    inforce = [
        u
        for u in units
        if u["level"] == level
        and date.fromisoformat(u["valid_from"]) <= as_of
        and (not u["valid_to"] or as_of <= date.fromisoformat(u["valid_to"]))
    ]
    running = [
        u
        for u in inforce
        if u["one_stop_since"] and date.fromisoformat(u["one_stop_since"]) <= as_of
    ]
    return len(running), len(inforce)


def expected_submissions(units: list[dict[str, str]], first: date, last: date) -> set:
    out = set()
    for u in units:
        if not u["one_stop_since"] or u["level"] == "province":
            continue
        # expected while the unit runs the one-stop shop and is in force
        d = max(date.fromisoformat(u["one_stop_since"]), first, date.fromisoformat(u["valid_from"]))
        stop = min(last, date.fromisoformat(u["valid_to"])) if u["valid_to"] else last
        while d <= stop:
            out.add((u["unit_code"], d))
            d += timedelta(days=1)
    return out


def detect_row_gaps(landing: Landing, procs: dict) -> tuple[set, int, int]:
    """Row-level gaps R03-R08 by record-keeping-gaps.md as (rule, unit, date, dossier), and the
    number of dossiers whose received/due date changes (R12) or whose status goes back (R14)."""
    found = set()
    history: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for unit, report_date in sorted(landing.files, key=lambda k: (k[1], k[0])):
        rows = landing.files[(unit, report_date)]
        copies = Counter(r.get("dossier_code") for r in rows)
        for r in rows:
            code, st = r.get("dossier_code"), r.status
            key = (unit, report_date, code)
            history[(unit, code)].append(r)
            if copies[code] > 1:
                found.add(("R06_duplicate_dossier", *key))
            required = [
                "dossier_code",
                "procedure_code",
                "sector",
                "channel",
                "received_at",
                "status",
            ] + ([] if st in (3, 7) else ["due_at"])
            if any(not r.get(c) for c in required):
                found.add(("R03_missing_required", *key))
            if r.get("procedure_code") and r.get("procedure_code") not in procs:
                found.add(("R05_unknown_reference", *key))
            dates = {
                c: r.date(c)
                for c in (
                    "received_at",
                    "due_at",
                    "rescheduled_due_at",
                    "finished_at",
                    "returned_at",
                )
            }
            if INVALID in dates.values() or st is None or (r.get("channel") and r.channel is None):
                found.add(("R04_invalid_value", *key))
            rec, due = dates["received_at"], dates["due_at"]
            fin, ret = dates["finished_at"], dates["returned_at"]
            if (
                (due and due < rec)
                or (fin and fin < rec)
                or (ret and ret < rec)
                or (fin and ret and ret < fin)
                or any(x and x > report_date for x in (rec, fin, ret))
            ):
                found.add(("R07_date_order", *key))
            if (
                (st in (9, 10) and not fin and not ret)
                or (st == 10 and not ret)
                or (st != 10 and ret)
                or (st in (2, 4, 5, 6, 8) and (fin or ret))
            ):
                found.add(("R08_status_date_mismatch", *key))
    r12 = sum(
        len({(r.get("received_at"), r.get("due_at")) for r in rows}) > 1
        for rows in history.values()
    )
    r14 = sum(
        any(b.status < a.status for a, b in zip(rows, rows[1:], strict=False))
        for rows in history.values()
    )
    return found, r12, r14


def planted_row_gaps(report) -> set:
    return {
        (p.rule_id, p.unit_code, p.report_date, p.dossier_code)
        for p in report.planted
        if p.rule_id != "R01_missing_submission"
    }


def tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode())
            h.update(b"\0")
            h.update(p.read_bytes())
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# fixtures

START, END = date(2008, 7, 1), date(2009, 6, 30)


def _roomy_tmpfs() -> Path | None:
    """/dev/shm when it can hold the ~83,000 files: creating that many files is slow on some
    virtual disks, and this test is about their content."""
    shm = Path("/dev/shm")
    try:
        return (
            shm if shutil.disk_usage(shm).free > 2 * 1024**3 and os.access(shm, os.W_OK) else None
        )
    except OSError:
        return None


@pytest.fixture(scope="module")
def hatinh(tmp_path_factory):
    shm = _roomy_tmpfs()
    with tempfile.TemporaryDirectory(
        prefix="motcua-demo-", dir=shm or tmp_path_factory.getbasetemp()
    ) as tmp:
        data_dir = Path(tmp)
        report = generate_province(data_dir, seed=2009, profile="hatinh")
        yield report, read_landing(data_dir), data_dir


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("small")
    report = generate_province(data_dir, seed=2009, profile="small")
    return report, read_landing(data_dir), data_dir


# --------------------------------------------------------------------------------------------
# hatinh: the provincial review, exactly


def test_hatinh_reproduces_the_review(hatinh):
    # (how long the generation takes: benchmarks/demo.py)
    report, landing, data_dir = hatinh
    figures = cohort(landing, START, END)
    assert figures == {
        "received": 49_860,
        "returned_on_time": 40_471,
        "returned_late": 2_656,
        "in_process": 6_733,
    }
    assert {k: report.expected[k] for k in figures} == figures
    units = read_units(data_dir)
    assert adoption(units, "commune", END) == (241, 262)
    assert adoption(units, "district", END) == (12, 12)
    assert report.expected["adoption"]["commune"] == (241, 262)
    assert report.expected["adoption"]["district"] == (12, 12)


def test_hatinh_registry(hatinh):
    _, _, data_dir = hatinh
    units = read_units(data_dir)
    # one merger before the period: 18620 + 18621 -> 18619 on 2008-01-01 (262 communes in force)
    versions = {u["unit_code"]: u for u in units}
    assert versions["18620"]["valid_to"] == versions["18621"]["valid_to"] == "2007-12-31"
    assert versions["18619"]["valid_from"] == "2008-01-01" and not versions["18619"]["valid_to"]
    assert {versions[c]["parent_code"] for c in ("18619", "18620", "18621")} == {"445"}
    assert not versions["18620"]["one_stop_since"] and not versions["18621"]["one_stop_since"]
    units = [u for u in units if not u["valid_to"] or date.fromisoformat(u["valid_to"]) >= START]
    by_level = Counter(u["level"] for u in units)
    assert by_level["province"] == 1 and by_level["district"] == 12
    assert by_level["commune"] == 262 and 3 <= by_level["department"] <= 5
    districts = {u["unit_code"]: u["unit_name"] for u in units if u["level"] == "district"}
    assert districts["436"] == "Thành phố Hà Tĩnh" and districts["448"] == "Huyện Lộc Hà"
    per_district = Counter(u["parent_code"] for u in units if u["level"] == "commune")
    assert per_district == {
        "436": 16,
        "437": 6,
        "439": 32,
        "440": 28,
        "441": 12,
        "442": 19,
        "443": 23,
        "444": 22,
        "445": 31,
        "446": 27,
        "447": 33,
        "448": 13,
    }
    communes = [u for u in units if u["level"] == "commune"]
    assert all(re.fullmatch(r"\d{5}", u["unit_code"]) for u in communes)
    assert all(u["unit_name"].startswith(("Xã ", "Phường ", "Thị trấn ")) for u in communes)
    assert len({u["unit_code"] for u in units}) == len(units)
    since = [date.fromisoformat(u["one_stop_since"]) for u in communes if u["one_stop_since"]]
    assert max(since) <= date(2008, 12, 31)
    assert 0 < sum(d < START for d in since) < len(since) / 2  # most started Jul-Dec 2008
    procs = read_procedures(data_dir)
    assert 20 <= len(procs) <= 40
    assert {"DD", "LDTBXH", "TP", "XD", "DKKD"} <= {p["sector_code"] for p in procs.values()}
    assert {p["inter_agency"] for p in procs.values()} == {"true", "false"}


def test_hatinh_submissions_and_gaps(hatinh):
    report, landing, data_dir = hatinh
    units = read_units(data_dir)
    expected = expected_submissions(units, START, END)
    present = set(landing.files)
    assert present <= expected
    missing = expected - present
    assert not any(d == END for _, d in missing)  # the period end is never missing
    planted_missing = {
        (p.unit_code, p.report_date)
        for p in report.planted
        if p.rule_id == "R01_missing_submission"
    }
    assert planted_missing == missing
    assert 0.01 <= len(missing) / len(expected) <= 0.03
    assert report.n_files == len(present) and report.n_unit_nights == len(expected)
    n_rows = sum(len(rows) for rows in landing.files.values())
    assert n_rows == report.n_rows
    assert 0.002 <= report.n_gap_rows / n_rows <= 0.01
    assert sum(not rows for rows in landing.files.values()) > len(present) / 2  # header-only
    # every row-level gap in the files is a planted one, and every planted one is there
    found, r12, r14 = detect_row_gaps(landing, read_procedures(data_dir))
    assert found == planted_row_gaps(report)
    assert (r12, r14) == (0, 0)
    # formats: a minority deviates from English headers / commas
    assert landing.formats["en;,"] > sum(landing.formats.values()) / 2
    assert {"vi;,", "vi;;", "en;;"} <= set(landing.formats)

    latest, first_withdrawn = latest_states(landing)
    statuses = Counter(r.status for r in latest.values())
    assert 100 <= statuses[3] + statuses[1] <= 600 and statuses[1] > 0
    assert statuses[7] > 0 and all(d <= END - timedelta(days=7) for d in first_withdrawn.values())
    rows_per_dossier = n_rows / len(latest)
    assert 2.0 <= rows_per_dossier <= 3.0
    # received dates inside the period; no date after its file's report date
    day_fmt = Counter()
    for (_unit, report_date), rows in landing.files.items():
        for row in rows:
            received = row.date("received_at")
            assert START <= received <= report_date
            for col in ("finished_at", "returned_at"):
                value = row.date(col)
                assert value is None or value <= report_date
            day_fmt["dmy" if "/" in row.get("received_at") else "other"] += 1
            assert row.get("applicant_name") and row.get("applicant_id")
    assert day_fmt["dmy"] > 0
    # late dossiers with and without an apology letter
    late = [r for k, r in latest.items() if outcome(r, first_withdrawn.get(k), END) == "late"]
    with_apology = [r for r in late if r.get("rescheduled_due_at")]
    assert 0 < len(with_apology) < len(late) / 2
    # the figures of report.expected by district add up (departments are province-only)
    by_district = report.expected["by_district"]
    assert set(by_district) == {u["unit_code"] for u in units if u["level"] == "district"}
    dept = {u["unit_code"] for u in units if u["level"] == "department"}
    depts = cohort(landing, START, END, units=dept)
    assert sum(v["received"] for v in by_district.values()) + depts["received"] == 49_860
    assert (
        cohort(
            landing,
            START,
            END,
            units={"436"} | {u["unit_code"] for u in units if u["parent_code"] == "436"},
        )
        == by_district["436"]
    )


# --------------------------------------------------------------------------------------------
# small profile


def test_small_is_deterministic(tmp_path, small):
    _, _, first_dir = small
    again = generate_province(tmp_path / "again", seed=2009, profile="small")
    assert tree_hash(first_dir / "landing") == tree_hash(again.data_dir / "landing")
    assert tree_hash(first_dir / "reference") == tree_hash(again.data_dir / "reference")
    other = generate_province(tmp_path / "other", seed=7, profile="small")
    assert tree_hash(first_dir / "landing") != tree_hash(other.data_dir / "landing")
    with pytest.raises(FileExistsError):
        generate_province(tmp_path / "again", seed=2009, profile="small")
    generate_province(tmp_path / "again", seed=7, profile="small", overwrite=True)
    assert tree_hash(tmp_path / "again" / "landing") == tree_hash(other.data_dir / "landing")


def test_small_content(small):
    report, landing, data_dir = small
    units = read_units(data_dir)
    assert Counter(u["level"] for u in units) == {
        "province": 1,
        "department": 1,
        "district": 2,
        "commune": 7,
    }
    # 18412 Thiên Lộc + 18418 Vượng Lộc -> 18413 Thiên Vượng on 2009-02-01
    assert adoption(units, "commune", date(2009, 1, 31)) == (5, 6)
    assert adoption(units, "commune", date(2009, 2, 14)) == (4, 5)
    by_code = {u["unit_code"]: u for u in units}
    assert by_code["18412"]["valid_to"] == by_code["18418"]["valid_to"] == "2009-01-31"
    assert by_code["18413"]["valid_from"] == "2009-02-01" == by_code["18413"]["one_stop_since"]
    assert by_code["18413"]["parent_code"] == "443"
    merged_files = {(u, d) for u, d in landing.files if u in {"18412", "18418", "18413"}}
    assert merged_files
    assert all(d <= date(2009, 1, 31) for u, d in merged_files if u != "18413")
    assert all(d >= date(2009, 2, 1) for u, d in merged_files if u == "18413")
    assert any(rows for (u, _), rows in landing.files.items() if u == "18413")
    expected = expected_submissions(units, date(2009, 1, 1), date(2009, 2, 14))
    assert set(landing.files) <= expected
    dates = sorted({d for _, d in landing.files})
    assert dates[0] == date(2009, 1, 1) and dates[-1] == date(2009, 2, 14)
    assert len(read_procedures(data_dir)) >= 10
    start, end = date(2009, 1, 1), date(2009, 2, 14)
    figures = cohort(landing, start, end)
    assert {k: report.expected[k] for k in figures} == figures
    assert 200 <= figures["received"] <= 800

    latest, first_withdrawn = latest_states(landing)
    outcomes = Counter(outcome(r, first_withdrawn.get(k), end) for k, r in latest.items())
    statuses = Counter(r.status for r in latest.values())
    assert statuses[3] > 0 and statuses[7] > 0  # refused and withdrawn
    assert outcomes["late"] > 0 and outcomes["pending_overdue"] > 0
    assert outcomes["early"] > 0 and outcomes["on_time"] > 0 and outcomes["pending_within"] > 0
    # carried over: received in January, still open or resolved in February
    jan_end = date(2009, 1, 31)
    carried = [
        r
        for k, r in latest.items()
        if r.status not in (1, 3)
        and r.date("received_at") <= jan_end
        and outcome(r, first_withdrawn.get(k), jan_end).startswith("pending")
    ]
    assert carried
    late = [r for k, r in latest.items() if outcome(r, first_withdrawn.get(k), end) == "late"]
    assert any(r.get("rescheduled_due_at") for r in late)
    assert any(not r.get("rescheduled_due_at") for r in late)
    # personal data present in the files (ingestion must strip it)
    rows = [r for rs in landing.files.values() for r in rs]
    assert all(all(col in r.raw for col in PERSONAL) for r in rows)


def test_small_planted_gaps_are_in_the_files(small):
    report, landing, data_dir = small
    procs = read_procedures(data_dir)
    kinds = Counter(p.rule_id for p in report.planted)
    assert set(kinds) >= {
        "R01_missing_submission",
        "R03_missing_required",
        "R04_invalid_value",
        "R05_unknown_reference",
        "R06_duplicate_dossier",
        "R07_date_order",
        "R08_status_date_mismatch",
    }
    found, r12, r14 = detect_row_gaps(landing, procs)
    assert found == planted_row_gaps(report)
    assert (r12, r14) == (0, 0)
    r07_kinds = set()
    for gap in report.planted:
        key = (gap.unit_code, gap.report_date)
        if gap.rule_id == "R01_missing_submission":
            assert key not in landing.files
            continue
        rows = [r for r in landing.files[key] if r.get("dossier_code") == gap.dossier_code]
        assert rows, gap
        row = rows[-1]
        if gap.rule_id == "R03_missing_required":
            assert not row.get("channel") or not row.get("procedure_code"), gap
        elif gap.rule_id == "R04_invalid_value":
            assert parse_date(row.get("rescheduled_due_at")) is INVALID, gap
        elif gap.rule_id == "R05_unknown_reference":
            assert row.get("procedure_code") not in procs, gap
        elif gap.rule_id == "R06_duplicate_dossier":
            assert len(rows) >= 2 and all(r.raw == rows[0].raw for r in rows), gap
        elif gap.rule_id == "R07_date_order":
            received, due = row.date("received_at"), row.date("due_at")
            fin, ret = row.date("finished_at"), row.date("returned_at")
            if due < received:
                r07_kinds.add("due<received")
            elif fin is not None and fin < received:
                r07_kinds.add("finished<received")
            elif fin is not None and ret is not None and ret < fin:
                r07_kinds.add("returned<finished")
            else:
                raise AssertionError(gap)
        elif gap.rule_id == "R08_status_date_mismatch":
            assert row.status == 9 and row.date("returned_at") is not None, gap
    assert r07_kinds == {"due<received", "finished<received", "returned<finished"}
    # R03/R05 gaps sit on superseded rows: the dossier's latest row is complete
    latest, _ = latest_states(landing)
    for gap in report.planted:
        if gap.rule_id in ("R03_missing_required", "R05_unknown_reference"):
            row = latest[(gap.unit_code, gap.dossier_code)]
            assert row.report_date > gap.report_date
            assert row.get("channel") and row.get("procedure_code") in procs


def test_write_night(tmp_path, small):
    report, _, _ = small
    night = date(2009, 2, 15)
    write_night(
        tmp_path,
        night,
        {
            "18409": [
                {
                    "dossier_code": "X1",
                    "procedure_code": "X-TP-01",
                    "sector": "TP",
                    "channel": 1,
                    "received_at": night,
                    "due_at": date(2009, 2, 16),
                    "status": 4,
                }
            ],
            "443": [],
        },
    )
    landing = read_landing(tmp_path)
    assert [r.status for r in landing.files[("18409", night)]] == [4]
    assert landing.files[("443", night)] == []


# --------------------------------------------------------------------------------------------
# hatinh-2026: Hà Tĩnh across the two-level reform of 2025-07-01 (a reduced volume: the files,
# one per unit and night, are the full profile's; the dossiers 6,000 instead of 420,000)

HT_START, HT_REFORM, HT_END = date(2025, 1, 1), date(2025, 7, 1), date(2026, 6, 30)
HT_DOSSIERS = 6_000
RESEARCH = Path(__file__).resolve().parents[2] / "docs" / "research" / "hatinh-2025"


@pytest.fixture(scope="module")
def hatinh2026(tmp_path_factory):
    shm = _roomy_tmpfs()
    with tempfile.TemporaryDirectory(
        prefix="motcua-demo-2026-", dir=shm or tmp_path_factory.getbasetemp()
    ) as tmp:
        data_dir = Path(tmp)
        report = generate_province(data_dir, profile="hatinh-2026", dossiers=HT_DOSSIERS)
        yield report, read_landing(data_dir), data_dir


def read_successions(data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / "reference" / "unit_successions.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def in_force(units: list[dict[str, str]], day: date) -> list[dict[str, str]]:
    return [
        u
        for u in units
        if date.fromisoformat(u["valid_from"]) <= day
        and (not u["valid_to"] or day <= date.fromisoformat(u["valid_to"]))
    ]


def handed_over_states(landing: Landing, successions: list[dict[str, str]]):
    """latest_states with the contract's handover: from its effective date a successor's row
    whose dossier_code a predecessor reported continues that dossier, which stays the
    predecessor's (the unit that received it). Also: the dossiers continued, by successor."""
    preds: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for s in successions:
        preds[s["successor_unit_code"]].append(
            (s["old_unit_code"], date.fromisoformat(s["effective_date"]))
        )
    latest: dict[tuple[str, str], Row] = {}
    first_withdrawn: dict[tuple[str, str], date] = {}
    continued: dict[tuple[str, str], str] = {}
    for unit, report_date in sorted(landing.files, key=lambda k: (k[1], k[0])):
        for row in landing.files[(unit, report_date)]:
            code = row.get("dossier_code")
            key = (unit, code)
            for old, effective in preds.get(unit, []):
                if old != unit and effective <= report_date and (old, code) in latest:
                    key = (old, code)
                    continued[key] = unit
            latest[key] = row
            if row.status == 7 and key not in first_withdrawn:
                first_withdrawn[key] = report_date
    return latest, first_withdrawn, continued


def cohort_2026(
    states, start: date, end: date, units: set[str] | None = None, as_of: date | None = None
) -> dict:
    """Dossiers received in [start, end] by `units`, outcomes as of `as_of` (default end)."""
    latest, first_withdrawn, _ = states
    out = Counter()
    for key, row in latest.items():
        if units is not None and key[0] not in units:
            continue
        res = outcome(row, first_withdrawn.get(key), as_of or end)
        if res is None or not (start <= row.date("received_at") <= end):
            continue
        out["received"] += 1
        out["online"] += row.channel == 2
        if res in ("early", "on_time"):
            out["returned_on_time"] += 1
        elif res == "late":
            out["returned_late"] += 1
        else:
            out["in_process"] += 1
    return dict(out)


def test_hatinh2026_registry_is_the_research(hatinh2026):
    _, _, data_dir = hatinh2026
    units = read_units(data_dir)
    with open(RESEARCH / "units_2025-01-01.csv", encoding="utf-8") as fh:
        before = {r["unit_code"]: r for r in csv.DictReader(fh)}
    with open(RESEARCH / "successions_2025-07-01.csv", encoding="utf-8") as fh:
        research = list(csv.DictReader(fh))
    june, july = in_force(units, date(2025, 6, 30)), in_force(units, HT_REFORM)
    assert Counter(u["level"] for u in june) == {
        "province": 1,
        "department": 6,
        "district": 12,
        "commune": 209,
    }
    assert Counter(u["level"] for u in july) == {"province": 1, "department": 6, "commune": 69}
    # the units of early 2025 are the research file's, with their parents and real names
    assert {
        u["unit_code"]: u["parent_code"] for u in june if u["level"] in ("commune", "district")
    } == {c: r["parent_code"] for c, r in before.items()}
    names = {u["unit_code"]: u["unit_name"] for u in june}
    assert names["436"] == "Thành phố Hà Tĩnh" and names["449"] == "Thị xã Kỳ Anh"
    assert names["18073"] == "Phường Nam Hà" and "448" not in names  # Lộc Hà gone on 2025-01-01
    new = {u["unit_code"]: u for u in july if u["level"] == "commune"}
    assert {c: u["unit_name"].split(" ", 1)[1] for c, u in new.items()} == {
        r["new_unit_code"]: r["new_unit_name"] for r in research
    }
    assert new["18073"]["unit_name"] == "Phường Thành Sen"
    assert {u["parent_code"] for u in new.values()} == {"42"}
    assert Counter(u["unit_name"].split(" ")[0] for u in new.values()) == {"Xã": 60, "Phường": 9}
    assert {u["valid_to"] for u in june if u["level"] in ("commune", "district")} == {"2025-06-30"}
    assert all(u["valid_from"] == "2025-07-01" == u["one_stop_since"] for u in new.values())
    # successions: the research's 212 rows, plus each district abolished into its seat's unit
    rows = read_successions(data_dir)
    assert {r["effective_date"] for r in rows} == {"2025-07-01"}
    communes = [r for r in rows if r["kind"] != "abolish"]
    assert sorted((r["old_unit_code"], r["successor_unit_code"]) for r in communes) == sorted(
        (r["predecessor_code"], r["new_unit_code"]) for r in research
    )
    assert Counter(r["kind"] for r in rows) == {
        "merge": 205,
        "split": 5,
        "rename": 2,
        "abolish": 12,
    }
    abolished = {
        r["old_unit_code"]: r["successor_unit_code"] for r in rows if r["kind"] == "abolish"
    }
    assert set(abolished) == {c for c, r in before.items() if r["level"] == "district"}
    assert abolished["436"] == "18073" and abolished["439"] in new  # Phố Châu's successor


def test_hatinh2026_files_follow_the_registry_and_the_handover(hatinh2026):
    report, landing, data_dir = hatinh2026
    units = read_units(data_dir)
    # a file only from a unit version in force on its date: no district nor old commune after
    # 2025-06-30, no new unit before 2025-07-01
    expected = expected_submissions(units, HT_START, HT_END)
    present = set(landing.files)
    assert present <= expected
    planted_missing = {(p.unit_code, p.report_date) for p in report.planted if p.rule_id == R01}
    assert planted_missing == expected - present
    districts = {u["unit_code"] for u in units if u["level"] == "district"}
    assert not any(c in districts for c, d in present if d >= HT_REFORM)
    assert report.n_files == len(present) and report.n_unit_nights == len(expected)
    # the contract's handover: after 2025-06-30 a predecessor's open dossier is carried on by its
    # successor under its original code; it was open at its last row in the predecessor's ledger
    states = handed_over_states(landing, read_successions(data_dir))
    latest, _, continued = states
    assert len(continued) > 20
    successors = defaultdict(set)
    for r in read_successions(data_dir):
        successors[r["old_unit_code"]].add(r["successor_unit_code"])
    last_before: dict[tuple[str, str], Row] = {}
    for (unit, day), rows in sorted(landing.files.items(), key=lambda kv: kv[0][1]):
        if day < HT_REFORM:
            for row in rows:
                last_before[(unit, row.get("dossier_code"))] = row
    for (old, code), holder in continued.items():
        assert holder in successors[old], (old, code, holder)
        # still open (or result ready, not yet returned: status 9)
        assert last_before[(old, code)].status in (2, 4, 5, 6, 8, 9), (old, code)
        assert latest[(old, code)].date("received_at") < HT_REFORM
    # a district's open dossiers go to its seat's unit: some of them are continued there
    assert any(old in districts for old, _ in continued)
    # every row-level gap in the files is a planted one, and every planted one is there
    found, r12, r14 = detect_row_gaps(landing, read_procedures(data_dir))
    assert found == planted_row_gaps(report)
    assert {p.rule_id for p in report.planted} == {
        R01,
        "R03_missing_required",
        "R04_invalid_value",
        "R05_unknown_reference",
        "R06_duplicate_dossier",
        "R07_date_order",
        "R08_status_date_mismatch",
    }


R01 = "R01_missing_submission"


def test_hatinh2026_figures(hatinh2026):
    """The generator's figures (report.expected) against the files read independently, with the
    handover; quarters by district before the reform, by commune and province after it."""
    report, landing, data_dir = hatinh2026
    units = read_units(data_dir)
    states = handed_over_states(landing, read_successions(data_dir))
    whole = cohort_2026(states, HT_START, HT_END)
    assert whole["received"] == HT_DOSSIERS == report.expected["received"]
    assert {k: report.expected[k] for k in ("returned_on_time", "returned_late", "in_process")} == {
        k: whole[k] for k in ("returned_on_time", "returned_late", "in_process")
    }
    assert whole["online"] / whole["received"] > 0.6  # most dossiers online
    districts = {u["unit_code"] for u in units if u["level"] == "district"}
    parent = {
        u["unit_code"]: u["parent_code"]
        for u in in_force(units, date(2025, 6, 30))
        if u["level"] == "commune"
    }
    by_district = report.expected["by_district"]
    assert set(by_district) == districts
    for d in districts:
        scope = {d} | {c for c, p in parent.items() if p == d}
        # the district with the communes it held: the dossiers they received until 2025-06-30
        # (a code kept by a new unit receives the new unit's after it), outcomes as of the end
        figures = cohort_2026(states, HT_START, date(2025, 6, 30), scope, as_of=HT_END)
        assert {k: v for k, v in figures.items() if k != "online"} == by_district[d]
        assert cohort_2026(states, HT_REFORM, HT_END, {d}) == {}
    # the province = districts + departments before the reform, = communes + departments after
    depts = {u["unit_code"] for u in units if u["level"] == "department"}
    q1 = cohort_2026(states, HT_START, date(2025, 3, 31))
    q1_parts = [cohort_2026(states, HT_START, date(2025, 3, 31), depts)] + [
        cohort_2026(
            states, HT_START, date(2025, 3, 31), {d} | {c for c, p in parent.items() if p == d}
        )
        for d in districts
    ]
    assert q1["received"] == sum(p.get("received", 0) for p in q1_parts) > 0
    new = {u["unit_code"] for u in in_force(units, HT_REFORM) if u["level"] == "commune"}
    q3 = cohort_2026(states, HT_REFORM, date(2025, 9, 30))
    q3_parts = [cohort_2026(states, HT_REFORM, date(2025, 9, 30), depts | new)]
    assert q3["received"] == q3_parts[0]["received"] > 0
    assert (
        sum(report.expected["by_sector"][s]["received"] for s in report.expected["by_sector"])
        == HT_DOSSIERS
    )
