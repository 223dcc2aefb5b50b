-- R01_missing_submission: a unit running the one-stop shop sent no file at all for a report date.

with

expected as (

    select * from {{ ref('int_submissions_expected') }}
    where not has_submission

),

final as (

    select
        'R01_missing_submission' as rule_id,
        'error' as severity,
        cast(null as bigint) as file_id,
        cast(null as integer) as row_number,
        unit_code,
        report_date,
        cast(null as varchar) as dossier_code,
        'Đơn vị không gửi sổ theo dõi ngày ' || strftime(report_date, '%d/%m/%Y') as detail_vi,
        'No ledger submitted for ' || strftime(report_date, '%Y-%m-%d') as detail_en,
        'history' as source,
    from expected

)

select * from final
