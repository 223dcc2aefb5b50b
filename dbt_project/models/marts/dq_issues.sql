-- Every record-keeping gap as of D (record-keeping-gaps.md): one row per rule, unit, report date and
-- dossier (file-level R02/R05: one per file).

with

issues as (

    select * from {{ ref('int_issues_unioned') }}

),

final as (

    select
        issue_id,
        rule_id,
        severity,
        unit_code,
        report_date,
        dossier_code,
        detail_vi,
        detail_en,
        file_id,
        row_number,
        source,
    from issues

)

select * from final
