{#-
    The dossier history's rows (int_dossier_states, published as fct_dossier_history): one row per (unit_code, dossier_code,
    report_date), the last used row of that report date, with what changed since the previous
    report date. `dossier_filter` is a `where` clause on the raw rows: int_dossier_states' full
    rebuild passes none, int_dossier_states_rederived the dossiers of raw.build_changes.
-#}
{% macro dossier_states(dossier_filter='') -%}
    with

    rows_used as (

        select * from (
            {{ submission_rows_used(dossier_filter) }}
        )
        where dossier_code is not null

    ),

    per_report_date as (

        select
            *,
            count(*) over (
                partition by unit_code, dossier_code, report_date
            ) as rows_in_submission,
            bool_or(status_code = 7) over (
                partition by unit_code, dossier_code, report_date
            ) as shows_withdrawn,
        from rows_used
        qualify row_number() over (
            partition by unit_code, dossier_code, report_date
            order by file_id desc, row_number desc
        ) = 1

    ),

    ranked as (

        select
            *,
            case
                when status_code = 1 then 1
                when status_code = 2 then 2
                when status_code in (4, 5, 6, 8) then 3
                when status_code = 9 then 4
                when status_code in (3, 7, 10) then 5
            end as status_rank,
        from per_report_date

    ),

    final as (

        select
            unit_code,
            dossier_code,
            report_date,
            reporting_unit_code,
            file_id,
            row_number,
            rows_in_submission,
            procedure_code,
            procedure_name,
            sector_raw,
            sector_code,
            channel_code,
            status_code,
            status_rank,
            shows_withdrawn,
            received_date,
            due_date,
            rescheduled_due_date,
            finished_date,
            returned_date,
            row_number() over w as state_number,
            lag(report_date) over w as previous_report_date,
            lag(status_code) over w as previous_status_code,
            lag(status_rank) over w as previous_status_rank,
            lag(received_date) over w as previous_received_date,
            lag(due_date) over w as previous_due_date,
        from ranked
        window w as (partition by unit_code, dossier_code order by report_date)

    ),

    flagged as (

        select
            *,
            state_number = 1 as is_first_state,
            state_number > 1 and status_code is distinct from previous_status_code as status_changed,
            coalesce(received_date <> previous_received_date, false) as received_date_changed,
            coalesce(due_date <> previous_due_date, false) as due_date_changed,
            coalesce(status_rank < previous_status_rank, false) as is_status_regression,
        from final

    )

    select * from flagged
{%- endmacro %}
