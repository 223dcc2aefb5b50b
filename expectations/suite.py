"""The GX Core objects: file context, pandas data source, suite, validation definition, checkpoint.

Import this module only when there is something to validate: it imports great_expectations
(about 10 s).

The context lives in ``$MOTCUA_DATA_DIR/gx`` (suites, checkpoints, validation results); its Data
Docs site is written to ``$MOTCUA_DATA_DIR/docs/gx`` (``index.html``), viewable from disk.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# GX logs every public-API registration at INFO while importing: keep Airflow task logs readable
# unless someone configured the GX logger on purpose.
if logging.getLogger("great_expectations").level == logging.NOTSET:
    logging.getLogger("great_expectations").setLevel(logging.WARNING)

import great_expectations as gx  # noqa: E402
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
)
from great_expectations.exceptions import DataContextError
from great_expectations.expectations.metadata_types import FailureSeverity

from expectations.derive import FILE_INDEX_COLUMNS, INDEX_COLUMNS
from expectations.rules import CHECKS, FILE_CHECKS, Check, Severity
from motcua.common.config import Settings

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
    site pointed at ``docs/gx``, progress bars off (Airflow logs) and no config variables file.

    motcua substitutes no ``${VARIABLE}`` in the GX config (it has no credentials); with a
    config variables file, GX reads and parses it again on every access to a context setting
    (about 80 times a run, a third of a second)."""
    context = gx.get_context(mode="file", project_root_dir=settings.data_dir)
    if context.variables.config_variables_file_path:
        context.variables.config_variables_file_path = None
        context.variables.save()
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
    """One suite, one expectation per check of ``spec.checks`` (``expectations.rules``).

    The expectations are given to the constructor: ``add_expectation`` on a suite whose name is
    already stored writes the stored suite once per expectation."""
    return gx.ExpectationSuite(
        name=spec.name,
        expectations=[_expectation(check) for check in spec.checks],
        meta={"notes": spec.notes},
    )


def _contents(suite: gx.ExpectationSuite) -> tuple[Any, list[str]]:
    """What a suite checks and says, without the ids the store gives its expectations."""

    def config(expectation) -> str:
        values = expectation.configuration.to_json_dict()
        values.pop("id", None)
        return json.dumps(values, sort_keys=True, default=str)

    return suite.meta.get("notes"), sorted(config(e) for e in suite.expectations)


@dataclass(frozen=True)
class StoredCheckpoint:
    """A suite's checkpoint, and whether the suite itself changed (its page needs rendering)."""

    checkpoint: gx.Checkpoint
    suite_changed: bool


def checkpoint(context, spec: SuiteSpec = ROWS) -> StoredCheckpoint:
    """The checkpoint validating a whole DataFrame (passed at run time) against the suite.

    Code is the truth: the suite, validation definition and checkpoint are rewritten from code
    when they differ from the stored ones (and only then: each write costs a tenth of a second).
    Data Docs are updated once for both suites by ``update_data_docs``."""
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

    wanted = build_suite(spec)
    try:
        suite = context.suites.get(spec.name)
        suite_changed = _contents(suite) != _contents(wanted)
    except DataContextError:
        suite, suite_changed = None, True
    if suite_changed:
        suite = context.suites.add_or_update(wanted)

    try:
        validation = context.validation_definitions.get(spec.validation_definition)
        current = (
            not suite_changed
            and validation.suite.id == suite.id
            and validation.data.id == batch_definition.id
        )
    except DataContextError:
        current = False
    if not current:
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(
                name=spec.validation_definition, data=batch_definition, suite=suite
            )
        )

    try:
        stored = context.checkpoints.get(spec.checkpoint)
        current = (
            current
            and [v.id for v in stored.validation_definitions] == [validation.id]
            and not stored.actions
            and stored.result_format == spec.result_format
        )
    except DataContextError:
        current = False
    if not current:
        stored = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=spec.checkpoint,
                validation_definitions=[validation],
                actions=[],
                result_format=spec.result_format,
            )
        )
    return StoredCheckpoint(stored, suite_changed)


@dataclass(frozen=True)
class Run:
    """One checkpoint run: the suite's validation result and where it is stored."""

    result: Any  # ExpectationSuiteValidationResult
    identifier: Any  # ValidationResultIdentifier
    suite_changed: bool


def run(point: StoredCheckpoint, frame, run_name: str) -> Run:
    """Validate ``frame`` with the checkpoint of a suite (``checkpoint``)."""
    result = point.checkpoint.run(
        batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_name)
    )
    ((identifier, validation_result),) = result.run_results.items()
    return Run(validation_result, identifier, point.suite_changed)


def update_data_docs(context, settings: Settings, runs: list[Run]) -> None:
    """Render the validation pages of ``runs`` (and the page of a suite that changed or has none
    yet) and the index, in one Data Docs build (what ``UpdateDataDocsAction`` does for one
    result; one build instead of one per suite saves about a second)."""
    identifiers: list[Any] = [r.identifier for r in runs]
    for r in runs:
        name = r.result.suite_name
        page = docs_dir(settings) / "expectations" / f"{name}.html"
        if r.suite_changed or not page.exists():
            identifiers.append(ExpectationSuiteIdentifier(name=name))
    context.build_data_docs(site_names=[SITE], resource_identifiers=identifiers)
