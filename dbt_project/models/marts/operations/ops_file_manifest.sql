{#-
    The file manifest for operators: every file seen in landing/ up to the as-of date, what
    happened to it and why ("did unit X send its file on date D, and what happened to it").
    Files whose path carries no report date count from the day they arrived.

    Incremental (docs/warehouse-incremental.md): a night rewrites the files whose row can differ
    from last night's: files new to the manifest (new tonight, or a file without report date that
    arrived after the previous as-of date), files whose manifest columns changed (a re-sent ledger
    turned a loaded file into a replaced one), and every file of the same unit and report date as
    those (replaced_by_file_id); as_of_date is then set to D on every row. A full rebuild computes
    every row. Unit names need no care: a changed unit registry means a full rebuild.
-#}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='file_id',
    on_schema_change='fail',
    post_hook="update {{ this }} set as_of_date = {{ as_of_date() }} where as_of_date <> {{ as_of_date() }}",
) }}

{%- set source_columns = [
    'landing_path', 'unit_code', 'report_date', 'ext', 'format', 'sha256', 'size_bytes',
    'arrived_at', 'rows_read', 'file_status', 'reason_code', 'reason', 'archive_path',
] %}

with

all_files as (

    select * from {{ ref('stg_ingest__files') }}
    where coalesce(report_date, cast(arrived_at as date)) <= {{ as_of_date() }}

),

{%- if is_incremental() %}

changed as (

    select all_files.file_id, all_files.unit_code, all_files.report_date,
    from all_files
    left join {{ this }} as kept
        on all_files.file_id = kept.file_id
    where kept.file_id is null
        or ({% for c in source_columns %}all_files.{{ c }}{{ ', ' if not loop.last }}{% endfor %})
            is distinct from
            ({% for c in source_columns %}kept.{{ 'file_format' if c == 'format' else c }}{{ ', ' if not loop.last }}{% endfor %})

),

files as (

    select * from all_files
    where file_id in (select file_id from changed)
        or (unit_code, report_date) in (select (unit_code, report_date) from changed)

),

{%- else %}

files as (

    select * from all_files

),

{%- endif %}

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
