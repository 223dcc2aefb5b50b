"""What people read from the published warehouse: the night's summary (:mod:`.summary`)."""
