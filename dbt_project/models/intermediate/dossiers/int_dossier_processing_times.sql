-- Working-day processing time (indicators.md §6) of every resolved dossier that is not withdrawn:
-- the working days after the received date up to and including the resolution date (Vietnamese
-- working days of int_dates_indexed: weekends, public holidays and official swaps excluded), so a dossier
-- resolved on the day it was received took 0 working days. Also the calendar days, and whether the
-- dossier carries an apology letter's new date. Joins int_dossiers_latest; it does not change it.
-- Incremental like int_dossiers_latest: only the dossiers of raw.build_changes are re-derived.

{{ rederived_dossiers_config() }}

with

dossiers as (

    select * from {{ ref('int_dossiers_latest') }}
    where is_received
        and is_resolved
        and not is_withdrawn
        and received_date is not null
        {{ only_changed_dossiers() }}

),

dates as (

    select
        date_day,
        working_day_index,
    from {{ ref('int_dates_indexed') }}

),

final as (

    select
        dossiers.unit_code,
        dossiers.dossier_code,
        dossiers.sector_code,
        dossiers.channel,
        dossiers.received_date,
        dossiers.due_date,
        dossiers.resolution_date,
        dossiers.resolution_class,
        received.working_day_index as received_working_day_index,
        resolved.working_day_index as resolved_working_day_index,
        resolved.working_day_index - received.working_day_index as processing_working_days,
        datediff('day', dossiers.received_date, dossiers.resolution_date) as processing_calendar_days,
    from dossiers
    left join dates as received
        on dossiers.received_date = received.date_day
    left join dates as resolved
        on dossiers.resolution_date = resolved.date_day

)

select * from final
