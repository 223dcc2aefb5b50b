{#-
    One row per (dossier, period) the dossier takes part in, with `sign` (+1 or -1) and what each
    period fact counts. `dossiers` is a relation with the columns of int_dossiers_latest (received
    dossiers only are used); `periods` has period_type, period_start, period_end and the as-of
    column `as_of` (the period end, or D while the period runs). A dossier takes part in a period
    when it was received by the as-of date A and not resolved before the period start S
    (indicators.md §2, §3, §6): the cohort (received in [S, A]) is a subset of those. `skip`, a
    condition on d and p, leaves pairs out (pairs whose rows are known to cancel). `start` names
    the column of p taken as S (default period_start; int_period_seeds' seed_start computes a new
    trailing twelve months' rows as its predecessor's, under the new key).
    `unit_code` is the unit that received the dossier (the cohort view), `holding_unit_code` the
    unit that holds it at the as-of date: its successor from the handover on (int_dossiers_latest:
    handover_date, handover_unit_code), else the same unit (the flow view, Biểu 06).
-#}
{% macro period_dossier_rows(dossiers, periods, as_of, sign, skip=none, start='period_start') -%}
    select
        p.period_type,
        p.period_start,
        p.period_end,
        d.unit_code,
        {{ holding_unit('p.' ~ as_of, 'd.') }} as holding_unit_code,
        d.sector_code,
        {{ sign }} as sign,
        d.received_date >= p.{{ start }} as is_received_in_period,
        {{ dossier_outcome('p.' ~ as_of, 'd.') }} as outcome,
        d.channel,
        d.received_date,
        d.due_date,
        d.resolution_date,
        d.resolution_class,
        p.{{ as_of }} as as_of_date,
        case
            when not d.is_withdrawn
                and d.resolution_date >= p.{{ start }}
                and d.resolution_date <= p.{{ as_of }}
                then resolved_day.working_day_index - received_day.working_day_index
        end as processing_working_days,
        (
            d.resolution_date >= p.{{ start }}
            and d.resolution_date <= p.{{ as_of }}
            and d.resolution_class = 'late'
        )
        or (
            coalesce(d.resolution_date, date '9999-12-31') > p.{{ as_of }}
            and d.due_date < p.{{ as_of }}
        ) as is_late_or_overdue,
        d.rescheduled_due_date is not null as has_apology,
        case
            when coalesce(d.resolution_date, date '9999-12-31') > p.{{ as_of }}
                and d.due_date < p.{{ as_of }}
                then as_of_day.working_day_index - due_day.working_day_index
        end as overdue_working_days,
    from {{ dossiers }} as d
    inner join {{ periods }} as p
        on d.received_date <= p.{{ as_of }}
        and coalesce(d.resolution_date, date '9999-12-31') >= p.{{ start }}
        {%- if skip %}
        and not ({{ skip }})
        {%- endif %}
    left join {{ ref('int_dates_indexed') }} as received_day
        on d.received_date = received_day.date_day
    left join {{ ref('int_dates_indexed') }} as resolved_day
        on d.resolution_date = resolved_day.date_day
    left join {{ ref('int_dates_indexed') }} as as_of_day
        on p.{{ as_of }} = as_of_day.date_day
    left join {{ ref('int_dates_indexed') }} as due_day
        on d.due_date = due_day.date_day
    where d.is_received
        and d.received_date is not null
{%- endmacro %}


{#- The additive counts of the period facts over signed dossier-period rows (see
    period_dossier_rows): each is a sum of `sign`, so that -1 rows take back what +1 rows put in. -#}
{% macro period_fact_sums() -%}
        sum(sign) as dossiers,
        sum(sign) filter (where is_received_in_period) as received,
        sum(sign) filter (where is_received_in_period and outcome = 'early') as early,
        sum(sign) filter (where is_received_in_period and outcome = 'on_time') as on_time,
        sum(sign) filter (where is_received_in_period and outcome = 'late') as late,
        sum(sign) filter (where is_received_in_period and outcome = 'pending_within')
            as pending_within,
        sum(sign) filter (where is_received_in_period and outcome = 'pending_overdue')
            as pending_overdue,
        sum(sign) filter (where is_received_in_period and channel = 2) as c04_received_online,
        sum(sign) filter (where is_received_in_period and channel is distinct from 2)
            as c05_received_direct_postal,
        sum(sign) filter (where not is_received_in_period) as c06_carried_over,
        sum(sign) filter (where resolution_date <= as_of_date) as c07_resolved_total,
        sum(sign) filter (where resolution_date <= as_of_date and resolution_class = 'early')
            as c08_resolved_early,
        sum(sign) filter (where resolution_date <= as_of_date and resolution_class = 'on_time')
            as c09_resolved_on_time,
        sum(sign) filter (where resolution_date <= as_of_date and resolution_class = 'late')
            as c10_resolved_late,
        sum(sign) filter (where resolution_date is null or resolution_date > as_of_date)
            as c11_pending_total,
        sum(sign) filter (
            where (resolution_date is null or resolution_date > as_of_date)
                and (due_date is null or due_date >= as_of_date)
        ) as c12_pending_within,
        sum(sign) filter (
            where (resolution_date is null or resolution_date > as_of_date)
                and due_date < as_of_date
        ) as c13_pending_overdue,
        sum(sign) filter (where processing_working_days is not null) as resolved_measured,
        sum(sign * processing_working_days) as processing_days_sum,
        sum(sign) filter (where is_late_or_overdue) as late_or_overdue,
        sum(sign) filter (where is_late_or_overdue and has_apology) as late_or_overdue_with_apology,
        sum(sign) filter (where overdue_working_days is not null) as overdue_aged,
        sum(sign) filter (where {{ overdue_bucket('overdue_working_days') }} = 1) as overdue_1_5,
        sum(sign) filter (where {{ overdue_bucket('overdue_working_days') }} = 2) as overdue_6_15,
        sum(sign) filter (where {{ overdue_bucket('overdue_working_days') }} = 3) as overdue_16_30,
        sum(sign) filter (where {{ overdue_bucket('overdue_working_days') }} = 4) as overdue_over_30,
{%- endmacro %}


{#- The ageing bucket of an overdue dossier (indicators.md, service measures) from its working days
    overdue: 1 = 1-5 days (0, a due date on a day off, counts here too), 2 = 6-15, 3 = 16-30,
    4 = over 30; NULL when not overdue. -#}
{% macro overdue_bucket(days) -%}
    case
        when {{ days }} <= 5 then 1
        when {{ days }} <= 15 then 2
        when {{ days }} <= 30 then 3
        when {{ days }} > 30 then 4
    end
{%- endmacro %}

{#- The names of the columns period_fact_sums makes, in its order. -#}
{% macro period_fact_columns() -%}
    {{ return([
        'dossiers', 'received', 'early', 'on_time', 'late', 'pending_within', 'pending_overdue',
        'c04_received_online', 'c05_received_direct_postal', 'c06_carried_over',
        'c07_resolved_total', 'c08_resolved_early', 'c09_resolved_on_time', 'c10_resolved_late',
        'c11_pending_total', 'c12_pending_within', 'c13_pending_overdue', 'resolved_measured',
        'processing_days_sum', 'late_or_overdue', 'late_or_overdue_with_apology', 'overdue_aged',
        'overdue_1_5', 'overdue_6_15', 'overdue_16_30', 'overdue_over_30',
    ]) }}
{%- endmacro %}


{#- The as-of date D0 of the previous build (the build the build file was copied from: this build's
    own row is the newest in stg_build__runs), as a scalar subquery; NULL on a first build. -#}
{% macro previous_as_of_date() -%}
    (select report_date from {{ ref('stg_build__runs') }} order by built_at desc limit 1 offset 1)
{%- endmacro %}


{#-
    The (period_type, period_start) an incremental period mart (ind_cohort, rpt_bieu06,
    ind_service_measures, ind_progress_score) rewrites tonight, as a query. A mart is a grid
    (its `grid_columns`, e.g. scope and sector) x periods; a period keeps last night's rows unless
      * the period facts changed in it (int_period_unit_deltas has rows for it),
      * it is new or its as-of date moved (a period running at the previous as-of date), or
    every period is rewritten when
      * the grid differs from last night's (`grid_sql` gives tonight's, e.g. a new sector of a
        unit, a renamed scope), or
      * a unit version began or ended between the previous as-of date and D (which units roll up
        into which district or province may have changed).
    It reads the mart's own table ({{ this }}) and the import CTEs every period mart declares
    first, unconditionally, so that dbt's lineage shows them: `reported_periods`
    (int_periods), `period_deltas` (int_period_unit_deltas), `unit_versions` (stg_ingest__units)
    and `previous_build` (stg_build__runs: the previous build's row).
-#}
{% macro period_mart_redo_periods(grid_sql, grid_columns) -%}
    {%- set columns = grid_columns | join(', ') -%}
    select period_type, period_start
    from reported_periods
    where (period_type, period_start) in (
            select (period_type, period_start) from period_deltas
        )
        or (period_type, period_start, as_of_date) not in (
            select (period_type, period_start, as_of_date) from {{ this }}
        )
        or exists (
            (select distinct {{ columns }} from {{ this }}
             except
             select {{ columns }} from ({{ grid_sql }}))
            union all
            (select {{ columns }} from ({{ grid_sql }})
             except
             select distinct {{ columns }} from {{ this }})
        )
        or exists (
            select 1 from unit_versions cross join previous_build
            where (valid_from > previous_build.report_date and valid_from <= {{ as_of_date() }})
                or (valid_to >= previous_build.report_date and valid_to < {{ as_of_date() }})
        )
{%- endmacro %}


{#-
    The configuration every period mart shares: incremental by period (delete+insert on
    period_type, period_start; the periods int_periods no longer reports are deleted after, by a
    post-hook reading int_periods, which every period mart reads anyway).
    Call it first in the model: {{ period_mart_config() }}.
-#}
{% macro period_mart_config() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['period_type', 'period_start'],
        on_schema_change='fail',
        post_hook="{% if is_incremental() %}delete from {{ this }} where (period_type, period_start) not in (select (period_type, period_start) from {{ ref('int_periods') }}){% endif %}",
    ) }}
{%- endmacro %}


{#- `where` clause keeping the periods of redo_periods (the CTE of period_mart_redo_periods) on an
    incremental night; nothing on a full rebuild. `glue` is 'where' or 'and'. -#}
{% macro only_redo_periods(glue='where') -%}
    {%- if is_incremental() %}
    {{ glue }} (period_type, period_start) in (select (period_type, period_start) from redo_periods)
    {%- endif %}
{%- endmacro %}


{#-
    The configuration of a period fact table (int_period_unit_counts,
    int_period_unit_processing_days): incremental, delete+insert on `keys`; rows left with no
    dossier and periods no longer reported (int_periods) are deleted after.
-#}
{% macro period_fact_config(keys) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=keys,
        post_hook=[
            "delete from {{ this }} where dossiers = 0",
            "delete from {{ this }} where (period_type, period_start) not in (select (period_type, period_start) from {{ ref('int_periods') }})",
        ],
    ) }}
{%- endmacro %}


{#-
    The CTE `summed` of a period fact table, from the CTEs the model declares first: `deltas`
    (tonight's signed sums per `keys`, with period_end and the additive `columns`), `seeds`
    (int_period_seeds) and `periods_before` (stg_build__periods_before). On an incremental night:
    this table's rows of the keys the deltas touch, plus the rows of a seeded period's
    predecessor under the new key, plus the deltas, summed; on a full rebuild the deltas are the
    facts. The deltas were computed against the periods prepare_build staged from
    int_period_unit_counts (periods_before). With `check_staged` (int_period_unit_counts), a
    period this table holds that was not staged (dbt run on a build file prepare_build did not
    prepare) fails the build: the deltas would be added to rows that already count them.
-#}
{% macro add_period_deltas(keys, columns, check_staged=false) -%}
{%- if is_incremental() %}

current_rows as (

    select kept.*
    from {{ this }} as kept
    semi join deltas
        on {% for key in keys %}kept.{{ key }} = deltas.{{ key }}{{ '\n        and ' if not loop.last }}{% endfor %}
    {%- if check_staged %}
    where case
        when exists (
            select period_type, period_start from {{ this }}
            except
            select period_type, period_start from periods_before
        )
            then error('{{ this.identifier }} holds periods that were not staged in raw.build_periods_before: the build file was not prepared by motcua.warehouse.build.prepare_build. Run the night again (motcua run) or build with --full-refresh.')
        else true
    end
    {%- endif %}

),

-- a new trailing twelve months seeded from its predecessor (int_period_seeds): the predecessor's
-- rows under the new key, to which the deltas add what moved and shifted
seeded_rows as (

    select kept.* replace (seeds.period_start as period_start, seeds.period_end as period_end)
    from {{ this }} as kept
    inner join seeds
        on kept.period_type = seeds.period_type
        and kept.period_start = seeds.seed_start

),

summed as (

    select
        {{ keys | join(',\n        ') }},
        period_end,
        {%- for column in columns %}
        sum({{ column }}) as {{ column }},
        {%- endfor %}
    from (
        select * from current_rows
        union all by name
        select * from seeded_rows
        union all by name
        select * from deltas
    )
    group by all

),

{%- else %}

summed as (

    select * from deltas

),

{%- endif %}
{%- endmacro %}
