"""Derived columns: every rule's comparison computed in DuckDB, one column per GX check.

GX then only checks that each derived column is empty (or, for R09, within tolerance): dates are
compared here, where it is fast, never by GX datetime expectations (see shared/NOTES.md).

A derived column is NULL when the row passes and otherwise holds a short, readable value (the
fields concerned, the dates compared, the rows of a duplicate) that Data Docs show as the
unexpected value.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta

import duckdb

from expectations.rules import (
    CHECKS,
    FILE_CHECKS,
    NO_DUE_DATE_STATUSES,
    PENDING_STATUSES,
    RESOLVED_STATUSES,
    RETURNED_STATUS,
    Check,
)
from motcua.common.calendar import (  # noqa: E402  (shared with the warehouse's dim_date)
    OVERRIDES_SEED,
    HolidayOverride,
    public_holidays,
    read_overrides,
)

__all__ = ["HolidayOverride", "read_overrides"]

log = logging.getLogger(__name__)

# Kept as names here for callers; the calendar itself lives in motcua.common.calendar.
OVERRIDES_CSV = OVERRIDES_SEED
# Dates outside the calendar's span are not checked against the statutory time limit (R07 or
# R04 cover absurd dates).
CALENDAR_FIRST = date(1995, 1, 1)
CALENDAR_LAST = date(2099, 12, 31)

ROWS_TABLE = "_validation_rows"
# Columns of submission_rows the findings read, joined back for the failing rows only.
DETAIL_COLUMNS = (
    "unit_code",
    "report_date",
    "dossier_code",
    "procedure_code",
    "sector",
    "channel_raw",
    "status_raw",
    "received_at_raw",
    "due_at_raw",
    "rescheduled_due_at_raw",
    "finished_at_raw",
    "returned_at_raw",
    "status_code",
    "received_date",
    "due_date",
    "finished_date",
    "returned_date",
)
FILES_TABLE = "_validation_files"
INDEX_COLUMNS = ("file_id", "row_number")


def select_files(
    con: duckdb.DuckDBPyConnection, report_date: date | None
) -> list[tuple[int, date]]:
    """Loaded files whose rows have not been validated yet, oldest first."""
    return con.execute(
        """
        select f.file_id, f.report_date
        from files as f
        where f.status = 'loaded'
          and not exists (select 1 from validated_files as v where v.file_id = f.file_id)
          and ($report_date is null or f.report_date <= $report_date)
        order by f.file_id
        """,
        {"report_date": report_date},
    ).fetchall()


def id_table(con: duckdb.DuckDBPyConnection, name: str, ids: Sequence[int]) -> str:
    """Create (or replace) the temp table ``name(file_id bigint)`` holding ``ids``, written as a
    list literal (integers only): DuckDB binds a Python list parameter of a few hundred ids in
    seconds, and registering an Arrow table imports ``pyarrow.dataset`` (a second) first."""
    values = ", ".join(str(int(i)) for i in ids)
    con.execute(
        f"create or replace temp table {name} as select unnest([{values}]::bigint[]) as file_id"
    )
    return name


def select_manifest(con: duckdb.DuckDBPyConnection, report_date: date | None) -> list[int]:
    """Every file taken in and not validated yet, whatever its status (quarantined files
    included: they have no rows but belong in the file-level suite), oldest first. A file
    whose report date cannot be read from its path is taken in by any run, and so here too."""
    return [
        int(file_id)
        for (file_id,) in con.execute(
            """
            select f.file_id
            from files as f
            where not exists (select 1 from validated_files as v where v.file_id = f.file_id)
              and ($report_date is null or f.report_date is null
                   or f.report_date <= $report_date)
            order by f.file_id
            """,
            {"report_date": report_date},
        ).fetchall()
    ]


FILE_INDEX_COLUMNS = ("file_id",)
FILE_FRAME_COLUMNS = ("landing_path", "unit_code", "report_date", "status")


def files_frame(con: duckdb.DuckDBPyConnection, file_ids: Sequence[int]):
    """The DataFrame of the file-level suite: one row per manifest row of ``file_ids``, with
    the reason of a quarantine in the column of its rule (NULL when the rule does not apply)."""
    by_rule = {c.column: c.rule.id for c in FILE_CHECKS}
    derived = ",\n".join(
        f"case when reason_code = '{rule_id}' then coalesce(reason, reason_code) end as {column}"
        for column, rule_id in by_rule.items()
    )
    ids = id_table(con, "_manifest_ids", file_ids)
    frame = con.execute(
        f"""
        select file_id, {", ".join(FILE_FRAME_COLUMNS)},
            {derived}
        from files
        where file_id in (select file_id from {ids})
        order by file_id
        """
    ).df()
    return frame.set_index(list(FILE_INDEX_COLUMNS))


def build_calendar(
    con: duckdb.DuckDBPyConnection,
    first: date,
    last: date,
    overrides: dict[date, HolidayOverride],
) -> None:
    """Create ``_calendar(d, is_working, wd_index)`` for ``first``..``last``: ``wd_index`` counts
    the working days up to and including ``d`` (weekends, Vietnamese public holidays from the
    ``holidays`` package and ``overrides`` applied)."""
    first = max(first, CALENDAR_FIRST)
    last = min(last, CALENDAR_LAST)
    if last < first:
        first = last = CALENDAR_FIRST
    public = public_holidays(first, last)
    import pyarrow as pa

    con.register("_holiday_days", pa.table({"d": pa.array(sorted(public), pa.date32())}))
    con.register(
        "_override_days",
        pa.table(
            {
                "d": pa.array([o.day for o in overrides.values()], pa.date32()),
                "is_working": pa.array([o.is_working_day for o in overrides.values()], pa.bool_()),
            }
        ),
    )
    try:
        con.execute("create or replace temp table _holidays as select d from _holiday_days")
        con.execute(
            "create or replace temp table _holiday_overrides as "
            "select d, is_working from _override_days"
        )
    finally:
        con.unregister("_holiday_days")
        con.unregister("_override_days")
    con.execute(
        """
        create or replace temp table _calendar as
        with days as (
            select
                g.d,
                coalesce(o.is_working, isodow(g.d) <= 5 and h.d is null) as is_working,
            from (
                select unnest(generate_series($first::date, $last::date, interval 1 day))::date
                    as d
            ) as g
            left join _holidays as h on h.d = g.d
            left join _holiday_overrides as o on o.d = g.d
        )
        select
            d,
            is_working,
            sum(is_working::integer) over (order by d rows unbounded preceding) as wd_index,
        from days
        """,
        {"first": first, "last": last},
    )
    con.execute(
        "create or replace temp table _workdays as "
        "select wd_index, d from _calendar where is_working"
    )


def calendar_from_reference(con: duckdb.DuckDBPyConnection, first: date, last: date) -> bool:
    """Create ``_calendar`` and ``_workdays`` from ``ref_calendar``, the working-day calendar
    ingestion loaded with the same ``motcua.common.calendar`` and override files, when it covers
    ``first``..``last`` (saves computing the holidays again). False when it does not."""
    (days,) = con.execute(
        "select count(*) from ref_calendar where calendar_date between $first and $last",
        {"first": first, "last": last},
    ).fetchone()
    if days != (last - first).days + 1:
        return False
    con.execute(
        """
        create or replace temp table _calendar as
        select
            calendar_date as d,
            is_working_day as is_working,
            sum(is_working_day::integer) over (order by calendar_date rows unbounded preceding)
                as wd_index,
        from ref_calendar
        where calendar_date between $first and $last
        """,
        {"first": first, "last": last},
    )
    con.execute(
        "create or replace temp table _workdays as "
        "select wd_index, d from _calendar where is_working"
    )
    return True


def _in(values: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(v)) for v in values) + ")"


def _field_list(*cases: tuple[str, str]) -> str:
    """``'a, b'``: the fields whose condition holds, NULL when none does. The list is built
    for those rows only (building and dropping an empty one costs on every row)."""
    any_case = " or ".join(f"({condition})" for condition, _ in cases)
    parts = ", ".join(f"case when {condition} then '{field}' end" for condition, field in cases)
    return f"case when {any_case} then concat_ws(', ', {parts}) end"


def _derived_sql() -> str:
    no_due = _in(NO_DUE_DATE_STATUSES)
    pending = _in(PENDING_STATUSES)
    resolved = _in(RESOLVED_STATUSES)
    returned = int(RETURNED_STATUS)
    norm = "lower(regexp_replace({}, '\\s+', '', 'g'))"
    r03_missing = _field_list(
        ("b.dossier_code is null", "dossier_code"),
        ("b.procedure_code is null", "procedure_code"),
        ("b.sector is null", "sector"),
        ("b.channel_raw is null", "channel"),
        ("b.received_at_raw is null", "received_at"),
        ("b.status_raw is null", "status"),
        ("b.due_at_raw is null and b.due_expected", "due_at"),
    )
    r04_invalid = _field_list(
        ("b.channel_raw is not null and b.channel_code is null", "channel"),
        ("b.status_raw is not null and b.status_code is null", "status"),
        ("b.received_at_raw is not null and b.received_date is null", "received_at"),
        ("b.due_at_raw is not null and b.due_date is null", "due_at"),
        (
            "b.rescheduled_due_at_raw is not null and b.rescheduled_due_date is null",
            "rescheduled_due_at",
        ),
        ("b.finished_at_raw is not null and b.finished_date is null", "finished_at"),
        ("b.returned_at_raw is not null and b.returned_date is null", "returned_at"),
    )
    r07_after = _field_list(
        ("b.received_date > b.report_date", "received_at"),
        ("b.finished_date > b.report_date", "finished_at"),
        ("b.returned_date > b.report_date", "returned_at"),
    )
    r08_pending = _field_list(
        (f"b.status_code in {pending} and b.finished_at_raw is not null", "finished_at"),
        (f"b.status_code in {pending} and b.returned_at_raw is not null", "returned_at"),
    )
    return f"""
    create or replace temp table {ROWS_TABLE} as
    with procedures as (
        select procedure_code, max(statutory_days) as statutory_days,
        from ref_procedures
        group by procedure_code
    ),
    sector_keys as (
        select distinct key
        from (
            select {norm.format("sector_code")} as key from ref_procedures
            union all
            select {norm.format("sector_name")} as key from ref_procedures
        )
        where key is not null and key <> ''
    ),
    rows as (
        select
            s.file_id, s.row_number, s.unit_code, s.report_date, s.dossier_code,
            s.procedure_code, s.sector, s.channel_raw, s.channel_code, s.status_raw,
            s.status_code, s.received_at_raw, s.due_at_raw, s.rescheduled_due_at_raw,
            s.finished_at_raw, s.returned_at_raw, s.received_date, s.due_date,
            s.rescheduled_due_date, s.finished_date, s.returned_date,
        from submission_rows as s
        join {FILES_TABLE} as f on f.file_id = s.file_id
    ),
    -- Two steps: the keys seen twice, counted by a hash of (file, dossier code) (a million
    -- integers group faster than a million strings), then the row list of those only, by the
    -- real key (two keys sharing a hash are told apart there).
    duplicate_hashes as (
        select hash(file_id, dossier_code) as key_hash,
        from rows
        where dossier_code is not null
        group by key_hash
        having count(*) > 1
    ),
    duplicates as (
        select
            r.file_id,
            r.dossier_code,
            count(*) as copies,
            string_agg(r.row_number::varchar, ', ' order by r.row_number) as row_numbers,
        from rows as r
        semi join duplicate_hashes as k on k.key_hash = hash(r.file_id, r.dossier_code)
        where r.dossier_code is not null
        group by r.file_id, r.dossier_code
        having count(*) > 1
    ),
    -- Sector names normalised once per distinct value, not once per row.
    row_sectors as (
        select sector, {norm.format("sector")} as key,
        from (select distinct sector from rows where sector is not null)
    ),
    base as (
        select
            r.*,
            p.procedure_code is not null as procedure_known,
            p.statutory_days,
            sk.key is not null as sector_known,
            dup.copies as dossier_copies,
            dup.row_numbers as dossier_rows,
            cr.wd_index as received_wd,
            cd.wd_index as due_wd,
            coalesce(r.status_code not in {no_due}, true) as due_expected,
        from rows as r
        left join procedures as p on p.procedure_code = r.procedure_code
        left join row_sectors as rs on rs.sector = r.sector
        left join sector_keys as sk on sk.key = rs.key
        left join duplicates as dup
            on dup.file_id = r.file_id and dup.dossier_code = r.dossier_code
        left join _calendar as cr on cr.d = r.received_date
        left join _calendar as cd on cd.d = r.due_date
    )
    -- Narrow on purpose (a million rows are written): the key, what the details need that is
    -- not in submission_rows, and the derived columns. Findings join submission_rows back
    -- (DETAIL_COLUMNS) for their few rows.
    select
        b.file_id,
        b.row_number,
        b.statutory_days,
        w.d as expected_due_date,

        {r03_missing} as r03_missing_fields,

        {r04_invalid} as r04_invalid_fields,

        case when b.procedure_code is not null and not b.procedure_known
            then b.procedure_code end as r05_unknown_procedure,
        case when b.sector is not null and not b.sector_known
            then b.sector end as r05_unknown_sector,

        b.dossier_rows as r06_duplicate_rows,

        case when b.due_date < b.received_date
            then b.due_date::varchar || ' < ' || b.received_date::varchar
        end as r07_due_before_received,
        case when b.finished_date < b.received_date
            then b.finished_date::varchar || ' < ' || b.received_date::varchar
        end as r07_finished_before_received,
        case when b.returned_date < b.finished_date
            then b.returned_date::varchar || ' < ' || b.finished_date::varchar
        end as r07_returned_before_finished,
        {r07_after} as r07_after_report_date,

        case when b.status_code in {resolved}
                and b.finished_at_raw is null and b.returned_at_raw is null
            then 'status ' || b.status_code
        end as r08_resolved_without_dates,
        case when b.status_code = {returned}
                and b.returned_at_raw is null and b.finished_at_raw is not null
            then 'status ' || b.status_code
        end as r08_returned_without_return_date,
        case when b.returned_at_raw is not null and b.status_code <> {returned}
            then 'status ' || b.status_code
        end as r08_return_date_not_returned,
        {r08_pending} as r08_pending_with_result,

        case when b.statutory_days is not null
                and b.due_expected
                and b.due_date >= b.received_date
                and b.due_wd is not null
                and w.d is not null
            then (b.due_wd - (b.received_wd + b.statutory_days))::double
        end as r09_deviation_days,

        case when b.rescheduled_due_at_raw is null and b.due_date is not null then
            case
                when b.finished_date > b.due_date then 'late'
                when b.status_code in {pending}
                    and b.finished_at_raw is null and b.returned_at_raw is null
                    and b.due_date < b.report_date then 'overdue'
            end
        end as r10_late_or_overdue,
    from base as b
    left join _workdays as w on w.wd_index = b.received_wd + b.statutory_days
    """


def derive(
    con: duckdb.DuckDBPyConnection,
    file_ids: Sequence[int],
    overrides: dict[date, HolidayOverride],
) -> int:
    """Create the temp table ``_validation_rows`` (every row of ``file_ids`` with one derived
    column per check) and return its row count."""
    id_table(con, FILES_TABLE, file_ids)
    first, last, max_days = con.execute(
        f"""
        select
            least(min(received_date), min(due_date)),
            greatest(max(received_date), max(due_date)),
            (select max(statutory_days) from ref_procedures),
        from submission_rows as s
        join {FILES_TABLE} as f on f.file_id = s.file_id
        """
    ).fetchone()
    first = first or CALENDAR_FIRST
    last = last or first
    # Room before the first date for the running count, and after the last one for the
    # expected due date (N working days after a received date).
    first = max(first - timedelta(days=31), CALENDAR_FIRST)
    last = min(last + timedelta(days=2 * (max_days or 0) + 60), CALENDAR_LAST)
    if not calendar_from_reference(con, first, last):
        build_calendar(con, first, last, overrides)
    con.execute(_derived_sql())
    (count,) = con.execute(f"select count(*) from {ROWS_TABLE}").fetchone()
    return int(count)


def gx_frame(con: duckdb.DuckDBPyConnection):
    """The pandas DataFrame GX validates: the derived columns only, one row per submission row.

    Fetched through Arrow (a million rows in about 1 s, against 5 s for NumPy object
    columns), with a plain range index: with a named index GX looks every
    failing row up one by one (10 s for 40,000 failing rows). The failing rows themselves are
    read from DuckDB (``failing_condition``), and so is everything the findings say."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = [c.column for c in CHECKS]
    table = con.execute(f"select {', '.join(columns)} from {ROWS_TABLE}").to_arrow_table()
    # Text columns dictionary-encoded: pandas categoricals, whose integer codes GX filters
    # (once per expectation, over every column) far faster than strings; the categories keep
    # the readable values Data Docs show. Numbers as NumPy floats, which GX compares
    # vectorised (other types row by row).
    arrays = {
        name: pc.dictionary_encode(table[name])
        if pa.types.is_string(table[name].type)
        else table[name]
        for name in columns
    }
    frame = pa.table(arrays).to_pandas()
    for check in CHECKS:
        if check.kind == "between":
            frame[check.column] = frame[check.column].astype("float64")
    return frame


def failing_condition(check: Check) -> str:
    """The SQL condition of a row failing ``check`` in ``_validation_rows``: its derived column
    is what GX finds unexpected (``null`` checks: not NULL; ``between``: outside the rule's
    tolerance, NULL passing as in GX)."""
    if check.kind == "between":
        tolerance = int(check.rule.tolerance_working_days)  # type: ignore[attr-defined]
        return f"abs({check.column}) > {tolerance}"
    return f"{check.column} is not null"
