"""Vietnamese working days: weekends, public holidays (the ``holidays`` package, Tết by the lunar
calendar) and the official day swaps of each year (the override table).

The override table is the dbt seed ``dbt_project/seeds/holiday_overrides.csv``
(``date,is_working_day,note``: ``true`` = a weekend day worked, ``false`` = a weekday given off).
A file of the same shape at ``$MOTCUA_DATA_DIR/reference/holiday_overrides.csv`` is read after it
and wins. Validation (R09) and the warehouse (``dim_date``) both use this module, so a working day
means the same everywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from motcua.common.config import DBT_PROJECT_DIR

OVERRIDES_SEED = DBT_PROJECT_DIR / "seeds" / "holiday_overrides.csv"
# The span the ingestion database's calendar covers (ref_calendar); dates outside are not
# working-day checked (absurd dates are R04/R07 anyway).
CALENDAR_FIRST = dt.date(2000, 1, 1)
CALENDAR_LAST = dt.date(2040, 12, 31)


@dataclass(frozen=True)
class HolidayOverride:
    day: dt.date
    is_working_day: bool
    note: str


def read_overrides(paths: Iterable[Path]) -> dict[dt.date, HolidayOverride]:
    """Read override CSVs (``date,is_working_day,note``; ``#`` lines are comments); later files
    win over earlier ones."""
    overrides: dict[dt.date, HolidayOverride] = {}
    for path in paths:
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            lines = (line for line in fh if line.strip() and not line.lstrip().startswith("#"))
            for rec in csv.DictReader(lines):
                flag = (rec.get("is_working_day") or "").strip().lower()
                if flag not in {"true", "false", "1", "0", "yes", "no"}:
                    raise ValueError(f"{path}: is_working_day must be true or false, got {flag!r}")
                day = dt.date.fromisoformat(rec["date"].strip())
                overrides[day] = HolidayOverride(
                    day, flag in {"true", "1", "yes"}, (rec.get("note") or "").strip()
                )
    return overrides


def override_paths(data_dir: Path | None = None) -> list[Path]:
    paths = [OVERRIDES_SEED]
    if data_dir is not None:
        paths.append(data_dir / "reference" / "holiday_overrides.csv")
    return paths


def public_holidays(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """Vietnamese public holidays between two dates (names in English, as the package gives)."""
    import holidays

    calendar = holidays.country_holidays("VN", years=range(first.year, last.year + 1))
    return {day: name for day, name in sorted(calendar.items()) if first <= day <= last}


def calendar_rows(
    first: dt.date, last: dt.date, overrides: dict[dt.date, HolidayOverride]
) -> list[tuple[dt.date, bool, str | None]]:
    """``(date, is_working_day, holiday_or_swap_note)`` for every day from first to last."""
    holidays_by_day = public_holidays(first, last)
    rows = []
    day = first
    while day <= last:
        name = holidays_by_day.get(day)
        working = day.isoweekday() <= 5 and name is None
        override = overrides.get(day)
        if override is not None:
            working = override.is_working_day
            name = override.note or name
        rows.append((day, working, name))
        day += dt.timedelta(days=1)
    return rows
