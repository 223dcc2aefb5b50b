"""The GX Core objects: file context, pandas data source, suite, validation definition, checkpoint.

Import this module only when there is something to validate: it imports great_expectations
(about 10 s).

The context lives in ``$MOTCUA_DATA_DIR/gx`` (suites, checkpoints, validation results); its Data
Docs site is written to ``$MOTCUA_DATA_DIR/docs/gx`` (``index.html``), viewable from disk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
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

from expectations.derive import FILE_INDEX_COLUMNS, INDEX_COLUMNS
from expectations.rules import CHECKS, FILE_CHECKS, Check, Severity
from ingestion.config import Settings

DATA_SOURCE = "motcua_ingest"
SITE = "local_site"
INDEX_VALIDATION_RESULTS = 90  # validation runs listed on the Data Docs index page


@dataclass(frozen=True)
class SuiteSpec:
    """One GX suite over one pandas DataFrame asset, with its checkpoint and result format."""

    name: str
    asset: str
    checks: tuple[Check, ...]
    index_columns: tuple[str, ...]
    notes: str
    # COMPLETE lists every failing row in the result (stored as JSON and reloaded by every Data
    # Docs index build: 9 MB a night for a million rows with 4 % of gaps). The row suite uses
    # SUMMARY (counts and the first failing rows); validate reads the failing rows from DuckDB
    # and checks that their number is GX's.
    complete: bool = False

    @property
    def batch_definition(self) -> str:
        return "new_files"

    @property
    def validation_definition(self) -> str:
        return f"{self.name}_new_files"

    @property
    def checkpoint(self) -> str:
        return self.name

    @property
    def result_format(self) -> dict[str, Any]:
        if not self.complete:
            # No unexpected_index_column_names: GX would look each failing row's index up one
            # by one (10 s for 40,000 failing rows); the index of the first 20 is listed anyway.
            return {"result_format": "SUMMARY", "partial_unexpected_count": 20}
        return {
            "result_format": "COMPLETE",
            "unexpected_index_column_names": list(self.index_columns),
            "return_unexpected_index_query": False,
            "partial_unexpected_count": 20,
        }


ROWS = SuiteSpec(
    name="motcua_submission",
    asset="submission_rows",
    checks=CHECKS,
    index_columns=INDEX_COLUMNS,
    notes="Per-submission record-keeping gaps R03–R10 on every row of the files loaded "
    "(shared/spec/record-keeping-gaps.md).",
)
FILES = SuiteSpec(
    name="motcua_files",
    asset="files",
    checks=FILE_CHECKS,
    index_columns=FILE_INDEX_COLUMNS,
    notes="File-level record-keeping gaps R02 and R05 (unknown unit) on every file taken in: "
    "ingestion quarantines these files and records their findings.",
    complete=True,  # a few hundred rows: list each failing file and its reason
)
# Kept for callers of the first version.
SUITE = ROWS.name
RESULT_FORMAT = ROWS.result_format

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
        "meta": {"rule_id": check.rule.id, "check": check.name, "severity": str(check.severity)},
        "severity": _GX_SEVERITY[check.severity],
    }
    if check.kind == "between":
        tolerance = check.rule.tolerance_working_days  # type: ignore[attr-defined]
        return gx.expectations.ExpectColumnValuesToBeBetween(
            min_value=-tolerance, max_value=tolerance, **common
        )
    return gx.expectations.ExpectColumnValuesToBeNull(**common)


def build_suite(spec: SuiteSpec = ROWS) -> gx.ExpectationSuite:
    """One suite, one expectation per check of ``spec.checks`` (``expectations.rules``)."""
    suite = gx.ExpectationSuite(name=spec.name, meta={"notes": spec.notes})
    for check in spec.checks:
        suite.add_expectation(_expectation(check))
    return suite


def checkpoint(context, spec: SuiteSpec = ROWS) -> gx.Checkpoint:
    """The checkpoint validating a whole DataFrame (passed at run time) against the suite and
    updating Data Docs. The suite is rewritten from code on every run, so code is the truth."""
    try:
        source = context.data_sources.get(DATA_SOURCE)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(DATA_SOURCE)
    try:
        asset = source.get_asset(spec.asset)
    except LookupError:
        asset = source.add_dataframe_asset(spec.asset)
    try:
        batch_definition = asset.get_batch_definition(spec.batch_definition)
    except (KeyError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe(spec.batch_definition)

    suite = context.suites.add_or_update(build_suite(spec))
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=spec.validation_definition, data=batch_definition, suite=suite)
    )
    return context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=spec.checkpoint,
            validation_definitions=[validation],
            actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[SITE])],
            result_format=spec.result_format,
        )
    )


def run(context, frame, run_name: str, spec: SuiteSpec = ROWS):
    """Validate ``frame`` against ``spec``; returns the one ExpectationSuiteValidationResult."""
    result = checkpoint(context, spec).run(
        batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_name)
    )
    (validation_result,) = result.run_results.values()
    return validation_result
