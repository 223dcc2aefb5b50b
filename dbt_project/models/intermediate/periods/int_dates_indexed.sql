-- One row per calendar date of raw.ref_calendar (motcua.common.calendar: weekends, Vietnamese public
-- holidays with Tết by the lunar calendar, and the official day swaps of the seed
-- holiday_overrides). working_day_index counts the working days from the start of the calendar up
-- to and including the date, so the working days in (a, b] are index(b) - index(a).
-- The intermediate models count working days here; marts.dim_date publishes it as it is.

{{ config(tags=['static']) }}

with

calendar as (

    select * from {{ source('ingest', 'ref_calendar') }}

),

overrides as (

    select * from {{ ref('holiday_overrides') }}

),

final as (

    select
        cast(calendar.calendar_date as date) as date_day,
        calendar.is_working_day,
        isodow(calendar.calendar_date) >= 6 as is_weekend,
        calendar.holiday_name,
        overrides.date is not null as is_override,
        overrides.note as override_note,
        cast(sum(cast(calendar.is_working_day as integer)) over (
            order by calendar.calendar_date
            rows between unbounded preceding and current row
        ) as integer) as working_day_index,
        cast(isodow(calendar.calendar_date) as integer) as iso_day_of_week,
        cast(day(calendar.calendar_date) as integer) as day_of_month,
        date_trunc('month', calendar.calendar_date)::date as month_start,
        last_day(calendar.calendar_date) as month_end,
        strftime(calendar.calendar_date, '%Y-%m') as month_key,
        date_trunc('quarter', calendar.calendar_date)::date as quarter_start,
        strftime(calendar.calendar_date, '%Y') || '-Q' || quarter(calendar.calendar_date)
            as quarter_key,
        make_date(year(calendar.calendar_date), if(month(calendar.calendar_date) <= 6, 1, 7), 1)
            as half_start,
        strftime(calendar.calendar_date, '%Y') || '-H'
            || if(month(calendar.calendar_date) <= 6, '1', '2') as half_key,
        cast(year(calendar.calendar_date) as integer) as year,
        cast(month(calendar.calendar_date) as integer) as month_of_year,
        cast(quarter(calendar.calendar_date) as integer) as quarter_of_year,
    from calendar
    left join overrides
        on cast(calendar.calendar_date as date) = overrides.date

)

select * from final
