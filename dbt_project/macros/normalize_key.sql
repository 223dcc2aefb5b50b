{#- Case- and space-insensitive matching key of a free-text label (e.g. a sector name). -#}
{% macro normalize_key(expr) -%}
    lower(regexp_replace(coalesce({{ expr }}, ''), '\s+', '', 'g'))
{%- endmacro %}
