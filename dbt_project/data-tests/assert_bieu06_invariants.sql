-- Biểu 06 invariants, in every row: 3 = 4 + 5 + 6; 3 = 7 + 11; 7 = 8 + 9 + 10; 11 = 12 + 13.
select *
from {{ ref('rpt_bieu06') }}
where c03_received_total <> c04_received_online + c05_received_direct_postal + c06_carried_over
    or c03_received_total <> c07_resolved_total + c11_pending_total
    or c07_resolved_total <> c08_resolved_early + c09_resolved_on_time + c10_resolved_late
    or c11_pending_total <> c12_pending_within + c13_pending_overdue
