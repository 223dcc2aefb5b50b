{#-
    The night each file counts from in the gap lifecycle (marts.dq_gap_status): the night whose
    run took it in, read from the ingestion manifest, not from how many times nights were run.

    A file covers its report date and arrives at `arrived_at` (its landing modification time): it
    is taken in by the night of its report date, or by the night of the day it arrived when that
    is later (a late file, a corrected re-send). That night is never later than the night of the
    ingestion run (`load_id`) that took it in, read as the latest report date among the files of
    that run and the runs before it: a file copied into landing/ long after its night (a backfill,
    a drill) counts from the night that took it in. Files whose path carries no report date count
    from that night or the day they arrived.

    A view tagged `static`: its SQL does not depend on the as-of date (dq_gap_status keeps the
    files up to D).
-#}

{{ config(materialized='view', tags=['static']) }}

with

files as (

    select * from {{ ref('stg_ingest__files') }}

),

loads as (

    select
        load_id,
        min(file_id) as first_file_id,
        max(report_date) as max_report_date,
    from files
    group by load_id

),

load_nights as (

    select
        load_id,
        max(max_report_date) over (
            order by first_file_id rows between unbounded preceding and current row
        ) as load_night,
    from loads

),

final as (

    select
        files.file_id,
        files.unit_code,
        files.report_date,
        files.file_status,
        coalesce(
            least(
                greatest(files.report_date, cast(files.arrived_at as date)),
                load_nights.load_night
            ),
            files.report_date,
            cast(files.arrived_at as date)
        ) as arrival_night,
    from files
    left join load_nights
        on files.load_id = load_nights.load_id

)

select * from final
