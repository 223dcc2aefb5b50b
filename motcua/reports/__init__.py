"""What people read from the published warehouse: the night's summary (:mod:`.summary`),
Biểu số 06, the official periodic report (:mod:`.bieu06` for its periods, scopes and figures,
:mod:`.workbook` for the workbook in the form's layout), and the nightly dashboard
(:mod:`.figures` reads its figures from the marts, :mod:`.dashboard` writes its pages,
:mod:`.lookup` prints any of them for ``motcua report --period --scope``)."""
