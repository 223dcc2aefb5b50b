-- Every (scope, sector) combination the scope-level indicator marts emit: the unit sectors of
-- int_unit_sectors rolled up to each scope (unit, district, province) the unit belongs to.

select distinct
    scopes.scope_level,
    scopes.scope_code,
    unit_sectors.sector_code,
from {{ ref('int_unit_sectors') }} as unit_sectors
inner join {{ ref('int_unit_scopes') }} as scopes
    on unit_sectors.unit_code = scopes.unit_code
