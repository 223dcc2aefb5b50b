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
-- small tables up to scopes. Scopes by period (docs/warehouse.md): a district is a scope of the
-- periods it existed in, with the units it held then (int_period_unit_scopes); of a unit it held
-- for part of a period it counts the dossiers received in that part, resolved in it, or pending
-- (overdue) at the as-of date if that falls in it, computed from the dossiers.
-- Like Biểu 06 (rpt_bieu06), the measures count a dossier in the unit that holds it at the as-of
-- date: after a succession's handover, its successor (holding_unit_code; docs/warehouse.md,
-- "Successions"); the cohort view (ind_cohort) keeps it in the unit that received it.

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

-- What a night reads to choose the periods it rewrites (period_mart_redo_periods in
-- macros/period_facts.sql, with this table's own rows); unused on a full rebuild.
reported_periods as (

    select * from {{ ref('int_periods') }}

),

period_deltas as (

    select period_type, period_start from {{ ref('int_period_unit_deltas') }}

),

unit_versions as (

    select valid_from, valid_to from {{ ref('stg_ingest__units') }}

),

previous_build as (

    select report_date from {{ ref('stg_build__runs') }}
    order by built_at desc
    limit 1 offset 1

),

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

-- province and unit scopes: every unit in every period
scopes as (

    select * from {{ ref('int_unit_scopes') }}
    where scope_level <> 'district'

),

-- district scopes: the units of each district in each period, with the window they were in it
period_scopes as (

    select * from {{ ref('int_period_unit_scopes') }}
    {{ only_redo_periods() }}

),

district_periods as (

    select distinct period_type, period_start, scope_code from period_scopes

),

-- every (scope, unit) pair of a period whose unit figures count whole
unit_scopes as (

    select
        c.period_type,
        c.period_start,
        s.unit_code,
        s.scope_level,
        s.scope_code,
    from (select distinct period_type, period_start from periods) as c
    cross join scopes as s

    union all

    select period_type, period_start, unit_code, 'district', scope_code
    from period_scopes
    where covers_period

),

units as (

    select * from {{ ref('int_units_current') }}

),

-- a unit a district held for part of the period: its dossiers received in that part, resolved in
-- it, or pending at the as-of date if that falls in it
partial_dossiers as (

    select
        p.period_type,
        p.period_start,
        p.period_end,
        ps.scope_code,
        sector.sector_code,
        d.received_date >= p.period_start
            and d.received_date >= ps.window_start
            and d.received_date <= least(ps.window_end, p.as_of_date) as is_received,
        d.channel,
        d.resolution_date >= greatest(ps.window_start, p.period_start)
            and d.resolution_date <= least(ps.window_end, p.as_of_date) as is_resolved_in,
        coalesce(d.resolution_date > p.as_of_date, true)
            and p.as_of_date <= ps.window_end as is_pending_at_end,
        d.resolution_class,
        d.due_date < p.as_of_date as is_past_due,
        d.rescheduled_due_date is not null as has_apology,
        case
            when not d.is_withdrawn
                then resolved_day.working_day_index - received_day.working_day_index
        end as processing_working_days,
        as_of_day.working_day_index - due_day.working_day_index as overdue_working_days,
    from period_scopes as ps
    inner join periods as p
        on ps.period_type = p.period_type
        and ps.period_start = p.period_start
    inner join {{ ref('int_dossiers_latest') }} as d
        on {{ holding_unit('p.as_of_date', 'd.') }} = ps.unit_code
        -- a dossier handed over by the as-of date counts in its successor's part of the period
        -- only if the successor held it while it belonged to the district
        and coalesce(
            d.handover_date > p.as_of_date or d.handover_date <= ps.window_end, true
        )
        and d.received_date <= p.as_of_date
        and coalesce(d.resolution_date, date '9999-12-31') >= p.period_start
    left join {{ ref('dim_date') }} as received_day
        on d.received_date = received_day.date_day
    left join {{ ref('dim_date') }} as resolved_day
        on d.resolution_date = resolved_day.date_day
    left join {{ ref('dim_date') }} as as_of_day
        on p.as_of_date = as_of_day.date_day
    left join {{ ref('dim_date') }} as due_day
        on d.due_date = due_day.date_day
    cross join unnest(
        if(d.sector_code is null, ['ALL'], [d.sector_code, 'ALL'])
    ) as sector(sector_code)
    where not ps.covers_period
        and d.is_received

),

partial_counts as (

    select
        period_type,
        period_start,
        period_end,
        'district' as scope_level,
        scope_code,
        sector_code,
        count(*) filter (where is_received) as received,
        count(*) filter (where is_received and channel = 2) as received_online,
        count(*) filter (
            where is_resolved_in and processing_working_days is not null
        ) as resolved_measured,
        sum(processing_working_days) filter (where is_resolved_in) as processing_days_sum,
        count(*) filter (
            where (is_resolved_in and resolution_class = 'late')
                or (is_pending_at_end and is_past_due)
        ) as late_or_overdue,
        count(*) filter (
            where ((is_resolved_in and resolution_class = 'late')
                or (is_pending_at_end and is_past_due))
                and has_apology
        ) as late_or_overdue_with_apology,
        count(*) filter (where is_pending_at_end and is_past_due) as pending_overdue,
        count(*) filter (
            where is_pending_at_end and is_past_due and overdue_working_days <= 5
        ) as overdue_1_5,
        count(*) filter (
            where is_pending_at_end and is_past_due and overdue_working_days between 6 and 15
        ) as overdue_6_15,
        count(*) filter (
            where is_pending_at_end and is_past_due and overdue_working_days between 16 and 30
        ) as overdue_16_30,
        count(*) filter (
            where is_pending_at_end and is_past_due and overdue_working_days > 30
        ) as overdue_over_30,
    from partial_dossiers
    group by all

),

scoped_counts as (

    select
        period_type,
        period_start,
        period_end,
        scope_level,
        scope_code,
        sector_code,
        sum(received) as received,
        sum(received_online) as received_online,
        sum(resolved_measured) as resolved_measured,
        sum(processing_days_sum) as processing_days_sum,
        sum(late_or_overdue) as late_or_overdue,
        sum(late_or_overdue_with_apology) as late_or_overdue_with_apology,
        sum(pending_overdue) as pending_overdue,
        sum(overdue_1_5) as overdue_1_5,
        sum(overdue_6_15) as overdue_6_15,
        sum(overdue_16_30) as overdue_16_30,
        sum(overdue_over_30) as overdue_over_30,
    from (
        select
            c.period_type,
            c.period_start,
            c.period_end,
            s.scope_level,
            s.scope_code,
            c.sector_code,
            c.received,
            c.c04_received_online as received_online,
            c.resolved_measured,
            c.processing_days_sum,
            c.late_or_overdue,
            c.late_or_overdue_with_apology,
            c.overdue_aged as pending_overdue,
            c.overdue_1_5,
            c.overdue_6_15,
            c.overdue_16_30,
            c.overdue_over_30,
        from counts as c
        inner join unit_scopes as s
            on c.period_type = s.period_type
            and c.period_start = s.period_start
            and c.holding_unit_code = s.unit_code

        union all by name

        select * from partial_counts
    )
    group by all

),

-- the processing-time histogram of each (period, scope, sector), with each value's ranks: the
-- value v with n dossiers holds the 0-based ranks [below, below + n) of the sorted times
scoped_days as (

    select
        period_type,
        period_start,
        scope_level,
        scope_code,
        sector_code,
        processing_working_days,
        sum(dossiers) as dossiers,
    from (
        select
            h.period_type,
            h.period_start,
            s.scope_level,
            s.scope_code,
            h.sector_code,
            h.processing_working_days,
            h.dossiers,
        from processing_days as h
        inner join unit_scopes as s
            on h.period_type = s.period_type
            and h.period_start = s.period_start
            and h.holding_unit_code = s.unit_code

        union all

        select
            period_type,
            period_start,
            'district',
            scope_code,
            sector_code,
            processing_working_days,
            1,
        from partial_dossiers
        where is_resolved_in
            and processing_working_days is not null
    ) as h
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
    inner join periods as p
        on x.scope_level <> 'district'
        or (p.period_type, p.period_start, x.scope_code) in (
            select (period_type, period_start, scope_code) from district_periods
        )
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
