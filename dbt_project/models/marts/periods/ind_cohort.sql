-- Cohort view (indicators.md §2) per period x scope x sector: dossiers received in the period and
-- their outcome at its end (or at D while it runs). Every (scope, sector) with at least one
-- received dossier is crossed with every period; rates are over `received`, NULL when it is 0.

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

scopes as (

    select * from {{ ref('int_unit_scopes') }}

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

scoped_counts as (

    select
        c.period_type,
        c.period_start,
        c.period_end,
        s.scope_level,
        s.scope_code,
        c.sector_code,
        sum(c.received) as received,
        sum(c.early) as early,
        sum(c.on_time) as on_time,
        sum(c.late) as late,
        sum(c.pending_within) as pending_within,
        sum(c.pending_overdue) as pending_overdue,
    from counts as c
    inner join scopes as s
        on c.unit_code = s.unit_code
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
    cross join periods as p
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
