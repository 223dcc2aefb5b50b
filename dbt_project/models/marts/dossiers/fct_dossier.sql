-- One row per (unit_code, dossier_code): its latest known state (int_dossiers_latest), district,
-- outcome as of D and number of dq_issues rows about it (those of a successor's ledger on it
-- included: successor_keys). unit_code is the unit that received the dossier;
-- after a succession's handover (submission-contract.md) holding_unit_code is its successor from
-- handover_date on, and last_reporting_unit_code the unit whose ledger reported its latest state.
--
-- Incremental (docs/warehouse-incremental.md): a night rewrites only the dossiers whose row can
-- differ from last night's: those re-derived tonight (raw.build_changes), those whose outcome
-- moves with D (pending within the deadline and now past it, or resolved by D), those handed over
-- to a successor since last night, those whose issue count changed and those of a unit whose
-- district changed; a re-derived dossier that no longer
-- has any row (its only file was replaced by one without it) is deleted, and as_of_date is then
-- set to D on every row. A full rebuild computes every row.

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['unit_code', 'dossier_code'],
    on_schema_change='fail',
    post_hook=[
        "{% set changes = ref('stg_build__changes') %}{% if is_incremental() %}delete from {{ this }} where (unit_code, dossier_code) in (select (unit_code, dossier_code) from {{ changes }} anti join {{ ref('int_dossiers_latest') }} using (unit_code, dossier_code)){% endif %}",
        "update {{ this }} set as_of_date = {{ as_of_date() }} where as_of_date <> {{ as_of_date() }}",
    ],
) }}

with

units as (

    select * from {{ ref('int_units_current') }}

),

-- Where a successor's gap on a predecessor's dossier counts: dq_issues keys a gap by the ledger that
-- has it, so a finding on a successor's row that carries on a predecessor's dossier (reported
-- under the predecessor's code: int_dossier_states.reporting_unit_code), and R11 on a dossier
-- handed over to it (the holder's gap), are keyed (successor, dossier_code). Each such key maps
-- to the dossier it is about, unless the successor has a dossier of its own under that code (if
-- several predecessors used the code, the lowest unit code, as in macros/submission_rows_used.sql).
successor_keys as (

    select
        keys.issue_unit_code,
        keys.dossier_code,
        min(keys.unit_code) as unit_code,
    from (
        select reporting_unit_code as issue_unit_code, dossier_code, unit_code
        from {{ ref('int_dossier_states') }}
        where reporting_unit_code <> unit_code

        union all

        select handover_unit_code, dossier_code, unit_code
        from {{ ref('int_dossiers_latest') }}
        where handover_unit_code is not null
    ) as keys
    anti join {{ ref('int_dossiers_latest') }} as own
        on own.unit_code = keys.issue_unit_code
        and own.dossier_code = keys.dossier_code
    group by all

),

-- the dq_issues rows about each dossier, under the dossier's key (successor_keys)
issue_counts as (

    select
        coalesce(successor_keys.unit_code, issues.unit_code) as unit_code,
        issues.dossier_code,
        count(*) as issue_count,
    from {{ ref('int_issues_unioned') }} as issues
    left join successor_keys
        on issues.unit_code = successor_keys.issue_unit_code
        and issues.dossier_code = successor_keys.dossier_code
    where issues.dossier_code is not null
    group by all

),

{%- if is_incremental() %}

redo as (

    select unit_code, dossier_code from {{ ref('stg_build__changes') }}

    union

    -- the outcome moves with D: pending within the deadline and now past it, or resolved by D
    select unit_code, dossier_code from {{ this }}
    where (outcome = 'pending_within' and due_date < {{ as_of_date() }})
        or (outcome in ('pending_within', 'pending_overdue') and resolution_date <= {{ as_of_date() }})
        -- handed over to a successor since last night
        or (handover_date <= {{ as_of_date() }} and holding_unit_code = unit_code)

    union

    select
        coalesce(cur.unit_code, prev.unit_code),
        coalesce(cur.dossier_code, prev.dossier_code),
    from issue_counts as cur
    full join (select * from {{ this }} where issue_count > 0) as prev
        on cur.unit_code = prev.unit_code
        and cur.dossier_code = prev.dossier_code
    where cur.issue_count is distinct from prev.issue_count

    union

    select this_rows.unit_code, this_rows.dossier_code
    from {{ this }} as this_rows
    where this_rows.unit_code in (
        select prev.unit_code
        from (select distinct unit_code, district_code from {{ this }}) as prev
        left join units
            on prev.unit_code = units.unit_code
        where prev.district_code is distinct from units.district_code
    )

),

dossiers as (

    select * from {{ ref('int_dossiers_latest') }}
    where (unit_code, dossier_code) in (select (unit_code, dossier_code) from redo)

),

{%- else %}

dossiers as (

    select * from {{ ref('int_dossiers_latest') }}

),

{%- endif %}

final as (

    select
        dossiers.unit_code,
        dossiers.dossier_code,
        units.district_code,
        {{ holding_unit(as_of_date(), 'dossiers.') }} as holding_unit_code,
        dossiers.handover_date,
        dossiers.last_reporting_unit_code,
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
