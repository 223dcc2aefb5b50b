-- The scorecard's missing submissions are exactly the R01 issues of the unit and month.
with

scorecard as (

    select
        unit_code,
        month,
        missing_submissions,
    from {{ ref('dq_unit_scorecard') }}

),

r01 as (

    select
        unit_code,
        date_trunc('month', report_date)::date as month,
        count(*) as missing_submissions,
    from {{ ref('dq_issues') }}
    where rule_id = 'R01_missing_submission'
    group by all

)

select *
from scorecard
full outer join r01
    on scorecard.unit_code = r01.unit_code
    and scorecard.month = r01.month
where coalesce(scorecard.missing_submissions, 0) <> coalesce(r01.missing_submissions, 0)
