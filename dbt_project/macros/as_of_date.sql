{#-
    The as-of date D of the build (YYYY-MM-DD), as a SQL date literal: the var `report_date` when
    given (dbt build --vars '{report_date: "2009-06-30"}', unit tests), else the environment
    variable MOTCUA_REPORT_DATE (the pipeline sets it: motcua.warehouse.build.dbt_env). Everything is
    computed as of D and only submissions with report_date <= D are used.

    The environment variable is read only when running (`execute`), never while parsing: dbt keeps
    a parsed project between runs (partial parsing) unless the vars of the command line or a value
    read during parsing changed, and a new date every night would otherwise cost a full parse of
    the project every night. Parsing (dbt parse / ls, e.g. for a Cosmos manifest) works without a
    date; running anything fails with a clear message when it is missing or not a real date.
-#}
{% macro as_of_date() -%}
    {%- set raw = var('report_date', none) -%}
    {%- if raw is none and execute -%}
        {%- set raw = (env_var('MOTCUA_REPORT_DATE', '') | trim) or none -%}
    {%- endif -%}
    {%- set text = (raw | string | trim) if raw is not none else '' -%}
    {%- set ns = namespace(valid=false) -%}
    {%- if modules.re.match('^\d{4}-\d{2}-\d{2}$', text) -%}
        {%- set y, m, d = text[0:4] | int, text[5:7] | int, text[8:10] | int -%}
        {%- if 1 <= m <= 12 -%}
            {%- set next_month = modules.datetime.date(y + (m // 12), (m % 12) + 1, 1) -%}
            {%- set last_day = (next_month - modules.datetime.timedelta(days=1)).day -%}
            {%- set ns.valid = (1 <= d <= last_day) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if not ns.valid -%}
        {%- if execute -%}
            {{ exceptions.raise_compiler_error(
                "motcua: the as-of date (the var `report_date` or the environment variable "
                ~ "MOTCUA_REPORT_DATE, YYYY-MM-DD) is required and must be a real date, got "
                ~ (raw | string) ~ ". Run e.g. dbt build --project-dir dbt_project --profiles-dir "
                ~ "dbt_project --vars '{report_date: \"2009-06-30\"}'"
            ) }}
        {%- endif -%}
        cast(null as date)
    {%- else -%}
        date '{{ text }}'
    {%- endif -%}
{%- endmacro %}
