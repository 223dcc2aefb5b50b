"""Reference data: the unit registry, the unit successions and the procedure catalogue, loaded
every run (shared/spec/submission-contract.md, "Reference data")."""

from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa

from motcua.common import calendar
from motcua.common.errors import PipelineError
from motcua.common.store import sql_literal

UNITS_COLUMNS = (
    "unit_code",
    "unit_name",
    "level",
    "parent_code",
    "one_stop_since",
    "valid_from",
    "valid_to",
)
SUCCESSIONS_COLUMNS = (
    "old_unit_code",
    "successor_unit_code",
    "effective_date",
    "kind",
    "note",
)
SUCCESSION_KINDS = ("merge", "split", "rename", "abolish")
PROCEDURES_COLUMNS = (
    "procedure_code",
    "procedure_name",
    "sector_code",
    "sector_name",
    "level",
    "statutory_days",
    "inter_agency",
)


def _read(con: duckdb.DuckDBPyConnection, path: Path, columns: tuple[str, ...]) -> str:
    if not path.exists():
        raise PipelineError(
            f"{path} is missing. Put the {path.stem} reference file there "
            "(see shared/spec/submission-contract.md, 'Reference data'), or point "
            "MOTCUA_DATA_DIR at a data folder that has one."
        )
    header = con.execute(
        "select * from read_csv(?, all_varchar=true, header=true) limit 0", [str(path)]
    ).description
    found = [d[0].strip().lower() for d in header]
    missing = [c for c in columns if c not in found]
    if missing:
        raise PipelineError(f"{path} lacks the columns {missing}; it has {found}.")
    return f"read_csv('{path.as_posix()}', all_varchar=true, header=true)"


def load_reference(con: duckdb.DuckDBPyConnection, reference_dir: Path) -> None:
    """Replace ref_units, ref_unit_successions and ref_procedures with the reference CSVs (inside
    the caller's txn). unit_successions.csv is optional: without it there is no succession."""
    units = _read(con, reference_dir / "units.csv", UNITS_COLUMNS)
    procedures = _read(con, reference_dir / "procedures.csv", PROCEDURES_COLUMNS)
    date = "cast(nullif(trim({0}), '') as date)"
    con.execute("delete from ref_units")
    con.execute(
        f"""
        insert into ref_units
        select trim(unit_code), trim(unit_name), lower(trim(level)), nullif(trim(parent_code), ''),
               {date.format("one_stop_since")}, {date.format("valid_from")},
               {date.format("valid_to")}
        from {units}
        where nullif(trim(unit_code), '') is not null
        """
    )
    _load_successions(con, reference_dir / "unit_successions.csv")
    con.execute("delete from ref_procedures")
    con.execute(
        f"""
        insert into ref_procedures
        select trim(procedure_code), trim(procedure_name), trim(sector_code), trim(sector_name),
               lower(trim(level)), cast(nullif(trim(statutory_days), '') as integer),
               coalesce(lower(trim(inter_agency)) in ('true', '1', 'yes', 'x', 'có', 'co'), false)
        from {procedures}
        where nullif(trim(procedure_code), '') is not null
        """
    )


def _load_successions(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """ref_unit_successions from the optional unit_successions.csv. A row that cannot be used
    (an empty code, a date that is not YYYY-MM-DD, a kind other than merge, split, rename or
    abolish) stops the run with its line number: successions move dossiers between units, so a
    wrong row must be fixed, not skipped."""
    con.execute("delete from ref_unit_successions")
    if not path.exists():
        return
    _read(con, path, SUCCESSIONS_COLUMNS[:4])  # the header, as for the other files
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames or []]
        records = [(reader.line_num, r) for r in reader]
    rows, bad = [], []
    for line, r in records:
        old, new, effective, kind = ((r.get(c) or "").strip() for c in SUCCESSIONS_COLUMNS[:4])
        kind = kind.lower()
        try:
            day = dt.date.fromisoformat(effective) if len(effective) == 10 else None
        except ValueError:
            day = None
        if not old and not new and not effective and not kind:
            continue  # an empty line
        if not old or not new or day is None or kind not in SUCCESSION_KINDS:
            bad.append(
                f"line {line}: old_unit_code={old!r}, successor_unit_code={new!r}, "
                f"effective_date={effective!r}, kind={kind!r}"
            )
            continue
        rows.append((old, new, day, kind, (r.get("note") or "").strip() or None))
    if bad:
        raise PipelineError(
            f"{path} has rows that cannot be used ({'; '.join(bad[:5])}). Each row needs both "
            f"unit codes, an effective_date YYYY-MM-DD and a kind among "
            f"{', '.join(SUCCESSION_KINDS)}; fix the file and run the night again."
        )
    rows = list(dict.fromkeys(rows))  # a row listed twice counts once
    for start in range(0, len(rows), 500):
        values = ", ".join(
            "(" + ", ".join(sql_literal(v) for v in row) + ")" for row in rows[start : start + 500]
        )
        con.execute(f"insert into ref_unit_successions values {values}")


def load_calendar(con: duckdb.DuckDBPyConnection, data_dir: Path) -> None:
    """Replace ref_calendar: every day of the calendar span, working or not, with its holiday."""
    try:
        overrides = calendar.read_overrides(calendar.override_paths(data_dir))
    except (ValueError, KeyError) as exc:
        raise PipelineError(f"holiday override table is invalid: {exc}") from exc
    table = _calendar_table(tuple(sorted(overrides.items())))
    con.execute("delete from ref_calendar")
    con.register("_calendar_rows", table)
    con.execute("insert into ref_calendar select * from _calendar_rows")
    con.unregister("_calendar_rows")


@lru_cache(maxsize=4)
def _calendar_table(overrides: tuple) -> pa.Table:
    """The calendar as an Arrow table, computed once a process for the same overrides."""
    rows = calendar.calendar_rows(calendar.CALENDAR_FIRST, calendar.CALENDAR_LAST, dict(overrides))
    return pa.table(
        {
            "calendar_date": pa.array([r[0] for r in rows], pa.date32()),
            "is_working_day": pa.array([r[1] for r in rows], pa.bool_()),
            "holiday_name": pa.array([r[2] for r in rows], pa.string()),
        }
    )
