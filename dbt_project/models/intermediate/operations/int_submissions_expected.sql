-- One row per unit and calendar date on which a ledger was expected (record-keeping-gaps.md R01,
-- indicators.md §7): every unit version running the one-stop shop (one_stop_since not null), from
-- the later of one_stop_since and the earliest report date of any file, up to D, on the dates the
-- unit was in force. has_submission: some file exists for that unit and date, whatever its status
-- (a quarantined file counts as received: it is R02, not R01).

with

files as (

    select * from {{ ref('stg_ingest__files') }}
    where report_date <= {{ as_of_date() }}

),

units as (

    select * from {{ ref('stg_ingest__units') }}
    where one_stop_since is not null

),

first_date as (

    select min(report_date) as first_report_date from files

),

calendar as (

    select cast(calendar_date as date) as calendar_date
    from first_date,
        unnest(generate_series(first_report_date, {{ as_of_date() }}, interval 1 day))
            as c(calendar_date)

),

expected as (

    select distinct
        units.unit_code,
        calendar.calendar_date as report_date,
    from units
    inner join calendar
        on calendar.calendar_date >= units.one_stop_since
        and calendar.calendar_date >= coalesce(units.valid_from, date '1900-01-01')
        and calendar.calendar_date <= coalesce(units.valid_to, date '9999-12-31')

),

received as (

    select distinct
        unit_code,
        report_date,
    from files
    where unit_code is not null

),

final as (

    select
        expected.unit_code,
        expected.report_date,
        date_trunc('month', expected.report_date)::date as month,
        received.unit_code is not null as has_submission,
    from expected
    left join received
        on expected.unit_code = received.unit_code
        and expected.report_date = received.report_date

)

select * from final
