{#-
    True when a unit version is in force at the as-of date D (warehouse-interface / indicators §5):
    valid_from <= D <= valid_to, an empty valid_from meaning "always", an empty valid_to "still".
-#}
{% macro is_in_force(valid_from='valid_from', valid_to='valid_to') -%}
    (coalesce({{ valid_from }}, date '1900-01-01') <= {{ as_of_date() }}
        and coalesce({{ valid_to }}, date '9999-12-31') >= {{ as_of_date() }})
{%- endmacro %}
