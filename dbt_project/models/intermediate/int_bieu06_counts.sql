-- Flow view (Biểu 06, indicators.md §3) per period x unit x sector (sector_code may be NULL).
-- With A = as_of_date (period_end, or D for a period still running), a dossier is in the report
-- when it was received by A and not resolved before S; it is then received in the period (c04,
-- c05; channel 2 online, anything else direct/postal) or carried over (c06), and either resolved
-- in [S, A] (c07-c10) or pending at A (c11-c13). The four invariants hold by construction.

with

dossiers as (

    select
        *,
        coalesce(resolution_date, date '9999-12-31') as resolved_or_never,
    from {{ ref('int_dossiers_latest') }}
    where is_received
        and received_date is not null

),

periods as (

    select * from {{ ref('int_periods') }}
    where period_type <> 'ttm'

),

dossier_periods as (

    select
        p.period_type,
        p.period_start,
        p.period_end,
        p.as_of_date,
        d.unit_code,
        d.sector_code,
        d.channel,
        d.received_date,
        d.due_date,
        d.resolution_date,
        d.resolution_class,
    from dossiers as d
    inner join periods as p
        on d.received_date <= p.as_of_date
        and d.resolved_or_never >= p.period_start

),

counts as (

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        sector_code,
        count(*) filter (
            where received_date >= period_start and channel = 2
        ) as c04_received_online,
        count(*) filter (
            where received_date >= period_start and channel is distinct from 2
        ) as c05_received_direct_postal,
        count(*) filter (where received_date < period_start) as c06_carried_over,
        count(*) filter (where resolution_date <= as_of_date) as c07_resolved_total,
        count(*) filter (
            where resolution_date <= as_of_date and resolution_class = 'early'
        ) as c08_resolved_early,
        count(*) filter (
            where resolution_date <= as_of_date and resolution_class = 'on_time'
        ) as c09_resolved_on_time,
        count(*) filter (
            where resolution_date <= as_of_date and resolution_class = 'late'
        ) as c10_resolved_late,
        count(*) filter (
            where resolution_date is null or resolution_date > as_of_date
        ) as c11_pending_total,
        count(*) filter (
            where (resolution_date is null or resolution_date > as_of_date)
                and (due_date is null or due_date >= as_of_date)
        ) as c12_pending_within,
        count(*) filter (
            where (resolution_date is null or resolution_date > as_of_date)
                and due_date < as_of_date
        ) as c13_pending_overdue,
    from dossier_periods
    group by all

)

select * from counts
