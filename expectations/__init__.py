"""Per-submission validation (R03–R10) with Great Expectations; see ``expectations.validate``.

Importing this package is cheap: great_expectations is imported only when there are rows to
validate.
"""

from expectations.validate import ValidationSummary, validate_new_files

__all__ = ["ValidationSummary", "validate_new_files"]
