-- The calendar of int_dates_indexed, published: one row per date of raw.ref_calendar with its
-- working-day index (see that model).

{{ config(tags=['static']) }}

select * from {{ ref('int_dates_indexed') }}
