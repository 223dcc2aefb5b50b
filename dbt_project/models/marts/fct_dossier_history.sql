-- Dossier history: every state each dossier has been reported in, one row per (unit_code,
-- dossier_code, report_date): the last used row of that report date (greatest file_id, then
-- row_number; a re-sent file replaces the earlier one, a duplicated dossier in one submission
-- counts once), with the state reported for the previous report date and what changed. The
-- intermediate models of the latest state (int_dossiers_latest), R12 and R14 read it.
--
-- Incremental: prepare_build writes raw.build_changes, the dossiers with rows in files new to this
-- build or in files that stopped counting (loaded -> replaced). Their states are deleted (pre-hook)
-- and re-derived from all their used rows; every other dossier's history is kept as it is.
-- `dbt build --full-refresh` derives every dossier (docs/warehouse-incremental.md).
--
-- status_rank orders the statuses for R14 (status regression): 1 registered < 2 accepted <
-- 4, 5, 6, 8 (in process, waiting for documents or fees, stopped: same rank, they alternate
-- legitimately) < 9 result ready < 10 returned = 3 refused = 7 withdrawn (final).

{{ rederived_dossiers_config(on_schema_change='fail') }}

with

rows_used as (

    select * from (
        {{ submission_rows_used(only_changed_dossiers('where')) }}
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
