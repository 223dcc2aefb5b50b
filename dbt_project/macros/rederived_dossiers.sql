{#-
    The models that hold one dossier's rows derived from its own history only (the history, its
    latest state, processing time, R12, R14) are incremental the same way: prepare_build writes
    raw.build_changes (stg_build__changes), the dossiers with rows new to this build or in a file
    that stopped counting; a night deletes their rows (pre-hook) and appends them derived again
    from all their rows (docs/warehouse-incremental.md). Call rederived_dossiers_config() first in
    the model and put only_changed_dossiers() in the `where` of its input, or read the states
    dossier_states_to_derive() names.
-#}
{#- `unit_column` names the model's column that holds the dossier's key unit (the unit that
    received it): `unit_code`, or `received_unit_code` in a gap model whose unit_code is the unit
    whose ledger has the gap. -#}
{% macro rederived_dossiers_config(on_schema_change='ignore', unit_column='unit_code') -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change=on_schema_change,
        pre_hook="{% set changes = ref('stg_build__changes') %}{% if is_incremental() %}delete from {{ this }} where (" ~ unit_column ~ ", dossier_code) in (select (unit_code, dossier_code) from {{ changes }}){% endif %}",
    ) }}
{%- endmacro %}


{#- Keeps the dossiers of stg_build__changes. `glue` is 'where' or 'and'. -#}
{% macro changed_dossiers_filter(glue='and') -%}
    {{ glue }} (unit_code, dossier_code) in (
        select (unit_code, dossier_code) from {{ ref('stg_build__changes') }}
    )
{%- endmacro %}


{#- Keeps the dossiers of stg_build__changes on an incremental night; nothing on a full rebuild. -#}
{% macro only_changed_dossiers(glue='and') -%}
    {%- if is_incremental() %}
    {{ changed_dossiers_filter(glue) }}
    {%- endif %}
{%- endmacro %}


{#- The name of the import CTE of dossier states a model derived from one dossier's own history
    reads: on an incremental night `rederived_states` (int_dossier_states_rederived: the states of
    the dossiers it re-derives, a few tens of thousands of rows), on a full rebuild `all_states`
    (int_dossier_states: the whole history). The model declares both CTEs first; DuckDB reads only
    the one used. Picking the same rows out of the 10M-row history with only_changed_dossiers()
    cost a scan of the whole history per model. -#}
{% macro dossier_states_to_derive() -%}
    {{- 'rederived_states' if is_incremental() else 'all_states' -}}
{%- endmacro %}
