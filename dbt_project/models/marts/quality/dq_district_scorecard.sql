-- Record-keeping quality per district (the district-level unit and its communes) and month: the
-- sums of dq_unit_scorecard, with the same rates and a rank among districts (1 = worst).

with

unit_scorecard as (

    select * from {{ ref('dq_unit_scorecard') }}
    where district_code is not null

),

units as (

    select * from {{ ref('int_units_current') }}

),

summed as (

    select
        district_code,
        month,
        count(*) as units_count,
        sum(submissions_expected) as submissions_expected,
        sum(submissions_received) as submissions_received,
        sum(missing_submissions) as missing_submissions,
        sum(rows_received) as rows_received,
        sum(rows_with_issues) as rows_with_issues,
    from unit_scorecard
    group by all

),

rated as (

    select
        district_code,
        month,
        units_count,
        cast(submissions_expected as bigint) as submissions_expected,
        cast(submissions_received as bigint) as submissions_received,
        cast(missing_submissions as bigint) as missing_submissions,
        cast(rows_received as bigint) as rows_received,
        cast(rows_with_issues as bigint) as rows_with_issues,
        rows_with_issues / nullif(rows_received, 0) as issue_rate,
        missing_submissions / nullif(submissions_expected, 0) as missing_rate,
        (missing_submissions + rows_with_issues)
            / nullif(submissions_expected + rows_received, 0) as gap_ratio,
    from summed

),

final as (

    select
        rated.district_code,
        units.unit_name as district_name,
        rated.month,
        rated.units_count,
        rated.submissions_expected,
        rated.submissions_received,
        rated.missing_submissions,
        rated.rows_received,
        rated.rows_with_issues,
        rated.issue_rate,
        rated.missing_rate,
        rated.gap_ratio,
        dense_rank() over (
            partition by rated.month
            order by rated.gap_ratio desc nulls last, rated.district_code
        ) as rank_in_province,
    from rated
    left join units
        on rated.district_code = units.unit_code

)

select * from final
