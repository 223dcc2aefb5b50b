-- Every unit code of the registry (and of the successions) with its latest successor(s) as of D,
-- following successions transitively (A merged into B, B renamed C: A → C in 2 steps; a unit
-- without successor: itself, steps = 0; a split: one row per latest successor). When two chains
-- lead to the same successor, steps, effective_date and succession_kinds are the shortest's (then
-- the latest's). map_unit_successor names the successors; int_unit_scopes and map_unit_lineage take
-- the lineage scopes from `is_lineage_member`.
--
-- A successor "with its predecessors" (scope_level 'unit_lineage', docs/warehouse.md): the units
-- whose chain to the successor has no `abolish` step (an abolished district is not a predecessor
-- of the ward at its seat: its own dossiers are not a commune's history), the successor itself
-- included, for a successor that has at least one such predecessor (steps >= 1). A predecessor of
-- a split is a member of each of its successors' lineages: lineages overlap and are never summed.
-- The lineages change only when a succession takes effect (the old unit's version then ends, the
-- day before: the period marts redo every period that night) or when
-- reference/unit_successions.csv changes (a full rebuild).

with recursive

-- a unit that keeps its code across a succession (a new unit taking one predecessor's code, a
-- unit kept whole under a new parent) has a row to itself: not a step of the chain
successions as (

    select * from {{ ref('int_unit_successions') }}
    where old_unit_code <> successor_unit_code

),

codes as (

    select unit_code from {{ ref('stg_ingest__units') }}
    union
    select old_unit_code from successions
    union
    select successor_unit_code from successions

),

chain(unit_code, successor_unit_code, steps, effective_date, kinds) as (

    select
        unit_code,
        unit_code,
        0,
        cast(null as date),
        cast('' as varchar),
    from codes

    union all

    select
        chain.unit_code,
        successions.successor_unit_code,
        chain.steps + 1,
        successions.effective_date,
        chain.kinds || if(chain.steps = 0, '', '>') || successions.kind,
    from chain
    inner join successions
        on chain.successor_unit_code = successions.old_unit_code
    where chain.steps < 20

),

latest as (

    select
        unit_code,
        successor_unit_code,
        cast(steps as integer) as steps,
        effective_date,
        nullif(kinds, '') as succession_kinds,
        coalesce(kinds, '') not like '%abolish%' as is_comparable,
    from chain
    where not exists (
        select 1
        from successions
        where successions.old_unit_code = chain.successor_unit_code
    )

),

-- a unit is in the successor's lineage when one of its chains to it has no `abolish` step
pairs as (

    select
        *,
        bool_or(is_comparable) over (partition by unit_code, successor_unit_code)
            as has_comparable_chain,
    from latest
    qualify row_number() over (
        partition by unit_code, successor_unit_code
        order by steps, effective_date desc
    ) = 1

),

final as (

    select
        unit_code,
        successor_unit_code,
        steps,
        effective_date,
        succession_kinds,
        has_comparable_chain
        and bool_or(steps >= 1 and has_comparable_chain) over (partition by successor_unit_code)
            as is_lineage_member,
    from pairs

)

select * from final
