"""Reference data: the unit registry and the procedure catalogue, loaded every run."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .errors import PipelineError

UNITS_COLUMNS = (
    "unit_code",
    "unit_name",
    "level",
    "parent_code",
    "one_stop_since",
    "valid_from",
    "valid_to",
)
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
    """Replace ref_units and ref_procedures with the reference CSVs (inside the caller's txn)."""
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
