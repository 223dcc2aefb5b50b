"""Hà Tĩnh reference data for the demo: the unit registry (2009) and a procedure catalogue.

Unit codes
----------
* ``42`` — the province (GSO code). It does not run a one-stop shop itself (``one_stop_since``
  empty), it is the scope "whole province".
* ``436`` … ``448`` — the 12 district-level units, real GSO codes (``438`` does not exist in 2009).
* 5-digit codes — the 262 commune-level units (xã, phường, thị trấn). They follow the GSO style
  (districts in code order, communes numbered in steps of 3 from ``18070``); names are real or
  realistic Hà Tĩnh names, the per-district counts are the real 2009 counts.
* ``S01`` … ``S05`` — provincial departments (Sở): ``S`` + a two-digit sequence number.

The procedure codes are ``<level>-<sector>-<nn>``: level ``X`` (xã, commune), ``H`` (huyện,
district), ``T`` (tỉnh, province); sector one of ``DD``, ``LDTBXH``, ``TP``, ``XD``, ``DKKD``.

Everything here is fixed (it does not depend on the generator's seed), so documentation and
tests may name particular units.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

PROVINCE_CODE = "42"
PROVINCE_NAME = "Tỉnh Hà Tĩnh"
VALID_FROM = date(2005, 1, 1)

SECTORS: dict[str, str] = {
    "DD": "Đất đai",
    "DKKD": "Đăng ký kinh doanh",
    "LDTBXH": "Lao động - Thương binh và Xã hội",
    "TP": "Tư pháp",
    "XD": "Xây dựng",
}


@dataclass(frozen=True)
class Unit:
    unit_code: str
    unit_name: str
    level: str  # province | department | district | commune
    parent_code: str
    one_stop_since: date | None
    valid_from: date = VALID_FROM
    valid_to: date | None = None
    sector_code: str | None = None  # departments: the sector they handle


@dataclass(frozen=True)
class Procedure:
    procedure_code: str
    procedure_name: str
    sector_code: str
    level: str  # commune | district | province
    statutory_days: int
    inter_agency: bool
    weight: float  # relative volume at a unit of its level (not written to the catalogue)

    @property
    def sector_name(self) -> str:
        return SECTORS[self.sector_code]


# --- districts (GSO code, name) -------------------------------------------------------------
DISTRICTS: list[tuple[str, str]] = [
    ("436", "Thành phố Hà Tĩnh"),
    ("437", "Thị xã Hồng Lĩnh"),
    ("439", "Huyện Hương Sơn"),
    ("440", "Huyện Đức Thọ"),
    ("441", "Huyện Vũ Quang"),
    ("442", "Huyện Nghi Xuân"),
    ("443", "Huyện Can Lộc"),
    ("444", "Huyện Hương Khê"),
    ("445", "Huyện Thạch Hà"),
    ("446", "Huyện Cẩm Xuyên"),
    ("447", "Huyện Kỳ Anh"),
    ("448", "Huyện Lộc Hà"),
]

# commune-level units per district: "P:" phường, "T:" thị trấn, otherwise xã
_COMMUNES: dict[str, list[str]] = {
    "436": [
        "P:Trần Phú",
        "P:Nam Hà",
        "P:Bắc Hà",
        "P:Tân Giang",
        "P:Nguyễn Du",
        "P:Hà Huy Tập",
        "P:Đại Nài",
        "P:Văn Yên",
        "P:Thạch Linh",
        "P:Thạch Quý",
        "Thạch Trung",
        "Thạch Hạ",
        "Thạch Môn",
        "Thạch Đồng",
        "Thạch Hưng",
        "Thạch Bình",
    ],
    "437": ["P:Bắc Hồng", "P:Nam Hồng", "P:Đức Thuận", "P:Trung Lương", "Thuận Lộc", "Đậu Liêu"],
    "439": [
        "T:Phố Châu",
        "T:Tây Sơn",
        "Sơn Hồng",
        "Sơn Tiến",
        "Sơn Lâm",
        "Sơn Lễ",
        "Sơn Giang",
        "Sơn Lĩnh",
        "Sơn Hà",
        "Sơn Mỹ",
        "Sơn Tây",
        "Sơn Kim 1",
        "Sơn Kim 2",
        "Sơn Trà",
        "Sơn Long",
        "Sơn Diệm",
        "Sơn Thủy",
        "Sơn Hàm",
        "Sơn Phúc",
        "Sơn Quang",
        "Sơn Trường",
        "Sơn Bằng",
        "Sơn Ninh",
        "Sơn Thịnh",
        "Sơn An",
        "Sơn Châu",
        "Sơn Tân",
        "Sơn Mai",
        "Sơn Phú",
        "Sơn Bình",
        "Sơn Trung",
        "Sơn Hòa",
    ],
    "440": [
        "T:Đức Thọ",
        "Đức Yên",
        "Đức Quang",
        "Đức Vĩnh",
        "Đức Tùng",
        "Đức Châu",
        "Đức Nhân",
        "Đức Thủy",
        "Đức Thanh",
        "Đức Dũng",
        "Đức La",
        "Đức Lạc",
        "Đức Hòa",
        "Đức Long",
        "Đức Lập",
        "Đức An",
        "Đức Lâm",
        "Đức Thịnh",
        "Đức Đồng",
        "Đức Lạng",
        "Đức Tân",
        "Trường Sơn",
        "Liên Minh",
        "Tùng Ảnh",
        "Bùi Xá",
        "Thái Yên",
        "Yên Hồ",
        "Trung Lễ",
    ],
    "441": [
        "T:Vũ Quang",
        "Ân Phú",
        "Đức Giang",
        "Đức Lĩnh",
        "Đức Bồng",
        "Đức Hương",
        "Đức Liên",
        "Hương Minh",
        "Hương Điền",
        "Hương Quang",
        "Hương Thọ",
        "Sơn Thọ",
    ],
    "442": [
        "T:Nghi Xuân",
        "T:Xuân An",
        "Xuân Hội",
        "Xuân Trường",
        "Xuân Đan",
        "Xuân Phổ",
        "Xuân Hải",
        "Xuân Giang",
        "Xuân Lĩnh",
        "Xuân Yên",
        "Xuân Hồng",
        "Xuân Viên",
        "Xuân Lam",
        "Xuân Thành",
        "Xuân Mỹ",
        "Xuân Liên",
        "Cổ Đạm",
        "Cương Gián",
        "Tiên Điền",
    ],
    "443": [
        "T:Nghèn",
        "Thiên Lộc",
        "Thuần Thiện",
        "Vượng Lộc",
        "Thanh Lộc",
        "Song Lộc",
        "Thường Nga",
        "Trường Lộc",
        "Tùng Lộc",
        "Yên Lộc",
        "Phú Lộc",
        "Khánh Lộc",
        "Gia Hanh",
        "Vĩnh Lộc",
        "Tiến Lộc",
        "Trung Lộc",
        "Xuân Lộc",
        "Thượng Lộc",
        "Quang Lộc",
        "Đồng Lộc",
        "Mỹ Lộc",
        "Sơn Lộc",
        "Kim Lộc",
    ],
    "444": [
        "T:Hương Khê",
        "Điền Mỹ",
        "Hà Linh",
        "Hương Thủy",
        "Hòa Hải",
        "Phúc Đồng",
        "Hương Giang",
        "Lộc Yên",
        "Hương Bình",
        "Hương Long",
        "Phú Gia",
        "Gia Phố",
        "Phú Phong",
        "Hương Đô",
        "Hương Vĩnh",
        "Hương Xuân",
        "Phúc Trạch",
        "Hương Trà",
        "Hương Trạch",
        "Hương Lâm",
        "Hương Liên",
        "Điền Quang",
    ],
    "445": [
        "T:Thạch Hà",
        "Thạch Long",
        "Thạch Sơn",
        "Thạch Liên",
        "Thạch Kênh",
        "Thạch Ngọc",
        "Thạch Đài",
        "Thạch Hải",
        "Thạch Tiến",
        "Thạch Thanh",
        "Thạch Vĩnh",
        "Thạch Lưu",
        "Thạch Khê",
        "Thạch Văn",
        "Thạch Trị",
        "Thạch Lạc",
        "Thạch Hội",
        "Thạch Thắng",
        "Thạch Tân",
        "Thạch Xuân",
        "Thạch Hương",
        "Thạch Điền",
        "Thạch Lâm",
        "Thạch Bàn",
        "Thạch Đỉnh",
        "Việt Xuyên",
        "Tượng Sơn",
        "Phù Việt",
        "Bắc Sơn",
        "Nam Hương",
        "Ngọc Sơn",
    ],
    "446": [
        "T:Cẩm Xuyên",
        "T:Thiên Cầm",
        "Cẩm Bình",
        "Cẩm Hòa",
        "Cẩm Vịnh",
        "Cẩm Thành",
        "Cẩm Quang",
        "Cẩm Thạch",
        "Cẩm Nhượng",
        "Cẩm Nam",
        "Cẩm Hưng",
        "Cẩm Duệ",
        "Cẩm Yên",
        "Cẩm Thịnh",
        "Cẩm Mỹ",
        "Cẩm Lĩnh",
        "Cẩm Hà",
        "Cẩm Lộc",
        "Cẩm Trung",
        "Cẩm Sơn",
        "Cẩm Lạc",
        "Cẩm Minh",
        "Cẩm Phúc",
        "Cẩm Quan",
        "Cẩm Huy",
        "Cẩm Thăng",
        "Cẩm Dương",
    ],
    "447": [
        "T:Kỳ Anh",
        "Kỳ Xuân",
        "Kỳ Bắc",
        "Kỳ Phú",
        "Kỳ Phong",
        "Kỳ Tiến",
        "Kỳ Giang",
        "Kỳ Đồng",
        "Kỳ Khang",
        "Kỳ Văn",
        "Kỳ Trung",
        "Kỳ Thọ",
        "Kỳ Tây",
        "Kỳ Thượng",
        "Kỳ Hải",
        "Kỳ Thư",
        "Kỳ Châu",
        "Kỳ Tân",
        "Kỳ Hưng",
        "Kỳ Hoa",
        "Kỳ Lâm",
        "Kỳ Sơn",
        "Kỳ Lạc",
        "Kỳ Hợp",
        "Kỳ Trinh",
        "Kỳ Thịnh",
        "Kỳ Long",
        "Kỳ Liên",
        "Kỳ Phương",
        "Kỳ Ninh",
        "Kỳ Lợi",
        "Kỳ Nam",
        "Kỳ Hà",
    ],
    "448": [
        "Thạch Bằng",
        "Thạch Mỹ",
        "Thạch Kim",
        "Thạch Châu",
        "Hộ Độ",
        "Hồng Lộc",
        "Tân Lộc",
        "An Lộc",
        "Thịnh Lộc",
        "Bình Lộc",
        "Ích Hậu",
        "Phù Lưu",
        "Mai Phụ",
    ],
}

COMMUNE_COUNTS: dict[str, int] = {
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

DEPARTMENTS: list[tuple[str, str, str, date]] = [
    ("S01", "Sở Tư pháp", "TP", date(2007, 10, 1)),
    ("S02", "Sở Tài nguyên và Môi trường", "DD", date(2007, 10, 1)),
    ("S03", "Sở Lao động - Thương binh và Xã hội", "LDTBXH", date(2008, 1, 2)),
    ("S04", "Sở Kế hoạch và Đầu tư", "DKKD", date(2007, 7, 2)),
    ("S05", "Sở Xây dựng", "XD", date(2008, 3, 3)),
]

# how many communes started the one-stop shop before 2008-07-01; the rest of the running ones
# started during July-December 2008
COMMUNES_NOT_RUNNING = 21
COMMUNES_BEFORE_JULY = 90

_P = Procedure
PROCEDURES: list[Procedure] = [
    # commune level
    _P("X-TP-01", "Đăng ký khai sinh", "TP", "commune", 1, False, 30),
    _P("X-TP-02", "Đăng ký khai tử", "TP", "commune", 1, False, 5),
    _P("X-TP-03", "Đăng ký kết hôn", "TP", "commune", 5, False, 7),
    _P("X-TP-05", "Cấp bản sao trích lục hộ tịch", "TP", "commune", 1, False, 6),
    _P("X-TP-06", "Chứng thực bản sao từ bản chính", "TP", "commune", 1, False, 20),
    _P("X-TP-07", "Chứng thực chữ ký", "TP", "commune", 1, False, 5),
    _P("X-TP-08", "Xác nhận tình trạng hôn nhân", "TP", "commune", 3, False, 5),
    _P(
        "X-LDTBXH-01",
        "Xác nhận hồ sơ đề nghị trợ cấp xã hội hàng tháng",
        "LDTBXH",
        "commune",
        5,
        True,
        4,
    ),
    _P(
        "X-LDTBXH-02",
        "Xác nhận hồ sơ hưởng chế độ ưu đãi người có công",
        "LDTBXH",
        "commune",
        5,
        True,
        3,
    ),
    _P(
        "X-DD-01",
        "Xác nhận hồ sơ đề nghị cấp giấy chứng nhận quyền sử dụng đất",
        "DD",
        "commune",
        15,
        True,
        6,
    ),
    _P("X-DD-02", "Hòa giải tranh chấp đất đai", "DD", "commune", 30, False, 1),
    _P(
        "X-DD-03",
        "Chứng thực hợp đồng chuyển nhượng quyền sử dụng đất",
        "DD",
        "commune",
        3,
        False,
        5,
    ),
    _P("X-XD-01", "Cấp giấy phép xây dựng nhà ở nông thôn", "XD", "commune", 10, False, 2),
    # district level
    _P(
        "H-DD-01",
        "Cấp giấy chứng nhận quyền sử dụng đất lần đầu cho hộ gia đình, cá nhân",
        "DD",
        "district",
        30,
        True,
        20,
    ),
    _P("H-DD-02", "Đăng ký chuyển nhượng quyền sử dụng đất", "DD", "district", 15, True, 18),
    _P("H-DD-03", "Chuyển mục đích sử dụng đất", "DD", "district", 15, True, 6),
    _P("H-DD-04", "Đăng ký thế chấp quyền sử dụng đất", "DD", "district", 2, False, 10),
    _P(
        "H-DD-05",
        "Cấp đổi, cấp lại giấy chứng nhận quyền sử dụng đất",
        "DD",
        "district",
        20,
        False,
        6,
    ),
    _P("H-TP-01", "Chứng thực bản dịch giấy tờ, văn bản", "TP", "district", 2, False, 3),
    _P(
        "H-TP-02",
        "Thay đổi, cải chính hộ tịch, xác định lại dân tộc",
        "TP",
        "district",
        5,
        False,
        4,
    ),
    _P("H-LDTBXH-01", "Giải quyết trợ cấp xã hội hàng tháng", "LDTBXH", "district", 15, True, 6),
    _P(
        "H-LDTBXH-02",
        "Hỗ trợ chi phí mai táng đối tượng bảo trợ xã hội",
        "LDTBXH",
        "district",
        5,
        False,
        2,
    ),
    _P("H-DKKD-01", "Đăng ký hộ kinh doanh", "DKKD", "district", 5, False, 8),
    _P(
        "H-DKKD-02",
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
        "DKKD",
        "district",
        5,
        False,
        3,
    ),
    _P("H-XD-01", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "XD", "district", 20, False, 7),
    _P("H-XD-02", "Cấp giấy phép xây dựng tạm", "XD", "district", 15, False, 1),
    # province level (departments)
    _P("T-TP-01", "Đăng ký kết hôn có yếu tố nước ngoài", "TP", "province", 25, False, 3),
    _P("T-TP-02", "Đăng ký khai sinh có yếu tố nước ngoài", "TP", "province", 5, False, 1),
    _P("T-TP-03", "Đăng ký hoạt động văn phòng công chứng", "TP", "province", 15, False, 0.3),
    _P("T-DD-01", "Giao đất, cho thuê đất đối với tổ chức", "DD", "province", 20, True, 2),
    _P(
        "T-DD-02",
        "Cấp giấy chứng nhận quyền sử dụng đất cho tổ chức",
        "DD",
        "province",
        30,
        True,
        3,
    ),
    _P("T-DD-03", "Đăng ký biến động đất đai của tổ chức", "DD", "province", 15, False, 2),
    _P(
        "T-LDTBXH-01",
        "Cấp giấy phép lao động cho người nước ngoài",
        "LDTBXH",
        "province",
        15,
        False,
        2,
    ),
    _P(
        "T-LDTBXH-02",
        "Giải quyết chế độ trợ cấp đối với người có công với cách mạng",
        "LDTBXH",
        "province",
        20,
        True,
        4,
    ),
    _P("T-DKKD-01", "Đăng ký thành lập doanh nghiệp", "DKKD", "province", 10, True, 4),
    _P(
        "T-DKKD-02",
        "Đăng ký thay đổi nội dung đăng ký kinh doanh",
        "DKKD",
        "province",
        10,
        False,
        4,
    ),
    _P(
        "T-DKKD-03",
        "Đăng ký hoạt động chi nhánh, văn phòng đại diện",
        "DKKD",
        "province",
        5,
        False,
        1,
    ),
    _P("T-XD-01", "Cấp chứng chỉ hành nghề hoạt động xây dựng", "XD", "province", 15, False, 1),
    _P("T-XD-02", "Cấp giấy phép xây dựng công trình", "XD", "province", 20, False, 2),
]
del _P

# codes that look like procedure codes but are not in the catalogue (R05 plants)
UNKNOWN_PROCEDURE_CODES = ["TP-KS-01", "X-TP-1", "H-DD-1", "GCN-LD", "X-TP-09"]


def _commune_full_name(raw: str) -> tuple[str, str]:
    """('P:Bắc Hà') -> ('Phường Bắc Hà', 'phường'); ('Thạch Hạ') -> ('Xã Thạch Hạ', 'xã')."""
    if raw.startswith("P:"):
        return "Phường " + raw[2:], "phường"
    if raw.startswith("T:"):
        return "Thị trấn " + raw[2:], "thị trấn"
    return "Xã " + raw, "xã"


def commune_rows() -> list[tuple[str, str, str]]:
    """(unit_code, unit_name, district_code) of the 262 commune-level units, GSO-style codes."""
    out: list[tuple[str, str, str]] = []
    code = 18070
    for dcode, _ in DISTRICTS:
        names = _COMMUNES[dcode]
        if len(names) != COMMUNE_COUNTS[dcode] or len(set(names)) != len(names):
            raise AssertionError(f"commune list of district {dcode} is inconsistent")
        for raw in names:
            out.append((f"{code:05d}", _commune_full_name(raw)[0], dcode))
            code += 3
    return out


def build_units() -> list[Unit]:
    """The 2009 registry: province, 5 departments, 12 districts, 262 communes (241 running)."""
    rng = random.Random("motcua-hatinh-registry-v1")
    units: list[Unit] = [Unit(PROVINCE_CODE, PROVINCE_NAME, "province", "", None)]
    for code, name, sector, since in DEPARTMENTS:
        units.append(Unit(code, name, "department", PROVINCE_CODE, since, sector_code=sector))
    for i, (code, name) in enumerate(DISTRICTS):
        # pilots in 2007, the rest in early 2008
        if i % 3 == 0:
            since = date(2007, 7, 2) + timedelta(days=rng.randrange(0, 150))
        else:
            since = date(2008, 1, 2) + timedelta(days=rng.randrange(0, 150))
        units.append(Unit(code, name, "district", PROVINCE_CODE, since))

    communes = commune_rows()
    # the communes that do not run the one-stop shop yet: mostly remote mountain communes
    remote = {"439", "444", "447", "441"}
    weights = [
        4.0 if d in remote else (0.2 if d in {"436", "437"} else 1.0) for _, _, d in communes
    ]
    not_running: set[str] = set()
    while len(not_running) < COMMUNES_NOT_RUNNING:
        (pick,) = rng.choices(range(len(communes)), weights=weights)
        not_running.add(communes[pick][0])
    running = [c for c in communes if c[0] not in not_running]
    early = set(c[0] for c in rng.sample(running, COMMUNES_BEFORE_JULY))
    for code, name, dcode in communes:
        if code in not_running:
            since = None
        elif code in early:
            since = date(2007, 9, 3) + timedelta(days=rng.randrange(0, 300))  # ≤ 2008-06-29
        else:
            # July-December 2008, more of them in the first months
            offset = int(rng.triangular(0, 184, 20))
            since = date(2008, 7, 1) + timedelta(days=min(offset, 183))
        units.append(Unit(code, name, "commune", dcode, since))
    return _with_history(units)


# Unit versions: communes are merged, split and renamed, so units.csv holds one row per version.
# The demo registry carries one merger *before* the demo period: on 2008-01-01 the communes
# 18620 Việt Tiến and 18621 Xuyên Thủy (Thạch Hà) were merged into the new commune 18619 Việt
# Xuyên, which sends ledgers from its one_stop_since (2008-10-29). The predecessors' rows end on
# 2007-12-31 and the new commune's row starts on 2008-01-01, so from 2008 on exactly 262 communes
# are in force and the review's adoption (241/262 on 2009-06-30) is unchanged; no dossier of the
# predecessors exists. The profile's reference/unit_successions.csv records the succession (18620,
# 18621 → 18619, merge); the small profile adds a merger inside its period (see generator._profile).
MERGED_2008 = date(2008, 1, 1)
MERGER_2008_SUCCESSOR = "18619"
MERGER_2008_PREDECESSORS = (("18620", "Xã Việt Tiến"), ("18621", "Xã Xuyên Thủy"))


def _with_history(units: list[Unit]) -> list[Unit]:
    out: list[Unit] = []
    for u in units:
        if u.unit_code == MERGER_2008_SUCCESSOR:
            for code, name in MERGER_2008_PREDECESSORS:
                out.append(
                    Unit(
                        code,
                        name,
                        "commune",
                        u.parent_code,
                        None,
                        VALID_FROM,
                        MERGED_2008 - timedelta(days=1),
                    )
                )
            u = Unit(
                u.unit_code, u.unit_name, u.level, u.parent_code, u.one_stop_since, MERGED_2008
            )
        out.append(u)
    return out


def procedures_for(unit: Unit, catalogue: list[Procedure]) -> list[Procedure]:
    """Procedures a unit handles: those of its level (departments: their sector)."""
    if unit.level == "commune":
        return [p for p in catalogue if p.level == "commune"]
    if unit.level == "district":
        return [p for p in catalogue if p.level == "district"]
    if unit.level == "department":
        return [p for p in catalogue if p.level == "province" and p.sector_code == unit.sector_code]
    return []


def handling_agency(unit: Unit, proc: Procedure, district_name: str) -> str:
    """The office inside the unit that handles the procedure (free text in the ledger)."""
    if unit.level == "commune":
        kind, _, rest = unit.unit_name.partition(" ")
        if unit.unit_name.startswith("Thị trấn"):
            return "UBND thị trấn " + unit.unit_name[len("Thị trấn ") :]
        return f"UBND {kind.lower()} {rest}"
    if unit.level == "department":
        if proc.sector_code == "DD":
            return "Văn phòng Đăng ký quyền sử dụng đất tỉnh"
        return unit.unit_name
    urban = unit.unit_name.startswith(("Thành phố", "Thị xã"))
    return {
        "DD": "Văn phòng Đăng ký quyền sử dụng đất " + district_name.split(" ", 1)[1]
        if not urban
        else "Văn phòng Đăng ký quyền sử dụng đất " + district_name,
        "TP": "Phòng Tư pháp",
        "LDTBXH": "Phòng Lao động - Thương binh và Xã hội",
        "DKKD": "Phòng Tài chính - Kế hoạch",
        "XD": "Phòng Quản lý đô thị" if urban else "Phòng Công thương",
    }[proc.sector_code]


# --- fake applicants -----------------------------------------------------------------------
FAMILY_NAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phan",
    "Hoàng",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Phạm",
    "Thái",
    "Đinh",
    "Đậu",
    "Lưu",
    "Cao",
    "Hà",
    "Tôn",
]
FAMILY_WEIGHTS = [30, 12, 10, 8, 7, 9, 4, 4, 3, 5, 3, 3, 5, 2, 2, 3, 1, 2, 2, 1]
MIDDLE_MALE = ["Văn", "Đình", "Xuân", "Hữu", "Quang", "Minh", "Đức", "Công", "Trọng", "Viết"]
MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Thị Thanh", "Thị Minh", "Ngọc", "Thu", "Thị Kim"]
GIVEN_MALE = [
    "Hùng",
    "Nam",
    "Bình",
    "Tuấn",
    "Dũng",
    "Sơn",
    "Long",
    "Hải",
    "Thắng",
    "Hoàng",
    "Cường",
    "Toàn",
    "Lợi",
    "Thành",
    "Hiếu",
    "Tâm",
    "Phúc",
    "Lâm",
    "Hòa",
    "Quý",
]
GIVEN_FEMALE = [
    "Lan",
    "Hoa",
    "Hương",
    "Hà",
    "Thảo",
    "Phương",
    "Thủy",
    "Nga",
    "Mai",
    "Hằng",
    "Tuyết",
    "Hiền",
    "Loan",
    "Nhung",
    "Vân",
    "Liên",
    "Oanh",
    "Yến",
    "Trang",
    "Dung",
]
VILLAGE_KINDS = ["Thôn", "Xóm", "Tổ dân phố"]
COMPANY_KINDS = ["Công ty TNHH", "Công ty cổ phần", "Doanh nghiệp tư nhân", "Hợp tác xã"]
COMPANY_WORDS = [
    "Hồng Lam",
    "Thiên Cầm",
    "Sông La",
    "Hoành Sơn",
    "Bắc Trung Bộ",
    "Vũng Áng",
    "Minh Phát",
    "Hà Tĩnh Xanh",
    "Ngàn Phố",
    "Kẻ Gỗ",
    "Thành Sen",
    "Lam Hồng",
]
COMPANY_TRADES = ["Xây dựng", "Thương mại", "Vận tải", "Chế biến gỗ", "Thủy sản", "Dịch vụ"]
