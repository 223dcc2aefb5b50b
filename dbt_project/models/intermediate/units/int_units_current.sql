-- One row per unit code: the version in force at D, else its latest version. Gives each unit the
-- district it belongs to for the scopes of the indicators.

with

versions as (

    select * from {{ ref('int_units_districted') }}

),

current_version as (

    select
        unit_code,
        unit_name,
        level,
        parent_code,
        district_code,
        district_name,
        one_stop_since,
        valid_from,
        valid_to,
        {{ is_in_force() }} as is_in_force,
    from versions
    qualify row_number() over (
        partition by unit_code
        order by is_in_force desc, valid_from desc nulls last
    ) = 1

)

select * from current_version
