with

source as (

    select * from {{ source('ingest', 'ref_unit_successions') }}

),

renamed as (

    select
        cast(old_unit_code as varchar) as old_unit_code,
        cast(successor_unit_code as varchar) as successor_unit_code,
        cast(effective_date as date) as effective_date,
        lower(cast(kind as varchar)) as kind,
        cast(note as varchar) as note,

    from source

)

select * from renamed
