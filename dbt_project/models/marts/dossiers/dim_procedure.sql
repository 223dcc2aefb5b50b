{{ config(tags=['static']) }}

with

procedures as (

    select * from {{ ref('stg_ingest__procedures') }}

),

final as (

    select
        procedure_code,
        procedure_name,
        sector_code,
        sector_name,
        procedure_level,
        statutory_days,
        inter_agency,
    from procedures

)

select * from final
