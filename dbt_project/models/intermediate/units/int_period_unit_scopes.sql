-- The district scopes of each period (docs/warehouse.md, "Scopes by period"): for every period of
-- int_periods, every district-level unit in force during part of it, and every unit that belonged
-- to that district during the period (a commune under it, or the district-level unit itself), the
-- window of the period in which it did: [max(period start, valid_from), min(period end, valid_to)].
-- A district is a scope of a period only if it has rows here, so a period that starts on or after
-- the abolition of the district level has no district scope.
-- A unit's last version is open-ended here: a unit that ended without a later version of its code
-- still holds what it had not resolved (until the successions' handover moves it), and that stays
-- in the district it last belonged to, as long as the district exists.
-- `covers_period` says the unit belonged to the district for the whole period: its figures in the
-- period facts (per unit) count in the district whole; the other rows (a period straddling a
-- change of district, e.g. the year 2025 for a commune whose code a new unit kept on 2025-07-01)
-- count only the unit's dossiers of the window (ind_cohort: received in it; the flow measures:
-- resolved in it, or pending at the period's as-of date if that falls in it).

with

periods as (

    select * from {{ ref('int_periods') }}

),

all_versions as (

    select
        unit_code,
        level,
        district_code,
        coalesce(valid_from, date '1900-01-01') as valid_from,
        coalesce(valid_to, date '9999-12-31') as valid_to,
    from {{ ref('int_units_districted') }}

),

versions as (

    select
        unit_code,
        district_code,
        valid_from,
        if(
            valid_to = max(valid_to) over (partition by unit_code),
            date '9999-12-31',
            valid_to
        ) as valid_to,
    from all_versions
    qualify district_code is not null

),

-- the districts in force during each period (their own versions, not open-ended)
districts as (

    select distinct
        p.period_type,
        p.period_start,
        v.unit_code as district_code,
    from periods as p
    inner join all_versions as v
        on v.level = 'district'
        and v.valid_from <= p.period_end
        and v.valid_to >= p.period_start

),

windows as (

    select
        p.period_type,
        p.period_start,
        p.period_end,
        v.unit_code,
        v.district_code as scope_code,
        min(greatest(p.period_start, v.valid_from)) as window_start,
        max(least(p.period_end, v.valid_to)) as window_end,
        -- days of the period covered by the unit's versions under this district
        sum(
            least(p.period_end, v.valid_to) - greatest(p.period_start, v.valid_from) + 1
        ) as days_covered,
    from periods as p
    inner join versions as v
        on v.valid_from <= p.period_end
        and v.valid_to >= p.period_start
    inner join districts as d
        on d.period_type = p.period_type
        and d.period_start = p.period_start
        and d.district_code = v.district_code
    group by all

),

final as (

    select
        period_type,
        period_start,
        unit_code,
        'district' as scope_level,
        scope_code,
        window_start,
        window_end,
        days_covered = period_end - period_start + 1 as covers_period,
    from windows

)

select * from final
