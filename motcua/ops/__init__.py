"""Operations: fault injection for drills and tests (:mod:`.faults`) and failure alerts
(:mod:`.alerts`)."""
