-- The builds that went into this build file, newest last (raw.build_runs, written by
-- prepare_build): this build's own row is the newest, the previous build's the one before.

with

source as (

    select * from {{ source('build', 'build_runs') }}

),

renamed as (

    select
        built_at,
        report_date,
        full_refresh,
        max_file_id,

    from source

)

select * from renamed
