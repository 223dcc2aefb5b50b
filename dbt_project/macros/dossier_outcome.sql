{#-
    Outcome of one dossier as of a date (indicators.md §1), over the columns of
    int_dossiers_latest (is_received, resolution_date, resolution_class, due_date).
    resolution_class already says early/on_time/late (withdrawn and "no due date" are on_time).
-#}
{% macro dossier_outcome(as_of, prefix='') -%}
    case
        when not {{ prefix }}is_received then null
        when {{ prefix }}resolution_date <= {{ as_of }} then {{ prefix }}resolution_class
        when {{ prefix }}due_date is null or {{ prefix }}due_date >= {{ as_of }} then 'pending_within'
        else 'pending_overdue'
    end
{%- endmacro %}


{#-
    The unit that holds a dossier on a date (submission-contract.md, unit_successions.csv): its
    successor from the handover on (int_dossiers_latest: handover_date, handover_unit_code), the
    unit that received it otherwise. The one place of the rule for the period facts, the marts and
    fct_dossier.
-#}
{% macro holding_unit(as_of, prefix='') -%}
    case
        when {{ prefix }}handover_date <= {{ as_of }} then {{ prefix }}handover_unit_code
        else {{ prefix }}unit_code
    end
{%- endmacro %}
