-- The dossiers this build re-derives (raw.build_changes) as int_dossiers_latest held them before
-- the build: what they had put into the period facts, which int_period_unit_deltas takes back.
-- Read from the copy of the published warehouse before int_dossiers_latest rewrites them (that
-- model depends on this one); empty on a full rebuild, where the period facts start afresh.

-- depends_on: {{ source('build', 'build_changes') }}

{%- set previous = adapter.get_relation(database=this.database, schema=this.schema, identifier='int_dossiers_latest') if execute and this is not none else none %}

{%- if previous is not none and not flags.FULL_REFRESH %}

select
    unit_code,
    dossier_code,
    sector_code,
    channel,
    received_date,
    due_date,
    rescheduled_due_date,
    resolution_date,
    resolution_class,
    is_received,
    is_withdrawn,
from {{ previous }}
where (unit_code, dossier_code) in (
    select (unit_code, dossier_code) from {{ source('build', 'build_changes') }}
)

{%- else %}

select
    cast(null as varchar) as unit_code,
    cast(null as varchar) as dossier_code,
    cast(null as varchar) as sector_code,
    cast(null as tinyint) as channel,
    cast(null as date) as received_date,
    cast(null as date) as due_date,
    cast(null as date) as rescheduled_due_date,
    cast(null as date) as resolution_date,
    cast(null as varchar) as resolution_class,
    cast(null as boolean) as is_received,
    cast(null as boolean) as is_withdrawn,
where false

{%- endif %}
