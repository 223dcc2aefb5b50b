-- R13_volume_anomaly: a unit's nightly row count far outside its own recent history. Unit x date,
-- on the nights a ledger was expected (int_submissions_expected); a night's count is the rows of
-- the unit's used (`loaded`) file for that report date, 0 when it sent none. Thresholds are the
-- project vars `r13_*` (dbt_project.yml), all in one place:
--
--   baseline   the median of the unit's counts on the nights it did send a file (a missing night
--              is R01, not a zero) in the `r13_baseline_nights` (28) nights before the
--              `r13_quiet_nights` (7) nights ending the night; judged only with at least
--              `r13_min_baseline_nights` (14) such nights and a median >= `r13_min_median` (5),
--              i.e. a unit that usually has many rows;
--   quiet      no row at all in the `r13_quiet_nights` (7) nights ending the night (files with
--              only a header, or no file): flagged on every night the quiet run lasts from the 7th;
--   burst      more than `r13_burst_factor` (10) times the baseline and at least
--              `r13_burst_min_rows` (100) rows in the night.
--
-- Medians over a month make the rule robust to weekends, holidays and single odd nights.

{%- set baseline_nights = var('r13_baseline_nights', 28) %}
{%- set quiet_nights = var('r13_quiet_nights', 7) %}
{%- set min_baseline_nights = var('r13_min_baseline_nights', 14) %}
{%- set min_median = var('r13_min_median', 5) %}
{%- set burst_factor = var('r13_burst_factor', 10) %}
{%- set burst_min_rows = var('r13_burst_min_rows', 100) %}

with

expected as (

    select * from {{ ref('int_submissions_expected') }}

),

night_rows as (

    select
        unit_code,
        report_date,
        sum(rows_read) as row_count,
    from {{ ref('stg_ingest__files') }}
    where file_status = 'loaded'
        and report_date <= {{ as_of_date() }}
    group by all

),

nights as (

    select
        expected.unit_code,
        expected.report_date,
        expected.has_submission,
        coalesce(night_rows.row_count, 0) as row_count,
    from expected
    left join night_rows
        on expected.unit_code = night_rows.unit_code
        and expected.report_date = night_rows.report_date

),

windowed as (

    select
        *,
        sum(row_count) over (
            partition by unit_code order by report_date
            range between interval {{ quiet_nights - 1 }} days preceding and current row
        ) as recent_rows,
        count(*) over (
            partition by unit_code order by report_date
            range between interval {{ quiet_nights - 1 }} days preceding and current row
        ) as recent_nights,
        median(if(has_submission, row_count, null)) over (
            partition by unit_code order by report_date
            range between interval {{ quiet_nights + baseline_nights - 1 }} days preceding
                and interval {{ quiet_nights }} days preceding
        ) as baseline_median,
        count(if(has_submission, 1, null)) over (
            partition by unit_code order by report_date
            range between interval {{ quiet_nights + baseline_nights - 1 }} days preceding
                and interval {{ quiet_nights }} days preceding
        ) as baseline_nights,
    from nights

),

flagged as (

    select
        *,
        case
            when recent_nights = {{ quiet_nights }} and recent_rows = 0 then 'quiet'
            when row_count > {{ burst_factor }} * baseline_median
                and row_count >= {{ burst_min_rows }} then 'burst'
        end as anomaly,
    from windowed
    where baseline_nights >= {{ min_baseline_nights }}
        and baseline_median >= {{ min_median }}

),

final as (

    select
        'R13_volume_anomaly' as rule_id,
        'warning' as severity,
        cast(null as bigint) as file_id,
        cast(null as integer) as row_number,
        unit_code,
        report_date,
        cast(null as varchar) as dossier_code,
        case anomaly
            when 'quiet' then 'Đơn vị không ghi hồ sơ nào trong {{ quiet_nights }} đêm đến ngày '
                || strftime(report_date, '%d/%m/%Y') || ', thường ' || baseline_median
                || ' hồ sơ mỗi đêm'
            else 'Đơn vị ghi ' || row_count || ' hồ sơ ngày ' || strftime(report_date, '%d/%m/%Y')
                || ', gấp hơn {{ burst_factor }} lần mức thường (' || baseline_median
                || ' hồ sơ mỗi đêm)'
        end as detail_vi,
        case anomaly
            when 'quiet' then 'No rows in the {{ quiet_nights }} nights up to '
                || strftime(report_date, '%Y-%m-%d') || ', usually ' || baseline_median
                || ' rows a night'
            else row_count || ' rows on ' || strftime(report_date, '%Y-%m-%d')
                || ', more than {{ burst_factor }} times the usual ' || baseline_median
                || ' rows a night'
        end as detail_en,
        'history' as source,
    from flagged
    where anomaly is not null

)

select * from final
