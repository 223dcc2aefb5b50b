-- Decision 766/QĐ-TTg service-quality progress score ("Tiến độ giải quyết", 20 points;
-- indicators.md §4) per period x scope (province, district, unit) x sector (each and ALL):
-- ratio = (resolved early or on time in the period + pending within the deadline at its end)
-- / received total (Biểu 06 col 3 = received in the period + carried over); score = 20 x ratio,
-- empty when the denominator is 0. Sums of rpt_bieu06 over the units of each scope. Scopes by
-- period (docs/warehouse.md): a district is a scope of the periods it existed in, with the units
-- it held then (int_period_unit_scopes); in a period that straddles a change (the year of the
-- abolition of the district level) it counts, of a unit it held for part of the period, the
-- dossiers whose figures in the period were settled in that part: resolved in it, or pending at
-- the period's as-of date if that falls in it. Like rpt_bieu06, a dossier counts in the unit that
-- holds it at the as-of date (after a succession's handover, its successor: docs/warehouse.md,
-- "Successions").

-- Incremental by period: a night rewrites only the periods macros/period_facts.sql
-- (period_mart_redo_periods) names; a full rebuild computes every period.
{{ period_mart_config() }}

{%- set grid_sql -%}
    select distinct s.scope_level, s.scope_code, u.unit_name as scope_name, b.sector_code
    from {{ ref('int_unit_sectors') }} as b
    inner join {{ ref('int_unit_scopes') }} as s
        on b.unit_code = s.unit_code
    left join {{ ref('int_units_current') }} as u
        on s.scope_code = u.unit_code
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

bieu06 as (

    select * from {{ ref('rpt_bieu06') }}
    {{ only_redo_periods() }}

),

-- province and unit scopes: every unit in every period
scopes as (

    select * from {{ ref('int_unit_scopes') }}
    where scope_level <> 'district'

),

periods as (

    select * from {{ ref('int_periods') }}
    where period_type <> 'ttm'
    {{ only_redo_periods('and') }}

),

-- district scopes: the units of each district in each period, with the window they were in it
period_scopes as (

    select * from {{ ref('int_period_unit_scopes') }}
    where period_type <> 'ttm'
    {{ only_redo_periods('and') }}

),

-- every district of a period and its sectors, with zeros where nothing counts
district_grid as (

    select distinct
        p.period_type,
        p.period_start,
        p.period_end,
        p.period_label,
        p.is_complete,
        p.as_of_date,
        x.scope_code,
        x.sector_code,
    from period_scopes as ps
    inner join periods as p
        on ps.period_type = p.period_type
        and ps.period_start = p.period_start
    inner join {{ ref('int_scope_sectors') }} as x
        on x.scope_level = 'district'
        and x.scope_code = ps.scope_code

),

-- a unit the district held for part of the period: its dossiers taking part in the period (Biểu 06
-- col 3) whose figures were settled in that part (resolved, or pending at the as-of date)
partial_dossiers as (

    select
        p.period_type,
        p.period_start,
        p.period_end,
        p.period_label,
        p.is_complete,
        p.as_of_date,
        ps.scope_code,
        sector.sector_code,
        d.resolution_date <= p.as_of_date as is_resolved,
        d.resolution_class,
        d.due_date,
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
        and least(coalesce(d.resolution_date, date '9999-12-31'), p.as_of_date)
            between greatest(ps.window_start, p.period_start) and ps.window_end
    cross join unnest(
        if(d.sector_code is null, ['ALL'], [d.sector_code, 'ALL'])
    ) as sector(sector_code)
    where not ps.covers_period
        and d.is_received

),

units as (

    select * from {{ ref('int_units_current') }}

),

scoped as (

    select
        bieu06.period_type,
        bieu06.period_start,
        bieu06.period_end,
        bieu06.period_label,
        bieu06.is_complete,
        bieu06.as_of_date,
        scopes.scope_level,
        scopes.scope_code,
        bieu06.sector_code,
        bieu06.c03_received_total as received_total,
        bieu06.c08_resolved_early as resolved_early,
        bieu06.c09_resolved_on_time as resolved_on_time,
        bieu06.c12_pending_within as pending_within,
    from bieu06
    inner join scopes
        on bieu06.unit_code = scopes.unit_code

    union all

    -- a unit the district held for the whole period: its row
    select
        bieu06.period_type,
        bieu06.period_start,
        bieu06.period_end,
        bieu06.period_label,
        bieu06.is_complete,
        bieu06.as_of_date,
        'district',
        ps.scope_code,
        bieu06.sector_code,
        bieu06.c03_received_total,
        bieu06.c08_resolved_early,
        bieu06.c09_resolved_on_time,
        bieu06.c12_pending_within,
    from bieu06
    inner join period_scopes as ps
        on bieu06.period_type = ps.period_type
        and bieu06.period_start = ps.period_start
        and bieu06.unit_code = ps.unit_code
    where ps.covers_period

    union all

    select
        period_type,
        period_start,
        period_end,
        period_label,
        is_complete,
        as_of_date,
        'district',
        scope_code,
        sector_code,
        1,
        (is_resolved and resolution_class = 'early')::int,
        (is_resolved and resolution_class = 'on_time')::int,
        (not coalesce(is_resolved, false) and (due_date is null or due_date >= as_of_date))::int,
    from partial_dossiers

    union all

    select
        period_type,
        period_start,
        period_end,
        period_label,
        is_complete,
        as_of_date,
        'district',
        scope_code,
        sector_code,
        0,
        0,
        0,
        0,
    from district_grid

),

summed as (

    select
        period_type,
        period_start,
        period_end,
        period_label,
        is_complete,
        as_of_date,
        scope_level,
        scope_code,
        sector_code,
        cast(sum(received_total) as bigint) as received_total,
        cast(sum(resolved_early) as bigint) as resolved_early,
        cast(sum(resolved_on_time) as bigint) as resolved_on_time,
        cast(sum(pending_within) as bigint) as pending_within,
    from scoped
    group by all

),

final as (

    select
        summed.period_type,
        summed.period_start,
        summed.period_end,
        summed.period_label,
        summed.is_complete,
        summed.as_of_date,
        summed.scope_level,
        summed.scope_code,
        units.unit_name as scope_name,
        summed.sector_code,
        summed.received_total,
        summed.resolved_early,
        summed.resolved_on_time,
        summed.pending_within,
        summed.resolved_early + summed.resolved_on_time + summed.pending_within
            as progress_numerator,
        (summed.resolved_early + summed.resolved_on_time + summed.pending_within)
            / nullif(summed.received_total, 0) as progress_ratio,
        20.0 * (summed.resolved_early + summed.resolved_on_time + summed.pending_within)
            / nullif(summed.received_total, 0) as progress_score,
    from summed
    left join units
        on summed.scope_code = units.unit_code

)

select * from final
