{#-
    The file manifest for operators: every file seen in landing/ up to the as-of date, what
    happened to it and why ("did unit X send its file on date D, and what happened to it").
    Files whose path carries no report date count from the day they arrived.
-#}

with

files as (

    select * from {{ ref('stg_ingest__files') }}
    where coalesce(report_date, cast(arrived_at as date)) <= {{ as_of_date() }}

),

units as (

    select * from {{ ref('stg_ingest__units') }}

),

unit_names as (

    -- The name of the unit version in force at the file's report date (the latest version when
    -- versions overlap). Aggregated rather than ranked with a window: a hash aggregate on file_id
    -- costs a fraction of sorting every file.
    select
        files.file_id,
        arg_max(units.unit_name, coalesce(units.valid_from, date '1900-01-01')) as unit_name,
    from files
    inner join units
        on units.unit_code = files.unit_code
        and files.report_date >= coalesce(units.valid_from, date '1900-01-01')
        and (units.valid_to is null or files.report_date <= units.valid_to)
    group by files.file_id

),

named as (

    select
        files.*,
        unit_names.unit_name,
    from files
    left join unit_names
        on unit_names.file_id = files.file_id

),

final as (

    select
        file_id,
        landing_path,
        unit_code,
        unit_name,
        report_date,
        ext,
        format as file_format,
        sha256,
        size_bytes,
        arrived_at,
        cast(cast(arrived_at as date) - report_date as integer) as arrival_delay_days,
        rows_read,
        file_status,
        file_status = 'loaded' as is_current,
        case
            when file_status = 'replaced' then max(file_id) filter (where file_status = 'loaded')
                over (partition by unit_code, report_date)
        end as replaced_by_file_id,
        reason_code,
        reason,
        archive_path,
        case
            when file_status = 'quarantined'
                then 'quarantine/' || printf('%08d', file_id) || '_' || left(sha256, 12)
        end as quarantine_path,
        {{ as_of_date() }} as as_of_date,
    from named

)

select * from final
