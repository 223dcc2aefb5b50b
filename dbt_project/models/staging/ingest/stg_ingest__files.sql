with

source as (

    select * from {{ source('ingest', 'files') }}

),

renamed as (

    select
        file_id,
        landing_path,
        unit_code,
        report_date,
        ext,
        sha256,
        size_bytes,
        archive_path,
        arrived_at,
        load_id,
        rows_read,
        status as file_status,
        reason_code,
        reason,
        format,

    from source

)

select * from renamed
