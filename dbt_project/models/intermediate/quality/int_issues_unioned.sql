-- Every record-keeping gap as of D: findings of ingestion and validation (R02-R10) plus the history
-- checks computed in SQL (models listed in the project var `history_issue_models`, each with the
-- columns of int_history_issues__missing_submissions). A view: dq_issues materializes it once a
-- night and fct_dossier only counts it (hundreds of thousands of rows of text, copied twice a night
-- as a table).

{{ config(materialized='view', tags=['static']) }}

{%- set issue_columns = [
    'rule_id', 'severity', 'file_id', 'row_number', 'unit_code', 'report_date',
    'dossier_code', 'detail_vi', 'detail_en', 'source',
] %}

with

unioned as (

    select {{ issue_columns | join(', ') }}
    from {{ ref('int_findings_deduplicated') }}
    {%- for model_name in var('history_issue_models', []) %}

    union all

    select {{ issue_columns | join(', ') }}
    from {{ ref(model_name) }}
    {%- endfor %}

),

final as (

    select
        md5(concat_ws(
            '|',
            rule_id,
            coalesce(unit_code, ''),
            coalesce(cast(report_date as varchar), ''),
            coalesce(dossier_code, ''),
            case
                when rule_id in ('R02_unreadable_file', 'R05_unknown_reference')
                    and row_number is null then cast(file_id as varchar)
                else ''
            end
        )) as issue_id,
        *,
    from unioned

)

select * from final
