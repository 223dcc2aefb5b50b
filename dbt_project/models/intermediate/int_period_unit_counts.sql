-- The additive counts of every indicator per period x unit x sector (each and 'ALL'): the cohort
-- (indicators.md §2), Biểu 06 (§3) and the service measures' counts (§6). Kept up to date night by
-- night: tonight's int_period_unit_deltas are added to the rows they touch (delete+insert on the
-- key); rows left with no dossier and periods no longer reported are removed after. A full rebuild
-- sums the deltas of every dossier. The scope roll-up (unit, district, province, as of D) is the
-- marts' job.

{%- set incremental = period_facts_are_incremental() %}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['period_type', 'period_start', 'unit_code', 'sector_code'],
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
        {%- for column in period_fact_columns() %}
        sum({{ column }}) as {{ column }},
        {%- endfor %}
    from {{ ref('int_period_unit_deltas') }}
    group by all

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

),

summed as (

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        sector_code,
        {%- for column in period_fact_columns() %}
        sum({{ column }}) as {{ column }},
        {%- endfor %}
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
        {%- for column in period_fact_columns() %}
        cast({{ column }} as bigint) as {{ column }},
        {%- endfor %}
    from summed

)

select * from final
