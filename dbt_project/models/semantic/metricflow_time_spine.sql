{{ config(materialized="table", schema="semantic", tags=["static"]) }}

-- MetricFlow's daily time spine (dbt time_spine config): every date of dim_date.
select date_day
from {{ ref('dim_date') }}
