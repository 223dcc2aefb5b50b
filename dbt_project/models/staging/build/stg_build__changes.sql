-- The dossiers this build re-derives (raw.build_changes, written by prepare_build): rows new to
-- this build or in a file that stopped counting. Empty on a full rebuild.

with

source as (

    select * from {{ source('build', 'build_changes') }}

),

renamed as (

    select
        unit_code,
        dossier_code,

    from source

)

select * from renamed
