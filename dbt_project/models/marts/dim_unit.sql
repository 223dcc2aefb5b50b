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
        coalesce(valid_from, date '1900-01-01') <= {{ as_of_date() }}
            and coalesce(valid_to, date '9999-12-31') >= {{ as_of_date() }} as is_in_force,
    from units

)

select * from final
