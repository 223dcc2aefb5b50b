with

dossiers as (

    select * from {{ ref('int_dossiers_latest') }}

),

units as (

    select * from {{ ref('int_units_current') }}

),

issue_counts as (

    select
        unit_code,
        dossier_code,
        count(*) as issue_count,
    from {{ ref('int_issues_unioned') }}
    where dossier_code is not null
    group by unit_code, dossier_code

),

final as (

    select
        dossiers.unit_code,
        dossiers.dossier_code,
        units.district_code,
        dossiers.procedure_code,
        dossiers.sector_code,
        dossiers.sector_raw as sector_reported,
        dossiers.channel,
        dossiers.received_date,
        dossiers.due_date,
        dossiers.rescheduled_due_date,
        dossiers.finished_date,
        dossiers.returned_date,
        dossiers.status_code,
        dossiers.first_report_date,
        dossiers.last_report_date,
        dossiers.last_file_id,
        dossiers.last_row_number,
        dossiers.submission_count,
        dossiers.withdrawn_date,
        dossiers.resolution_date,
        dossiers.is_received,
        dossiers.is_resolved,
        dossiers.is_withdrawn,
        {{ dossier_outcome(as_of_date(), 'dossiers.') }} as outcome,
        coalesce(issue_counts.issue_count, 0) as issue_count,
        {{ as_of_date() }} as as_of_date,
    from dossiers
    left join units
        on dossiers.unit_code = units.unit_code
    left join issue_counts
        on dossiers.unit_code = issue_counts.unit_code
        and dossiers.dossier_code = issue_counts.dossier_code

)

select * from final
