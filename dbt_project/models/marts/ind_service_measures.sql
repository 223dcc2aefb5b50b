-- Service measures (indicators.md §6) per period x scope (province, district, unit) x sector (each
-- and ALL), for the same (scope, sector) x period grid as ind_cohort. With A = as_of_date (the
-- period end, or D while the period runs):
--   * received / received_online / online_share: dossiers received in [period_start, A];
--   * processing time in working days (int_dossier_processing_times) of the dossiers resolved in
--     [period_start, A], withdrawals excluded: mean, median and 90th percentile (continuous);
--   * late_or_overdue: dossiers resolved late in [period_start, A] plus dossiers pending past their
--     due date at A; apology_compliance = those carrying an apology letter's new date
--     (rescheduled_due_date) / late_or_overdue;
--   * ageing of the dossiers pending past their due date at A by working days past due
--     (working days after the due date up to A): 1–5, 6–15, 16–30, over 30 (an A falling on a
--     weekend right after the due date gives 0 working days, counted in 1–5).

with

dossiers as (

    select
        *,
        coalesce(resolution_date, date '9999-12-31') as resolved_or_never,
    from {{ ref('int_dossiers_latest') }}
    where is_received
        and received_date is not null

),

processing as (

    select
        unit_code,
        dossier_code,
        processing_working_days,
    from {{ ref('int_dossier_processing_times') }}

),

dates as (

    select
        date_day,
        working_day_index,
    from {{ ref('dim_date') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

scopes as (

    select * from {{ ref('int_unit_scopes') }}

),

units as (

    select * from {{ ref('int_units_current') }}

),

dossier_periods as (

    select
        p.period_type,
        p.period_start,
        p.period_end,
        d.unit_code,
        d.sector_code,
        d.received_date >= p.period_start as is_received_in_period,
        d.received_date >= p.period_start and d.channel = 2 as is_received_online,
        case
            when not d.is_withdrawn
                and d.resolution_date >= p.period_start
                and d.resolution_date <= p.as_of_date
                then pt.processing_working_days
        end as processing_working_days,
        (
            d.resolution_date >= p.period_start
            and d.resolution_date <= p.as_of_date
            and d.resolution_class = 'late'
        )
        or (d.resolved_or_never > p.as_of_date and d.due_date < p.as_of_date) as is_late_or_overdue,
        d.rescheduled_due_date is not null as has_apology,
        case
            when d.resolved_or_never > p.as_of_date and d.due_date < p.as_of_date
                then as_of_day.working_day_index - due.working_day_index
        end as overdue_working_days,
    from dossiers as d
    inner join periods as p
        on d.received_date <= p.as_of_date
        and d.resolved_or_never >= p.period_start
    left join processing as pt
        on d.unit_code = pt.unit_code
        and d.dossier_code = pt.dossier_code
    left join dates as as_of_day
        on p.as_of_date = as_of_day.date_day
    left join dates as due
        on d.due_date = due.date_day

),

sectored as (

    select * from dossier_periods where sector_code is not null

    union all

    select * replace ('ALL' as sector_code) from dossier_periods

),

measures as (

    select
        sectored.period_type,
        sectored.period_start,
        sectored.period_end,
        scopes.scope_level,
        scopes.scope_code,
        sectored.sector_code,
        count(*) filter (where is_received_in_period) as received,
        count(*) filter (where is_received_online) as received_online,
        count(processing_working_days) as resolved_measured,
        avg(processing_working_days) as processing_days_mean,
        median(processing_working_days) as processing_days_median,
        quantile_cont(processing_working_days, 0.9) as processing_days_p90,
        count(*) filter (where is_late_or_overdue) as late_or_overdue,
        count(*) filter (where is_late_or_overdue and has_apology) as late_or_overdue_with_apology,
        count(overdue_working_days) as pending_overdue,
        count(*) filter (where overdue_working_days <= 5) as overdue_1_5,
        count(*) filter (where overdue_working_days between 6 and 15) as overdue_6_15,
        count(*) filter (where overdue_working_days between 16 and 30) as overdue_16_30,
        count(*) filter (where overdue_working_days > 30) as overdue_over_30,
    from sectored
    inner join scopes
        on sectored.unit_code = scopes.unit_code
    group by all

),

combinations as (

    select * from {{ ref('int_scope_sectors') }}

),

final as (

    select
        p.period_type,
        p.period_start,
        p.period_end,
        p.period_label,
        p.is_complete,
        p.as_of_date,
        x.scope_level,
        x.scope_code,
        units.unit_name as scope_name,
        x.sector_code,
        cast(coalesce(m.received, 0) as bigint) as received,
        cast(coalesce(m.received_online, 0) as bigint) as received_online,
        m.received_online / nullif(m.received, 0) as online_share,
        cast(coalesce(m.resolved_measured, 0) as bigint) as resolved_measured,
        cast(m.processing_days_mean as double) as processing_days_mean,
        cast(m.processing_days_median as double) as processing_days_median,
        cast(m.processing_days_p90 as double) as processing_days_p90,
        cast(coalesce(m.late_or_overdue, 0) as bigint) as late_or_overdue,
        cast(coalesce(m.late_or_overdue_with_apology, 0) as bigint)
            as late_or_overdue_with_apology,
        m.late_or_overdue_with_apology / nullif(m.late_or_overdue, 0) as apology_compliance,
        cast(coalesce(m.pending_overdue, 0) as bigint) as pending_overdue,
        cast(coalesce(m.overdue_1_5, 0) as bigint) as overdue_1_5_days,
        cast(coalesce(m.overdue_6_15, 0) as bigint) as overdue_6_15_days,
        cast(coalesce(m.overdue_16_30, 0) as bigint) as overdue_16_30_days,
        cast(coalesce(m.overdue_over_30, 0) as bigint) as overdue_over_30_days,
    from combinations as x
    cross join periods as p
    left join measures as m
        on p.period_type = m.period_type
        and p.period_start = m.period_start
        and p.period_end = m.period_end
        and x.scope_level = m.scope_level
        and x.scope_code = m.scope_code
        and x.sector_code = m.sector_code
    left join units
        on x.scope_code = units.unit_code

)

select * from final
