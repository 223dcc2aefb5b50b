-- How many dossiers resolved in the period (withdrawals excluded) took each number of working
-- days, per period x unit x sector (each and 'ALL'): the histogram from which ind_service_measures
-- takes the median and 90th percentile of the processing time (indicators.md §6) for any scope,
-- exactly. Kept up to date night by night like int_period_unit_counts.

{%- set incremental = period_facts_are_incremental() %}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['period_type', 'period_start', 'unit_code', 'sector_code', 'processing_working_days'],
    post_hook=[
        "delete from {{ this }} where dossiers = 0",
        "delete from {{ this }} where (period_type, period_start) not in (select (period_type, period_start) from {{ ref('int_periods') }})",
    ],
) }}

with

deltas as (

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        sector_code,
        processing_working_days,
        resolved_measured as dossiers,
    from {{ ref('int_period_unit_deltas') }}
    where processing_working_days is not null
        and resolved_measured <> 0

),

{%- if incremental %}

current_rows as (

    select kept.*
    from {{ this }} as kept
    semi join deltas
        on kept.period_type = deltas.period_type
        and kept.period_start = deltas.period_start
        and kept.unit_code = deltas.unit_code
        and kept.sector_code = deltas.sector_code
        and kept.processing_working_days = deltas.processing_working_days

),

summed as (

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        sector_code,
        processing_working_days,
        sum(dossiers) as dossiers,
    from (
        select * from current_rows
        union all by name
        select * from deltas
    )
    group by all

),

{%- else %}

summed as (

    select * from deltas

),

{%- endif %}

final as (

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        sector_code,
        cast(processing_working_days as integer) as processing_working_days,
        cast(dossiers as bigint) as dossiers,
    from summed

)

select * from final
