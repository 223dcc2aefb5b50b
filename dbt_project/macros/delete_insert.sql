{#-
    The `delete+insert` incremental strategy, for keys that are not unique in the new rows.

    The period marts replace whole periods: their unique_key is (period_type, period_start), and
    tonight's rows hold thousands of rows per period. dbt-duckdb's own version deletes with
    `delete from target using new_rows where <keys equal>`, a join of every old row of a period
    with every new row of it (millions of pairs a night for nothing: each old row is deleted once).
    This one deletes by the distinct keys, as dbt-core's default does; the rows deleted and
    inserted are the same. dbt looks for `duckdb__get_delete_insert_merge_sql` in the root
    project before the adapter's, so every delete+insert model uses it.
-#}
{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}

    {%- set dest_cols_csv = get_quoted_csv(dest_columns | map(attribute="name")) -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}

    {% if keys %}
        delete from {{ target }} as DBT_INCREMENTAL_TARGET
        using (select distinct {{ keys | join(', ') }} from {{ source }}) as DBT_INCREMENTAL_KEYS
        where (
            {% for key in keys %}
                DBT_INCREMENTAL_KEYS.{{ key }} = DBT_INCREMENTAL_TARGET.{{ key }}
                {{ "and " if not loop.last }}
            {% endfor %}
            {% if incremental_predicates %}
                {% for predicate in incremental_predicates %}
                    and {{ predicate }}
                {% endfor %}
            {% endif %}
        );
    {% endif %}

    insert into {{ target }} ({{ dest_cols_csv }})
    (
        select {{ dest_cols_csv }}
        from {{ source }}
    )

{%- endmacro %}
