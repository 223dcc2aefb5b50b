-- R11_stale_pending: a pending dossier past its due date that no submission has touched for more
-- than `r11_stale_days` (30) days, as of D: received, not resolved at D, due_date < D and
-- D - last_report_date > 30. One row per dossier. report_date = the date the dossier became stale,
-- greatest(due_date + 1, last_report_date + 31): the first date on which both held. It does not
-- move from night to night (the issue keeps its identity while the dossier stays stale) and is
-- always <= D; a later submission touching the dossier makes the issue disappear.
--
-- Incremental: a night rewrites only the dossiers whose membership can have changed since the
-- previous as-of date D0 (macros/stale_pending.sql, r11_candidates): those re-derived tonight, and
-- those whose resolution, due or last report date crosses its threshold between D0 and D. Every
-- other dossier's row (or absence) is the same at D as at D0.

{%- set stale_days = var('r11_stale_days', 30) %}

{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{% set candidates = r11_candidates() %}{% if is_incremental() %}delete from {{ this }} where (unit_code, dossier_code) in (select (unit_code, dossier_code) from ({{ candidates }})){% endif %}",
) }}

with

dossiers as (

    select * from {{ ref('int_dossiers_latest') }}
    where is_received
        {%- if is_incremental() %}
        and (unit_code, dossier_code) in (select (unit_code, dossier_code) from ({{ r11_candidates() }}))
        {%- endif %}
        and (resolution_date is null or resolution_date > {{ as_of_date() }})
        and due_date < {{ as_of_date() }}
        and last_report_date < {{ as_of_date() }} - {{ stale_days }}

),

final as (

    select
        'R11_stale_pending' as rule_id,
        'warning' as severity,
        last_file_id as file_id,
        last_row_number as row_number,
        unit_code,
        greatest(due_date + 1, last_report_date + {{ stale_days + 1 }}) as report_date,
        dossier_code,
        'Hồ sơ ' || dossier_code || ' quá hạn (hẹn trả ' || strftime(due_date, '%d/%m/%Y')
            || ') chưa được cập nhật từ sổ ngày ' || strftime(last_report_date, '%d/%m/%Y')
            || ' (quá {{ stale_days }} ngày)' as detail_vi,
        'Dossier ' || dossier_code || ' overdue (due ' || strftime(due_date, '%Y-%m-%d')
            || ') and not updated since the ledger of ' || strftime(last_report_date, '%Y-%m-%d')
            || ' (more than {{ stale_days }} days)' as detail_en,
        'history' as source,
    from dossiers

)

select * from final
