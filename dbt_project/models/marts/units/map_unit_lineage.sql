-- The members of every lineage scope (scope_level 'unit_lineage' of ind_cohort,
-- ind_progress_score and ind_service_measures; docs/warehouse.md, "A successor with its
-- predecessors"): one row per (lineage_code, unit_code), the successor itself (steps = 0) and each
-- unit whose chain of successions leads to it without an `abolish` step, for the successors that
-- have at least one such predecessor. A predecessor of a split is a member of each successor's
-- lineage: lineages overlap, so their figures are never summed across lineage scopes.

with

chains as (

    select * from {{ ref('int_unit_lineage') }}
    where is_lineage_member

),

names as (

    select * from {{ ref('int_units_current') }}

),

final as (

    select
        chains.successor_unit_code as lineage_code,
        successor.unit_name as lineage_name,
        chains.unit_code,
        member.unit_name,
        chains.steps,
        chains.effective_date as successor_since,
        chains.succession_kinds,
    from chains
    left join names as successor
        on chains.successor_unit_code = successor.unit_code
    left join names as member
        on chains.unit_code = member.unit_code

)

select * from final
