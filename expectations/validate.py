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
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from expectations import derive
from expectations.details import describe
from expectations.rules import CHECKS, FILE_CHECKS, R06, Check
from ingestion.config import Settings
from ingestion.store import connect

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
        rows = 0
        frame = None
        if file_ids:
            _require_reference(con)
            rows = derive.derive(con, file_ids, derive.read_overrides(override_paths(settings)))
            log.info(
                "Validation: %d loaded file(s), %d row(s) (report dates %s to %s)",
                len(file_ids),
                rows,
                min(d for _, d in files),
                max(d for _, d in files),
            )
            frame = derive.gx_frame(con)
        files_frame = derive.files_frame(con, manifest)
        log.info("Validation: %d file(s) taken in to check (manifest)", len(manifest))

        t0 = time.monotonic()
        from expectations import suite  # imports great_expectations (about 10 s)

        context = suite.open_context(settings)
        log.info("Validation: GX ready in %.1f s", time.monotonic() - t0)
        run_name = f"motcua files {manifest[0]}-{manifest[-1]}" + (
            f" up to {report_date.isoformat()}" if report_date else ""
        )
        findings: list[dict[str, Any]] = []
        if frame is not None:
            t0 = time.monotonic()
            result = suite.run(context, frame, run_name, suite.ROWS)
            log.info(
                "Validation: GX suite %s ran in %.1f s (success=%s)",
                suite.ROWS.name,
                time.monotonic() - t0,
                result.success,
            )
            t0 = time.monotonic()
            findings = build_findings(con, failed_checks(result))
            log.info(
                "Validation: %d finding(s) built in %.1f s", len(findings), time.monotonic() - t0
            )
        t0 = time.monotonic()
        file_result = suite.run(context, files_frame, run_name, suite.FILES)
        file_hits = hits_from_result(file_result, suite.FILES.checks)
        log.info(
            "Validation: GX suite %s ran in %.1f s (success=%s)",
            suite.FILES.name,
            time.monotonic() - t0,
            file_result.success,
        )

        con.execute("begin transaction")
        try:
            _write(con, file_ids, findings, checked=tuple(manifest))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()

    from expectations import datadocs

    datadocs.make_offline(suite.docs_dir(settings))
    by_rule = Counter(f["rule_id"] for f in findings)
    quarantined = Counter(h.rule_id for h in file_hits)
    index = suite.docs_dir(settings) / "index.html"
    summary = ValidationSummary(
        file_ids=file_ids,
        rows=rows,
        findings_by_rule={r: by_rule[r] for r in ROW_RULES if by_rule[r]},
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


def build_findings(con, failed: dict[str, int]) -> list[dict[str, Any]]:
    """One finding per rule, file (unit and report date) and dossier; rows without a dossier
    code are findings of their own. Details of one rule on one dossier are joined.

    ``failed`` is what GX found (check name → failing rows). The rows themselves come from
    DuckDB, from the same derived columns, with everything the details need, in one ordered
    query; their number must be GX's (a difference is a pipeline error: it raises)."""
    checks = [_CHECK_BY_NAME[name] for name in failed]
    if not checks:
        return []
    cursor = con.execute(
        f"""
        with hits as ({derive.failing_rows_sql(checks)})
        select h.check_name, r.*, {", ".join(f"s.{c}" for c in derive.DETAIL_COLUMNS)}
        from hits as h
        join {derive.ROWS_TABLE} as r
            on r.file_id = h.file_id and r.row_number = h.row_number
        join submission_rows as s
            on s.file_id = h.file_id and s.row_number = h.row_number
        order by h.file_id, h.row_number, h.rule_id, h.check_name
        """
    )
    names = [d[0] for d in cursor.description][1:]
    counted: Counter[str] = Counter()
    groups: dict[tuple, dict[str, Any]] = {}
    for check_name, *values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        check = _CHECK_BY_NAME[check_name]
        counted[check_name] += 1
        file_id, row_number, dossier = row["file_id"], row["row_number"], row["dossier_code"]
        # Rows without a dossier code cannot be grouped: each is its own finding.
        unit_key = dossier if dossier is not None else ("row", row_number)
        key = (check.rule.id, file_id, unit_key)
        # The row's derived value for the check, as GX saw it.
        detail_vi, detail_en = describe(check_name, row, row[check.column])
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "rule_id": check.rule.id,
                "severity": str(check.rule.severity),
                "file_id": file_id,
                "row_number": row_number,
                "unit_code": row["unit_code"],
                "report_date": row["report_date"],
                "dossier_code": dossier,
                "_details": [],
            }
        group["_details"].append((row_number, detail_vi, detail_en))
    wrong = {name: (n, counted[name]) for name, n in failed.items() if counted[name] != n}
    if wrong:
        raise RuntimeError(
            f"GX and DuckDB disagree on the failing rows (check: (GX, DuckDB)): {wrong}"
        )

    findings = []
    for group in groups.values():
        details = group.pop("_details")
        # R06 is about all copies at once; another rule on several copies says which row.
        per_row = len({row for row, _, _ in details}) > 1 and group["rule_id"] != R06.id
        if per_row:
            vi = [f"Dòng {row}: {text}" for row, text, _ in details]
            en = [f"Row {row}: {text}" for row, _, text in details]
        else:
            vi = [text for _, text, _ in details]
            en = [text for _, _, text in details]
        group["detail_vi"] = "; ".join(dict.fromkeys(vi))
        group["detail_en"] = "; ".join(dict.fromkeys(en))
        findings.append(group)
    return findings


def _write(
    con,
    file_ids: tuple[int, ...],
    findings: list[dict[str, Any]],
    *,
    checked: tuple[int, ...] = (),
) -> None:
    """Replace the row findings of ``file_ids`` and mark ``file_ids`` and ``checked`` (the
    manifest rows of the file-level suite) validated."""
    import pyarrow as pa

    # A file re-validated (its validated_files row removed by hand) gets fresh findings.
    derive.id_table(con, "_validated_ids", file_ids)
    rules = ", ".join(f"'{rule}'" for rule in ROW_RULES)  # ids from the registry
    con.execute(
        "delete from findings where file_id in (select file_id from _validated_ids) "
        f"and row_number is not null and rule_id in ({rules})"
    )
    if findings:
        table = pa.table(
            {
                "rule_id": pa.array([f["rule_id"] for f in findings], pa.string()),
                "severity": pa.array([f["severity"] for f in findings], pa.string()),
                "file_id": pa.array([f["file_id"] for f in findings], pa.int64()),
                "row_number": pa.array([f["row_number"] for f in findings], pa.int32()),
                "unit_code": pa.array([f["unit_code"] for f in findings], pa.string()),
                "report_date": pa.array([f["report_date"] for f in findings], pa.date32()),
                "dossier_code": pa.array([f["dossier_code"] for f in findings], pa.string()),
                "detail_vi": pa.array([f["detail_vi"] for f in findings], pa.string()),
                "detail_en": pa.array([f["detail_en"] for f in findings], pa.string()),
            }
        )
        con.register("_new_findings", table)
        try:
            cols = ", ".join(FINDING_COLUMNS)
            con.execute(f"insert into findings ({cols}) select {cols} from _new_findings")
        finally:
            con.unregister("_new_findings")
    derive.id_table(con, "_validated_ids", sorted({*file_ids, *checked}))
    con.execute(
        "insert into validated_files (file_id, validated_at) "
        "select file_id, $now::timestamp from _validated_ids "
        "on conflict (file_id) do nothing",
        {"now": datetime.now()},
    )
