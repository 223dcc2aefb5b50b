"""What people read from the published warehouse: the night's summary (:mod:`.summary`) and
Biểu số 06, the official periodic report (:mod:`.bieu06` for its periods, scopes and figures,
:mod:`.workbook` for the workbook in the form's layout)."""
