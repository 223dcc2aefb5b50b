-- The additive counts of every indicator per period x unit x sector (each and 'ALL'): the cohort
-- (indicators.md §2), Biểu 06 (§3) and the service measures' counts (§6). Kept up to date night by
-- night: tonight's int_period_unit_deltas are added to the rows they touch (delete+insert on the
-- key); rows left with no dossier and periods no longer reported are removed after. A full rebuild
-- sums the deltas of every dossier. The scope roll-up (unit, district, province, as of D) is the
-- marts' job.

{%- set keys = ['period_type', 'period_start', 'unit_code', 'holding_unit_code', 'sector_code'] %}

{{ period_fact_config(keys) }}

with

-- new trailing twelve months seeded from their predecessor, and the periods this table held
-- before tonight (read on incremental nights by add_period_deltas; empty on a full rebuild)
seeds as (

    select * from {{ ref('int_period_seeds') }}

),

periods_before as (

    select * from {{ ref('stg_build__periods_before') }}

),

deltas as (

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        holding_unit_code,
        sector_code,
        {%- for column in period_fact_columns() %}
        sum({{ column }}) as {{ column }},
        {%- endfor %}
    from {{ ref('int_period_unit_deltas') }}
    group by all

),

{{ add_period_deltas(keys, period_fact_columns(), check_staged=true) }}

final as (

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        holding_unit_code,
        sector_code,
        {%- for column in period_fact_columns() %}
        cast({{ column }} as bigint) as {{ column }},
        {%- endfor %}
    from summed

)

select * from final
