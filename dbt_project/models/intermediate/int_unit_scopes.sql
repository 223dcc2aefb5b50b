-- Which scopes each unit's dossiers count in: the province (every unit, departments included;
-- scope_code = the province row of the registry in force at D), its district (the district-level
-- unit itself and every commune under it) and the unit itself.

with

units as (

    select * from {{ ref('int_units_current') }}

),

dossier_units as (

    select distinct unit_code from {{ ref('int_dossiers_latest') }}

),

all_units as (

    select unit_code from units
    union
    select unit_code from dossier_units

),

province as (

    select unit_code as province_code
    from units
    where level = 'province'
    order by is_in_force desc, valid_from desc nulls last, unit_code
    limit 1

),

scopes as (

    select
        all_units.unit_code,
        'province' as scope_level,
        province.province_code as scope_code,
    from all_units
    cross join province

    union all

    select
        all_units.unit_code,
        'district' as scope_level,
        units.district_code as scope_code,
    from all_units
    inner join units
        on all_units.unit_code = units.unit_code
    where units.district_code is not null

    union all

    select
        unit_code,
        'unit' as scope_level,
        unit_code as scope_code,
    from all_units

)

select * from scopes
