-- Every reporting period that overlaps the data: from the month of the earliest used report date
-- up to the month containing the as-of date D. A period still running at D is incomplete and is
-- evaluated as of D (as_of_date = least(period_end, D)).

with

used_files as (

    select report_date
    from {{ ref('stg_ingest__files') }}
    where file_status = 'loaded'
        and report_date <= {{ as_of_date() }}

),

bounds as (

    select
        date_trunc('month', coalesce(min(report_date), {{ as_of_date() }}))::date as first_month,
        date_trunc('month', {{ as_of_date() }})::date as last_month,
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
        month_start as period_start,
        last_day(month_start) as period_end,
        strftime(month_start, '%Y-%m') as period_label,
    from months

    union all

    select distinct
        'quarter',
        date_trunc('quarter', month_start)::date,
        last_day((date_trunc('quarter', month_start) + interval 2 month)::date),
        strftime(month_start, '%Y') || '-Q' || quarter(month_start),
    from months

    union all

    select distinct
        'half',
        make_date(year(month_start), if(month(month_start) <= 6, 1, 7), 1),
        make_date(year(month_start), if(month(month_start) <= 6, 6, 12), if(month(month_start) <= 6, 30, 31)),
        strftime(month_start, '%Y') || '-H' || if(month(month_start) <= 6, '1', '2'),
    from months

    union all

    select distinct
        'nine_months',
        make_date(year(month_start), 1, 1),
        make_date(year(month_start), 9, 30),
        strftime(month_start, '%Y') || '-9M',
    from months
    where month(month_start) <= 9

    union all

    select distinct
        'year',
        make_date(year(month_start), 1, 1),
        make_date(year(month_start), 12, 31),
        strftime(month_start, '%Y'),
    from months

    union all

    select
        'ttm',
        (month_start - interval 11 month)::date,
        last_day(month_start),
        'TTM-' || strftime(month_start, '%Y-%m'),
    from months

),

final as (

    select
        period_type,
        period_start,
        period_end,
        period_label,
        period_end <= {{ as_of_date() }} as is_complete,
        least(period_end, {{ as_of_date() }}) as as_of_date,
    from periods

)

select * from final
