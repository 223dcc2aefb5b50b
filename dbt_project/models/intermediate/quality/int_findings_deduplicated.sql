-- Findings of ingestion (R02, R05 of quarantined files) and of the Great Expectations suites
-- (R03-R10) that still count as of D: findings of `loaded` and `quarantined` files (never of
-- replaced or duplicate ones) with report_date <= D (a quarantined file's unreadable report date
-- stays NULL and is kept). One row per rule, unit, report date and dossier; file-level R02/R05
-- findings keep one row per file.

with

findings as (

    select * from {{ ref('stg_ingest__findings') }}

),

files as (

    select * from {{ ref('stg_ingest__files') }}

),

scoped as (

    select
        findings.rule_id,
        findings.severity,
        findings.file_id,
        findings.row_number,
        coalesce(findings.unit_code, files.unit_code) as unit_code,
        coalesce(findings.report_date, files.report_date) as report_date,
        findings.dossier_code,
        findings.detail_vi,
        findings.detail_en,
        case
            when files.file_status = 'quarantined'
                or findings.rule_id = 'R02_unreadable_file' then 'ingestion'
            else 'validation'
        end as source,
        findings.rule_id in ('R02_unreadable_file', 'R05_unknown_reference')
            and findings.row_number is null as is_file_level,
    from findings
    left join files
        on findings.file_id = files.file_id
    where (files.file_id is null or files.file_status in ('loaded', 'quarantined'))
        and (
            coalesce(findings.report_date, files.report_date) is null
            or coalesce(findings.report_date, files.report_date) <= {{ as_of_date() }}
        )

),

deduplicated as (

    select *
    from scoped
    qualify row_number() over (
        partition by
            rule_id,
            unit_code,
            report_date,
            dossier_code,
            if(is_file_level, file_id, null)
        order by file_id, row_number nulls first
    ) = 1

),

final as (

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
        source,
    from deduplicated

)

select * from final
