"""Errors of the pipeline itself (not of a unit's data): they stop the run, loudly."""


class PipelineError(RuntimeError):
    """Something the operator must fix; the message says what went wrong and what to do."""
