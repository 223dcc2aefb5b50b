-- The trailing twelve months new tonight that start from the previous ones instead of from the
-- dossiers (docs/warehouse-incremental.md): a new period (ttm, S') whose predecessor (ttm, S),
-- S = S' - 1 month, is in the period facts. Its facts are the predecessor's as of its as-of date
-- A0 = least(predecessor's end, D0), moved to A = D like any running period, then shifted from
-- start S to S' by the dossiers received or resolved in [S, S') (int_period_unit_deltas); the
-- fact tables copy the predecessor's rows under the new key (macros/period_facts.sql,
-- add_period_deltas). A night one month after another TTM computes one twelfth of it, not all of
-- it. Empty on a full rebuild (every period is computed from the dossiers) and on nights without
-- a new TTM.
--
-- Which periods the facts held before tonight is staged by prepare_build (stg_build__periods_before,
-- empty on a full rebuild); the previous as-of date D0 is the previous build's (stg_build__runs).

with

periods as (

    select * from {{ ref('int_periods') }}

),

known_periods as (

    select * from {{ ref('stg_build__periods_before') }}

),

previous_build as (

    select report_date from {{ ref('stg_build__runs') }}
    order by built_at desc
    limit 1 offset 1

),

seeds as (

    select
        new.period_type,
        new.period_start,
        new.period_end,
        new.as_of_date,
        old.period_start as seed_start,
        least(old.period_end, previous_build.report_date) as previous_as_of_date,
    from periods as new
    inner join periods as old
        on old.period_type = new.period_type
        and old.period_start = (new.period_start - interval 1 month)::date
    cross join previous_build
    where new.period_type = 'ttm'
        and (new.period_type, new.period_start) not in (
            select (period_type, period_start) from known_periods
        )
        and (old.period_type, old.period_start) in (
            select (period_type, period_start) from known_periods
        )

)

select * from seeds
