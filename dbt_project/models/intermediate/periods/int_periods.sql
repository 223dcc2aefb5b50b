-- Every reporting period that overlaps the data: from the month of the earliest used report date
-- up to the month containing the as-of date D. A period still running at D is incomplete and is
-- evaluated as of D (as_of_date = least(period_end, D)).
--
-- Months, quarters, halves, nine months and years are cut on the reporting calendar
-- (macros/reporting_calendar.sql): calendar months, or the official cut-off (Nghị định
-- 09/2019/NĐ-CP, Điều 12: the 15th of the month before to the 14th). `month_start` below is the
-- first day of the month a period is named by (2009-03 for the cut-off March 15/02..14/03); a
-- trailing twelve months ends with such a month. motcua/common/periods.py holds the same rule and
-- tests/warehouse/test_reporting_calendar.py holds the two equal.

with

used_files as (

    select report_date
    from {{ ref('stg_ingest__files') }}
    where file_status = 'loaded'
        and report_date <= {{ as_of_date() }}

),

bounds as (

    select
        {{ reporting_month_of('coalesce(min(report_date), ' ~ as_of_date() ~ ')') }} as first_month,
        {{ reporting_month_of(as_of_date()) }} as last_month,
    from used_files

),

months as (

    select cast(month_start as date) as month_start
    from bounds,
        unnest(generate_series(first_month, last_month, interval 1 month)) as m(month_start)

),

periods as (

    select distinct
        'month' as period_type,
        {{ period_first_day('month_start') }} as period_start,
        {{ period_last_day('month_start') }} as period_end,
        strftime(month_start, '%Y-%m') as period_label,
    from months

    union all

    select distinct
        'quarter',
        {{ period_first_day("date_trunc('quarter', month_start)") }},
        {{ period_last_day("date_trunc('quarter', month_start) + interval 2 month") }},
        strftime(month_start, '%Y') || '-Q' || quarter(month_start),
    from months

    union all

    select distinct
        'half',
        {{ period_first_day('make_date(year(month_start), if(month(month_start) <= 6, 1, 7), 1)') }},
        {{ period_last_day('make_date(year(month_start), if(month(month_start) <= 6, 6, 12), 1)') }},
        strftime(month_start, '%Y') || '-H' || if(month(month_start) <= 6, '1', '2'),
    from months

    union all

    select distinct
        'nine_months',
        {{ period_first_day('make_date(year(month_start), 1, 1)') }},
        {{ period_last_day('make_date(year(month_start), 9, 1)') }},
        strftime(month_start, '%Y') || '-9M',
    from months
    where month(month_start) <= 9

    union all

    select distinct
        'year',
        {{ period_first_day('make_date(year(month_start), 1, 1)') }},
        {{ period_last_day('make_date(year(month_start), 12, 1)') }},
        strftime(month_start, '%Y'),
    from months

    union all

    select
        'ttm',
        {{ period_first_day('month_start - interval 11 month') }},
        {{ period_last_day('month_start') }},
        'TTM-' || strftime(month_start, '%Y-%m'),
    from months

),

final as (

    select
        period_type,
        period_start,
        period_end,
        period_label,
        '{{ reporting_calendar() }}' as period_basis,
        period_end <= {{ as_of_date() }} as is_complete,
        least(period_end, {{ as_of_date() }}) as as_of_date,
    from periods

)

select * from final
