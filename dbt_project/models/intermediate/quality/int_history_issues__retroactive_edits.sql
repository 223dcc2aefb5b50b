-- R12_retroactive_edit: a later submission changes the received date or the due date of a dossier
-- already on record. Compared state to state in the dossier history (int_dossier_states: the state
-- of each report date against the one of the previous report date), so a dossier duplicated inside
-- one submission (R06) is not an edit. A date that was empty before (or becomes empty: that is R03)
-- is not an edit. One row per dossier and submission that changed it; report_date = that
-- submission's report date.

-- The gap is the ledger's that carries the submission: unit_code is the unit whose file holds the
-- row (a successor's, on a dossier it carries on for a predecessor: docs/warehouse.md,
-- "Successions"), received_unit_code the unit that received the dossier (its key).

-- Incremental like int_dossier_states (a dossier's findings depend on its own history only): only
-- the dossiers of raw.build_changes are re-derived, from their states in
-- int_dossier_states_rederived.

{{ rederived_dossiers_config(unit_column='received_unit_code') }}

with

-- The dossier states it derives from (dossier_states_to_derive, macros/rederived_dossiers.sql):
-- those re-derived tonight on an incremental night, the whole history on a full rebuild.
rederived_states as (

    select * from {{ ref('int_dossier_states_rederived') }}

),

all_states as (

    select * from {{ ref('int_dossier_states') }}

),

states as (

    select * from {{ dossier_states_to_derive() }}
    where previous_report_date is not null
        and report_date <= {{ as_of_date() }}

),

edits as (

    select
        *,
        received_date <> previous_received_date as received_changed,
        due_date <> previous_due_date as due_changed,
    from states
    where received_date <> previous_received_date
        or due_date <> previous_due_date

),

final as (

    select
        'R12_retroactive_edit' as rule_id,
        'error' as severity,
        file_id,
        row_number,
        reporting_unit_code as unit_code,
        report_date,
        dossier_code,
        'Hồ sơ ' || dossier_code || ' bị sửa lùi: '
            || concat_ws(
                '; ',
                if(received_changed, 'ngày tiếp nhận ' || strftime(previous_received_date, '%d/%m/%Y')
                    || ' → ' || strftime(received_date, '%d/%m/%Y'), null),
                if(due_changed, 'ngày hẹn trả ' || strftime(previous_due_date, '%d/%m/%Y')
                    || ' → ' || strftime(due_date, '%d/%m/%Y'), null)
            )
            || ' (sổ ngày ' || strftime(previous_report_date, '%d/%m/%Y') || ' → '
            || strftime(report_date, '%d/%m/%Y') || ')' as detail_vi,
        'Dossier ' || dossier_code || ' edited retroactively: '
            || concat_ws(
                '; ',
                if(received_changed, 'received date ' || strftime(previous_received_date, '%Y-%m-%d')
                    || ' → ' || strftime(received_date, '%Y-%m-%d'), null),
                if(due_changed, 'due date ' || strftime(previous_due_date, '%Y-%m-%d')
                    || ' → ' || strftime(due_date, '%Y-%m-%d'), null)
            )
            || ' (ledger of ' || strftime(previous_report_date, '%Y-%m-%d') || ' → '
            || strftime(report_date, '%Y-%m-%d') || ')' as detail_en,
        'history' as source,
        unit_code as received_unit_code,
    from edits

)

select * from final
