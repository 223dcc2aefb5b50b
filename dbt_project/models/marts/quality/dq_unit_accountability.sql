-- Accountability per unit and month (issue #17), from the gap lifecycle (dq_gap_status): gaps
-- opened (first seen in the month), fixed (fixed in the month), still open at the month's end (or
-- at D for the running month), the median days to fix of the gaps fixed in the month, and the share
-- of the month's new gaps fixed within 7 days. rank_in_province: 1 = the most gaps still open,
-- among the units in force at least one day of the month (reference/units.csv versions); NULL for
-- a unit not in force then (e.g. a commune merged away on 2025-07-01, whose late ledgers may still
-- fix its old gaps: its rows go on, unranked). Every unit with a gap ever, every month from its
-- first gap's month to D's.

with

gaps as (

    select * from {{ ref('dq_gap_status') }}
    where unit_code is not null

),

unit_versions as (

    select * from {{ ref('stg_ingest__units') }}

),

unit_months as (

    select
        unit_code,
        cast(month as date) as month,
    from (
        select
            unit_code,
            min(date_trunc('month', first_seen_date)) as first_month,
        from gaps
        group by unit_code
    ) as firsts,
        unnest(generate_series(
            first_month, date_trunc('month', {{ as_of_date() }}), interval 1 month
        )) as m(month)

),

opened as (

    select
        unit_code,
        cast(date_trunc('month', first_seen_date) as date) as month,
        count(*) as gaps_opened,
        count(*) filter (where status = 'fixed' and days_open <= 7) as fixed_within_7_days,
    from gaps
    group by all

),

fixed as (

    select
        unit_code,
        cast(date_trunc('month', fixed_date) as date) as month,
        count(*) as gaps_fixed,
        median(days_open) as median_days_to_fix,
    from gaps
    where status = 'fixed'
    group by all

),

still_open as (

    -- opened by the month's end less fixed by then (a gap is fixed after it is first seen, and
    -- both dates are at most D): running sums over the unit's months, no gap-by-month join
    select
        unit_months.unit_code,
        unit_months.month,
        sum(coalesce(opened.gaps_opened, 0) - coalesce(fixed.gaps_fixed, 0)) over (
            partition by unit_months.unit_code
            order by unit_months.month
            rows between unbounded preceding and current row
        ) as gaps_open_at_month_end,
    from unit_months
    left join opened
        on opened.unit_code = unit_months.unit_code
        and opened.month = unit_months.month
    left join fixed
        on fixed.unit_code = unit_months.unit_code
        and fixed.month = unit_months.month

),

in_force as (

    select distinct
        unit_months.unit_code,
        unit_months.month,
    from unit_months
    inner join unit_versions
        on unit_versions.unit_code = unit_months.unit_code
        and coalesce(unit_versions.valid_from, date '1900-01-01') <= last_day(unit_months.month)
        and coalesce(unit_versions.valid_to, date '9999-12-31') >= unit_months.month

),

final as (

    select
        unit_months.unit_code,
        unit_months.month,
        coalesce(opened.gaps_opened, 0) as gaps_opened,
        coalesce(fixed.gaps_fixed, 0) as gaps_fixed,
        cast(coalesce(still_open.gaps_open_at_month_end, 0) as bigint) as gaps_open_at_month_end,
        cast(fixed.median_days_to_fix as double) as median_days_to_fix,
        coalesce(opened.fixed_within_7_days, 0) as fixed_within_7_days,
        cast(opened.fixed_within_7_days as double) / nullif(opened.gaps_opened, 0)
            as fixed_within_7_days_rate,
        if(
            in_force.unit_code is null,
            null,
            cast(dense_rank() over (
                partition by unit_months.month, in_force.unit_code is null
                order by coalesce(still_open.gaps_open_at_month_end, 0) desc
            ) as integer)
        ) as rank_in_province,
        {{ as_of_date() }} as as_of_date,
    from unit_months
    left join opened
        on opened.unit_code = unit_months.unit_code
        and opened.month = unit_months.month
    left join fixed
        on fixed.unit_code = unit_months.unit_code
        and fixed.month = unit_months.month
    left join still_open
        on still_open.unit_code = unit_months.unit_code
        and still_open.month = unit_months.month
    left join in_force
        on in_force.unit_code = unit_months.unit_code
        and in_force.month = unit_months.month

)

select * from final
