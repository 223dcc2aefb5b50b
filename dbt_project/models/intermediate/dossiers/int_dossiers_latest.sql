-- One row per (unit_code, dossier_code): the latest used row (greatest report_date, file_id,
-- row_number), with the effective dates that decide its outcome:
--   * resolved = latest status 9 or 10 with coalesce(finished_date, returned_date), floored at
--     received_date (R07); status 9/10 without either date is not resolved (R08);
--   * withdrawn = latest status 7, dated by the report date of the first used row showing the
--     dossier withdrawn, floored at received_date; it counts as on time;
--   * received = latest status not 1 (registered) or 3 (refused); a NULL status counts as received
--     when the received date is known.
-- The contract's handover (submission-contract.md, docs/warehouse.md "Successions"): unit_code is
-- the unit that received the dossier (macros/submission_rows_used.sql), last_reporting_unit_code
-- the unit whose ledger reported its latest state. A dossier of a unit with a successor, not
-- resolved before the succession's effective date, is handed over on that date (handover_date)
-- to handover_unit_code: the successor that reported it, else (never re-reported) none if the unit
-- kept its code (a row from its code to itself), else the successor with the lowest code. The successions are read whole, not as of D: the period facts
-- compare handover_date with each period's as-of date (holding_unit_code).
-- Derived from the dossier history (int_dossier_states); incremental like it: only the dossiers
-- of raw.build_changes are re-derived, from their states in int_dossier_states_rederived
-- (docs/warehouse-incremental.md); a change of the successions rebuilds everything (they are a
-- reference table). Nothing here depends on D.

{{ rederived_dossiers_config() }}

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

),

history as (

    select
        unit_code,
        dossier_code,
        min(report_date) as first_report_date,
        max(report_date) as last_report_date,
        cast(sum(rows_in_submission) as bigint) as submission_count,
        min(report_date) filter (where shows_withdrawn) as first_withdrawn_report_date,
    from states
    group by unit_code, dossier_code

),

latest as (

    select *
    from states
    qualify row_number() over (
        partition by unit_code, dossier_code
        order by report_date desc
    ) = 1

),

-- successions whose successor is in the registry, a unit's row to itself included (a new unit that
-- keeps its code, e.g. in a split: it keeps its open dossiers)
successions as (

    select distinct old_unit_code, successor_unit_code, effective_date,
    from {{ ref('stg_ingest__unit_successions') }}
    where successor_unit_code in (select unit_code from {{ ref('stg_ingest__units') }})

),

effective as (

    select
        latest.unit_code,
        latest.dossier_code,
        latest.reporting_unit_code as last_reporting_unit_code,
        latest.file_id as last_file_id,
        latest.row_number as last_row_number,
        latest.procedure_code,
        latest.procedure_name,
        latest.sector_raw,
        latest.sector_code,
        latest.channel_code as channel,
        latest.received_date,
        latest.due_date,
        latest.rescheduled_due_date,
        latest.finished_date,
        latest.returned_date,
        latest.status_code,
        history.first_report_date,
        history.last_report_date,
        history.submission_count,
        case
            when latest.status_code = 7
                then greatest(history.first_withdrawn_report_date, latest.received_date)
        end as withdrawn_date,
        case
            when latest.status_code is null then latest.received_date is not null
            else latest.status_code not in (1, 3)
        end as is_received,
        coalesce(latest.status_code = 7, false) as is_withdrawn,
    from latest
    inner join history
        on latest.unit_code = history.unit_code
        and latest.dossier_code = history.dossier_code

),

resolved as (

    select
        *,
        case
            when is_withdrawn then withdrawn_date
            -- greatest() skips NULLs: test the resolution date first
            when status_code in (9, 10) and coalesce(finished_date, returned_date) is not null
                then greatest(coalesce(finished_date, returned_date), received_date)
        end as resolution_date,
    from effective

),

classified as (

    select
        *,
        resolution_date is not null as is_resolved,
        case
            when resolution_date is null then null
            when is_withdrawn then 'on_time'
            when due_date is null then 'on_time'
            when resolution_date < due_date then 'early'
            when resolution_date = due_date then 'on_time'
            else 'late'
        end as resolution_class,
    from resolved

),

-- the first succession of the receiving unit that took effect while the dossier was open, to the
-- successor that reported the dossier, else to the unit itself if it kept its code, else to the
-- successor with the lowest code; none when the unit itself carries on
handovers as (

    select
        classified.unit_code,
        classified.dossier_code,
        successions.effective_date as handover_date,
        successions.successor_unit_code as handover_unit_code,
    from classified
    inner join successions
        on classified.unit_code = successions.old_unit_code
        and coalesce(classified.resolution_date, date '9999-12-31') >= successions.effective_date
    qualify row_number() over (
        partition by classified.unit_code, classified.dossier_code
        order by
            successions.effective_date,
            successions.successor_unit_code = classified.last_reporting_unit_code desc,
            successions.successor_unit_code = classified.unit_code desc,
            successions.successor_unit_code
    ) = 1

),

final as (

    select
        classified.*,
        handovers.handover_date,
        handovers.handover_unit_code,
    from classified
    left join handovers
        on classified.unit_code = handovers.unit_code
        and classified.dossier_code = handovers.dossier_code
        and handovers.handover_unit_code <> classified.unit_code

)

select * from final
