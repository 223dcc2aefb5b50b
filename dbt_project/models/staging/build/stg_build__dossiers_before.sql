-- The dossiers of raw.build_changes as int_dossiers_latest held them before this build (staged by
-- prepare_build from the copy of the published warehouse). Empty on a full rebuild.

with

source as (

    select * from {{ source('build', 'build_dossiers_before') }}

),

renamed as (

    select
        unit_code,
        dossier_code,
        sector_code,
        channel,
        received_date,
        due_date,
        rescheduled_due_date,
        resolution_date,
        resolution_class,
        is_received,
        is_withdrawn,
        handover_date,
        handover_unit_code,

    from source

)

select * from renamed
