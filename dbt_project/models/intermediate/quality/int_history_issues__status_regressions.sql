-- R14_status_regression: a dossier's status moves backwards from one report date to the next, by
-- the status order of int_dossier_states.status_rank: 1 registered < 2 accepted < 4, 5, 6, 8 (in
-- process, waiting for documents or fees, stopped: moving between them is not a regression) < 9
-- result ready < 10 returned, 3 refused, 7 withdrawn (final). E.g. 10 -> 4, 9 -> 5, 7 -> 4, 4 -> 2.
-- One row per dossier and submission that moved it back; report_date = that submission's.

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
        and status_rank < previous_status_rank

),

final as (

    select
        'R14_status_regression' as rule_id,
        'warning' as severity,
        file_id,
        row_number,
        reporting_unit_code as unit_code,
        report_date,
        dossier_code,
        'Hồ sơ ' || dossier_code || ' lùi trạng thái ' || previous_status_code || ' → '
            || status_code || ' (sổ ngày ' || strftime(previous_report_date, '%d/%m/%Y') || ' → '
            || strftime(report_date, '%d/%m/%Y') || ')' as detail_vi,
        'Dossier ' || dossier_code || ' status moved backwards ' || previous_status_code || ' → '
            || status_code || ' (ledger of ' || strftime(previous_report_date, '%Y-%m-%d') || ' → '
            || strftime(report_date, '%Y-%m-%d') || ')' as detail_en,
        'history' as source,
        unit_code as received_unit_code,
    from states

)

select * from final
