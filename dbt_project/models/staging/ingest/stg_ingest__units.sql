with

source as (

    select * from {{ source('ingest', 'ref_units') }}

),

renamed as (

    select
        unit_code,
        unit_name,
        lower(level) as level,
        parent_code,
        one_stop_since,
        valid_from,
        valid_to,

    from source

)

select * from renamed
