-- The dossiers this build re-derives (raw.build_changes) as int_dossiers_latest held them before
-- the build: what they had put into the period facts, which int_period_unit_deltas takes back.
-- prepare_build copies them from the previous build's int_dossiers_latest before dbt rewrites it
-- (stg_build__dossiers_before); empty on a full rebuild, where the period facts start afresh.
-- A view: its SQL does not depend on the night (tag static).

{{ config(materialized='view', tags=['static']) }}

select * from {{ ref('stg_build__dossiers_before') }}
