"""An independent, deliberately naive calculation of the province's indicators.

It reads the landing files and reference CSVs directly with the standard library and applies
the rules of shared/spec/indicators.md one dossier at a time. It shares no code with ingestion/,
expectations/ or dbt_project/, so the end-to-end tests compare the warehouse against it.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HEADERS = {
    "dossier_code": ["dossier_code", "ma ho so"],
    "procedure_code": ["procedure_code", "ma tthc", "ma thu tuc"],
    "sector": ["sector", "linh vuc"],
    "channel": ["channel", "kenh nop", "hinh thuc nop"],
    "received_at": ["received_at", "ngay nhan ho so", "ngay tiep nhan"],
    "due_at": ["due_at", "ngay hen tra", "hen tra ket qua"],
    "rescheduled_due_at": ["rescheduled_due_at", "ngay hen lai"],
    "finished_at": ["finished_at", "ngay co ket qua", "ngay xu ly xong"],
    "returned_at": ["returned_at", "ngay tra ket qua"],
    "status": ["status", "trang thai"],
}
STATUS_WORDS = {
    "moi dang ky": 1,
    "duoc tiep nhan": 2,
    "khong duoc tiep nhan": 3,
    "dang xu ly": 4,
    "yeu cau bo sung giay to": 5,
    "yeu cau thuc hien nghia vu tai chinh": 6,
    "cong dan yeu cau rut ho so": 7,
    "dung xu ly": 8,
    "da xu ly xong": 9,
    "da tra ket qua": 10,
}
CHANNEL_WORDS = {"truc tiep": 1, "truc tuyen": 2, "buu chinh cong ich": 3}


def plain(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


@functools.lru_cache(maxsize=4096)
def canonical_header(key: str) -> str | None:
    """The column a header names (HEADERS), or None; headers repeat in every file."""
    key = plain(key)
    for canonical, names in HEADERS.items():
        if key in {plain(n) for n in names}:
            return canonical
    return None


def to_date(text: str | None) -> dt.date | None:
    if not text or not text.strip():
        return None
    day = text.strip().replace("T", " ").split(" ")[0]
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(day, fmt).date()
        except ValueError:
            pass
    return None


def to_code(text: str | None, words: dict[str, int], top: int) -> int | None:
    if text is None or not text.strip():
        return None
    t = text.strip()
    if t.isdigit() and 1 <= int(t) <= top:
        return int(t)
    return words.get(plain(t))


def month_end(day: dt.date) -> dt.date:
    nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


@dataclass
class Dossier:
    unit: str
    code: str
    sector: str | None
    channel: int | None
    received: dt.date | None
    due: dt.date | None
    finished: dt.date | None
    returned: dt.date | None
    status: int | None
    withdrawn_on: dt.date | None = None
    # the unit whose ledger reported the latest state (a successor carrying the dossier on)
    reporter: str | None = None
    # the succession's handover (submission-contract.md): from this date the successor holds it
    handover: tuple[dt.date, str] | None = None

    def holder(self, day: dt.date) -> str:
        """The unit that holds the dossier on ``day``."""
        if self.handover is not None and self.handover[0] <= day:
            return self.handover[1]
        return self.unit

    @property
    def is_received(self) -> bool:
        return self.status not in (1, 3)

    def resolution(self) -> dt.date | None:
        if self.status in (9, 10):
            day = self.finished or self.returned
        elif self.status == 7:
            day = self.withdrawn_on
        else:
            return None
        if day is not None and self.received is not None and day < self.received:
            day = self.received
        return day

    def outcome(self, as_of: dt.date) -> str:
        res = self.resolution()
        if res is not None and res <= as_of:
            if self.status == 7 or self.due is None or res == self.due:
                return "on_time"
            return "early" if res < self.due else "late"
        return "pending_within" if self.due is None or self.due >= as_of else "pending_overdue"


@dataclass
class Oracle:
    data_dir: Path
    as_of: dt.date
    units: dict[str, dict] = field(default_factory=dict)
    # every version of each unit code (units.csv has one row per version), oldest first
    versions: dict[str, list[dict]] = field(default_factory=dict)
    sectors: dict[str, str] = field(default_factory=dict)
    # (old unit, successor, effective date), a unit's row to itself included (it kept its code)
    successions: list[tuple[str, str, dt.date]] = field(default_factory=list)
    dossiers: dict[tuple[str, str], Dossier] = field(default_factory=dict)
    submitted: set[tuple[str, dt.date]] = field(default_factory=set)
    # the report date each (unit, dossier) was first reported on
    first_reported: dict[tuple[str, str], dt.date] = field(default_factory=dict)

    def __post_init__(self) -> None:
        with open(self.data_dir / "reference" / "units.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                self.units[r["unit_code"]] = r
                self.versions.setdefault(r["unit_code"], []).append(r)
        with open(self.data_dir / "reference" / "procedures.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                self.sectors[r["sector_code"]] = r["sector_code"]
                self.sectors[plain(r["sector_name"])] = r["sector_code"]
        successions = self.data_dir / "reference" / "unit_successions.csv"
        if successions.exists():
            with open(successions, encoding="utf-8") as f:
                for r in csv.DictReader(f):
                    old, new = r["old_unit_code"], r["successor_unit_code"]
                    if new in self.units:
                        self.successions.append(
                            (old, new, dt.date.fromisoformat(r["effective_date"]))
                        )
        self._read_landing()
        self._hand_over()

    def _continued(self, unit: str, code: str, day: dt.date, received: dt.date | None) -> str:
        """The unit whose dossier a row of ``unit`` continues: a predecessor that reported the code
        before the succession, for a dossier received before it (the contract's handover)."""
        if received is None:
            return unit
        before = [
            old
            for old, new, eff in self.successions
            if new == unit
            and old != unit
            and eff <= day
            and received < eff
            and (old, code) in self.dossiers
            and self.first_reported[(old, code)] < eff
            and not ((unit, code) in self.dossiers and self.first_reported[(unit, code)] < eff)
        ]
        return min(before) if before else unit

    def _hand_over(self) -> None:
        for d in self.dossiers.values():
            res = d.resolution()
            # the reporting successor, else the unit itself (it kept its code), else the lowest code
            heirs = sorted(
                (eff, new != d.reporter, new != d.unit, new)
                for old, new, eff in self.successions
                if old == d.unit and (res is None or res >= eff)
            )
            if heirs and heirs[0][3] != d.unit:
                d.handover = (heirs[0][0], heirs[0][3])

    # -- reading ---------------------------------------------------------------------------

    def _records(self, path: Path) -> list[dict[str, str | None]]:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = unicodedata.normalize("NFC", raw.decode("cp1258"))
        if path.suffix == ".json":
            return json.loads(text)
        if path.suffix == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))

    def _read_landing(self) -> None:
        files = []
        for path in sorted((self.data_dir / "landing").glob("*/*")):
            try:
                day = dt.date.fromisoformat(path.parent.name)
            except ValueError:
                continue
            if day > self.as_of or path.stem not in self.units:
                continue
            self.submitted.add((path.stem, day))
            files.append((day, path.stat().st_mtime_ns, str(path), path))
        files.sort()
        for day, _, _, path in files:
            try:
                records = self._records(path)
            except (UnicodeDecodeError, json.JSONDecodeError, csv.Error):
                continue
            for record in records:
                row = {}
                for key, value in record.items():
                    canonical = canonical_header(key or "")
                    if canonical is not None:
                        row[canonical] = (value or "").strip() or None
                code = row.get("dossier_code")
                if not code:
                    continue
                status = to_code(row.get("status"), STATUS_WORDS, 10)
                sector = row.get("sector")
                unit = self._continued(path.stem, code, day, to_date(row.get("received_at")))
                previous = self.dossiers.get((unit, code))
                dossier = Dossier(
                    unit=unit,
                    code=code,
                    sector=self.sectors.get(sector) or self.sectors.get(plain(sector or "")),
                    channel=to_code(row.get("channel"), CHANNEL_WORDS, 3),
                    received=to_date(row.get("received_at")),
                    due=to_date(row.get("due_at")),
                    finished=to_date(row.get("finished_at")),
                    returned=to_date(row.get("returned_at")),
                    status=status,
                    withdrawn_on=previous.withdrawn_on if previous else None,
                    reporter=path.stem,
                )
                if status == 7 and dossier.withdrawn_on is None:
                    dossier.withdrawn_on = day
                self.dossiers[(unit, code)] = dossier
                self.first_reported.setdefault((unit, code), day)

    # -- scopes ----------------------------------------------------------------------------

    def in_force(self, day: dt.date) -> dict[str, dict]:
        """Unit code -> its version in force on ``day`` (valid_from <= day <= valid_to)."""
        out = {}
        for code, versions in self.versions.items():
            for u in versions:
                start = dt.date.fromisoformat(u["valid_from"])
                stop = dt.date.fromisoformat(u["valid_to"]) if u["valid_to"] else None
                if start <= day and (stop is None or day <= stop):
                    out[code] = u
        return out

    def district_units(self, district: str, day: dt.date | None = None) -> set[str]:
        """The district-level unit and its communes: by the registry's last version of each code,
        or, given ``day``, by the versions in force on that day (a code kept by a new unit has
        another parent after the reform)."""
        units = self.units if day is None else self.in_force(day)
        return {c for c, u in units.items() if c == district or u["parent_code"] == district}

    def received_dossiers(self, units: set[str] | None, sector: str = "ALL") -> list[Dossier]:
        return [
            d
            for d in self.dossiers.values()
            if d.is_received
            and d.received is not None
            and (units is None or d.unit in units)
            and (sector == "ALL" or d.sector == sector)
        ]

    # -- indicators ------------------------------------------------------------------------

    def cohort(
        self, start: dt.date, end: dt.date, units: set[str] | None = None, sector: str = "ALL"
    ) -> dict[str, int]:
        as_of = min(end, self.as_of)
        counts = {"received": 0, "returned_on_time": 0, "returned_late": 0, "in_process": 0}
        for d in self.received_dossiers(units, sector):
            if not start <= d.received <= end:
                continue
            counts["received"] += 1
            outcome = d.outcome(as_of)
            if outcome in ("early", "on_time"):
                counts["returned_on_time"] += 1
            elif outcome == "late":
                counts["returned_late"] += 1
            else:
                counts["in_process"] += 1
        return counts

    def bieu06(self, unit: str, start: dt.date, end: dt.date, sector: str = "ALL") -> dict:
        """Biểu 06 of ``unit``: the dossiers it holds at the period's as-of date (after a
        succession's handover, the successor holds its predecessor's open dossiers)."""
        e = min(end, self.as_of)
        c = {k: 0 for k in ("c04", "c05", "c06", "c08", "c09", "c10", "c12", "c13")}
        for d in self.received_dossiers(None, sector):
            if d.holder(e) != unit:
                continue
            res = d.resolution()
            if start <= d.received <= end:
                c["c04" if d.channel == 2 else "c05"] += 1
            elif d.received < start and not (res is not None and res < start):
                c["c06"] += 1
            else:
                continue
            if res is not None and start <= res <= e:
                outcome = d.outcome(e)
                c[{"early": "c08", "on_time": "c09", "late": "c10"}[outcome]] += 1
            elif res is None or res > e:
                c["c12" if d.due is None or d.due >= e else "c13"] += 1
        c["c03"] = c["c04"] + c["c05"] + c["c06"]
        c["c07"] = c["c08"] + c["c09"] + c["c10"]
        c["c11"] = c["c12"] + c["c13"]
        return c

    def adoption(self, day: dt.date, level: str) -> tuple[int, int]:
        total = implementing = 0
        for u in self.units.values():
            if u["level"] != level:
                continue
            start = dt.date.fromisoformat(u["valid_from"])
            stop = dt.date.fromisoformat(u["valid_to"]) if u["valid_to"] else None
            if not (start <= day and (stop is None or day <= stop)):
                continue
            total += 1
            since = u["one_stop_since"]
            if since and dt.date.fromisoformat(since) <= day:
                implementing += 1
        return implementing, total

    def missing_submissions(self) -> set[tuple[str, dt.date]]:
        first = min(day for _, day in self.submitted)
        missing = set()
        for code, u in self.units.items():
            if not u["one_stop_since"]:
                continue
            # expected only while the unit version is in force (a merged-away commune stops, its
            # successor starts on its valid_from)
            day = max(
                dt.date.fromisoformat(u["one_stop_since"]),
                first,
                dt.date.fromisoformat(u["valid_from"]),
            )
            stop = self.as_of
            if u["valid_to"]:
                stop = min(stop, dt.date.fromisoformat(u["valid_to"]))
            while day <= stop:
                if (code, day) not in self.submitted:
                    missing.add((code, day))
                day += dt.timedelta(days=1)
        return missing
