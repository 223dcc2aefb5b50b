-- Direct successions between unit codes (merge, split, rename, and `abolish` for a district-level
-- unit whose communes pass to the province, 1 July 2025): the province's reference/unit_successions.csv
-- (stg_ingest__unit_successions), restricted to successions that took effect by D and whose two
-- units are in the registry (units.csv) from a date on or before D: a successor not yet in force,
-- or unknown to the registry, is not a successor.

with

successions as (

    select * from {{ ref('stg_ingest__unit_successions') }}

),

registry as (

    select distinct unit_code
    from {{ ref('stg_ingest__units') }}
    where coalesce(valid_from, date '1900-01-01') <= {{ as_of_date() }}

),

final as (

    select
        cast(old_unit_code as varchar) as old_unit_code,
        cast(successor_unit_code as varchar) as successor_unit_code,
        cast(effective_date as date) as effective_date,
        cast(kind as varchar) as kind,
        cast(note as varchar) as note,
    from successions
    where cast(effective_date as date) <= {{ as_of_date() }}
        and cast(successor_unit_code as varchar) in (select unit_code from registry)
        and cast(old_unit_code as varchar) in (select unit_code from registry)

)

select * from final
