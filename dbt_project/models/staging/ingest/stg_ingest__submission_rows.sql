with

source as (

    select * from {{ source('ingest', 'submission_rows') }}

),

renamed as (

    select
        file_id,
        row_number,
        unit_code,
        report_date,
        load_id,
        dossier_code,
        procedure_code,
        procedure_name,
        sector as sector_raw,
        channel_raw,
        channel_code,
        status_raw,
        status_code,
        received_at_raw,
        received_date,
        due_at_raw,
        due_date,
        rescheduled_due_at_raw,
        rescheduled_due_date,
        finished_at_raw,
        finished_date,
        returned_at_raw,
        returned_date,
        handling_agency,
        notes,

    from source

)

select * from renamed
