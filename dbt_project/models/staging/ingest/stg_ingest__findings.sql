with

source as (

    select * from {{ source('ingest', 'findings') }}

),

renamed as (

    select
        rule_id,
        severity,
        file_id,
        row_number,
        unit_code,
        report_date,
        dossier_code,
        detail_vi,
        detail_en,

    from source

)

select * from renamed
