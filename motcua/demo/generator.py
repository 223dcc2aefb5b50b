"""Demo data: the nightly dossier ledgers of Hà Tĩnh's one-stop shops, July 2008 – June 2009.

``generate_province(data_dir)`` writes, under ``data_dir``, exactly what the submission contract
(``shared/spec/submission-contract.md``) describes::

    reference/units.csv
    reference/unit_successions.csv
    reference/procedures.csv
    landing/<YYYY-MM-DD>/<unit_code>.csv

Profiles
--------
``hatinh`` (the demo)
    province ``42``, 5 departments (``S01``–``S05``), 12 district-level units, 262 communes of
    which 241 run the one-stop shop; one file per running unit and night from
    ``max(one_stop_since, 2008-07-01)`` to ``2009-06-30`` (≈ 83,000 files, ≈ 122,000 rows).
    By the rules of ``indicators.md`` the cohort of July 2008 – June 2009 (province, all
    sectors, outcomes as of 2009-06-30) is exactly the provincial review's: received 49,860;
    returned on time 40,471; returned late 2,656; in process 6,733; adoption 241/262 communes and
    12/12 district-level units. The generator checks this on the rows it wrote and raises if
    not. units.csv also holds one merger, before the period (18620 + 18621 → 18619 on
    2008-01-01, see ``hatinh.MERGED_2008``), which leaves 262 communes in force.
``small`` (for fast end-to-end tests)
    province ``42``, 2 districts, 6 communes (one not running, one starting mid-period) of
    which two merge on 2009-02-01 into a new commune (18412 + 18418 → 18413: the predecessors'
    ledgers stop on 2009-01-31, the successor's start on 2009-02-01), 1 department,
    12 procedures in 3 sectors, 2009-01-01 … 2009-02-14 (Tết inside), ≈ 450 dossiers (refused,
    withdrawn, late and overdue ones included), every planted gap kind at least twice. Its
    ``expected`` holds the cohort of the whole period as of 2009-02-14.
``hatinh-2026`` (Hà Tĩnh as it is today; docs/demo.md)
    2025-01-01 … 2026-06-30: the 12 district-level units and 209 communes of 2025-01-01 until
    2025-06-30, the 69 commune-level units of the two-level local government from 2025-07-01
    (real GSO codes and names, :mod:`motcua.demo.hatinh2026`), 5 departments and the provincial
    public administration centre; 420,000 dossiers received (``dossiers=`` sets fewer), mostly
    online. The merged units' open dossiers are carried on by their successors under their
    original codes (the contract's handover: the successor's file reports their later changes).
    No calibration target: ``expected`` holds the cohort of the whole period.

Realism
-------
Each row is the dossier's full state on the report date; a dossier appears when received
(status 2 or 4) and again whenever its state changes (2 → 4, 5/6 requests, an apology letter,
9 with ``finished_at``, 10 with ``returned_at``, 7 withdrawn), ≈ 2.4 rows per dossier. Units that
have no activity send a header-only file. A deterministic minority of units write Vietnamese
headers (with or without diacritics), ``;`` as delimiter, ``DD/MM/YYYY`` or ``DD-MM-YYYY``
dates, date-times, Vietnamese status/channel labels, sector names instead of codes, a UTF-8
BOM, or omit optional columns. Every file's modification time is set to the evening of its
report date (local time, UTC+7) – a few arrive days late – so ``arrived_at`` is meaningful and
deterministic.

Record-keeping gaps (all listed in ``GenerationReport.planted``), none of which changes the
cohort figures: missing nights (R01, the changes are reported in the next file), empty channel
or procedure code on a superseded row (R03), unparseable ``rescheduled_due_at`` (R04), unknown
procedure code on a superseded row (R05), a row listed twice (R06), returned before finished /
due before received / finished before received (R07, outcome unchanged), status 9 with a return
date (R08). Nothing else of R02–R08 occurs, nor R12 (received and due dates never change) or
R14 (statuses only move forward). Warnings occur naturally and are not listed: R10 (most late
or overdue dossiers carry no apology date), R11 (stale pending dossiers), R13 (quiet nights);
R09 only on the rows planted with a due date before the received date (due dates are the N-th
working day after receipt, weekends and the ``holidays`` package's Vietnamese holidays
skipped).

Only the standard library is used; everything derives from ``random.Random`` instances seeded
from ``seed`` and iterates in sorted orders, so a seed always gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from . import hatinh, hatinh2026
from .hatinh import Procedure, Unit

LOCAL_TZ = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh, no DST

# Vietnamese public holidays as the ``holidays`` package (0.109) lists them; due dates are the
# N-th working day after the received date, skipping weekends and these days.
_HOLIDAYS = frozenset(
    date.fromisoformat(s)
    for s in (
        "2007-01-01 2007-02-16 2007-02-17 2007-02-18 2007-02-19 2007-02-20 2007-02-21 2007-04-26 "
        "2007-04-30 2007-05-01 2007-09-02 2007-09-03 "
        "2008-01-01 2008-02-06 2008-02-07 2008-02-08 2008-02-09 2008-02-11 2008-04-15 2008-04-30 "
        "2008-05-01 2008-09-02 "
        "2009-01-01 2009-01-25 2009-01-26 2009-01-27 2009-01-28 2009-01-29 2009-04-04 2009-04-06 "
        "2009-04-30 2009-05-01 2009-09-02 "
        "2010-01-01 2010-02-13 2010-02-14 2010-02-15 2010-02-16 2010-02-17 2010-02-18 2010-02-19 "
        "2010-04-23 2010-04-30 2010-05-01 2010-05-03 2010-09-02 "
        # 2024-2027 (hatinh-2026): the weekdays off of motcua.common.calendar (the package and the
        # seed holiday_overrides, e.g. Friday 2025-05-02 off for Saturday 2025-04-26 worked)
        "2024-01-01 2024-02-08 2024-02-09 2024-02-12 2024-02-13 2024-02-14 2024-04-18 2024-04-29 "
        "2024-04-30 2024-05-01 2024-09-02 2024-09-03 2025-01-01 2025-01-27 2025-01-28 2025-01-29 "
        "2025-01-30 2025-01-31 2025-04-07 2025-04-30 2025-05-01 2025-05-02 2025-09-01 2025-09-02 "
        "2026-01-01 2026-02-16 2026-02-17 2026-02-18 2026-02-19 2026-02-20 2026-04-27 2026-04-30 "
        "2026-05-01 2026-08-31 2026-09-01 2026-09-02 2026-11-24 2027-01-01 2027-02-04 2027-02-05 "
        "2027-02-08 2027-02-09 2027-02-10 2027-04-16 2027-04-30 2027-05-03 2027-09-02 2027-09-03 "
        "2027-11-24"
    ).split()
)
# weekend days worked in exchange (holiday_overrides)
_WORKED = frozenset(date.fromisoformat(s) for s in ("2024-05-04", "2025-04-26", "2026-08-22"))

EN_COLUMNS = [
    "dossier_code",
    "procedure_code",
    "procedure_name",
    "sector",
    "channel",
    "applicant_name",
    "applicant_id",
    "applicant_phone",
    "applicant_address",
    "handling_agency",
    "received_at",
    "due_at",
    "rescheduled_due_at",
    "finished_at",
    "returned_at",
    "status",
    "notes",
]
# two Vietnamese header sets (aliases from the contract) and one without diacritics
_VI_A = [
    "Mã hồ sơ",
    "Mã TTHC",
    "Tên TTHC",
    "Lĩnh vực",
    "Kênh nộp",
    "Người nộp",
    "Số giấy tờ",
    "Số điện thoại",
    "Địa chỉ",
    "Cơ quan chủ trì giải quyết",
    "Ngày nhận hồ sơ",
    "Ngày hẹn trả",
    "Ngày hẹn lại",
    "Ngày có kết quả",
    "Ngày trả kết quả",
    "Trạng thái",
    "Ghi chú",
]
_VI_B = [
    "Mã hồ sơ",
    "Mã thủ tục",
    "Tên thủ tục",
    "Lĩnh vực",
    "Hình thức nộp",
    "Tên cá nhân, tổ chức",
    "Số giấy tờ",
    "Số điện thoại",
    "Địa chỉ",
    "Cơ quan chủ trì giải quyết",
    "Ngày tiếp nhận",
    "Hẹn trả kết quả",
    "Ngày hẹn lại",
    "Ngày xử lý xong",
    "Ngày trả kết quả",
    "Trạng thái",
    "Ghi chú",
]
_VI_PLAIN = [
    "MA HO SO",
    "MA TTHC",
    "TEN TTHC",
    "LINH VUC",
    "KENH NOP",
    "NGUOI NOP",
    "SO GIAY TO",
    "SO DIEN THOAI",
    "DIA CHI",
    "CO QUAN CHU TRI GIAI QUYET",
    "NGAY NHAN HO SO",
    "NGAY HEN TRA",
    "NGAY HEN LAI",
    "NGAY CO KET QUA",
    "NGAY TRA KET QUA",
    "TRANG THAI",
    "GHI CHU",
]
HEADER_SETS = {"en": EN_COLUMNS, "vi": _VI_A, "vi2": _VI_B, "vi_plain": _VI_PLAIN}

STATUS_LABELS = {
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
CHANNEL_LABELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}

R01 = "R01_missing_submission"
R03 = "R03_missing_required"
R04 = "R04_invalid_value"
R05 = "R05_unknown_reference"
R06 = "R06_duplicate_dossier"
R07 = "R07_date_order"
R08 = "R08_status_date_mismatch"
PLANTED_RULES = (R01, R03, R04, R05, R06, R07, R08)


# ---------------------------------------------------------------------------------------------
# public result types


@dataclass(frozen=True)
class PlantedGap:
    """One record-keeping gap the generator put in on purpose."""

    rule_id: str
    unit_code: str
    report_date: date
    dossier_code: str | None
    detail: str = ""


@dataclass
class GenerationReport:
    profile: str
    seed: int
    data_dir: Path
    units_csv: Path
    procedures_csv: Path
    landing_dir: Path
    first_report_date: date
    last_report_date: date
    n_units: int  # rows of units.csv
    n_submitting_units: int  # units that send files
    n_procedures: int
    n_unit_nights: int  # submissions expected (one per running unit and night)
    n_files: int  # files written (= expected - missing)
    n_rows: int  # data rows written, duplicates included
    n_dossiers: int  # distinct (unit, dossier) written, never-received ones included
    n_gap_rows: int  # rows carrying a planted row-level gap
    planted: list[PlantedGap] = field(default_factory=list)
    late_files: list[tuple[str, date, date]] = field(default_factory=list)  # unit, date, arrived
    expected: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def missing_share(self) -> float:
        return 1 - self.n_files / self.n_unit_nights if self.n_unit_nights else 0.0

    @property
    def gap_row_share(self) -> float:
        return self.n_gap_rows / self.n_rows if self.n_rows else 0.0


# ---------------------------------------------------------------------------------------------
# calendar


class _Calendar:
    def __init__(self, first: date, last: date) -> None:
        self.wd: list[date] = []
        self.count_upto: dict[date, int] = {}  # working days ≤ d
        d = first
        while d <= last:
            if self.is_working(d):
                self.wd.append(d)
            self.count_upto[d] = len(self.wd)
            d += timedelta(days=1)

    def add(self, d: date, n: int) -> date:
        """The n-th working day after d (d itself not counted); n = 0 gives d if working."""
        if n == 0:
            return self.wd[self.count_upto[d] - 1] if self.is_working(d) else self.add(d, 1)
        return self.wd[self.count_upto[d] + n - 1]

    def is_working(self, d: date) -> bool:
        return (d.weekday() < 5 and d not in _HOLIDAYS) or d in _WORKED

    def last_on_or_before(self, d: date) -> date:
        return self.wd[self.count_upto[d] - 1]

    def between(self, a: date, b: date) -> list[date]:
        """Working days in [a, b]."""
        return self.wd[self.count_upto[a - timedelta(days=1)] : self.count_upto[b]]


def _days(a: date, b: date) -> list[date]:
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


# ---------------------------------------------------------------------------------------------
# profiles


@dataclass
class _Profile:
    name: str
    units: list[Unit]
    procedures: list[Procedure]
    start: date
    end: date
    counted_total: int  # dossiers received (status not 1/3) in [start, end]
    targets: dict | None  # exact cohort figures, or None
    n_refused: int
    n_registered: int
    gap_rates: dict[str, float]  # per row (R01: per unit-night)
    gap_min: int  # every gap kind at least this often
    rates: dict[str, float]  # base daily volumes per level
    p_withdraw: float = 0.004
    withdraw_margin: int = 45  # withdrawn dossiers are received at least this many days before
    # reference/unit_successions.csv: (old_unit_code, successor_unit_code, effective_date, kind,
    # note)
    successions: list[tuple[str, str, date, str, str]] = field(default_factory=list)
    # old unit code -> the unit that carries on its open dossiers after its last day, under their
    # original codes (submission-contract.md); None: a merged-away unit's ledger just stops
    handovers: dict[str, str] | None = None
    # hooks of a profile whose units are not the 2009 registry's (hatinh-2026)
    rate_of: Callable[[Unit], float] | None = None
    online_of: Callable[[Unit], float] | None = None
    procedures_for: Callable[[Unit, list[Procedure]], list[Procedure]] | None = None
    agency_of: Callable[[Unit, Procedure], str] | None = None
    addresses: Callable[[list[Unit]], tuple] | None = None


_HATINH_TARGETS = {
    "received": 49_860,
    "returned_on_time": 40_471,
    "returned_late": 2_656,
    "in_process": 6_733,
}

_GAP_RATES = {
    "R01": 0.016,  # unit-nights missing
    "R03_channel": 0.0015,
    "R03_procedure": 0.0004,
    "R04": 0.0003,
    "R05": 0.0005,
    "R06": 0.0006,
    "R07_returned": 0.0004,
    "R07_due": 0.00012,
    "R07_finished": 0.0002,
    "R08": 0.0005,
}


SMALL_MERGER = date(2009, 2, 1)  # small profile: 18412 + 18418 → 18413 from this date
PROFILES = ("hatinh", "small", "hatinh-2026")


def _merger(old: Sequence[str], new: str, day: date, note: str) -> list[tuple]:
    return [(code, new, day, "merge", note) for code in old]


def _profile(name: str, dossiers: int | None = None) -> _Profile:
    catalogue = list(hatinh.PROCEDURES)
    if name == "hatinh-2026":
        total = dossiers or hatinh2026.DOSSIERS
        units = hatinh2026.build_units()
        return _Profile(
            name=name,
            units=units,
            procedures=list(hatinh2026.PROCEDURE_CATALOGUE),
            start=hatinh2026.START,
            end=hatinh2026.END,
            counted_total=total,
            targets=None,
            n_refused=max(8, round(total * 0.005)),
            n_registered=max(4, round(total * 0.0015)),
            gap_rates=dict(_GAP_RATES),
            gap_min=3,
            rates={},
            successions=hatinh2026.successions(),
            handovers=hatinh2026.handovers(),
            rate_of=lambda u: hatinh2026.RATES[hatinh2026.kind_of(u)],
            online_of=lambda u: hatinh2026.ONLINE[hatinh2026.kind_of(u)],
            procedures_for=hatinh2026.procedures_for,
            agency_of=hatinh2026.handling_agency,
            addresses=hatinh2026.addresses,
        )
    if dossiers is not None:
        raise ValueError(f"profile {name!r} has a fixed volume (dossiers= is for hatinh-2026)")
    if name == "hatinh":
        return _Profile(
            name="hatinh",
            units=hatinh.build_units(),
            procedures=catalogue,
            start=date(2008, 7, 1),
            end=date(2009, 6, 30),
            counted_total=_HATINH_TARGETS["received"],
            targets=dict(_HATINH_TARGETS),
            n_refused=260,
            n_registered=70,
            gap_rates=dict(_GAP_RATES),
            gap_min=3,
            rates={"department": 3.0, "district": 7.0, "commune": 0.55},
            successions=_merger(
                [c for c, _ in hatinh.MERGER_2008_PREDECESSORS],
                hatinh.MERGER_2008_SUCCESSOR,
                hatinh.MERGED_2008,
                "Xã Việt Tiến và Xã Xuyên Thủy (Thạch Hà) sáp nhập thành Xã Việt Xuyên "
                "(dữ liệu demo)",
            ),
        )
    if name == "small":
        full = hatinh.build_units()
        by_name = {u.unit_name: u for u in full}
        pick = [  # (unit, one_stop_since in this profile)
            (by_name["Tỉnh Hà Tĩnh"], None),
            (by_name["Sở Tư pháp"], date(2007, 10, 1)),
            (by_name["Huyện Can Lộc"], date(2007, 7, 29)),
            (by_name["Huyện Lộc Hà"], date(2008, 5, 21)),
            (by_name["Thị trấn Nghèn"], date(2008, 8, 4)),
            (by_name["Xã Thiên Lộc"], date(2008, 7, 15)),
            (by_name["Xã Vượng Lộc"], date(2008, 11, 3)),
            (by_name["Xã Thạch Bằng"], date(2009, 1, 12)),  # starts during the period
            (by_name["Xã Hộ Độ"], date(2008, 6, 2)),
            (by_name["Xã Ích Hậu"], None),  # does not run the one-stop shop
        ]
        units = [
            Unit(
                u.unit_code,
                u.unit_name,
                u.level,
                u.parent_code,
                since,
                u.valid_from,
                u.valid_to,
                u.sector_code,
            )
            for u, since in pick
        ]
        # a merger inside the period: Thiên Lộc and Vượng Lộc (Can Lộc) end on 2009-01-31, the
        # new commune 18413 Thiên Vượng is in force (and sends ledgers) from 2009-02-01; the
        # predecessors' ledgers stop, their open dossiers stay theirs (unit_successions.csv)
        merged = {"Xã Thiên Lộc", "Xã Vượng Lộc"}
        units = [
            Unit(
                u.unit_code,
                u.unit_name,
                u.level,
                u.parent_code,
                u.one_stop_since,
                u.valid_from,
                SMALL_MERGER - timedelta(days=1) if u.unit_name in merged else u.valid_to,
                u.sector_code,
            )
            for u in units
        ]
        units.append(Unit("18413", "Xã Thiên Vượng", "commune", "443", SMALL_MERGER, SMALL_MERGER))
        codes = {
            "X-TP-01",
            "X-TP-02",
            "X-TP-03",
            "X-TP-06",
            "X-LDTBXH-01",
            "X-DD-01",
            "H-DD-01",
            "H-DD-02",
            "H-LDTBXH-01",
            "H-TP-02",
            "T-TP-01",
            "T-TP-02",
        }
        return _Profile(
            name="small",
            units=units,
            procedures=[p for p in catalogue if p.procedure_code in codes],
            start=date(2009, 1, 1),
            end=date(2009, 2, 14),
            counted_total=450,
            targets=None,
            n_refused=8,
            n_registered=4,
            gap_rates=dict(_GAP_RATES),
            gap_min=2,
            rates={"department": 1.5, "district": 4.0, "commune": 1.4},
            p_withdraw=0.015,
            withdraw_margin=20,
            successions=_merger(
                ["18412", "18418"],
                "18413",
                SMALL_MERGER,
                "Xã Thiên Lộc và Xã Vượng Lộc (Can Lộc) sáp nhập thành Xã Thiên Vượng "
                "(hồ sơ demo small)",
            ),
        )
    raise ValueError(f"unknown profile {name!r} (expected one of {', '.join(PROFILES)})")


# ---------------------------------------------------------------------------------------------
# per-unit behaviour and file style


@dataclass(frozen=True)
class _Style:
    headers: str  # key of HEADER_SETS
    delimiter: str
    date_fmt: str  # iso | dmy | dmy-
    with_time: bool
    labels: bool  # status and channel as Vietnamese labels
    sector_as_name: bool
    bom: bool
    omit: frozenset[str]  # optional columns left out

    def columns(self) -> list[int]:
        return [i for i, c in enumerate(EN_COLUMNS) if c not in self.omit]


def _style_for(i: int) -> _Style:
    """A deterministic minority of units deviate from the plain English/ISO format."""
    headers = "en"
    if i % 5 == 1:
        headers = "vi"
    elif i % 11 == 7:
        headers = "vi2"
    elif i % 23 == 13:
        headers = "vi_plain"
    omit: set[str] = set()
    if i % 6 == 5:
        omit.add("procedure_name")
    if i % 7 == 4:
        omit.add("handling_agency")
    return _Style(
        headers=headers,
        delimiter=";" if (i % 7 == 3 or headers == "vi2") else ",",
        date_fmt="dmy" if i % 4 == 2 else ("dmy-" if i % 13 == 6 else "iso"),
        with_time=i % 3 == 0,
        labels=i % 9 == 4 or headers == "vi_plain",
        sector_as_name=i % 3 == 1,
        bom=i % 8 == 6,
        omit=frozenset(omit),
    )


@dataclass
class _Behaviour:
    volume: float
    p_stale: float  # dossiers the ledger never updates after receipt
    p_late: float
    p_exact: float  # resolved exactly on the due date
    p_apology: float
    p_accept_first: float  # first reported as status 2 (then 4) rather than 4 directly
    p_return_same_day: float
    miss_rate: float  # share of nights without a file


# ---------------------------------------------------------------------------------------------
# dossiers


class _Dossier:
    __slots__ = (
        "unit",
        "code",
        "proc",
        "sector_code",
        "channel",
        "received",
        "rtime",
        "due",
        "applicant",
        "agency",
        "cat",
        "f",
        "t",
        "w",
        "ftime",
        "ttime",
        "events",
        "rows",
        "beh",
    )

    def __init__(self) -> None:
        self.f: date | None = None
        self.t: date | None = None
        self.w: date | None = None
        self.events: list[tuple] = []
        self.rows: list[list] = []


# event: (date, status (0 = unchanged), rescheduled (None = unchanged), note)
# snapshot: (status, rescheduled_due, finished, returned, note)


def _applicant(rng: random.Random, proc: Procedure, addr_pool: list[tuple[str, str]]) -> tuple:
    commune, district = rng.choice(addr_pool)
    org = (
        proc.level == "province" and proc.sector_code in ("DKKD", "DD", "XD") and rng.random() < 0.8
    )
    if org:
        name = (
            f"{rng.choice(hatinh.COMPANY_KINDS)} {rng.choice(hatinh.COMPANY_TRADES)} "
            f"{rng.choice(hatinh.COMPANY_WORDS)}"
        )
        ident = f"30{rng.randrange(0, 10**8):08d}"
        phone = f"0393{rng.randrange(0, 10**6):06d}"
        address = f"Số {rng.randint(1, 250)}, {_place(commune, district)}, Hà Tĩnh"
        return name, ident, phone, address
    family = rng.choices(hatinh.FAMILY_NAMES, weights=hatinh.FAMILY_WEIGHTS)[0]
    if rng.random() < 0.5:
        name = f"{family} {rng.choice(hatinh.MIDDLE_MALE)} {rng.choice(hatinh.GIVEN_MALE)}"
    else:
        name = f"{family} {rng.choice(hatinh.MIDDLE_FEMALE)} {rng.choice(hatinh.GIVEN_FEMALE)}"
    ident = f"18{rng.randrange(0, 10**7):07d}"
    u = rng.random()
    if u < 0.55:
        phone = f"09{rng.randrange(0, 10**8):08d}"
    elif u < 0.8:
        phone = f"0393{rng.randrange(0, 10**6):06d}"
    else:
        phone = ""
    kind = (
        "Tổ dân phố" if commune.startswith(("Phường", "Thị trấn")) else rng.choice(("Thôn", "Xóm"))
    )
    address = f"{kind} {rng.randint(1, 14)}, {_place(commune, district)}, Hà Tĩnh"
    return name, ident, phone, address


def _place(commune: str, district: str) -> str:
    """'Xã A, Huyện B', or 'Xã A' where there is no district level (from 2025-07-01)."""
    return f"{commune}, {district}" if district else commune


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[:rest]:
        out[i] += 1
    return out


class _Generator:
    def __init__(self, prof: _Profile, seed: int) -> None:
        self.p = prof
        self.seed = seed
        self.rng = random.Random(f"motcua-demo/{prof.name}/{seed}")
        self.cal = _Calendar(
            min(date(2007, 1, 1), date(prof.start.year - 1, 1, 1)),
            max(date(2010, 12, 31), date(prof.end.year + 1, 12, 31)),
        )
        self.S, self.E = prof.start, prof.end
        self.E_wd = self.cal.last_on_or_before(self.E)
        self.units = prof.units
        self.submitting = sorted(
            (
                u
                for u in self.units
                if u.one_stop_since is not None
                and u.level != "province"
                and u.one_stop_since <= self.E
                and u.valid_from <= self.E
                and (u.valid_to is None or u.valid_to >= max(self.S, u.one_stop_since))
            ),
            key=lambda u: (u.unit_code, u.valid_from),
        )
        # Internal key of a sending unit version: its code, or code@valid_from for the later
        # versions of a code that has several (a new commune keeping a predecessor's code); the
        # files are named by the code (code_of).
        self.key: dict[Unit, str] = {}
        for u in self.submitting:
            taken = u.unit_code in self.key.values()
            self.key[u] = f"{u.unit_code}@{u.valid_from.isoformat()}" if taken else u.unit_code
        self.code_of = {k: u.unit_code for u, k in self.key.items()}
        self.unit_of = {k: u for u, k in self.key.items()}
        # a unit sends ledgers while it runs the one-stop shop and is in force
        self.first_night = {
            self.key[u]: max(u.one_stop_since, self.S, u.valid_from) for u in self.submitting
        }
        self.last_night = {self.key[u]: min(self.E, u.valid_to or self.E) for u in self.submitting}
        self.styles = {self.key[u]: _style_for(i) for i, u in enumerate(self.submitting)}
        # old key -> key of the version that carries on its open dossiers (contract's handover)
        self.successor: dict[str, str] = {}
        if prof.handovers:
            first_version = {}
            for u in self.submitting:
                first_version.setdefault(u.unit_code, [])
                first_version[u.unit_code].append(u)
            for u in self.submitting:
                new_code = prof.handovers.get(u.unit_code)
                if new_code is None or u.valid_to is None:
                    continue
                later = [v for v in first_version.get(new_code, []) if v.valid_from > u.valid_to]
                if later:
                    self.successor[self.key[u]] = self.key[min(later, key=lambda v: v.valid_from)]
        self.planted: list[PlantedGap] = []
        self.dossiers: list[_Dossier] = []
        self.by_unit: dict[str, list[_Dossier]] = {self.key[u]: [] for u in self.submitting}
        self.present: dict[str, list[date]] = {}
        self.files: dict[str, dict[date, list[list]]] = {}
        self.late_files: list[tuple[str, date, date]] = []
        self.addr_of: dict[str, list[tuple[str, str]]] = {}
        if prof.addresses is not None:
            self.addr_all, pools = prof.addresses(self.units)
            self.addr_of = {self.key[u]: pools[u] for u in self.submitting if u in pools}
            self.district_names = {}
            return
        districts = {
            u.unit_code: u.unit_name for u in hatinh.build_units() if u.level == "district"
        }
        self.district_names = districts
        self.addr_all = [(name, districts[d]) for _, name, d in hatinh.commune_rows()]
        addr_by_district: dict[str, list[tuple[str, str]]] = {}
        for _, name, d in hatinh.commune_rows():
            addr_by_district.setdefault(d, []).append((name, districts[d]))
        for u in self.submitting:
            if u.level == "district":
                self.addr_of[self.key[u]] = addr_by_district.get(u.unit_code, self.addr_all)
            elif u.level == "commune":
                self.addr_of[self.key[u]] = [(u.unit_name, districts[u.parent_code])]

    # --- behaviour -------------------------------------------------------------------------
    def _behaviour(self) -> dict[str, _Behaviour]:
        out = {}
        for u in self.submitting:
            r = random.Random(f"motcua-demo/{self.p.name}/{self.seed}/unit/{self.key[u]}")
            factor = r.uniform(0.55, 1.6)
            if u.unit_name.startswith(("Phường", "Thị trấn", "Thành phố", "Thị xã")):
                factor *= 1.4
            tier = r.random()  # ledger discipline
            if tier < 0.6:
                stale, miss = r.uniform(0.03, 0.09), r.uniform(0.0, 0.008)
            elif tier < 0.85:
                stale, miss = r.uniform(0.09, 0.18), r.uniform(0.01, 0.03)
            else:
                stale, miss = r.uniform(0.18, 0.30), r.uniform(0.03, 0.07)
            rate = self.p.rate_of(u) if self.p.rate_of else self.p.rates[u.level]
            out[self.key[u]] = _Behaviour(
                volume=rate * factor,
                p_stale=stale,
                p_late=r.uniform(0.02, 0.10),
                p_exact=r.uniform(0.15, 0.35),
                p_apology=r.choice((0.0, 0.1, 0.3, 0.6)),
                p_accept_first=0.7 if u.level != "commune" else 0.25,
                p_return_same_day=0.6 if u.level == "commune" else 0.3,
                miss_rate=miss,
            )
        return out

    # --- dossiers --------------------------------------------------------------------------
    def make_dossiers(self) -> None:
        rng, cal = self.rng, self.cal
        beh = self._behaviour()
        self.beh = beh
        key = self.key
        wdays = {c: cal.between(self.first_night[c], self.last_night[c]) for c in self.first_night}
        weights = [beh[key[u]].volume * len(wdays[key[u]]) for u in self.submitting]
        counts = _largest_remainder(self.p.counted_total, weights)
        procedures_for = self.p.procedures_for or hatinh.procedures_for
        procs_of = {key[u]: procedures_for(u, self.p.procedures) for u in self.submitting}

        # never-received dossiers (refused at the counter / registered online, never accepted)
        extra: dict[str, list[str]] = {key[u]: [] for u in self.submitting}
        refusing = [key[u] for u in self.submitting if procs_of[key[u]]]
        online = [
            key[u]
            for u in self.submitting
            if u.level in ("department", "district") and procs_of[key[u]]
        ]
        for _ in range(self.p.n_refused):
            extra[rng.choice(refusing)].append("refused")
        for _ in range(self.p.n_registered):
            extra[rng.choice(online)].append("registered")

        for u, n in zip(self.submitting, counts, strict=True):
            k = key[u]
            code = u.unit_code
            b = beh[k]
            procs = procs_of[k]
            pweights = [p.weight for p in procs]
            addr = self.addr_of.get(k, self.addr_all)
            online_share = (
                self.p.online_of(u) if self.p.online_of else (0.0 if u.level == "commune" else 0.03)
            )
            kinds = ["counted"] * n + extra[k]
            days = rng.choices(wdays[k], k=len(kinds))
            rng.shuffle(kinds)
            items = sorted(zip(days, kinds, strict=True), key=lambda x: x[0])
            seq: dict[date, int] = {}
            for r, kind in items:
                seq[r] = seq.get(r, 0) + 1
                d = _Dossier()
                d.unit = u
                d.beh = b
                d.code = f"{code}-{r:%y%m%d}-{seq[r]:03d}"
                d.proc = rng.choices(procs, weights=pweights)[0]
                d.sector_code = d.proc.sector_code
                d.received = r
                d.rtime = rng.randint(7 * 60 + 30, 16 * 60 + 45)
                d.ftime = rng.randint(8 * 60, 17 * 60)
                d.ttime = rng.randint(7 * 60 + 30, 17 * 60)
                if kind == "registered":
                    d.channel = 2
                else:
                    x = rng.random()
                    d.channel = 2 if x < online_share else (3 if x > 0.985 else 1)
                d.applicant = _applicant(rng, d.proc, addr)
                if self.p.agency_of is not None:
                    d.agency = self.p.agency_of(u, d.proc)
                else:
                    d.agency = hatinh.handling_agency(
                        u,
                        d.proc,
                        self.district_names.get(u.parent_code, u.unit_name)
                        if u.level == "commune"
                        else self.district_names.get(code, u.unit_name),
                    )
                d.due = cal.add(r, d.proc.statutory_days)
                d.cat = kind
                if kind == "counted":
                    self._natural(d)
                self.dossiers.append(d)
                self.by_unit[k].append(d)

    def _early_f(self, d: _Dossier) -> date:
        n = d.proc.statutory_days
        k = 0 if n == 1 else self.rng.randint(max(0, n // 3), n - 1)
        f = self.cal.add(d.received, k)
        return min(f, self.E_wd)

    def _late_f(self, d: _Dossier) -> date:
        k = 1 + min(int(self.rng.expovariate(1 / 6)), 40)
        return min(self.cal.add(d.due, k), self.E_wd)

    def _natural(self, d: _Dossier) -> None:
        rng, b = self.rng, d.beh
        if (
            d.received <= self.E - timedelta(days=self.p.withdraw_margin)
            and rng.random() < self.p.p_withdraw
        ):
            self._withdraw(d)
            return
        u = rng.random()
        if u < b.p_stale:
            d.cat = "stale"
            return
        n = d.proc.statutory_days
        if u < b.p_stale + b.p_late:
            f = self.cal.add(d.due, 1 + min(int(rng.expovariate(1 / 6)), 40))
            cat = "late"
        elif u < b.p_stale + b.p_late + b.p_exact:
            f, cat = d.due, "exact"
        else:
            k = 0 if n == 1 and rng.random() < 0.7 else rng.randint(0, n - 1)
            f, cat = self.cal.add(d.received, k), "early"
        if f > self.E_wd:
            d.cat = "pending"  # still being worked on at the end of the period
        else:
            d.cat, d.f = cat, f

    def _withdraw(self, d: _Dossier) -> None:
        d.cat, d.f = "withdrawn", None
        w = self.cal.add(d.received, self.rng.randint(1, 8))
        d.w = min(w, self.E - timedelta(days=self.p.withdraw_margin // 2))

    def fix_up(self) -> None:
        """Move just enough dossiers between categories to hit the exact targets (hatinh), or
        make sure every kind of dossier occurs a few times (small)."""
        t = self.p.targets
        if not t:
            self._ensure_minimums()
            return
        rng = self.rng
        counted = [d for d in self.dossiers if d.cat not in ("refused", "registered")]
        assert len(counted) == t["received"]

        def of(*cats: str) -> list[_Dossier]:
            return [d for d in counted if d.cat in cats]

        pending = of("pending", "stale")
        diff = len(pending) - t["in_process"]
        self.natural = {"in_process": len(pending), "returned_late": len(of("late"))}
        if diff > 0:
            for d in rng.sample(pending, diff):
                d.cat, d.f = "early", self._early_f(d)
        elif diff < 0:
            for d in rng.sample(of("early"), -diff):
                d.cat, d.f = "stale", None
        late = of("late")
        diff = len(late) - t["returned_late"]
        if diff > 0:
            for d in rng.sample(late, diff):
                d.cat, d.f = "early", self._early_f(d)
        elif diff < 0:
            cands = [d for d in of("early") if d.due < self.E_wd]
            for d in rng.sample(cands, -diff):
                d.cat, d.f = "late", self._late_f(d)

    def _ensure_minimums(self, k: int = 3) -> None:
        rng, E = self.rng, self.E

        def early(cond=lambda d: True) -> list[_Dossier]:
            return [d for d in self.dossiers if d.cat == "early" and cond(d)]

        margin = timedelta(days=self.p.withdraw_margin)
        have = sum(d.cat == "withdrawn" for d in self.dossiers)
        for d in rng.sample(early(lambda d: d.received <= E - margin), max(0, k - have)):
            self._withdraw(d)
        have = sum(d.cat == "late" for d in self.dossiers)
        for d in rng.sample(early(lambda d: d.due < self.E_wd), max(0, k - have)):
            d.cat, d.f = "late", self._late_f(d)
        have = sum(d.cat == "stale" and d.due < E for d in self.dossiers)
        for d in rng.sample(early(lambda d: d.due < E), max(0, k - have)):
            d.cat, d.f = "stale", None

    # --- events ----------------------------------------------------------------------------
    def make_events(self) -> None:
        rng, cal, E, E_wd = self.rng, self.cal, self.E, self.E_wd
        # small profile: at least one late dossier carries an apology letter
        forced = None
        if not self.p.targets:
            forced = next(
                (d for d in self.dossiers if d.cat == "late" and d.due > d.received), None
            )
        for d in self.dossiers:
            r, b, cat = d.received, d.beh, d.cat
            ev = d.events
            if cat == "refused":
                d.due = None
                ev.append((r, 3, None, "Hồ sơ không đủ điều kiện tiếp nhận"))
                continue
            if cat == "registered":
                ev.append((r, 1, None, "Đăng ký trực tuyến"))
                nxt = cal.add(r, rng.randint(1, 3))
                if rng.random() < 0.4 and nxt <= E:
                    ev.append((nxt, 3, None, "Hồ sơ trực tuyến không hợp lệ"))
                continue
            f = d.f
            if cat == "early" or cat == "exact" or cat == "late":
                k = 0 if rng.random() < b.p_return_same_day else rng.randint(1, 5)
                t = cal.add(f, k)
                d.t = t if t <= E_wd else None
            end = f or d.w  # the dossier's last activity, if any
            s0 = 2 if rng.random() < b.p_accept_first else 4
            note = "Liên thông" if d.proc.inter_agency else ""
            ev.append((r, s0, None, note))
            s4 = cal.add(r, 1)
            if (
                s0 == 2
                and s4 <= E
                and (end is None or s4 < end)
                and (cat != "stale" or rng.random() < 0.5)
            ):
                ev.append((s4, 4, None, ""))
            # a request to the applicant or for fees, on longer procedures
            n = d.proc.statutory_days
            last = s4 if len(ev) > 1 else r  # date of the latest status change so far
            if n >= 10 and cat != "stale" and rng.random() < 0.2:
                m = cal.add(r, rng.randint(2, max(2, n // 2)))
                if m <= E and m > s4 and (end is None or m < end):
                    if d.sector_code == "DD" and d.proc.inter_agency:
                        ev.append((m, 6, None, "Chờ thực hiện nghĩa vụ tài chính"))
                    else:
                        ev.append((m, 5, None, "Yêu cầu bổ sung giấy tờ"))
                    last = m
            if cat == "pending" and rng.random() < 0.03:  # stopped (8): no status after it
                m = cal.add(last, rng.randint(1, 10))
                if m <= E:
                    ev.append((m, 8, None, "Tạm dừng xử lý"))
            # an apology letter with a new date, on the due date, for late / overdue dossiers
            if (
                d.due is not None
                and d.due <= E_wd
                and d.due > r
                and ((cat == "late") or (cat == "pending"))
                and (rng.random() < b.p_apology or d is forced)
            ):
                ev.append(
                    (
                        d.due,
                        0,
                        cal.add(d.due, rng.randint(3, 12)),
                        "Đã gửi phiếu xin lỗi và hẹn lại",
                    )
                )
            if cat == "withdrawn":
                ev.append((d.w, 7, None, "Công dân xin rút hồ sơ"))
            elif f is not None:
                if d.t == f:
                    ev.append((f, 10, None, ""))
                else:
                    ev.append((f, 9, None, ""))
                    if d.t is not None:
                        ev.append((d.t, 10, None, ""))
            ev.sort(key=lambda e: e[0])

    # --- missing nights and emission -------------------------------------------------------
    def emit(self) -> None:
        grng = random.Random(f"motcua-demo/{self.p.name}/{self.seed}/nights")
        min_missing = self.p.gap_min
        total_missing = 0
        for u in self.submitting:
            code = self.key[u]
            nights = _days(self.first_night[code], self.last_night[code])
            b = self.beh[code]
            missing: set[date] = set()
            i = 0
            while i < len(nights) - 1:  # never the last night
                if grng.random() < b.miss_rate / 1.4:
                    run = grng.choices((1, 2, 3), weights=(70, 20, 10))[0]
                    for j in range(i, min(i + run, len(nights) - 1)):
                        missing.add(nights[j])
                    i += run + 1
                else:
                    i += 1
            self.present[code] = [n for n in nights if n not in missing]
            total_missing += len(missing)
            for n in sorted(missing):
                self.planted.append(
                    PlantedGap(R01, self.code_of[code], n, None, "no file for this night")
                )
        if total_missing < min_missing:  # small profile: make sure a few nights are missing
            extra = min_missing - total_missing
            for u in self.submitting[:extra]:
                code = self.key[u]
                n = self.present[code][len(self.present[code]) // 3]
                self.present[code].remove(n)
                self.planted.append(
                    PlantedGap(R01, self.code_of[code], n, None, "no file for this night")
                )

        # each date → the night whose file reports it (the next present night), per unit version
        emit_on: dict[str, dict[date, date]] = {}
        for u in self.submitting:
            code = self.key[u]
            emit_on[code] = {}
            pres = set(self.present[code])
            nxt = None
            for n in reversed(_days(self.first_night[code], self.last_night[code])):
                if n in pres:
                    nxt = n
                emit_on[code][n] = nxt
            self.files[code] = {n: [] for n in self.present[code]}
        # A row is [dossier, snapshot, overrides, night, key of the unit whose file holds it].
        # After a unit's last night its open dossiers' news go into its successor's ledger
        # (self.successor, the contract's handover), else nowhere (the ledger stops).
        for u in self.submitting:
            code = self.key[u]
            heir = self.successor.get(code)
            for d in self.by_unit[code]:
                status, resched, fin, ret, note = 0, None, None, None, ""
                last_night = None
                for day, st, rs, nt in d.events:
                    if st:
                        status = st
                        if st == 9:
                            fin = day
                        elif st == 10:
                            fin = fin or day
                            ret = day
                    if rs is not None:
                        resched = rs
                    if nt:
                        note = nt
                    snap = (status, resched, fin, ret, note)
                    holder = code
                    night = emit_on[code].get(day)
                    if night is None and heir is not None:
                        holder, night = heir, emit_on[heir].get(day)
                    if night is None:  # after the unit's last ledger (merged away)
                        break
                    if (holder, night) == last_night:
                        d.rows[-1][1] = snap
                    else:
                        row = [d, snap, None, night, holder]
                        d.rows.append(row)
                        self.files[holder][night].append(row)
                        last_night = (holder, night)
        for files in self.files.values():
            for rows in files.values():
                rows.sort(key=lambda row: row[0].code)

    # --- planted row-level gaps ------------------------------------------------------------
    def plant(self) -> None:
        grng = random.Random(f"motcua-demo/{self.p.name}/{self.seed}/gaps")
        all_rows: list[list] = []
        for code in sorted(self.files):
            for night in sorted(self.files[code]):
                all_rows.extend(self.files[code][night])
        self.n_rows_before_dups = len(all_rows)
        used: set[int] = set()
        rates, nmin = self.p.gap_rates, self.p.gap_min

        def want(key: str) -> int:
            return max(nmin, round(rates[key] * len(all_rows)))

        def pick(key: str, cands: list[list]) -> list[list]:
            cands = [r for r in cands if id(r) not in used]
            chosen = grng.sample(cands, min(want(key), len(cands)))
            chosen.sort(key=lambda r: (r[4], r[3], r[0].code))
            for r in chosen:
                used.add(id(r))
            return chosen

        def note(rule: str, row: list, detail: str) -> None:
            self.planted.append(PlantedGap(rule, self.code_of[row[4]], row[3], row[0].code, detail))

        def ov(row: list) -> dict:
            if row[2] is None:
                row[2] = {}
            return row[2]

        superseded = [r for r in all_rows if r is not r[0].rows[-1]]
        # R07 due before received, on every row of late dossiers (stays late)
        late_ds = sorted(
            {
                id(r[0]): r[0]
                for r in all_rows
                if r[0].cat == "late" and all(id(x) not in used for x in r[0].rows)
            }.values(),
            key=lambda d: (d.unit.unit_code, d.unit.valid_from, d.code),
        )
        n_due = max(1, round(want("R07_due") / 2.5))
        for d in sorted(
            grng.sample(late_ds, min(n_due, len(late_ds))),
            key=lambda d: (d.unit.unit_code, d.unit.valid_from, d.code),
        ):
            bad = d.received - timedelta(days=grng.randint(1, 6))
            for row in d.rows:
                used.add(id(row))
                ov(row)["due"] = bad
                note(R07, row, f"due_at {bad.isoformat()} before received_at")
        for row in pick("R03_channel", superseded):
            ov(row)["channel"] = ""
            note(R03, row, "channel empty")
        for row in pick("R03_procedure", superseded):
            ov(row)["procedure_code"] = ""
            note(R03, row, "procedure_code empty")
        for row in pick("R05", superseded):
            bad = grng.choice(hatinh.UNKNOWN_PROCEDURE_CODES)
            ov(row)["procedure_code"] = bad
            note(R05, row, f"procedure_code {bad} not in the catalogue")
        for row in pick("R04", [r for r in all_rows if r[1][0] in (4, 5, 6)]):
            bad = grng.choice(("hẹn lại sau", "chờ ý kiến lãnh đạo", "31/02/2009"))
            ov(row)["resched"] = bad
            note(R04, row, f"rescheduled_due_at '{bad}' is not a date")
        for row in pick(
            "R07_returned",
            [
                r
                for r in all_rows
                if r is r[0].rows[-1] and r[1][0] == 10 and r[1][2] > r[0].received
            ],
        ):
            fin = row[1][2]
            bad = row[0].received + timedelta(days=grng.randrange(0, (fin - row[0].received).days))
            ov(row)["ret"] = bad
            note(R07, row, f"returned_at {bad.isoformat()} before finished_at {fin.isoformat()}")
        for row in pick(
            "R07_finished",
            [
                r
                for r in all_rows
                if len(r[0].rows) == 1 and r[1][0] == 10 and r[1][2] == r[0].received
            ],
        ):
            bad = row[0].received - timedelta(days=1)
            ov(row)["fin"] = bad
            note(R07, row, f"finished_at {bad.isoformat()} before received_at")
        for row in pick("R08", [r for r in all_rows if r[1][0] == 9]):
            ov(row)["ret"] = row[1][2]
            note(R08, row, "status 9 (not returned) with a returned_at")
        # R06 last, on rows without other gaps: the same row twice in its file
        dups = pick("R06", [r for r in all_rows if r[1][0] in (2, 4, 9, 10)])
        for row in dups:
            rows = self.files[row[4]][row[3]]
            rows.insert(rows.index(row) + 1, row)
            note(R06, row, "dossier listed twice in the file")
        self.n_gap_rows = len(used)

        # a few files arrive late (days after their report date)
        lrng = random.Random(f"motcua-demo/{self.p.name}/{self.seed}/arrival")
        cands = [
            (c, n)
            for c in sorted(self.present)
            for n in self.present[c]
            if n <= self.E - timedelta(days=7)
        ]
        k = max(self.p.gap_min, round(0.003 * len(cands)))
        for c, n in sorted(lrng.sample(cands, min(k, len(cands)))):
            self.late_files.append((self.code_of[c], n, n + timedelta(days=lrng.randint(2, 5))))

    # --- evaluation (the figures the rows give by indicators.md) ----------------------------
    def evaluate(self) -> dict:
        S, E = self.S, self.E
        latest: dict[tuple[str, str], tuple] = {}
        first7: dict[tuple[str, str], date] = {}
        # night by night: a dossier carried on by a successor is reported by two units in turn;
        # it stays the dossier of the unit that received it (the contract's handover)
        files = sorted((night, code) for code in self.files for night in self.files[code])
        for night, code in files:
            if True:
                for row in self.files[code][night]:
                    d, snap, o = row[0], row[1], row[2] or {}
                    key = (d.unit.unit_code, d.code)
                    latest[key] = (
                        d,
                        snap[0],
                        o.get("due", d.due),
                        o.get("fin", snap[2]),
                        o.get("ret", snap[3]),
                    )
                    if snap[0] == 7 and key not in first7:
                        first7[key] = night
        districts = {u.unit_code for u in self.units if u.level == "district"}

        def district_of(u: Unit) -> str | None:
            """The district of the unit version that received the dossier."""
            if u.level == "commune":
                return u.parent_code if u.parent_code in districts else None
            return u.unit_code if u.level == "district" else None

        zero = {"received": 0, "returned_on_time": 0, "returned_late": 0, "in_process": 0}
        tot = dict(zero)
        by_sector: dict[str, dict] = {}
        by_district: dict[str, dict] = {}
        for key, (d, st, due, fin, ret) in latest.items():
            if st in (1, 3) or not (S <= d.received <= E):
                continue
            if st == 7 and first7[key] <= E:
                out = "returned_on_time"
            elif st in (9, 10) and (fin or ret) is not None and (fin or ret) <= E:
                res = max(fin or ret, d.received)
                out = "returned_late" if res > due else "returned_on_time"
            else:
                out = "in_process"
            buckets = [tot, by_sector.setdefault(d.sector_code, dict(zero))]
            dc = district_of(d.unit)
            if dc:
                buckets.append(by_district.setdefault(dc, dict(zero)))
            for b in buckets:
                b["received"] += 1
                b[out] += 1
        adoption = {}
        for level in ("commune", "district", "department"):
            inforce = [
                u
                for u in self.units
                if u.level == level
                and u.valid_from <= E
                and (u.valid_to is None or E <= u.valid_to)
            ]
            adoption[level] = (
                sum(1 for u in inforce if u.one_stop_since and u.one_stop_since <= E),
                len(inforce),
            )
        return {
            "period_start": S,
            "period_end": E,
            "scope_code": hatinh.PROVINCE_CODE,
            "sector_code": "ALL",
            **tot,
            "adoption": adoption,
            "by_sector": dict(sorted(by_sector.items())),
            "by_district": dict(sorted(by_district.items())),
        }

    # --- writing ---------------------------------------------------------------------------
    def write(self, data_dir: Path) -> tuple[int, int]:
        ref = data_dir / "reference"
        ref.mkdir(parents=True, exist_ok=True)
        with open(ref / "units.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(
                [
                    "unit_code",
                    "unit_name",
                    "level",
                    "parent_code",
                    "one_stop_since",
                    "valid_from",
                    "valid_to",
                ]
            )
            for u in sorted(self.units, key=_unit_order):
                w.writerow(
                    [
                        u.unit_code,
                        u.unit_name,
                        u.level,
                        u.parent_code,
                        _iso(u.one_stop_since),
                        _iso(u.valid_from),
                        _iso(u.valid_to),
                    ]
                )
        with open(ref / "unit_successions.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["old_unit_code", "successor_unit_code", "effective_date", "kind", "note"])
            for old, new, day, kind, note in self.p.successions:
                w.writerow([old, new, day.isoformat(), kind, note])
        with open(ref / "procedures.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(
                [
                    "procedure_code",
                    "procedure_name",
                    "sector_code",
                    "sector_name",
                    "level",
                    "statutory_days",
                    "inter_agency",
                ]
            )
            for p in sorted(self.p.procedures, key=lambda p: p.procedure_code):
                w.writerow(
                    [
                        p.procedure_code,
                        p.procedure_name,
                        p.sector_code,
                        p.sector_name,
                        p.level,
                        p.statutory_days,
                        "true" if p.inter_agency else "false",
                    ]
                )

        landing = data_dir / "landing"
        by_night: dict[date, list[str]] = {}
        for code in sorted(self.present):
            for n in self.present[code]:
                by_night.setdefault(n, []).append(code)
        late = {(c, n): a for c, n, a in self.late_files}
        headers: dict[str, bytes] = {}
        n_files = n_rows = 0
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
        use_fd = os.utime in os.supports_fd and os.open in os.supports_dir_fd
        for night in sorted(by_night):
            folder = landing / night.isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            dir_fd = os.open(folder, os.O_RDONLY) if use_fd else None
            base = datetime(night.year, night.month, night.day, 21, 0, tzinfo=LOCAL_TZ)
            try:
                for i, code in enumerate(by_night[night]):
                    style = self.styles[code]
                    rows = self.files[code][night]
                    if not rows:
                        if code not in headers:
                            headers[code] = _render(style, [])
                        data = headers[code]
                    else:
                        data = _render(style, [self._values(r, style) for r in rows])
                        n_rows += len(rows)
                    arrived = late.get((self.code_of[code], night))
                    if arrived is not None:
                        ts = datetime(
                            arrived.year, arrived.month, arrived.day, 8, 30, tzinfo=LOCAL_TZ
                        ).timestamp()
                    else:
                        ts = (base + timedelta(seconds=37 * (i % 300))).timestamp()
                    name = f"{self.code_of[code]}.csv"
                    if use_fd:  # a few times faster than open()/write_bytes() per file
                        fd = os.open(name, flags, 0o644, dir_fd=dir_fd)
                        try:
                            view = memoryview(data)
                            while view:
                                view = view[os.write(fd, view) :]
                            os.utime(fd, (ts, ts))
                        finally:
                            os.close(fd)
                    else:
                        (folder / name).write_bytes(data)
                        os.utime(folder / name, (ts, ts))
                    n_files += 1
            finally:
                if dir_fd is not None:
                    os.close(dir_fd)
        return n_files, n_rows

    def _values(self, row: list, st: _Style) -> list[str]:
        d, snap, o = row[0], row[1], row[2] or {}
        status, resched, fin, ret, note = snap
        fmt = _date_formatter(st)
        proc = d.proc
        name, ident, phone, address = d.applicant
        due = o.get("due", d.due)
        fin = o.get("fin", fin)
        ret = o.get("ret", ret)
        resched = o.get("resched", resched)
        channel = o.get("channel", CHANNEL_LABELS[d.channel] if st.labels else str(d.channel))
        vals = [
            d.code,
            o.get("procedure_code", proc.procedure_code),
            proc.procedure_name,
            proc.sector_name if st.sector_as_name else proc.sector_code,
            channel,
            name,
            ident,
            phone,
            address,
            d.agency,
            fmt(d.received, d.rtime),
            fmt(due, None),
            resched if isinstance(resched, str) else fmt(resched, None),
            fmt(fin, d.ftime),
            fmt(ret, d.ttime),
            STATUS_LABELS[status] if st.labels else str(status),
            note,
        ]
        return [vals[i] for i in st.columns()]


def _unit_order(u: Unit) -> tuple:
    rank = {"province": 0, "department": 1, "district": 2, "commune": 3}[u.level]
    return (rank, u.parent_code if u.level == "commune" else "", u.unit_code, u.valid_from)


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def _date_formatter(st: _Style):
    def fmt(d: date | None, minutes: int | None) -> str:
        if d is None:
            return ""
        if st.date_fmt == "iso":
            s = d.isoformat()
        elif st.date_fmt == "dmy":
            s = f"{d.day:02d}/{d.month:02d}/{d.year:04d}"
        else:
            s = f"{d.day:02d}-{d.month:02d}-{d.year:04d}"
        if st.with_time and minutes is not None:
            s += f" {minutes // 60:02d}:{minutes % 60:02d}"
        return s

    return fmt


def _render(st: _Style, rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=st.delimiter, lineterminator="\r\n")
    names = HEADER_SETS[st.headers]
    w.writerow([names[i] for i in st.columns()])
    w.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if st.bom else data


# ---------------------------------------------------------------------------------------------
# public API


def generate_province(
    data_dir: str | os.PathLike[str],
    *,
    seed: int = 2009,
    profile: str = "hatinh",
    overwrite: bool = False,
    dossiers: int | None = None,
) -> GenerationReport:
    """Write reference data and nightly landing files for a profile (``hatinh``, ``small`` or
    ``hatinh-2026``). ``dossiers`` sets the number of dossiers received of ``hatinh-2026``
    (default :data:`motcua.demo.hatinh2026.DOSSIERS`; tests use fewer).

    Refuses to write into a data folder whose ``landing/`` already holds files unless
    ``overwrite`` is true, in which case ``landing/`` and ``reference/`` (only those) are
    removed first.
    """
    t0 = time.perf_counter()
    data_dir = Path(data_dir)
    landing = data_dir / "landing"
    if landing.exists() and any(landing.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{landing} is not empty (pass overwrite=True to replace it)")
        shutil.rmtree(landing)
        shutil.rmtree(data_dir / "reference", ignore_errors=True)
    prof = _profile(profile, dossiers)
    g = _Generator(prof, seed)
    g.make_dossiers()
    g.fix_up()
    g.make_events()
    g.emit()
    g.plant()
    expected = g.evaluate()
    if prof.targets:
        got = {k: expected[k] for k in prof.targets}
        if got != prof.targets:
            raise AssertionError(f"calibration failed: {got} != {prof.targets}")
    n_files, n_rows = g.write(data_dir)
    g.planted.sort(key=lambda p: (p.report_date, p.unit_code, p.rule_id, p.dossier_code or ""))
    return GenerationReport(
        profile=profile,
        seed=seed,
        data_dir=data_dir,
        units_csv=data_dir / "reference" / "units.csv",
        procedures_csv=data_dir / "reference" / "procedures.csv",
        landing_dir=landing,
        first_report_date=prof.start,
        last_report_date=prof.end,
        n_units=len(prof.units),
        n_submitting_units=len(g.submitting),
        n_procedures=len(prof.procedures),
        n_unit_nights=sum(len(_days(n, g.last_night[c])) for c, n in g.first_night.items()),
        n_files=n_files,
        n_rows=n_rows,
        n_dossiers=len(g.dossiers),
        n_gap_rows=g.n_gap_rows,
        planted=g.planted,
        late_files=g.late_files,
        expected=expected,
        seconds=time.perf_counter() - t0,
    )


def write_night(
    data_dir: str | os.PathLike[str],
    report_date: date,
    rows_by_unit: Mapping[str, Sequence[Mapping[str, object]]],
    *,
    arrived_at: datetime | None = None,
) -> list[Path]:
    """Write (or overwrite, as a corrected re-send) one night's files in the plain format.

    ``rows_by_unit`` maps a unit code to its rows, each a mapping from contract column names
    (``dossier_code``, ``status``, ``received_at``, …) to values (dates are written ISO).
    A unit with an empty list gets a header-only file. Returns the paths written.
    """
    folder = Path(data_dir) / "landing" / report_date.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for code in sorted(rows_by_unit):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(EN_COLUMNS)
        for row in rows_by_unit[code]:
            w.writerow(
                [
                    ""
                    if row.get(c) is None
                    else (row[c].isoformat() if isinstance(row[c], date) else str(row[c]))
                    for c in EN_COLUMNS
                ]
            )
        path = folder / f"{code}.csv"
        path.write_bytes(buf.getvalue().encode("utf-8"))
        if arrived_at is not None:
            ts = arrived_at.timestamp()
            os.utime(path, (ts, ts))
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Write motcua demo data (units, procedures, "
        "nightly ledgers) into a data folder."
    )
    ap.add_argument("--data-dir", default=os.environ.get("MOTCUA_DATA_DIR", "data"))
    ap.add_argument("--profile", default="hatinh", choices=PROFILES)
    ap.add_argument("--dossiers", type=int, help="dossiers received (hatinh-2026 only)")
    ap.add_argument("--seed", type=int, default=2009)
    ap.add_argument("--overwrite", action="store_true")
    a = ap.parse_args(argv)
    rep = generate_province(
        a.data_dir, seed=a.seed, profile=a.profile, overwrite=a.overwrite, dossiers=a.dossiers
    )
    e = rep.expected
    print(
        f"{rep.profile}: {rep.n_files} files, {rep.n_rows} rows, {rep.n_dossiers} dossiers, "
        f"{rep.n_units} units in {rep.seconds:.1f}s -> {rep.data_dir}"
    )
    print(
        f"cohort {e['period_start']}..{e['period_end']}: received {e['received']}, "
        f"on time {e['returned_on_time']}, late {e['returned_late']}, "
        f"in process {e['in_process']}"
    )
    print(
        f"gaps: {rep.missing_share:.2%} unit-nights missing, {rep.gap_row_share:.2%} rows "
        f"with a planted gap, {len(rep.planted)} planted in all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
