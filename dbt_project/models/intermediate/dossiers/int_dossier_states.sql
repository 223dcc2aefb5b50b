-- The dossier history (published as marts.fct_dossier_history): every state each dossier has been
-- reported in, one row per (unit_code, dossier_code, report_date): the last used row of that report date (greatest file_id, then
-- row_number; a re-sent file replaces the earlier one, a duplicated dossier in one submission
-- counts once), with the state reported for the previous report date and what changed. The
-- intermediate models of the latest state (int_dossiers_latest), R12 and R14 read it on a full
-- rebuild.
--
-- Incremental: prepare_build writes raw.build_changes, the dossiers with rows in files new to this
-- build or in files that stopped counting (loaded -> replaced). Their states are deleted (pre-hook)
-- and appended from int_dossier_states_rederived, which derives them again from all their used
-- rows; every other dossier's history is kept as it is. `dbt build --full-refresh` derives every
-- dossier (docs/warehouse-incremental.md). The SQL is macros/dossier_states.sql.
--
-- status_rank orders the statuses for R14 (status regression): 1 registered < 2 accepted <
-- 4, 5, 6, 8 (in process, waiting for documents or fees, stopped: same rank, they alternate
-- legitimately) < 9 result ready < 10 returned = 3 refused = 7 withdrawn (final).

{{ rederived_dossiers_config(on_schema_change='fail') }}

with

-- tonight's re-derived dossiers, appended on an incremental night
rederived_states as (

    select * from {{ ref('int_dossier_states_rederived') }}

)

{% if is_incremental() %}
select * from rederived_states
{% else %}
-- a full rebuild derives every dossier
select * from (
    {{ dossier_states() }}
)
{% endif %}
