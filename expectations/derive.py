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
    NO_DUE_DATE_STATUSES,
    PENDING_STATUSES,
    RESOLVED_STATUSES,
    RETURNED_STATUS,
)
from ingestion.calendar import (  # noqa: E402  (shared with the warehouse's dim_date)
    OVERRIDES_SEED,
    HolidayOverride,
    public_holidays,
    read_overrides,
)

__all__ = ["HolidayOverride", "read_overrides"]

log = logging.getLogger(__name__)

# Kept as names here for callers; the calendar itself lives in ingestion.calendar.
OVERRIDES_CSV = OVERRIDES_SEED
# Dates outside the calendar's span are not checked against the statutory time limit (R07 or
# R04 cover absurd dates).
CALENDAR_FIRST = date(1995, 1, 1)
CALENDAR_LAST = date(2099, 12, 31)

ROWS_TABLE = "_validation_rows"
FILES_TABLE = "_validation_files"
INDEX_COLUMNS = ("file_id", "row_number")
# Columns handed to GX besides the derived ones (readable in Data Docs, needed for findings).
FRAME_COLUMNS = (*INDEX_COLUMNS, "unit_code", "dossier_code")


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
    con.execute(
        "create or replace temp table _holidays as select unnest($days::date[]) as d",
        {"days": sorted(public)},
    )
    con.execute(
        """
        create or replace temp table _holiday_overrides as
        select unnest($days::date[]) as d, unnest($flags::boolean[]) as is_working
        """,
        {
            "days": [o.day for o in overrides.values()],
            "flags": [o.is_working_day for o in overrides.values()],
        },
    )
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


def _in(values: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(v)) for v in values) + ")"


def _derived_sql() -> str:
    no_due = _in(NO_DUE_DATE_STATUSES)
    pending = _in(PENDING_STATUSES)
    resolved = _in(RESOLVED_STATUSES)
    returned = int(RETURNED_STATUS)
    norm = "lower(regexp_replace({}, '\\s+', '', 'g'))"
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
        select s.*
        from submission_rows as s
        join {FILES_TABLE} as f on f.file_id = s.file_id
    ),
    duplicates as (
        select
            file_id,
            dossier_code,
            count(*) as copies,
            string_agg(row_number::varchar, ', ' order by row_number) as row_numbers,
        from rows
        where dossier_code is not null
        group by file_id, dossier_code
        having count(*) > 1
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
        left join sector_keys as sk on sk.key = {norm.format("r.sector")}
        left join duplicates as dup
            on dup.file_id = r.file_id and dup.dossier_code = r.dossier_code
        left join _calendar as cr on cr.d = r.received_date
        left join _calendar as cd on cd.d = r.due_date
    )
    select
        b.file_id,
        b.row_number,
        b.unit_code,
        b.report_date,
        b.dossier_code,
        b.procedure_code,
        b.sector,
        b.channel_raw,
        b.status_raw,
        b.received_at_raw,
        b.due_at_raw,
        b.rescheduled_due_at_raw,
        b.finished_at_raw,
        b.returned_at_raw,
        b.status_code,
        b.received_date,
        b.due_date,
        b.finished_date,
        b.returned_date,
        b.statutory_days,
        b.dossier_copies,
        w.d as expected_due_date,

        nullif(concat_ws(', ',
            case when b.dossier_code is null then 'dossier_code' end,
            case when b.procedure_code is null then 'procedure_code' end,
            case when b.sector is null then 'sector' end,
            case when b.channel_raw is null then 'channel' end,
            case when b.received_at_raw is null then 'received_at' end,
            case when b.status_raw is null then 'status' end,
            case when b.due_at_raw is null and b.due_expected then 'due_at' end
        ), '') as r03_missing_fields,

        nullif(concat_ws(', ',
            case when b.channel_raw is not null and b.channel_code is null then 'channel' end,
            case when b.status_raw is not null and b.status_code is null then 'status' end,
            case when b.received_at_raw is not null and b.received_date is null
                then 'received_at' end,
            case when b.due_at_raw is not null and b.due_date is null then 'due_at' end,
            case when b.rescheduled_due_at_raw is not null and b.rescheduled_due_date is null
                then 'rescheduled_due_at' end,
            case when b.finished_at_raw is not null and b.finished_date is null
                then 'finished_at' end,
            case when b.returned_at_raw is not null and b.returned_date is null
                then 'returned_at' end
        ), '') as r04_invalid_fields,

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
        nullif(concat_ws(', ',
            case when b.received_date > b.report_date then 'received_at' end,
            case when b.finished_date > b.report_date then 'finished_at' end,
            case when b.returned_date > b.report_date then 'returned_at' end
        ), '') as r07_after_report_date,

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
        case when b.status_code in {pending} then nullif(concat_ws(', ',
            case when b.finished_at_raw is not null then 'finished_at' end,
            case when b.returned_at_raw is not null then 'returned_at' end
        ), '') end as r08_pending_with_result,

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
    con.execute(
        f"create or replace temp table {FILES_TABLE} as select unnest($ids::bigint[]) as file_id",
        {"ids": list(file_ids)},
    )
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
    build_calendar(
        con,
        first - timedelta(days=31),
        last + timedelta(days=2 * (max_days or 0) + 60),
        overrides,
    )
    con.execute(_derived_sql())
    (count,) = con.execute(f"select count(*) from {ROWS_TABLE}").fetchone()
    return int(count)


def gx_frame(con: duckdb.DuckDBPyConnection):
    """The pandas DataFrame GX validates: unit, dossier and derived columns, indexed by
    ``(file_id, row_number)`` (GX reads a named index far faster than index columns when it
    lists the failing rows)."""
    columns = [*FRAME_COLUMNS, *(c.column for c in CHECKS)]
    frame = con.execute(
        f"select {', '.join(columns)} from {ROWS_TABLE} order by file_id, row_number"
    ).df()
    return frame.set_index(list(INDEX_COLUMNS))
