-- Every received dossier of a cohort is returned on time, returned late or in process.
select *
from {{ ref('ind_cohort') }}
where received <> returned_on_time + returned_late + in_process
