-- Every unit code of the registry (and of the successions) mapped to its latest successor(s) as of
-- D, following successions transitively (A merged into B, B renamed C: A → C in 2 steps). A unit
-- without successor maps to itself (steps = 0), so analysts can always join dossiers or indicators
-- through this table to compare a commune's history across a merger. A split gives one row per
-- latest successor.

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

    select *
    from chain
    where not exists (
        select 1
        from successions
        where successions.old_unit_code = chain.successor_unit_code
    )

),

names as (

    select * from {{ ref('int_units_current') }}

),

final as (

    select
        latest.unit_code,
        latest.successor_unit_code,
        names.unit_name as successor_unit_name,
        names.district_code as successor_district_code,
        cast(latest.steps as integer) as steps,
        latest.effective_date as successor_since,
        nullif(latest.kinds, '') as succession_kinds,
    from latest
    left join names
        on latest.successor_unit_code = names.unit_code
    qualify row_number() over (
        partition by latest.unit_code, latest.successor_unit_code
        order by latest.steps, latest.effective_date desc
    ) = 1

)

select * from final
