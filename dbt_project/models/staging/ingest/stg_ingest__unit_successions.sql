with

source as (

    select * from {{ source('ingest', 'ref_unit_successions') }}

),

renamed as (

    select
        old_unit_code,
        successor_unit_code,
        effective_date,
        lower(kind) as kind,
        note,

    from source

)

select * from renamed
