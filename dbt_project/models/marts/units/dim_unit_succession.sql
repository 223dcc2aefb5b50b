-- One row per direct succession between unit codes that took effect by D: old unit → successor,
-- effective date, kind (merge, split, rename, abolish), with the names of the predecessor's last
-- version and the successor's first version.

with

successions as (

    select * from {{ ref('int_unit_successions') }}

),

versions as (

    select * from {{ ref('int_units_districted') }}

),

old_version as (

    select *
    from versions
    qualify row_number() over (partition by unit_code order by valid_from desc nulls last) = 1

),

new_version as (

    select *
    from versions
    qualify row_number() over (partition by unit_code order by valid_from nulls first) = 1

),

final as (

    select
        successions.old_unit_code,
        old_version.unit_name as old_unit_name,
        successions.successor_unit_code,
        new_version.unit_name as successor_unit_name,
        successions.effective_date,
        successions.kind,
        coalesce(old_version.district_code, new_version.district_code) as district_code,
        successions.note,
    from successions
    left join old_version
        on successions.old_unit_code = old_version.unit_code
    left join new_version
        on successions.successor_unit_code = new_version.unit_code

)

select * from final
