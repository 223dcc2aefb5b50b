-- How many dossiers resolved in the period (withdrawals excluded) took each number of working
-- days, per period x unit x sector (each and 'ALL'): the histogram from which ind_service_measures
-- takes the median and 90th percentile of the processing time (indicators.md §6) for any scope,
-- exactly. Kept up to date night by night like int_period_unit_counts.

{%- set keys = ['period_type', 'period_start', 'unit_code', 'holding_unit_code', 'sector_code', 'processing_working_days'] %}

{{ period_fact_config(keys) }}

with

-- new trailing twelve months seeded from their predecessor (read on incremental nights by
-- add_period_deltas; empty on a full rebuild)
seeds as (

    select * from {{ ref('int_period_seeds') }}

),

deltas as (

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        holding_unit_code,
        sector_code,
        processing_working_days,
        resolved_measured as dossiers,
    from {{ ref('int_period_unit_deltas') }}
    where processing_working_days is not null
        and resolved_measured <> 0

),

{{ add_period_deltas(keys, ['dossiers']) }}

final as (

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        holding_unit_code,
        sector_code,
        cast(processing_working_days as integer) as processing_working_days,
        cast(dossiers as bigint) as dossiers,
    from summed

)

select * from final
