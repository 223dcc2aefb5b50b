"""Validate newly taken-in submission files with GX and record their record-keeping gaps.

``validate_new_files(settings)`` is the step between ingestion and the dbt build
(docs/architecture.md). For the files taken in since the last validation it

* checks every row of the loaded ones against the suite ``motcua_submission`` (R03–R10) and
  writes one ``findings`` row per rule, unit, report date and dossier;
* checks every manifest row (quarantined files included, though they have no rows) against the
  suite ``motcua_files`` (R02, R05 for an unknown unit), so that the Data Docs report shows the
  file-level gaps too; their ``findings`` rows are ingestion's and are not written again;
* marks all of them in ``validated_files`` — in one transaction, so running it twice adds
  nothing — and makes the Data Docs under ``docs/gx`` viewable offline (``datadocs``).

See docs/validation.md.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from expectations import derive
from expectations.details import describe_sql, literal
from expectations.rules import CHECKS, FILE_CHECKS, R06, Check
from motcua.common.config import Settings
from motcua.common.store import connect

log = logging.getLogger(__name__)

# Rules this module writes (row-level findings); ingestion writes R02/R05 for files.
ROW_RULES = tuple(dict.fromkeys(c.rule.id for c in CHECKS))
FILE_RULES = tuple(dict.fromkeys(c.rule.id for c in FILE_CHECKS))
_CHECK_BY_NAME = {c.name: c for c in CHECKS}

FINDING_COLUMNS = (
    "rule_id",
    "severity",
    "file_id",
    "row_number",
    "unit_code",
    "report_date",
    "dossier_code",
    "detail_vi",
    "detail_en",
)


@dataclass(frozen=True)
class ValidationSummary:
    """What one validation did: the loaded files whose rows were checked, every file of the
    manifest checked by the file-level suite (quarantined ones included), the rows checked, the
    findings written per rule, the quarantined files per rule (their findings are ingestion's)
    and where the Data Docs index is (None when nothing was validated)."""

    file_ids: tuple[int, ...] = field(default=(), repr=False)
    rows: int = 0
    findings_by_rule: dict[str, int] = field(default_factory=dict)
    data_docs_index: Path | None = None
    seconds: float = 0.0
    checked_file_ids: tuple[int, ...] = field(default=(), repr=False)
    quarantined_by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def files(self) -> int:
        return len(self.file_ids)

    @property
    def findings(self) -> int:
        return sum(self.findings_by_rule.values())

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for an Airflow XCom or a log line)."""
        return {
            "files": self.files,
            "file_ids": list(self.file_ids),
            "files_checked": len(self.checked_file_ids),
            "rows": self.rows,
            "findings": self.findings,
            "findings_by_rule": dict(self.findings_by_rule),
            "quarantined_by_rule": dict(self.quarantined_by_rule),
            "data_docs_index": str(self.data_docs_index) if self.data_docs_index else None,
            "seconds": round(self.seconds, 1),
        }


@dataclass(frozen=True)
class Hit:
    """One failed check on one row, as GX reported it."""

    rule_id: str
    check: str
    file_id: int
    row_number: int | None


def override_paths(settings: Settings) -> list[Path]:
    """Holiday override CSVs, in increasing priority: the packaged one, then the data folder's."""
    return [derive.OVERRIDES_CSV, settings.reference_dir / "holiday_overrides.csv"]


def validate_new_files(settings: Settings, *, report_date: date | None = None) -> ValidationSummary:
    """Validate every file taken in and not validated yet (with ``report_date`` at most the
    given one): the rows of loaded files against ``motcua_submission`` (R03–R10, findings
    written here), every file's manifest row against ``motcua_files`` (R02/R05, findings
    written by ingestion). Returns quickly, without importing GX, when there is none."""
    started = time.monotonic()
    con = connect(settings.ingest_db)
    try:
        manifest = derive.select_manifest(con, report_date)
        files = derive.select_files(con, report_date)
        if not manifest:
            log.info("Validation: no new file to validate")
            _log_data_docs(settings)
            return ValidationSummary(seconds=time.monotonic() - started)
        file_ids = tuple(int(f) for f, _ in files)
        if file_ids:
            _require_reference(con)
        run_name = f"motcua files {manifest[0]}-{manifest[-1]}" + (
            f" up to {report_date.isoformat()}" if report_date else ""
        )
        # DuckDB works in a thread of its own: the derived columns and the frames GX checks
        # while this one imports GX and readies its objects, then every failing row and its
        # findings while this one runs the file suite and builds Data Docs. (Staged while the
        # row suite runs, they slow it down more than they take.)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="validate-duckdb") as worker:
            prepared = worker.submit(_prepare, con, settings, files, manifest)
            staged = None

            t0 = time.monotonic()
            from expectations import suite  # imports great_expectations (about 10 s)

            context = suite.open_context(settings)
            rows_checkpoint = suite.checkpoint(context, suite.ROWS) if file_ids else None
            files_checkpoint = suite.checkpoint(context, suite.FILES)
            log.info("Validation: GX ready in %.1f s", time.monotonic() - t0)
            rows, frame, files_frame = prepared.result()
            rows_run = None
            if rows_checkpoint is not None:
                rows_run = _run_suite(suite, rows_checkpoint, frame, run_name, suite.ROWS)
                staged = worker.submit(stage_findings, con)
            files_run = _run_suite(suite, files_checkpoint, files_frame, run_name, suite.FILES)
            runs = [r for r in (rows_run, files_run) if r is not None]
            file_hits = hits_from_result(files_run.result, suite.FILES.checks)
            t0 = time.monotonic()
            suite.update_data_docs(context, settings, runs)
            log.info("Validation: Data Docs built in %.1f s", time.monotonic() - t0)

            by_rule: dict[str, int] = {}
            if staged is not None:
                t0 = time.monotonic()
                findings = staged.result()
                findings.check_against(failed_checks(rows_run.result))
                by_rule = findings.by_rule
                log.info(
                    "Validation: %d finding(s) staged (waited %.1f s for them)",
                    sum(by_rule.values()),
                    time.monotonic() - t0,
                )

        con.execute("begin transaction")
        try:
            _write(con, file_ids, staged=staged is not None, checked=tuple(manifest))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()

    from expectations import datadocs

    datadocs.make_offline(suite.docs_dir(settings))
    quarantined = Counter(h.rule_id for h in file_hits)
    index = suite.docs_dir(settings) / "index.html"
    summary = ValidationSummary(
        file_ids=file_ids,
        rows=rows,
        findings_by_rule={r: by_rule[r] for r in ROW_RULES if by_rule.get(r)},
        data_docs_index=index if index.exists() else None,
        seconds=time.monotonic() - started,
        checked_file_ids=tuple(manifest),
        quarantined_by_rule={r: quarantined[r] for r in FILE_RULES if quarantined[r]},
    )
    log.info(
        "Validation: %d finding(s) %s, %d file(s) quarantined by ingestion %s, in %.1f s",
        summary.findings,
        summary.findings_by_rule,
        sum(summary.quarantined_by_rule.values()),
        summary.quarantined_by_rule,
        summary.seconds,
    )
    _log_data_docs(settings)
    return summary


def _log_data_docs(settings: Settings) -> None:
    index = settings.docs_dir / "gx" / "index.html"
    if index.exists():
        log.info("Validation: Data Docs (open from disk): %s", index.resolve().as_uri())


def _prepare(con, settings: Settings, files: list[tuple[int, date]], manifest: list[int]):
    """``(rows, row frame or None, file frame)``: the derived columns of the loaded ``files``
    and the DataFrames the two suites check."""
    rows, frame = 0, None
    if files:
        rows = derive.derive(
            con, [f for f, _ in files], derive.read_overrides(override_paths(settings))
        )
        log.info(
            "Validation: %d loaded file(s), %d row(s) (report dates %s to %s)",
            len(files),
            rows,
            min(d for _, d in files),
            max(d for _, d in files),
        )
        frame = derive.gx_frame(con)
    log.info("Validation: %d file(s) taken in to check (manifest)", len(manifest))
    return rows, frame, derive.files_frame(con, manifest)


def _run_suite(suite, point, frame, run_name: str, spec):
    t0 = time.monotonic()
    run = suite.run(point, frame, run_name)
    log.info(
        "Validation: GX suite %s ran in %.1f s (success=%s)",
        spec.name,
        time.monotonic() - t0,
        run.result.success,
    )
    return run


def _require_reference(con) -> None:
    (procedures,) = con.execute("select count(*) from ref_procedures").fetchone()
    if not procedures:
        raise RuntimeError(
            "ref_procedures is empty in the ingestion database: load reference/procedures.csv "
            "(run ingestion) before validating, or every procedure would be reported unknown"
        )


def failed_checks(result) -> dict[str, int]:
    """``{check name: failing rows}`` of the row suite's failed expectations (SUMMARY
    result). An expectation that could not run is a pipeline error: it raises."""
    failed: dict[str, int] = {}
    for res in result.results:
        config = res.expectation_config
        meta = config.meta or {}
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"GX expectation {config.type} ({meta.get('rule_id')}) did not run: "
                f"{res.exception_info.get('exception_message')}"
            )
        if not res.success:
            failed[meta["check"]] = int((res.result or {}).get("unexpected_count") or 0)
    return failed


def hits_from_result(result, checks: tuple[Check, ...] = CHECKS) -> list[Hit]:
    """Failed rows per check, read from the GX validation result (COMPLETE format with
    ``unexpected_index_column_names``). An expectation that could not run is a pipeline
    error, not a data gap: it raises."""
    hits: list[Hit] = []
    for res in result.results:
        if res.success:
            continue
        config = res.expectation_config
        meta = config.meta or {}
        check = {c.name: c for c in checks}[meta["check"]]
        details = res.result or {}
        if "unexpected_index_list" not in details:
            raise RuntimeError(
                f"GX expectation {config.type} on {check.column} ({meta.get('rule_id')}) "
                f"did not run: {res.exception_info}"
            )
        for file_id, row_number in _index_pairs(details["unexpected_index_list"]):
            hits.append(Hit(meta["rule_id"], check.name, file_id, row_number))
    return hits


def _index_pairs(index_list: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """``(file_id, row_number)`` of each unexpected row. GX gives one dict per row, or, with
    ``exclude_unexpected_values``, one dict of columns (lists)."""
    pairs: list[tuple[int, int | None]] = []
    for item in index_list:
        files, rows = item["file_id"], item.get("row_number")
        if rows is None:  # the file-level suite: one row per file
            files = files if isinstance(files, list) else [files]
            pairs.extend((int(f), None) for f in files)
            continue
        if isinstance(files, list):
            pairs.extend(zip(map(int, files), map(int, rows), strict=True))
        else:
            pairs.append((int(files), int(rows)))
    return pairs


@dataclass(frozen=True)
class StagedFindings:
    """The failing rows DuckDB found (per check) and the findings made of them (per rule)."""

    by_check: dict[str, int]
    by_rule: dict[str, int]

    def check_against(self, failed: dict[str, int]) -> None:
        """GX decides: every check GX found failing (``failed``: check name → failing rows) must
        have exactly that many failing rows here, and every other check none; a difference is
        a pipeline error (it raises) and nothing is written."""
        wrong = {
            name: (failed.get(name, 0), self.by_check.get(name, 0))
            for name in _CHECK_BY_NAME
            if failed.get(name, 0) != self.by_check.get(name, 0)
        }
        if wrong:
            raise RuntimeError(
                f"GX and DuckDB disagree on the failing rows (check: (GX, DuckDB)): {wrong}"
            )


def stage_findings(con) -> StagedFindings:
    """Create the temp table ``_new_findings`` (``FINDING_COLUMNS``) from ``_validation_rows``:
    one finding per rule, file (unit and report date) and dossier; rows without a dossier code
    are findings of their own. Details of one rule on one dossier are joined.

    The failing rows are those whose derived column GX finds unexpected; they are read from
    DuckDB with what their details need (``expectations.details``), while GX builds Data Docs.
    What is written is what GX found: ``StagedFindings.check_against`` its result, first."""
    con.execute(f"create or replace temp table {HITS_TABLE} as {_hits_sql(list(CHECKS))}")
    by_check = con.execute(f"select check_name, count(*) from {HITS_TABLE} group by check_name")
    by_check = dict(by_check.fetchall())
    con.execute(f"create or replace temp table {FINDINGS_TABLE} as {_grouped_sql()}")
    by_rule = con.execute(f"select rule_id, count(*) from {FINDINGS_TABLE} group by rule_id")
    return StagedFindings(by_check, dict(by_rule.fetchall()))


HITS_TABLE = "_validation_hits"
FINDINGS_TABLE = "_new_findings"
# Details of one finding are listed by row, then by check name (alphabetical, as they were).
_CHECK_ORDER = {name: i for i, name in enumerate(sorted(_CHECK_BY_NAME))}


def _hits_sql(checks: list[Check]) -> str:
    """One row per failing row and check of ``checks``, with the finding's columns and the
    row's details: the failing rows of ``_validation_rows`` (the derived columns GX checked)
    joined to their ``submission_rows`` columns the details need."""
    conditions = [derive.failing_condition(c) for c in checks] or ["false"]
    parts = []
    for check, condition in zip(checks or CHECKS[:1], conditions, strict=True):
        vi, en = describe_sql(check.name, check.column)
        parts.append(
            f"""
            select
                {literal(check.rule.id)} as rule_id,
                {literal(str(check.rule.severity))} as severity,
                {literal(check.name)} as check_name,
                {_CHECK_ORDER[check.name]} as check_order,
                file_id, row_number, unit_code, report_date, dossier_code,
                {vi} as detail_vi,
                {en} as detail_en,
            from failing
            where {condition}
            """
        )
    return f"""
        with failing as (
            select r.*, {", ".join(f"s.{c}" for c in derive.DETAIL_COLUMNS)}
            from {derive.ROWS_TABLE} as r
            join submission_rows as s
                on s.file_id = r.file_id and s.row_number = r.row_number
            where {" or ".join(f"({c})" for c in conditions)}
        )
        {" union all ".join(parts)}
        """


def _grouped_sql() -> str:
    """The findings of ``_validation_hits``, one per rule, file and dossier (or row without a
    dossier code). Nearly all have a single hit, whose details are the finding's. Otherwise the
    details are listed by row, then check; a rule on several rows of one dossier says which row
    each is about, except R06 (about all copies at once); a detail said twice is kept once.

    Grouped once, without window functions or ordered aggregates: over the tens of thousands of
    findings of a night, either costs several times the rest of the query."""

    def listed(text: str, row_label: str) -> str:
        line = f"case when per_row then concat('{row_label} ', d.row_number, ': ', d.{text}) "
        line += f"else d.{text} end"
        lines = f"list_transform(list_sort(details), lambda d: {line})"
        # list_sort orders by the struct's fields: row number, then check
        return (
            f"array_to_string(list_filter({lines}, "
            f"lambda t, i: not list_contains({lines}[:i - 1], t)), '; ')"
        )

    return f"""
        with keyed as (
            select *,
                -- rows without a dossier code cannot be grouped: each is its own finding
                case when dossier_code is null then row_number end as lone_row,
            from {HITS_TABLE}
        ),
        findings as (
            select
                rule_id,
                any_value(severity) as severity,
                file_id,
                min(row_number) as row_number,
                any_value(unit_code) as unit_code,
                any_value(report_date) as report_date,
                dossier_code,
                count(*) as hits,
                max(row_number) > min(row_number) and rule_id <> {literal(R06.id)} as per_row,
                any_value(detail_vi) as one_vi,
                any_value(detail_en) as one_en,
                list(struct_pack(row_number, check_order, detail_vi, detail_en)) as details,
            from keyed
            group by rule_id, file_id, dossier_code, lone_row
        )
        select
            rule_id, severity, file_id, row_number, unit_code, report_date, dossier_code,
            case when hits = 1 then one_vi else {listed("detail_vi", "Dòng")} end as detail_vi,
            case when hits = 1 then one_en else {listed("detail_en", "Row")} end as detail_en,
        from findings
        """


def _write(
    con,
    file_ids: tuple[int, ...],
    *,
    staged: bool,
    checked: tuple[int, ...] = (),
) -> None:
    """Replace the row findings of ``file_ids`` by the staged ones (``stage_findings``) and mark
    ``file_ids`` and ``checked`` (the manifest rows of the file-level suite) validated."""
    # A file re-validated (its validated_files row removed by hand) gets fresh findings.
    derive.id_table(con, "_validated_ids", file_ids)
    rules = ", ".join(f"'{rule}'" for rule in ROW_RULES)  # ids from the registry
    con.execute(
        "delete from findings where file_id in (select file_id from _validated_ids) "
        f"and row_number is not null and rule_id in ({rules})"
    )
    if staged:
        cols = ", ".join(FINDING_COLUMNS)
        con.execute(f"insert into findings ({cols}) select {cols} from {FINDINGS_TABLE}")
    derive.id_table(con, "_validated_ids", sorted({*file_ids, *checked}))
    con.execute(
        "insert into validated_files (file_id, validated_at) "
        "select file_id, $now::timestamp from _validated_ids "
        "on conflict (file_id) do nothing",
        {"now": datetime.now()},
    )
