-- Cohort view (indicators.md §2) per period x unit x sector (sector_code may be NULL): the
-- dossiers received in [period_start, as_of_date], each with its outcome as of as_of_date
-- (= period_end, or D for a period still running).

with

dossiers as (

    select * from {{ ref('int_dossiers_latest') }}
    where is_received
        and received_date is not null

),

periods as (

    select * from {{ ref('int_periods') }}

),

dossier_periods as (

    select
        p.period_type,
        p.period_start,
        p.period_end,
        d.unit_code,
        d.sector_code,
        {{ dossier_outcome('p.as_of_date', 'd.') }} as outcome,
    from dossiers as d
    inner join periods as p
        on d.received_date >= p.period_start
        and d.received_date <= p.as_of_date

),

counts as (

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        sector_code,
        count(*) as received,
        count(*) filter (where outcome = 'early') as early,
        count(*) filter (where outcome = 'on_time') as on_time,
        count(*) filter (where outcome = 'late') as late,
        count(*) filter (where outcome = 'pending_within') as pending_within,
        count(*) filter (where outcome = 'pending_overdue') as pending_overdue,
    from dossier_periods
    group by all

)

select * from counts
