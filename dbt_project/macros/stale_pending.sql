{#-
    The dossiers whose R11_stale_pending row can differ between the previous as-of date D0 and D
    (int_history_issues__stale_pending), as a query of (unit_code, dossier_code). A dossier is
    stale at X when received, not resolved by X (resolution_date NULL or > X), due_date < X and
    last_report_date < X - r11_stale_days. For a dossier not re-derived tonight only X moves, so
    its membership can flip only if D0 < resolution_date <= D, D0 <= due_date < D or
    D0 - days <= last_report_date < D - days; the re-derived ones (raw.build_changes) are all
    taken, and those handed over to a successor between D0 and D (D0 < handover_date <= D: the
    row moves to the successor, int_history_issues__stale_pending).
-#}
{% macro r11_candidates() -%}
    {%- set stale_days = var('r11_stale_days', 30) -%}
    select unit_code, dossier_code
    from {{ ref('int_dossiers_latest') }}
    where (resolution_date > {{ previous_as_of_date() }} and resolution_date <= {{ as_of_date() }})
        or (due_date >= {{ previous_as_of_date() }} and due_date < {{ as_of_date() }})
        or (last_report_date >= {{ previous_as_of_date() }} - {{ stale_days }}
            and last_report_date < {{ as_of_date() }} - {{ stale_days }})
        or (handover_date > {{ previous_as_of_date() }} and handover_date <= {{ as_of_date() }})
    union
    select unit_code, dossier_code from {{ ref('stg_build__changes') }}
{%- endmacro %}
