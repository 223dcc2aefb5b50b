-- Every unit code of the registry (and of the successions) mapped to its latest successor(s) as of
-- D, following successions transitively (A merged into B, B renamed C: A → C in 2 steps). A unit
-- without successor maps to itself (steps = 0), so analysts can always join dossiers or indicators
-- through this table to compare a commune's history across a merger. A split gives one row per
-- latest successor. The chains are int_unit_lineage's (of two chains to the same successor, the
-- shortest, then the latest).

with

chains as (

    select * from {{ ref('int_unit_lineage') }}

),

names as (

    select * from {{ ref('int_units_current') }}

),

final as (

    select
        chains.unit_code,
        chains.successor_unit_code,
        names.unit_name as successor_unit_name,
        names.district_code as successor_district_code,
        chains.steps,
        chains.effective_date as successor_since,
        chains.succession_kinds,
    from chains
    left join names
        on chains.successor_unit_code = names.unit_code

)

select * from final
