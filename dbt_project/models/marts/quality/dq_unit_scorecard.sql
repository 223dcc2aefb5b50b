-- Record-keeping quality (indicators.md §7) per unit running the one-stop shop and month. Expected
-- submissions are the R01 window clipped to the month; a file that arrived counts as received even
-- if it was quarantined. rank_in_province: 1 = worst gap ratio
-- (missing_submissions + rows_with_issues) / (submissions_expected + rows_received).

with

months as (

    select
        period_start as month,
        period_end as month_end,
    from {{ ref('int_periods') }}
    where period_type = 'month'

),

running_units as (

    select * from {{ ref('stg_ingest__units') }}
    where one_stop_since is not null

),

units as (

    select * from {{ ref('int_units_current') }}

),

expected as (

    select * from {{ ref('int_submissions_expected') }}

),

-- every running unit in force during a reporting month, plus any month with an expected day (the
-- R01 window starts at the first file of any status, which may precede the first used one)
grid as (

    select
        u.unit_code,
        m.month,
    from running_units as u
    inner join months as m
        on u.one_stop_since <= m.month_end
        and coalesce(u.valid_from, date '1900-01-01') <= m.month_end
        and coalesce(u.valid_to, date '9999-12-31') >= m.month

    union

    select
        unit_code,
        month,
    from expected

),

submissions as (

    select
        unit_code,
        month,
        count(*) as submissions_expected,
        count(*) filter (where has_submission) as submissions_received,
    from expected
    group by all

),

-- Rows per unit and month, counted per file: a file's rows (rows_read, the rows the loader put in
-- submission_rows) and its flagged rows (findings of R03-R10 name the row) never change once it is
-- taken in and validated, and only files whose status is `loaded` count (as in
-- int_submission_rows_used). Summing the files keeps this model's nightly cost proportional to
-- the number of files, not of rows.
flagged_rows as (

    select
        file_id,
        count(distinct row_number) as rows_with_issues,
    from {{ ref('stg_ingest__findings') }}
    where row_number is not null
    group by file_id

),

submission_rows as (

    select
        files.unit_code,
        date_trunc('month', files.report_date)::date as month,
        cast(sum(files.rows_read) as bigint) as rows_received,
        cast(coalesce(sum(flagged_rows.rows_with_issues), 0) as bigint) as rows_with_issues,
    from {{ ref('stg_ingest__files') }} as files
    left join flagged_rows
        on files.file_id = flagged_rows.file_id
    where files.file_status = 'loaded'
        and files.report_date <= {{ as_of_date() }}
    group by all

),

counted as (

    select
        grid.unit_code,
        grid.month,
        coalesce(s.submissions_expected, 0) as submissions_expected,
        coalesce(s.submissions_received, 0) as submissions_received,
        coalesce(s.submissions_expected, 0) - coalesce(s.submissions_received, 0)
            as missing_submissions,
        coalesce(r.rows_received, 0) as rows_received,
        coalesce(r.rows_with_issues, 0) as rows_with_issues,
    from grid
    left join submissions as s
        on grid.unit_code = s.unit_code
        and grid.month = s.month
    left join submission_rows as r
        on grid.unit_code = r.unit_code
        and grid.month = r.month

),

rated as (

    select
        *,
        rows_with_issues / nullif(rows_received, 0) as issue_rate,
        missing_submissions / nullif(submissions_expected, 0) as missing_rate,
        (missing_submissions + rows_with_issues)
            / nullif(submissions_expected + rows_received, 0) as gap_ratio,
    from counted

),

final as (

    select
        rated.unit_code,
        units.unit_name,
        units.level,
        units.district_code,
        rated.month,
        rated.submissions_expected,
        rated.submissions_received,
        rated.missing_submissions,
        rated.rows_received,
        rated.rows_with_issues,
        rated.issue_rate,
        rated.missing_rate,
        rated.gap_ratio,
        dense_rank() over (
            partition by rated.month
            order by rated.gap_ratio desc nulls last, rated.unit_code
        ) as rank_in_province,
    from rated
    left join units
        on rated.unit_code = units.unit_code

)

select * from final
