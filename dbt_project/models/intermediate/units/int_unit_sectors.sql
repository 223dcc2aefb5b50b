-- Every (unit, sector) that has received at least one dossier up to the as-of date, or holds one
-- a predecessor received (its successor from the handover on: int_dossiers_latest), plus
-- (unit, 'ALL'): the rows the indicator marts emit for every period (zeros allowed).

with

received_dossiers as (

    select
        unit_code,
        sector_code,
    from {{ ref('int_dossiers_latest') }}
    where is_received
        and received_date <= {{ as_of_date() }}

    union all

    select
        handover_unit_code,
        sector_code,
    from {{ ref('int_dossiers_latest') }}
    where is_received
        and handover_date <= {{ as_of_date() }}

)

select unit_code, sector_code from received_dossiers where sector_code is not null
union
select unit_code, 'ALL' from received_dossiers
