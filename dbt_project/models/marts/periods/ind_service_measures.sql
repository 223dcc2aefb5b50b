-- Service measures (indicators.md §6) per period x scope (province, district, unit) x sector (each
-- and ALL), for the same (scope, sector) x period grid as ind_cohort. With A = as_of_date (the
-- period end, or D while the period runs):
--   * received / received_online / online_share: dossiers received in [period_start, A];
--   * processing time in working days of the dossiers resolved in [period_start, A], withdrawals
--     excluded: mean, median and 90th percentile (continuous), exact, from the per-unit histogram
--     int_period_unit_processing_days rolled up to the scope;
--   * late_or_overdue: dossiers resolved late in [period_start, A] plus dossiers pending past their
--     due date at A; apology_compliance = those carrying an apology letter's new date
--     (rescheduled_due_date) / late_or_overdue;
--   * ageing of the dossiers pending past their due date at A by working days past due
--     (working days after the due date up to A): 1–5, 6–15, 16–30, over 30 (an A falling on a
--     weekend right after the due date gives 0 working days, counted in 1–5).
-- The counts come from int_period_unit_counts, kept up to date night by night: this mart only rolls
-- small tables up to scopes.

-- Incremental by period: a night rewrites only the periods macros/period_facts.sql
-- (period_mart_redo_periods) names; a full rebuild computes every period.
{{ period_mart_config() }}

{%- set grid_sql -%}
    select x.scope_level, x.scope_code, u.unit_name as scope_name, x.sector_code
    from {{ ref('int_scope_sectors') }} as x
    left join {{ ref('int_units_current') }} as u
        on x.scope_code = u.unit_code
{%- endset %}

with

{%- if is_incremental() %}

redo_periods as (

    {{ period_mart_redo_periods(grid_sql, ['scope_level', 'scope_code', 'scope_name', 'sector_code']) }}

),

{%- endif %}

counts as (

    select * from {{ ref('int_period_unit_counts') }}
    {{ only_redo_periods() }}

),

processing_days as (

    select * from {{ ref('int_period_unit_processing_days') }}
    {{ only_redo_periods() }}

),

periods as (

    select * from {{ ref('int_periods') }}
    {{ only_redo_periods() }}

),

scopes as (

    select * from {{ ref('int_unit_scopes') }}

),

units as (

    select * from {{ ref('int_units_current') }}

),

scoped_counts as (

    select
        c.period_type,
        c.period_start,
        c.period_end,
        s.scope_level,
        s.scope_code,
        c.sector_code,
        sum(c.received) as received,
        sum(c.c04_received_online) as received_online,
        sum(c.resolved_measured) as resolved_measured,
        sum(c.processing_days_sum) as processing_days_sum,
        sum(c.late_or_overdue) as late_or_overdue,
        sum(c.late_or_overdue_with_apology) as late_or_overdue_with_apology,
        sum(c.overdue_aged) as pending_overdue,
        sum(c.overdue_1_5) as overdue_1_5,
        sum(c.overdue_6_15) as overdue_6_15,
        sum(c.overdue_16_30) as overdue_16_30,
        sum(c.overdue_over_30) as overdue_over_30,
    from counts as c
    inner join scopes as s
        on c.unit_code = s.unit_code
    group by all

),

-- the processing-time histogram of each (period, scope, sector), with each value's ranks: the
-- value v with n dossiers holds the 0-based ranks [below, below + n) of the sorted times
scoped_days as (

    select
        h.period_type,
        h.period_start,
        s.scope_level,
        s.scope_code,
        h.sector_code,
        h.processing_working_days,
        sum(h.dossiers) as dossiers,
    from processing_days as h
    inner join scopes as s
        on h.unit_code = s.unit_code
    group by all

),

ranked_days as (

    select
        *,
        sum(dossiers) over ranks - dossiers as below,
        sum(dossiers) over (
            partition by period_type, period_start, scope_level, scope_code, sector_code
        ) as total,
    from scoped_days
    window ranks as (
        partition by period_type, period_start, scope_level, scope_code, sector_code
        order by processing_working_days
        rows between unbounded preceding and current row
    )

),

-- quantile_cont(q) of the N sorted times x: h = (N - 1) q, x[floor(h)] + (h - floor(h)) *
-- (x[floor(h) + 1] - x[floor(h)]) (what DuckDB's median and quantile_cont compute on the values)
quantile_ranks as (

    select
        *,
        floor((total - 1) * 0.5) as median_rank,
        (total - 1) * 0.5 - floor((total - 1) * 0.5) as median_fraction,
        floor((total - 1) * 0.9) as p90_rank,
        (total - 1) * 0.9 - floor((total - 1) * 0.9) as p90_fraction,
    from ranked_days

),

quantiles as (

    select
        period_type,
        period_start,
        scope_level,
        scope_code,
        sector_code,
        any_value(median_fraction) as median_fraction,
        any_value(p90_fraction) as p90_fraction,
        min(processing_working_days) filter (
            where median_rank between below and below + dossiers - 1
        ) as median_low,
        min(processing_working_days) filter (
            where median_rank + 1 between below and below + dossiers - 1
        ) as median_high,
        min(processing_working_days) filter (
            where p90_rank between below and below + dossiers - 1
        ) as p90_low,
        min(processing_working_days) filter (
            where p90_rank + 1 between below and below + dossiers - 1
        ) as p90_high,
    from quantile_ranks
    group by all

),

measures as (

    select
        c.*,
        c.processing_days_sum / nullif(c.resolved_measured, 0) as processing_days_mean,
        q.median_low
            + q.median_fraction * (coalesce(q.median_high, q.median_low) - q.median_low)
            as processing_days_median,
        q.p90_low + q.p90_fraction * (coalesce(q.p90_high, q.p90_low) - q.p90_low)
            as processing_days_p90,
    from scoped_counts as c
    left join quantiles as q
        on c.period_type = q.period_type
        and c.period_start = q.period_start
        and c.scope_level = q.scope_level
        and c.scope_code = q.scope_code
        and c.sector_code = q.sector_code

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
