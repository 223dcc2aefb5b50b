with

source as (

    select * from {{ source('ingest', 'ref_procedures') }}

),

renamed as (

    select
        procedure_code,
        procedure_name,
        sector_code,
        sector_name,
        level as procedure_level,
        statutory_days,
        inter_agency,

    from source

)

select * from renamed
