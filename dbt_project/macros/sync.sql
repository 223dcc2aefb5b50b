{#-
    The `sync` incremental strategy: make the table equal to the model's rows, writing only the rows
    that differ. For a table that depends on D everywhere but changes little from one night to the
    next (dq_issues: some 230,000 rows of text, a few thousand new or gone a night): dbt computes
    the model's rows into a temporary table as for any incremental model; rows are then compared
    whole, every column, NULL equal to NULL: the table's rows that are not among the model's are
    deleted, the model's rows that are not in the table are inserted. Rewriting the whole table
    wrote (and checkpointed) every row again, and dropped the old table, each night.

    The model's rows must be distinct (dq_issues: unique issue_id, tested): a row is present or
    not, never counted. A full rebuild creates the table as `table` does.
-#}
{% macro get_incremental_sync_sql(arg_dict) -%}

    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='name') | list -%}
    {%- set same_row -%}
        {%- for column in columns %}
            {{ 'and ' if not loop.first }}t.{{ adapter.quote(column) }} is not distinct from s.{{ adapter.quote(column) }}
        {%- endfor %}
    {%- endset -%}

    delete from {{ target }} as t
    where not exists (
        select 1 from {{ source }} as s
        where {{ same_row }}
    );

    insert into {{ target }} ({{ get_quoted_csv(columns) }})
    select {{ get_quoted_csv(columns) }}
    from {{ source }} as s
    where not exists (
        select 1 from {{ target }} as t
        where {{ same_row }}
    )

{%- endmacro %}
