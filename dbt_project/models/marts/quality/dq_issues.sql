-- Every record-keeping gap as of D (record-keeping-gaps.md): one row per rule, unit, report date and
-- dossier (file-level R02/R05: one per file).
--
-- Incremental by `sync` (macros/sync.sql): a night computes every gap, as a full rebuild does, and
-- writes only the rows that are new or gone since the previous build.

{{ config(materialized='incremental', incremental_strategy='sync', on_schema_change='fail') }}

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
