"""Hà Tĩnh as it is today, for the ``hatinh-2026`` demo profile: 2025-01-01 … 2026-06-30.

Real data (sources in ``docs/research/hatinh-2025/README.md``; the two CSVs of ``data/`` are
copies of that folder's files):

* ``42`` — the province (GSO code), the scope "whole province"; it sends no ledger.
* the 12 district-level units and 209 commune-level units in force on 2025-01-01 (after
  NQ 1283/NQ-UBTVQH15; Lộc Hà 448 is gone), GSO codes, real names (``data/hatinh2025_units.csv``);
* the 69 commune-level units from 2025-07-01 (NQ 1665/NQ-UBTVQH15; codes of CV 1027/CTK-CSCL), real
  names, each made of the predecessors the GSO conversion table lists (212 rows:
  ``data/hatinh2025_successions.csv``). A new unit keeps the code of one predecessor, so that code
  has two versions in ``units.csv`` (e.g. 18073 Phường Nam Hà until 2025-06-30, then Phường Thành
  Sen); its parent is the province from 2025-07-01 (no district level).

Demo assumptions (not verified, said in docs/demo.md):

* every unit of 2025-01-01 runs the one-stop shop from the registry's first day (its real start,
  2007–2010, is not modelled: the registry of this profile starts on 2025-01-01); the 69 new units
  from 2025-07-01;
* the departments are named as after the merger of departments of 1 March 2025 for the whole
  period (the January–February names are not modelled), with the 2009 profile's sectors; the
  provincial public administration service centre (``TTHCC``, Trung tâm Phục vụ hành chính công
  tỉnh) receives the dossiers of every provincial procedure, the departments a few at their own
  desks;
* each abolished district's open dossiers are carried on by the new commune-level unit at its seat:
  the successor of the district's first thị trấn (huyện) or phường (thành phố, thị xã) in GSO code
  order (``abolish`` rows of unit_successions.csv);
* a predecessor split between several successors (Phường Đại Nài, Xã Kỳ Lợi) hands its open dossiers
  to the successor that keeps its code, else to the lowest code (``split`` rows);
* the procedure catalogue is the 2009 profile's; after 2025-07-01 the commune-level units also
  handle the former district-level procedures.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from .hatinh import PROCEDURES, Procedure, Unit

DATA = Path(__file__).with_name("data")
PROVINCE_CODE = "42"
PROVINCE_NAME = "Tỉnh Hà Tĩnh"
START = date(2025, 1, 1)
REFORM = date(2025, 7, 1)  # the two-level local government (NQ 1665/NQ-UBTVQH15)
END = date(2026, 6, 30)
CENTRE_CODE = "TTHCC"

_TYPES = {
    "thành phố": "Thành phố",
    "thị xã": "Thị xã",
    "huyện": "Huyện",
    "phường": "Phường",
    "xã": "Xã",
    "thị trấn": "Thị trấn",
}

# (code, name, sector handled at its own desk)
DEPARTMENTS: list[tuple[str, str, str]] = [
    ("S01", "Sở Tư pháp", "TP"),
    ("S02", "Sở Nông nghiệp và Môi trường", "DD"),
    ("S03", "Sở Nội vụ", "LDTBXH"),
    ("S04", "Sở Tài chính", "DKKD"),
    ("S05", "Sở Xây dựng", "XD"),
]
CENTRE_NAME = "Trung tâm Phục vụ hành chính công tỉnh Hà Tĩnh"

# Relative daily volume of one unit (synthetic; see docs/demo.md): a commune of early 2025, a
# district-level unit, a commune-level unit of the two-level government (about three old communes
# plus most of the district's procedures), a department's own desk, the provincial centre.
RATES = {"commune": 1.0, "district": 5.0, "commune_2025": 5.0, "department": 1.5, "centre": 22.0}
# Share of dossiers received online (channel 2) per kind of unit (synthetic; docs/demo.md).
ONLINE = {
    "commune": 0.62,
    "district": 0.72,
    "commune_2025": 0.74,
    "department": 0.80,
    "centre": 0.86,
}
# Dossiers received (status not 1 or 3) from 2025-01-01 to 2026-06-30: about 280,000 a year.
DOSSIERS = 420_000


def _full_name(kind: str, name: str) -> str:
    return f"{_TYPES[kind]} {name}"


@lru_cache(maxsize=1)
def _read() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    with open(DATA / "hatinh2025_units.csv", encoding="utf-8", newline="") as fh:
        units = list(csv.DictReader(fh))
    with open(DATA / "hatinh2025_successions.csv", encoding="utf-8", newline="") as fh:
        successions = list(csv.DictReader(fh))
    return units, successions


def kind_of(unit: Unit) -> str:
    """The key of RATES / ONLINE for a unit version."""
    if unit.level == "commune":
        return "commune_2025" if unit.valid_from >= REFORM else "commune"
    if unit.level == "department":
        return "centre" if unit.unit_code == CENTRE_CODE else "department"
    return unit.level


def build_units() -> list[Unit]:
    """Province, 5 departments and the centre, 12 districts and 209 communes until 2025-06-30,
    69 communes from 2025-07-01 (two versions for a code kept by a new unit)."""
    old, successions = _read()
    last = REFORM - timedelta(days=1)
    units: list[Unit] = [Unit(PROVINCE_CODE, PROVINCE_NAME, "province", "", None, START)]
    for code, name, sector in DEPARTMENTS:
        units.append(
            Unit(code, name, "department", PROVINCE_CODE, START, START, sector_code=sector)
        )
    units.append(Unit(CENTRE_CODE, CENTRE_NAME, "department", PROVINCE_CODE, START, START))
    for r in old:
        units.append(
            Unit(
                r["unit_code"],
                _full_name(r["unit_type"], r["unit_name"]),
                r["level"],
                r["parent_code"],
                START,
                START,
                last,
            )
        )
    seen: set[str] = set()
    for r in successions:
        if r["new_unit_code"] in seen:
            continue
        seen.add(r["new_unit_code"])
        units.append(
            Unit(
                r["new_unit_code"],
                _full_name(r["new_unit_type"], r["new_unit_name"]),
                "commune",
                PROVINCE_CODE,
                REFORM,
                REFORM,
            )
        )
    return units


def successions() -> list[tuple[str, str, date, str, str]]:
    """unit_successions.csv rows: (old_unit_code, successor_unit_code, effective_date, kind,
    note). Communes: ``merge`` (several predecessors, or one), ``split`` (a predecessor listed
    under several new units), ``rename`` (a unit kept whole on its own: Sơn Kim 1, Sơn Kim 2);
    districts: ``abolish``, the successor being the new unit at the district's seat."""
    old, rows = _read()
    by_new: dict[str, list[str]] = defaultdict(list)
    by_old: dict[str, list[str]] = defaultdict(list)
    names = {r["new_unit_code"]: _full_name(r["new_unit_type"], r["new_unit_name"]) for r in rows}
    for r in rows:
        by_new[r["new_unit_code"]].append(r["predecessor_code"])
        by_old[r["predecessor_code"]].append(r["new_unit_code"])
    out: list[tuple[str, str, date, str, str]] = []
    for r in rows:
        new, pred = r["new_unit_code"], r["predecessor_code"]
        if len(by_old[pred]) > 1:
            kind = "split"
            note = f"{r['predecessor_name']} chia cho {len(by_old[pred])} đơn vị (NQ 1665)"
        elif len(by_new[new]) == 1:
            kind = "rename"
            note = f"{names[new]} giữ nguyên, trực thuộc tỉnh (NQ 1665)"
        else:
            kind = "merge"
            note = f"sáp nhập vào {names[new]} (NQ 1665/NQ-UBTVQH15)"
        out.append((pred, new, REFORM, kind, note))
    district_names = {r["unit_code"]: r for r in old if r["level"] == "district"}
    for dcode, seat in seats().items():
        d = district_names[dcode]
        out.append(
            (
                dcode,
                seat,
                REFORM,
                "abolish",
                f"{_full_name(d['unit_type'], d['unit_name'])} kết thúc hoạt động; hồ sơ đang giải "
                f"quyết chuyển cho {names[seat]} (nơi đặt trụ sở, giả định của demo)",
            )
        )
    return sorted(out, key=lambda r: (r[0], r[1]))


def seats() -> dict[str, str]:
    """District code -> the new unit that carries on its open dossiers (demo assumption)."""
    old, rows = _read()
    first: dict[str, str] = {}
    wanted = {"huyện": "thị trấn", "thành phố": "phường", "thị xã": "phường"}
    dtype = {r["unit_code"]: r["unit_type"] for r in old if r["level"] == "district"}
    for r in sorted(old, key=lambda r: r["unit_code"]):
        if r["level"] == "commune" and r["unit_type"] == wanted[dtype[r["parent_code"]]]:
            first.setdefault(r["parent_code"], r["unit_code"])
    return {d: handover_successor(c) for d, c in sorted(first.items())}


def handover_successor(old_code: str) -> str:
    """The unit that carries on an old commune's open dossiers: its only successor, or for a
    split the successor keeping its code, else the lowest code."""
    _, rows = _read()
    new = sorted({r["new_unit_code"] for r in rows if r["predecessor_code"] == old_code})
    return old_code if old_code in new else new[0]


def handovers() -> dict[str, str]:
    """Old unit code -> the unit that carries on its open dossiers from 2025-07-01."""
    old, _ = _read()
    out = {
        r["unit_code"]: handover_successor(r["unit_code"]) for r in old if r["level"] == "commune"
    }
    out.update(seats())
    return out


def procedures_for(unit: Unit, catalogue: list[Procedure]) -> list[Procedure]:
    """Procedures a unit handles: communes of early 2025 the commune ones, districts the district
    ones, the new communes both, a department its sector's provincial ones, the centre every
    provincial one."""
    if unit.level == "commune":
        levels = ("commune", "district") if unit.valid_from >= REFORM else ("commune",)
        return [p for p in catalogue if p.level in levels]
    if unit.level == "district":
        return [p for p in catalogue if p.level == "district"]
    if unit.level == "department":
        return [
            p
            for p in catalogue
            if p.level == "province" and (unit.sector_code in (None, p.sector_code))
        ]
    return []


_SECTOR_DEPARTMENT = {sector: name for _, name, sector in DEPARTMENTS}


def handling_agency(unit: Unit, proc: Procedure) -> str:
    """The office that handles the procedure (free text in the ledger)."""
    if unit.level == "commune":
        kind, _, rest = unit.unit_name.partition(" ")
        if unit.unit_name.startswith("Thị trấn"):
            return "UBND thị trấn " + unit.unit_name[len("Thị trấn ") :]
        return f"UBND {kind.lower()} {rest}"
    if unit.level == "department":
        return _SECTOR_DEPARTMENT[proc.sector_code]
    return {
        "DD": "Chi nhánh Văn phòng đăng ký đất đai " + unit.unit_name,
        "TP": "Phòng Tư pháp",
        "LDTBXH": "Phòng Nội vụ",
        "DKKD": "Phòng Tài chính - Kế hoạch",
        "XD": "Phòng Kinh tế, Hạ tầng và Đô thị",
    }[proc.sector_code]


def addresses(units: list[Unit]) -> tuple[list[tuple[str, str]], dict[Unit, list[tuple[str, str]]]]:
    """Applicants' (commune, district) address pools: the whole province, and per unit version
    (a commune its own, a district its communes). After the reform addresses have no district."""
    districts = {u.unit_code: u.unit_name for u in units if u.level == "district"}
    communes = [u for u in units if u.level == "commune"]
    every = [(u.unit_name, districts.get(u.parent_code, "")) for u in communes]
    pools: dict[Unit, list[tuple[str, str]]] = {}
    for u in units:
        if u.level == "commune":
            pools[u] = [(u.unit_name, districts.get(u.parent_code, ""))]
        elif u.level == "district":
            pools[u] = [
                (c.unit_name, u.unit_name) for c in communes if c.parent_code == u.unit_code
            ]
    return every, pools


PROCEDURE_CATALOGUE = list(PROCEDURES)
