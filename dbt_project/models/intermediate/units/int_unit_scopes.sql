-- Which scopes each unit's dossiers count in: the province (every unit, departments included;
-- scope_code = the province row of the registry in force at D), its district (the district-level
-- unit itself and every commune under it), the unit itself and, for a unit that is a successor with
-- predecessors or one of them, the successor's lineage (scope_level 'unit_lineage', scope_code =
-- the latest successor; int_unit_lineage). A unit code is one unit version line: a merger gives the
-- successor a new code, so the predecessor's dossiers stay in its own unit scope and count in the
-- successor's lineage scope too. Lineages overlap (a predecessor of a split is in each successor's
-- lineage): lineage rows are never summed across scopes; the province is the sum of the units.

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

-- the district of the unit's latest version that had one (the version in force at D first): a
-- merged-away commune keeps its district, and a commune's dossiers from before the abolition of the
-- district level (1 July 2025) still roll up into the district it then belonged to
unit_districts as (

    select
        unit_code,
        district_code,
    from {{ ref('int_units_districted') }}
    where district_code is not null
    qualify row_number() over (
        partition by unit_code
        order by
            {{ is_in_force() }} desc,
            valid_from desc nulls last
    ) = 1

),

-- the successors with their predecessors (abolished districts left out)
lineages as (

    select distinct
        unit_code,
        successor_unit_code as lineage_code,
    from {{ ref('int_unit_lineage') }}
    where is_lineage_member

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
        unit_districts.district_code as scope_code,
    from all_units
    inner join unit_districts
        on all_units.unit_code = unit_districts.unit_code

    union all

    select
        unit_code,
        'unit' as scope_level,
        unit_code as scope_code,
    from all_units

    union all

    select
        all_units.unit_code,
        'unit_lineage' as scope_level,
        lineages.lineage_code as scope_code,
    from all_units
    inner join lineages
        on all_units.unit_code = lineages.unit_code

)

select * from scopes
