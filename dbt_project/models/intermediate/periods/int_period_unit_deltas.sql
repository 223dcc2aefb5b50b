-- What changes tonight in the period facts, per period x unit (the unit that received the
-- dossiers) x holding unit (the unit that holds them at the period's as-of date: the same unit, or
-- its successor from the handover) x sector (each sector and 'ALL'; a dossier without a sector
-- counts in 'ALL' only) x processing time in working days (NULL for the dossiers without one in
-- the period): signed sums of period_dossier_rows (macros/period_facts.sql).
--
-- Full rebuild: every received dossier in every period, all +1: the facts themselves.
-- Incremental (docs/warehouse-incremental.md), with D0 the as-of date of the previous build and D
-- tonight's, for each period already in the facts (as-of date A0 = least(period_end, D0) before,
-- A = least(period_end, D) now):
--   * the dossiers re-derived tonight: -1 for the version int_dossiers_before held, at A0, and +1
--     for their version now, at A;
--   * the other dossiers, for a period whose as-of date moved (A0 < A): only those not yet
--     resolved or not yet received at D0 can count differently at A, and of those only the ones
--     with a received, resolution, due or handover date in [D0, D] or an ageing bucket that moves
--     (open_at_previous), so -1 at A0 and +1 at A; a dossier received and resolved by D0 counts
--     the same at every as-of date after D0;
-- and every period new tonight (a new month, quarter, ... or trailing twelve months) in full,
-- once per distinct (period start, as-of date): see new_period_spans; except a new trailing twelve
-- months whose predecessor the facts hold (int_period_seeds): from the predecessor's facts.

{#- Incremental unless dbt builds with --full-refresh: the tables staged by prepare_build say what
    the facts held (nothing on a build file it did not prepare: every period is then new) -#}
{%- set incremental = not flags.FULL_REFRESH %}
{#- a re-derived dossier (d) whose two versions count the same in period p (see rederived) -#}
{%- set cancels_in -%}
    coalesce(d.same_but_resolution, false)
    and p.previous_as_of_date = p.as_of_date
    and (d.same_resolution or d.first_resolution_date > p.as_of_date)
{%- endset %}

with

dossiers as (

    select * from {{ ref('int_dossiers_latest') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

dates as (

    select * from {{ ref('int_dates_indexed') }}

),

-- What an incremental night reads besides (empty on a full rebuild): the as-of date of the build
-- this file was copied from (this build's own row is the newest), the periods the facts held
-- before tonight, the dossiers re-derived tonight and their versions before tonight (all staged
-- by prepare_build), and the new trailing twelve months computed from their predecessor.
previous_build as (

    select report_date as previous_report_date
    from {{ ref('stg_build__runs') }}
    order by built_at desc
    limit 1 offset 1

),

known_periods as (

    select * from {{ ref('stg_build__periods_before') }}

),

changes as (

    select * from {{ ref('stg_build__changes') }}

),

before_versions as (

    select * from {{ ref('int_dossiers_before') }}

),

seeds as (

    select * from {{ ref('int_period_seeds') }}

),

{%- if incremental %}

new_periods as (

    select periods.*
    from periods
    anti join known_periods
        on periods.period_type = known_periods.period_type
        and periods.period_start = known_periods.period_start
    anti join seeds
        on periods.period_type = seeds.period_type
        and periods.period_start = seeds.period_start

),

-- The periods whose facts tonight's rows adjust (rows_start: the start their rows are computed
-- with): the periods already in the facts, and the seeded ones, whose facts are their
-- predecessor's (copied by the fact tables) and so adjusted like it, with its start. A seeded
-- period's as-of date always moves (A0 = D0 < D), so it is also a moved period.
kept_periods as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        periods.as_of_date,
        least(periods.period_end, previous_build.previous_report_date) as previous_as_of_date,
        periods.period_start as rows_start,
    from periods
    semi join known_periods
        on periods.period_type = known_periods.period_type
        and periods.period_start = known_periods.period_start
    cross join previous_build

    union all

    select
        period_type,
        period_start,
        period_end,
        as_of_date,
        previous_as_of_date,
        seed_start as rows_start,
    from seeds

),

moved_periods as (

    select * from kept_periods where previous_as_of_date < as_of_date

),

now_versions as (

    select * from dossiers
    where (unit_code, dossier_code) in (select (unit_code, dossier_code) from changes)

),

-- A re-derived dossier's old and new versions put the same rows into a period whose as-of date
-- did not move (it ended by D0, so A0 = A) when every column period_dossier_rows reads is equal,
-- except the resolution if both versions are unresolved at A (resolved after A, or not at all).
-- Most re-derived dossiers are pending ones with news tonight: for every closed period since
-- they were received, their -1 and +1 rows would cancel, and are left out (cancels_in).
rederived as (

    select
        now_versions.unit_code,
        now_versions.dossier_code,
        (
            now_versions.sector_code, now_versions.channel, now_versions.received_date,
            now_versions.due_date, now_versions.rescheduled_due_date, now_versions.is_received,
            now_versions.handover_date, now_versions.handover_unit_code
        ) is not distinct from (
            before_versions.sector_code, before_versions.channel, before_versions.received_date,
            before_versions.due_date, before_versions.rescheduled_due_date,
            before_versions.is_received, before_versions.handover_date,
            before_versions.handover_unit_code
        ) as same_but_resolution,
        (
            now_versions.resolution_date, now_versions.resolution_class,
            now_versions.is_withdrawn
        ) is not distinct from (
            before_versions.resolution_date, before_versions.resolution_class,
            before_versions.is_withdrawn
        ) as same_resolution,
        least(
            coalesce(now_versions.resolution_date, date '9999-12-31'),
            coalesce(before_versions.resolution_date, date '9999-12-31')
        ) as first_resolution_date,
    from now_versions
    inner join before_versions
        on now_versions.unit_code = before_versions.unit_code
        and now_versions.dossier_code = before_versions.dossier_code

),

changed_now as (

    select now_versions.*, rederived.* exclude (unit_code, dossier_code)
    from now_versions
    left join rederived
        on now_versions.unit_code = rederived.unit_code
        and now_versions.dossier_code = rederived.dossier_code

),

changed_before as (

    select before_versions.*, rederived.* exclude (unit_code, dossier_code)
    from before_versions
    left join rederived
        on before_versions.unit_code = rederived.unit_code
        and before_versions.dossier_code = rederived.dossier_code

),

-- The dossiers (not re-derived) whose rows differ between the as-of dates A0 and A of a moved
-- period. A0 is D0 (the period ran at D0) and D0 < A <= D; a row depends on the as-of date only
-- through the received, resolution, due and handover dates compared with it (dossier_outcome,
-- period_dossier_rows) and, while overdue, through the ageing bucket of its working days overdue.
-- So a dossier open at D0 counts the same at A unless one of those dates falls in [D0, D] or it
-- was overdue at D0 and changes bucket by D (buckets only grow with the as-of date). The others'
-- -1 and +1 rows would cancel: leaving them out is what keeps a night small when many dossiers
-- stay pending for months.
open_at_previous as (

    select dossiers.*
    from dossiers
    cross join previous_build
    left join dates as due_day
        on dossiers.due_date = due_day.date_day
    where (
        dossiers.received_date > previous_build.previous_report_date
        or coalesce(dossiers.resolution_date, date '9999-12-31')
            > previous_build.previous_report_date
    )
        and (
            dossiers.received_date >= previous_build.previous_report_date
            or dossiers.resolution_date between previous_build.previous_report_date
                and {{ as_of_date() }}
            or dossiers.due_date between previous_build.previous_report_date
                and {{ as_of_date() }}
            or dossiers.handover_date between previous_build.previous_report_date
                and {{ as_of_date() }}
            or {{ overdue_bucket(
                    '(select working_day_index from dates'
                    ~ ' where date_day = previous_build.previous_report_date)'
                    ~ ' - due_day.working_day_index') }}
                is distinct from {{ overdue_bucket(
                    '(select working_day_index from dates'
                    ~ ' where date_day = ' ~ as_of_date() ~ ') - due_day.working_day_index') }}
        )
        and (dossiers.unit_code, dossiers.dossier_code) not in (
            select (unit_code, dossier_code) from changes
        )

),

-- The dossiers whose rows in a seeded period differ between its predecessor's start S and its
-- own S' (seed_start and period_start): received or resolved in [S, S'). Every other row of a
-- dossier depends on the as-of date only.
leaving_window as (

    select dossiers.*
    from dossiers
    semi join seeds
        on (dossiers.received_date >= seeds.seed_start
            and dossiers.received_date < seeds.period_start)
        or (dossiers.resolution_date >= seeds.seed_start
            and dossiers.resolution_date < seeds.period_start)

),

rows as (

    {{ period_dossier_rows('changed_now', 'kept_periods', 'as_of_date', 1, cancels_in, start='rows_start') }}
    union all
    {{ period_dossier_rows('changed_before', 'kept_periods', 'previous_as_of_date', -1, cancels_in, start='rows_start') }}
    union all
    {{ period_dossier_rows('open_at_previous', 'moved_periods', 'as_of_date', 1, start='rows_start') }}
    union all
    {{ period_dossier_rows('open_at_previous', 'moved_periods', 'previous_as_of_date', -1, start='rows_start') }}
    -- a seeded period, adjusted above with its predecessor's start S, then shifted from S to S'
    union all
    {{ period_dossier_rows('leaving_window', 'seeds', 'as_of_date', -1, start='seed_start') }}
    union all
    {{ period_dossier_rows('leaving_window', 'seeds', 'as_of_date', 1) }}

),

{%- else %}

new_periods as (

    select * from periods

),

{%- endif %}

-- A dossier's rows in a period depend on the period's start and as-of date only (period_end is a
-- key, not an input): periods that share both (on the first of a month its month, quarter and
-- half-year, all as of that day) are computed once and then copied to each of them.
new_period_spans as (

    select distinct
        null::varchar as period_type,
        period_start,
        as_of_date as period_end,
        as_of_date,
    from new_periods

),

new_rows as (

    {{ period_dossier_rows('dossiers', 'new_period_spans', 'as_of_date', 1) }}

),

new_by_span as (

    select
        period_start,
        period_end as span_as_of,
        unit_code,
        holding_unit_code,
        sector_code,
        processing_working_days,
        {{ period_fact_sums() }}
    from new_rows
    group by all

),

by_sector as (

    select
        p.period_type,
        p.period_start,
        p.period_end,
        s.unit_code,
        s.holding_unit_code,
        s.sector_code,
        s.processing_working_days,
        {%- for column in period_fact_columns() %}
        s.{{ column }},
        {%- endfor %}
    from new_by_span as s
    inner join new_periods as p
        on s.period_start = p.period_start
        and s.span_as_of = p.as_of_date

    {%- if incremental %}

    union all

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        holding_unit_code,
        sector_code,
        processing_working_days,
        {{ period_fact_sums() }}
    from rows
    group by all

    {%- endif %}

),

sectored as (

    select * from by_sector where sector_code is not null

    union all

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        holding_unit_code,
        'ALL' as sector_code,
        processing_working_days,
        {%- for column in period_fact_columns() %}
        sum({{ column }}) as {{ column }},
        {%- endfor %}
    from by_sector
    group by all

),

final as (

    select
        period_type,
        period_start,
        period_end,
        unit_code,
        holding_unit_code,
        sector_code,
        processing_working_days,
        {%- for column in period_fact_columns() %}
        cast(coalesce({{ column }}, 0) as bigint) as {{ column }},
        {%- endfor %}
    from sectored

)

-- a row whose sums are all zero changes nothing in the facts (signed rows that cancel)
select * from final
where {% for column in period_fact_columns() %}{{ column }} <> 0{{ ' or ' if not loop.last }}{% endfor %}
