-- Adoption (indicators.md §5): at every month end E from the earliest report month to the month of
-- D, per level, the units in force at E whose one_stop_since <= E over all units of that level in
-- force at E.

with

month_ends as (

    select
        period_end as as_of_date,
        is_complete,
    from {{ ref('int_periods') }}
    where period_type = 'month'

),

levels as (

    select level from (values ('commune'), ('district'), ('department')) as l(level)

),

units as (

    select * from {{ ref('stg_ingest__units') }}

),

in_force as (

    select
        m.as_of_date,
        u.level,
        count(distinct u.unit_code) as units_total,
        count(distinct u.unit_code) filter (
            where u.one_stop_since <= m.as_of_date
        ) as units_implementing,
    from month_ends as m
    inner join units as u
        on coalesce(u.valid_from, date '1900-01-01') <= m.as_of_date
        and coalesce(u.valid_to, date '9999-12-31') >= m.as_of_date
    group by all

),

final as (

    select
        m.as_of_date,
        m.is_complete,
        l.level,
        coalesce(i.units_total, 0) as units_total,
        coalesce(i.units_implementing, 0) as units_implementing,
        i.units_implementing / nullif(i.units_total, 0) as adoption_rate,
    from month_ends as m
    cross join levels as l
    left join in_force as i
        on m.as_of_date = i.as_of_date
        and l.level = i.level

)

select * from final
