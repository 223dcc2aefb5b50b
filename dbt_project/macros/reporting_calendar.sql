{#-
    The reporting calendar the periods are cut on (motcua.common.periods, docs/reports.md "The
    reporting calendar"): `calendar` (calendar months, the default) or `cutoff` (the official
    cut-off of Nghị định 09/2019/NĐ-CP, Điều 12: a month runs from the 15th of the month before to
    the 14th). Read from the var `reporting_calendar`, else the environment variable
    MOTCUA_REPORTING_CALENDAR, when running only (as as_of_date() does, so that parsing stays
    cached).
-#}
{% macro reporting_calendar() -%}
    {%- set raw = var('reporting_calendar', none) -%}
    {%- if raw is none and execute -%}
        {%- set raw = (env_var('MOTCUA_REPORTING_CALENDAR', '') | trim) or none -%}
    {%- endif -%}
    {%- set value = (raw | string | trim | lower) if raw is not none else 'calendar' -%}
    {%- if value not in ('calendar', 'cutoff') and execute -%}
        {{ exceptions.raise_compiler_error(
            "motcua: MOTCUA_REPORTING_CALENDAR (or the var reporting_calendar) must be calendar "
            ~ "or cutoff, got " ~ value ~ " (see docs/reports.md, 'The reporting calendar')"
        ) }}
    {%- endif -%}
    {{ return(value if value in ('calendar', 'cutoff') else 'calendar') }}
{%- endmacro %}


{#- The first day of the period whose first month is `month_start` (a month's first day, SQL). -#}
{% macro period_first_day(month_start) -%}
    {%- if reporting_calendar() == 'cutoff' -%}
        ({{ month_start }} - interval 1 month + interval 14 day)::date
    {%- else -%}
        ({{ month_start }})::date
    {%- endif -%}
{%- endmacro %}


{#- The last day of the period whose last month is `month_start` (a month's first day, SQL). -#}
{% macro period_last_day(month_start) -%}
    {%- if reporting_calendar() == 'cutoff' -%}
        ({{ month_start }} + interval 13 day)::date
    {%- else -%}
        last_day({{ month_start }})
    {%- endif -%}
{%- endmacro %}


{#- The first day of the month (on the reporting calendar) that holds the date `day`. -#}
{% macro reporting_month_of(day) -%}
    {%- if reporting_calendar() == 'cutoff' -%}
        (date_trunc('month', {{ day }}) + if(day({{ day }}) > 14, interval 1 month, interval 0 month))::date
    {%- else -%}
        date_trunc('month', {{ day }})::date
    {%- endif -%}
{%- endmacro %}
