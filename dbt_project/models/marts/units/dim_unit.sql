with

units as (

    select * from {{ ref('int_units_districted') }}

),

final as (

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
    from units

)

select * from final
