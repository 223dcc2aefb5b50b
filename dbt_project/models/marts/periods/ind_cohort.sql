-- Cohort view (indicators.md §2) per period x scope x sector: dossiers received in the period and
-- their outcome at its end (or at D while it runs). Every (scope, sector) with at least one
-- received dossier is crossed with every period in which the scope exists; rates are over
-- `received`, NULL when it is 0. Scopes by period (docs/warehouse.md): a district counts the
-- dossiers its units received while they belonged to it (int_period_unit_scopes), so a period
-- that starts after the abolition of the district level has no district row, and one that
-- straddles it counts, for each district, what its communes received until then.

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

periods as (

    select * from {{ ref('int_periods') }}
    {{ only_redo_periods() }}

),

units as (

    select * from {{ ref('int_units_current') }}

),

combinations as (

    select * from {{ ref('int_scope_sectors') }}

),

-- the dossiers received by a unit in the part of a period it belonged to a district, when that
-- is not the whole period: counted from the dossiers, with their outcome at the period's as-of date
partial_dossiers as (

    select
        p.period_type,
        p.period_start,
        p.period_end,
        ps.scope_code,
        sector.sector_code,
        {{ dossier_outcome('p.as_of_date', 'd.') }} as outcome,
    from period_scopes as ps
    inner join periods as p
        on ps.period_type = p.period_type
        and ps.period_start = p.period_start
    inner join {{ ref('int_dossiers_latest') }} as d
        on d.unit_code = ps.unit_code
        and d.received_date >= greatest(ps.window_start, p.period_start)
        and d.received_date <= least(ps.window_end, p.as_of_date)
    cross join unnest(
        if(d.sector_code is null, ['ALL'], [d.sector_code, 'ALL'])
    ) as sector(sector_code)
    where not ps.covers_period
        and d.is_received

),

unit_counts as (

    select
        c.period_type,
        c.period_start,
        c.period_end,
        s.scope_level,
        s.scope_code,
        c.sector_code,
        c.received,
        c.early,
        c.on_time,
        c.late,
        c.pending_within,
        c.pending_overdue,
    from counts as c
    inner join scopes as s
        on c.unit_code = s.unit_code

    union all

    -- a unit that belonged to the district for the whole period: its figures
    select
        c.period_type,
        c.period_start,
        c.period_end,
        'district',
        ps.scope_code,
        c.sector_code,
        c.received,
        c.early,
        c.on_time,
        c.late,
        c.pending_within,
        c.pending_overdue,
    from counts as c
    inner join period_scopes as ps
        on c.period_type = ps.period_type
        and c.period_start = ps.period_start
        and c.unit_code = ps.unit_code
    where ps.covers_period

    union all

    select
        period_type,
        period_start,
        period_end,
        'district',
        scope_code,
        sector_code,
        1,
        (outcome = 'early')::int,
        (outcome = 'on_time')::int,
        (outcome = 'late')::int,
        (outcome = 'pending_within')::int,
        (outcome = 'pending_overdue')::int,
    from partial_dossiers

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
        sum(early) as early,
        sum(on_time) as on_time,
        sum(late) as late,
        sum(pending_within) as pending_within,
        sum(pending_overdue) as pending_overdue,
    from unit_counts
    group by all

),

grid as (

    select
        p.period_type,
        p.period_start,
        p.period_end,
        p.period_label,
        p.period_basis,
        p.is_complete,
        p.as_of_date,
        x.scope_level,
        x.scope_code,
        x.sector_code,
        cast(coalesce(c.received, 0) as bigint) as received,
        cast(coalesce(c.early, 0) as bigint) as early,
        cast(coalesce(c.on_time, 0) as bigint) as on_time,
        cast(coalesce(c.late, 0) as bigint) as late,
        cast(coalesce(c.pending_within, 0) as bigint) as pending_within,
        cast(coalesce(c.pending_overdue, 0) as bigint) as pending_overdue,
    from combinations as x
    inner join periods as p
        on x.scope_level <> 'district'
        or (p.period_type, p.period_start, x.scope_code) in (
            select (period_type, period_start, scope_code) from district_periods
        )
    left join scoped_counts as c
        on p.period_type = c.period_type
        and p.period_start = c.period_start
        and p.period_end = c.period_end
        and x.scope_level = c.scope_level
        and x.scope_code = c.scope_code
        and x.sector_code = c.sector_code

),

final as (

    select
        grid.period_type,
        grid.period_start,
        grid.period_end,
        grid.period_label,
        grid.period_basis,
        grid.is_complete,
        grid.as_of_date,
        grid.scope_level,
        grid.scope_code,
        units.unit_name as scope_name,
        grid.sector_code,
        grid.received,
        grid.early + grid.on_time as returned_on_time,
        grid.late as returned_late,
        grid.pending_within + grid.pending_overdue as in_process,
        grid.early + grid.on_time + grid.late as resolved,
        grid.early,
        grid.on_time,
        grid.late,
        grid.pending_within,
        grid.pending_overdue,
        (grid.early + grid.on_time) / nullif(grid.received, 0) as on_time_rate,
        grid.late / nullif(grid.received, 0) as late_rate,
        (grid.pending_within + grid.pending_overdue) / nullif(grid.received, 0) as in_process_rate,
        (grid.early + grid.on_time)
            / nullif(grid.early + grid.on_time + grid.late, 0) as on_time_rate_of_resolved,
    from grid
    left join units
        on grid.scope_code = units.unit_code

)

select * from final
