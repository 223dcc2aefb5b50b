-- The periods the period facts held before this build (staged by prepare_build from the copy of
-- the published warehouse's int_period_unit_counts). Empty on a full rebuild.

with

source as (

    select * from {{ source('build', 'build_periods_before') }}

),

renamed as (

    select
        period_type,
        period_start,

    from source

)

select * from renamed
