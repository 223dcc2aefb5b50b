-- The dossiers this build re-derives (raw.build_changes): all their states, derived again from all
-- their used rows, as int_dossier_states will hold them (macros/dossier_states.sql). On an
-- incremental night int_dossier_states appends these rows, and the models derived from one
-- dossier's own history (int_dossiers_latest, R12, R14) read them here instead of picking them out
-- of the whole history (macros/rederived_dossiers.sql: dossier_states_to_derive). Empty on a full
-- rebuild, whose build_changes is empty (docs/warehouse-incremental.md).

{{ config(materialized='table') }}

{{ dossier_states(changed_dossiers_filter('where')) }}
