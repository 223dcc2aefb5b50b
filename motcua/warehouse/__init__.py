"""The warehouse: the build file and dbt (:mod:`.build`), write–audit–publish (:mod:`.publish`),
the dbt docs site (:mod:`.docs`)."""
