-- One row per unit version with its district: for a commune its parent district, for a district
-- itself, NULL for the province and departments. The district's name is taken from the district
-- version in force at the end of the unit version (or at D while the version is current).

with

units as (

    select * from {{ ref('stg_ingest__units') }}

),

district_codes as (

    select distinct unit_code from units where level = 'district'

),

-- a commune belongs to a district only while its parent is a district-level unit: since the
-- abolition of the district level (1 July 2025) commune versions have the province as parent
with_district_code as (

    select
        units.*,
        case
            when units.level = 'commune' and units.parent_code in (
                select unit_code from district_codes
            ) then units.parent_code
            when units.level = 'district' then units.unit_code
        end as district_code,
        least(coalesce(units.valid_to, {{ as_of_date() }}), {{ as_of_date() }}) as name_date,
    from units

),

districts as (

    select
        unit_code,
        unit_name,
        valid_from,
    from units
    where level = 'district'

),

named as (

    select
        u.unit_code,
        u.unit_name,
        u.level,
        u.parent_code,
        u.district_code,
        d.unit_name as district_name,
        u.one_stop_since,
        u.valid_from,
        u.valid_to,
    from with_district_code as u
    left join districts as d
        on u.district_code = d.unit_code
    qualify row_number() over (
        partition by u.unit_code, u.valid_from, u.valid_to
        order by
            coalesce(d.valid_from, date '1900-01-01') <= u.name_date desc,
            d.valid_from desc nulls last
    ) = 1

)

select * from named
