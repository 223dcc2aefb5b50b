-- Biểu số 06/VPCP/KSTT (indicators.md §3) per unit x sector (each and ALL) x period (month, quarter,
-- half, nine_months, year). Every (unit, sector) with at least one received or held dossier is
-- crossed with every period. The form is the flow view: `unit_code` is the unit that holds the
-- dossiers at the period's as-of date (holding_unit_code of the period facts). After a
-- succession's handover (submission-contract.md) a predecessor's open dossiers are carried over,
-- resolved and pending at its successor in the periods from the handover on; a period that
-- straddles the handover shows each such dossier whole at the successor, so that every unit's
-- columns add up (3 = 4 + 5 + 6 = 7 + 11) and each dossier counts once (docs/warehouse.md,
-- "Successions"). A period still running is reported as of D (is_complete = false). Columns 7 and 11
-- are counted independently of 8-10 and 12-13, so the singular tests check the form's invariants.

-- Incremental by period: a night rewrites only the periods macros/period_facts.sql
-- (period_mart_redo_periods) names; a full rebuild computes every period.
{{ period_mart_config() }}

{%- set grid_sql -%}
    select unit_code, sector_code from {{ ref('int_unit_sectors') }}
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

    {{ period_mart_redo_periods(grid_sql, ['unit_code', 'sector_code']) }}

),

{%- endif %}

counts as (

    select * from {{ ref('int_period_unit_counts') }}
    {{ only_redo_periods() }}

),

periods as (

    select * from {{ ref('int_periods') }}
    where period_type <> 'ttm'
    {{ only_redo_periods('and') }}

),

unit_sectors as (

    select * from {{ ref('int_unit_sectors') }}

),


summed as (

    select
        period_type,
        period_start,
        period_end,
        holding_unit_code as unit_code,
        sector_code,
        sum(c04_received_online) as c04,
        sum(c05_received_direct_postal) as c05,
        sum(c06_carried_over) as c06,
        sum(c07_resolved_total) as c07,
        sum(c08_resolved_early) as c08,
        sum(c09_resolved_on_time) as c09,
        sum(c10_resolved_late) as c10,
        sum(c11_pending_total) as c11,
        sum(c12_pending_within) as c12,
        sum(c13_pending_overdue) as c13,
    from counts
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
        x.unit_code,
        x.sector_code,
        cast(coalesce(s.c04, 0) as bigint) as c04,
        cast(coalesce(s.c05, 0) as bigint) as c05,
        cast(coalesce(s.c06, 0) as bigint) as c06,
        cast(coalesce(s.c07, 0) as bigint) as c07,
        cast(coalesce(s.c08, 0) as bigint) as c08,
        cast(coalesce(s.c09, 0) as bigint) as c09,
        cast(coalesce(s.c10, 0) as bigint) as c10,
        cast(coalesce(s.c11, 0) as bigint) as c11,
        cast(coalesce(s.c12, 0) as bigint) as c12,
        cast(coalesce(s.c13, 0) as bigint) as c13,
    from unit_sectors as x
    cross join periods as p
    left join summed as s
        on p.period_type = s.period_type
        and p.period_start = s.period_start
        and p.period_end = s.period_end
        and x.unit_code = s.unit_code
        and x.sector_code = s.sector_code

),

final as (

    select
        period_type,
        period_start,
        period_end,
        period_label,
        period_basis,
        is_complete,
        as_of_date,
        unit_code,
        sector_code,
        c04 + c05 + c06 as c03_received_total,
        c04 as c04_received_online,
        c05 as c05_received_direct_postal,
        c06 as c06_carried_over,
        c07 as c07_resolved_total,
        c08 as c08_resolved_early,
        c09 as c09_resolved_on_time,
        c10 as c10_resolved_late,
        c11 as c11_pending_total,
        c12 as c12_pending_within,
        c13 as c13_pending_overdue,
        -- Decision 766/QĐ-TTg progress score (indicators.md §4): 20 x (8 + 9 + 12) / 3
        20.0 * (c08 + c09 + c12) / nullif(c04 + c05 + c06, 0) as progress_score,
    from grid

)

select * from final
