{#-
    The submission rows the indicators use (int_submission_rows_used): rows of files whose status
    is `loaded` (never replaced, duplicate or quarantined ones) with report_date <= D, with the
    row's sector resolved to a sector code of the catalogue: the code itself, else a sector name
    (case- and space-insensitive), else NULL. Never derived from the procedure code.

    The contract's handover (submission-contract.md, unit_successions.csv): `unit_code` is the
    unit that received the dossier, `reporting_unit_code` the unit whose file holds the row. They
    differ on a successor's row that carries on a predecessor's dossier: a row of a successor S,
    reported on or after the succession's effective_date E, for a dossier received before E,
    whose dossier_code the predecessor P reported before E (and S itself did not: a unit that kept
    its code carries on its own dossiers). Its unit_code is P's, so that the dossier is one
    (unit_code, dossier_code), counted once, received by P. One step: a successor's successor
    continues S's dossiers, not P's (docs/warehouse.md, "Successions").

    `dossier_filter` is a `where` clause on the raw rows, applied before anything else:
    int_dossier_states_rederived (through macros/dossier_states.sql) passes the dossiers of
    raw.build_changes and derives tonight's dossiers only.
    Reading the view with the same filter would not do: DuckDB applies a filter on a view's
    output after the view's joins, i.e. after resolving the sector of every row of the history.
-#}
{% macro submission_rows_used(dossier_filter='') -%}
    with

    -- Read twice, by `used` and by `row_keys`: not materialized, so that each read prunes the
    -- columns it does not use (a materialized CTE keeps them all; see `procedures`).
    files as not materialized (

        select * from {{ ref('stg_ingest__files') }}

    ),

    submission_rows as not materialized (

        select * from {{ ref('stg_ingest__submission_rows') }}
        {{ dossier_filter }}

    ),

    -- Read twice (codes, names). DuckDB 1.5 materializes a CTE read twice, and a materialized
    -- CTE here kept it from pruning the unused columns of the submission rows: a night's
    -- int_dossier_states read all 25 columns of the 10M rows (0.79 s) instead of 16 (0.63 s).
    procedures as not materialized (

        select * from {{ ref('stg_ingest__procedures') }}

    ),

    sector_codes as (

        select
            {{ normalize_key('sector_code') }} as sector_key,
            min(sector_code) as sector_code,
        from procedures
        where sector_code is not null
        group by 1

    ),

    sector_names as (

        select
            {{ normalize_key('sector_name') }} as sector_key,
            min(sector_code) as sector_code,
        from procedures
        where sector_code is not null
            and sector_name is not null
        group by 1

    ),

    used as (

        select r.*
        from submission_rows as r
        inner join files as f
            on r.file_id = f.file_id
        where f.file_status = 'loaded'
            and f.report_date <= {{ as_of_date() }}

    ),

    successions as (

        select distinct old_unit_code, successor_unit_code, effective_date,
        from {{ ref('stg_ingest__unit_successions') }}
        where old_unit_code <> successor_unit_code

    ),

    -- the keys of the used rows, for the handover: narrow reads of the rows, one per use below
    -- (not materialized: a materialized CTE here kept DuckDB 1.5 from pruning the columns of the
    -- main read, `used`, through the join with received_by; tests/warehouse/test_dbt_models.py)
    row_keys as not materialized (

        select
            r.unit_code,
            r.dossier_code,
            r.report_date,
            r.received_date,
        from submission_rows as r
        inner join files as f
            on r.file_id = f.file_id
        where f.file_status = 'loaded'
            and f.report_date <= {{ as_of_date() }}
            and r.dossier_code is not null

    ),

    -- a successor's dossiers received before it took over: each predecessor may have received it
    continued as (

        select distinct
            row_keys.unit_code,
            row_keys.dossier_code,
            successions.old_unit_code,
            successions.effective_date,
        from row_keys
        inner join successions
            on row_keys.unit_code = successions.successor_unit_code
            and row_keys.report_date >= successions.effective_date
            and row_keys.received_date < successions.effective_date

    ),

    -- ... the predecessor that reported it before the handover (the lowest code if several did),
    -- unless the successor had reported it itself before
    received_by as (

        select
            continued.unit_code,
            continued.dossier_code,
            min(continued.old_unit_code) as receiving_unit_code,
        from continued
        semi join row_keys as predecessor_rows
            on predecessor_rows.unit_code = continued.old_unit_code
            and predecessor_rows.dossier_code = continued.dossier_code
            and predecessor_rows.report_date < continued.effective_date
        anti join row_keys as own_rows
            on own_rows.unit_code = continued.unit_code
            and own_rows.dossier_code = continued.dossier_code
            and own_rows.report_date < continued.effective_date
        group by all

    ),

    final as (

        select
            used.* replace (
                coalesce(received_by.receiving_unit_code, used.unit_code) as unit_code
            ),
            used.unit_code as reporting_unit_code,
            coalesce(by_code.sector_code, by_name.sector_code) as sector_code,
        from used
        left join received_by
            on used.unit_code = received_by.unit_code
            and used.dossier_code = received_by.dossier_code
        left join sector_codes as by_code
            on {{ normalize_key('used.sector_raw') }} = by_code.sector_key
        left join sector_names as by_name
            on {{ normalize_key('used.sector_raw') }} = by_name.sector_key

    )

    select * from final
{%- endmacro %}
