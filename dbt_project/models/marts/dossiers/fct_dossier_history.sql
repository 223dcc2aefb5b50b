-- The dossier history, published: int_dossier_states as it is (one row per dossier and report
-- date; see that model), as a view, so that the ten million states are stored once. Its SQL does
-- not depend on the night: built on full rebuilds only (tag static).

{{ config(materialized='view', tags=['static']) }}

select * from {{ ref('int_dossier_states') }}
