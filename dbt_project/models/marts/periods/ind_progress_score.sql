-- Decision 766/QĐ-TTg service-quality progress score ("Tiến độ giải quyết", 20 points;
-- indicators.md §4) per period x scope (province, district, unit) x sector (each and ALL):
-- ratio = (resolved early or on time in the period + pending within the deadline at its end)
-- / received total (Biểu 06 col 3 = received in the period + carried over); score = 20 x ratio,
-- empty when the denominator is 0. Sums of rpt_bieu06 over the units of each scope.

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

{%- if is_incremental() %}

redo_periods as (

    {{ period_mart_redo_periods(grid_sql, ['scope_level', 'scope_code', 'scope_name', 'sector_code']) }}

),

{%- endif %}

bieu06 as (

    select * from {{ ref('rpt_bieu06') }}
    {{ only_redo_periods() }}

),

scopes as (

    select * from {{ ref('int_unit_scopes') }}

),

units as (

    select * from {{ ref('int_units_current') }}

),

summed as (

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
        cast(sum(bieu06.c03_received_total) as bigint) as received_total,
        cast(sum(bieu06.c08_resolved_early) as bigint) as resolved_early,
        cast(sum(bieu06.c09_resolved_on_time) as bigint) as resolved_on_time,
        cast(sum(bieu06.c12_pending_within) as bigint) as pending_within,
    from bieu06
    inner join scopes
        on bieu06.unit_code = scopes.unit_code
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
