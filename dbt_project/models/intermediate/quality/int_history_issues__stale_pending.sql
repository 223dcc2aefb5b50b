-- R11_stale_pending: a pending dossier past its due date that no submission has touched for more
-- than `r11_stale_days` (30) days, as of D: received, not resolved at D, due_date < D and
-- D - last_report_date > 30. One row per dossier. report_date = the date the dossier became stale,
-- greatest(due_date + 1, last_report_date + 31): the first date on which both held. It does not
-- move from night to night (the issue keeps its identity while the dossier stays stale) and is
-- always <= D; a later submission touching the dossier makes the issue disappear.
--
-- The gap is the ledger's that must carry the dossier at D: unit_code is the unit holding it at D
-- (macros/dossier_outcome.sql, holding_unit), received_unit_code the unit that received it (the
-- dossier's key in fct_dossier). After a succession's handover (docs/warehouse.md, "Successions")
-- a stale dossier of a predecessor is the successor's gap from the handover date on: its
-- report_date is then at least handover_date, and the predecessor's issue leaves dq_issues (an
-- abolished unit is owed nothing after its last day; the successor is told, in its feedback, which
-- predecessor received the dossier).
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
    pre_hook="{% set candidates = r11_candidates() %}{% if is_incremental() %}delete from {{ this }} where (received_unit_code, dossier_code) in (select (unit_code, dossier_code) from ({{ candidates }})){% endif %}",
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

handed as (

    select
        *,
        {{ holding_unit(as_of_date()) }} as holding_unit_code,
        handover_date <= {{ as_of_date() }} as is_handed_over,
    from dossiers

),

final as (

    select
        'R11_stale_pending' as rule_id,
        'warning' as severity,
        last_file_id as file_id,
        last_row_number as row_number,
        holding_unit_code as unit_code,
        greatest(
            due_date + 1,
            last_report_date + {{ stale_days + 1 }},
            if(is_handed_over, handover_date, null)
        ) as report_date,
        dossier_code,
        'Hồ sơ ' || dossier_code || ' quá hạn (hẹn trả ' || strftime(due_date, '%d/%m/%Y')
            || ') chưa được cập nhật từ sổ ngày ' || strftime(last_report_date, '%d/%m/%Y')
            || ' (quá {{ stale_days }} ngày)'
            || if(is_handed_over, '; hồ sơ do đơn vị ' || unit_code || ' tiếp nhận, chuyển giao ngày '
                || strftime(handover_date, '%d/%m/%Y'), '') as detail_vi,
        'Dossier ' || dossier_code || ' overdue (due ' || strftime(due_date, '%Y-%m-%d')
            || ') and not updated since the ledger of ' || strftime(last_report_date, '%Y-%m-%d')
            || ' (more than {{ stale_days }} days)'
            || if(is_handed_over, '; received by unit ' || unit_code || ', handed over on '
                || strftime(handover_date, '%Y-%m-%d'), '') as detail_en,
        'history' as source,
        unit_code as received_unit_code,
    from handed

)

select * from final
