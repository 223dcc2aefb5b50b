"""The GX Core objects: file context, pandas data source, suite, validation definition, checkpoint.

Import this module only when there is something to validate: it imports great_expectations
(about 10 s).

The context lives in ``$MOTCUA_DATA_DIR/gx`` (suites, checkpoints, validation results); its Data
Docs site is written to ``$MOTCUA_DATA_DIR/docs/gx`` (``index.html``), viewable from disk.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

# GX logs every public-API registration at INFO while importing: keep Airflow task logs readable
# unless someone configured the GX logger on purpose.
if logging.getLogger("great_expectations").level == logging.NOTSET:
    logging.getLogger("great_expectations").setLevel(logging.WARNING)

import great_expectations as gx  # noqa: E402
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.metadata_types import FailureSeverity

from expectations.derive import INDEX_COLUMNS
from expectations.rules import CHECKS, Check, Severity
from ingestion.config import Settings

DATA_SOURCE = "motcua_ingest"
ASSET = "submission_rows"
BATCH_DEFINITION = "new_files"
SUITE = "motcua_submission"
VALIDATION_DEFINITION = "motcua_submission_new_files"
CHECKPOINT = "motcua_submission"
SITE = "local_site"
INDEX_VALIDATION_RESULTS = 90  # validation runs listed on the Data Docs index page

RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": list(INDEX_COLUMNS),
    "return_unexpected_index_query": False,
    # Failing rows as two lists (file_id, row_number) rather than one dict per row with its
    # value: about 5x faster on 150,000 rows; findings read the values from DuckDB.
    "exclude_unexpected_values": True,
    "partial_unexpected_count": 20,
}

_GX_SEVERITY = {
    Severity.BLOCKING: FailureSeverity.CRITICAL,
    Severity.ERROR: FailureSeverity.CRITICAL,
    Severity.WARNING: FailureSeverity.WARNING,
}


def docs_dir(settings: Settings) -> Path:
    return settings.docs_dir / "gx"


def site_config(settings: Settings) -> dict[str, Any]:
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir(settings)),
        },
        # The index reloads every listed validation result on each build: list the latest only.
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "validation_results_limit": INDEX_VALIDATION_RESULTS,
        },
    }


def open_context(settings: Settings):
    """The file-backed GX context of this data folder, created on first use, with its Data Docs
    site pointed at ``docs/gx`` and progress bars off (Airflow logs)."""
    context = gx.get_context(mode="file", project_root_dir=settings.data_dir)
    wanted = site_config(settings)
    sites = context.config.data_docs_sites or {}
    if SITE not in sites:
        context.add_data_docs_site(SITE, wanted)
    elif sites[SITE] != wanted:
        context.update_data_docs_site(SITE, wanted)
    for other in [name for name in sites if name != SITE]:
        context.delete_data_docs_site(other)
    if context.config.analytics_enabled is not False:
        context.enable_analytics(False)  # saves the config; nothing leaves the machine
    bars = context.variables.progress_bars  # a dict once read back from the YAML file
    if isinstance(bars, ProgressBarsConfig):
        bars = bars.to_dict()
    if not bars or bars.get("globally", True) or bars.get("metric_calculations", True):
        context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        context.variables.save()
    return context


def _expectation(check: Check):
    common: dict[str, Any] = {
        "column": check.column,
        "description": f"{check.rule.id}: {check.description_en} ({check.column})",
        "notes": f"{check.rule.id} — {check.rule.title_vi} / {check.rule.title_en}",
        "meta": {"rule_id": check.rule.id, "check": check.name},
        "severity": _GX_SEVERITY[check.rule.severity],
    }
    if check.kind == "between":
        tolerance = check.rule.tolerance_working_days  # type: ignore[attr-defined]
        return gx.expectations.ExpectColumnValuesToBeBetween(
            min_value=-tolerance, max_value=tolerance, **common
        )
    return gx.expectations.ExpectColumnValuesToBeNull(**common)


def build_suite() -> gx.ExpectationSuite:
    """One suite, one expectation per check of ``expectations.rules.CHECKS``."""
    suite = gx.ExpectationSuite(
        name=SUITE,
        meta={"notes": "Per-submission record-keeping gaps R03–R10 (shared/spec)."},
    )
    for check in CHECKS:
        suite.add_expectation(_expectation(check))
    return suite


def checkpoint(context) -> gx.Checkpoint:
    """The checkpoint validating a whole DataFrame (passed at run time) against the suite and
    updating Data Docs. The suite is rewritten from code on every run, so code is the truth."""
    try:
        source = context.data_sources.get(DATA_SOURCE)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(DATA_SOURCE)
    try:
        asset = source.get_asset(ASSET)
    except LookupError:
        asset = source.add_dataframe_asset(ASSET)
    try:
        batch_definition = asset.get_batch_definition(BATCH_DEFINITION)
    except (KeyError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)

    suite = context.suites.add_or_update(build_suite())
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=VALIDATION_DEFINITION, data=batch_definition, suite=suite)
    )
    return context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=CHECKPOINT,
            validation_definitions=[validation],
            actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[SITE])],
            result_format=RESULT_FORMAT,
        )
    )


def run(context, frame, run_name: str):
    """Validate ``frame``; returns the one ExpectationSuiteValidationResult."""
    result = checkpoint(context).run(
        batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_name)
    )
    (validation_result,) = result.run_results.values()
    return validation_result
