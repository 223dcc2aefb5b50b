"""Validate newly loaded submission files with GX and record their record-keeping gaps.

``validate_new_files(settings)`` is the step between ingestion and the dbt build
(docs/architecture.md): it checks every row of the files loaded since the last validation
against the suite ``motcua_submission`` (R03–R10), writes one ``findings`` row per rule, unit,
report date and dossier, and marks the files in ``validated_files`` — all in one transaction, so
running it twice adds nothing.
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
from expectations.rules import CHECKS, R06, RULES
from ingestion.config import Settings
from ingestion.store import connect

log = logging.getLogger(__name__)

# Rules this module writes (row-level findings); ingestion writes R02/R05 for files.
ROW_RULES = tuple(dict.fromkeys(c.rule.id for c in CHECKS))
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
    """What one validation did: the files and rows checked, the findings written per rule and
    where the Data Docs index is (None when nothing was validated)."""

    file_ids: tuple[int, ...] = field(default=(), repr=False)
    rows: int = 0
    findings_by_rule: dict[str, int] = field(default_factory=dict)
    data_docs_index: Path | None = None
    seconds: float = 0.0

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
            "rows": self.rows,
            "findings": self.findings,
            "findings_by_rule": dict(self.findings_by_rule),
            "data_docs_index": str(self.data_docs_index) if self.data_docs_index else None,
            "seconds": round(self.seconds, 1),
        }


@dataclass(frozen=True)
class Hit:
    """One failed check on one row, as GX reported it."""

    rule_id: str
    check: str
    file_id: int
    row_number: int


def override_paths(settings: Settings) -> list[Path]:
    """Holiday override CSVs, in increasing priority: the packaged one, then the data folder's."""
    return [derive.OVERRIDES_CSV, settings.reference_dir / "holiday_overrides.csv"]


def validate_new_files(settings: Settings, *, report_date: date | None = None) -> ValidationSummary:
    """Validate every loaded, not yet validated file (with ``report_date`` at most the given
    one) and record its findings. Returns quickly, without importing GX, when there is none."""
    started = time.monotonic()
    con = connect(settings.ingest_db)
    try:
        files = derive.select_files(con, report_date)
        if not files:
            log.info("Validation: no new loaded file to validate")
            return ValidationSummary(seconds=time.monotonic() - started)
        file_ids = tuple(int(f) for f, _ in files)
        _require_reference(con)
        rows = derive.derive(con, file_ids, derive.read_overrides(override_paths(settings)))
        log.info(
            "Validation: %d file(s), %d row(s) (report dates %s to %s)",
            len(file_ids),
            rows,
            min(d for _, d in files),
            max(d for _, d in files),
        )
        frame = derive.gx_frame(con)

        t0 = time.monotonic()
        from expectations import suite  # imports great_expectations (about 10 s)

        context = suite.open_context(settings)
        log.info("Validation: GX ready in %.1f s", time.monotonic() - t0)
        t0 = time.monotonic()
        run_name = f"motcua files {file_ids[0]}-{file_ids[-1]}" + (
            f" up to {report_date.isoformat()}" if report_date else ""
        )
        result = suite.run(context, frame, run_name)
        log.info(
            "Validation: GX suite %s ran in %.1f s (success=%s)",
            suite.SUITE,
            time.monotonic() - t0,
            result.success,
        )
        hits = hits_from_result(result)
        findings = build_findings(con, hits)

        con.execute("begin transaction")
        try:
            _write(con, file_ids, findings)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()

    by_rule = Counter(f["rule_id"] for f in findings)
    index = suite.docs_dir(settings) / "index.html"
    summary = ValidationSummary(
        file_ids=file_ids,
        rows=rows,
        findings_by_rule={r: by_rule[r] for r in ROW_RULES if by_rule[r]},
        data_docs_index=index if index.exists() else None,
        seconds=time.monotonic() - started,
    )
    log.info(
        "Validation: %d finding(s) %s in %.1f s; Data Docs %s",
        summary.findings,
        summary.findings_by_rule,
        summary.seconds,
        summary.data_docs_index,
    )
    return summary


def _require_reference(con) -> None:
    (procedures,) = con.execute("select count(*) from ref_procedures").fetchone()
    if not procedures:
        raise RuntimeError(
            "ref_procedures is empty in the ingestion database: load reference/procedures.csv "
            "(run ingestion) before validating, or every procedure would be reported unknown"
        )


def hits_from_result(result) -> list[Hit]:
    """Failed rows per check, read from the GX validation result (COMPLETE format with
    ``unexpected_index_column_names``). An expectation that could not run is a pipeline
    error, not a data gap: it raises."""
    hits: list[Hit] = []
    for res in result.results:
        if res.success:
            continue
        config = res.expectation_config
        meta = config.meta or {}
        check = _CHECK_BY_NAME[meta["check"]]
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
    pairs: list[tuple[int, int]] = []
    for item in index_list:
        files, rows = item["file_id"], item["row_number"]
        if isinstance(files, list):
            pairs.extend(zip(map(int, files), map(int, rows), strict=True))
        else:
            pairs.append((int(files), int(rows)))
    return pairs


def build_findings(con, hits: list[Hit]) -> list[dict[str, Any]]:
    """One finding per rule, file (unit and report date) and dossier; rows without a dossier
    code are findings of their own. Details of one rule on one dossier are joined."""
    if not hits:
        return []
    import pyarrow as pa

    keys = pa.table(
        {
            "file_id": pa.array([h.file_id for h in hits], pa.int64()),
            "row_number": pa.array([h.row_number for h in hits], pa.int32()),
        }
    )
    con.register("_hit_keys", keys)
    try:
        cursor = con.execute(
            f"""
            select r.*
            from {derive.ROWS_TABLE} as r
            semi join (select distinct file_id, row_number from _hit_keys) as k
                on k.file_id = r.file_id and k.row_number = r.row_number
            """
        )
        names = [d[0] for d in cursor.description]
        context = {
            (row[0], row[1]): dict(zip(names, row, strict=True)) for row in cursor.fetchall()
        }
    finally:
        con.unregister("_hit_keys")

    groups: dict[tuple, dict[str, Any]] = {}
    for hit in sorted(hits, key=lambda h: (h.file_id, h.row_number, h.rule_id, h.check)):
        row = context[(hit.file_id, hit.row_number)]
        dossier = row["dossier_code"]
        # Rows without a dossier code cannot be grouped: each is its own finding.
        unit_key = dossier if dossier is not None else ("row", hit.row_number)
        key = (hit.rule_id, hit.file_id, unit_key)
        # The row's derived value for the check, as GX saw it.
        value = row[_CHECK_BY_NAME[hit.check].column]
        detail_vi, detail_en = describe(hit.check, row, value)
        group = groups.get(key)
        if group is None:
            rule = RULES[hit.rule_id]
            group = groups[key] = {
                "rule_id": rule.id,
                "severity": str(rule.severity),
                "file_id": hit.file_id,
                "row_number": hit.row_number,
                "unit_code": row["unit_code"],
                "report_date": row["report_date"],
                "dossier_code": dossier,
                "_details": [],
            }
        group["_details"].append((hit.row_number, detail_vi, detail_en))

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


def _write(con, file_ids: tuple[int, ...], findings: list[dict[str, Any]]) -> None:
    import pyarrow as pa

    ids = list(file_ids)
    # A file re-validated (its validated_files row removed by hand) gets fresh findings.
    con.execute(
        "delete from findings where file_id in (select unnest($ids::bigint[])) "
        "and row_number is not null and rule_id in (select unnest($rules::varchar[]))",
        {"ids": ids, "rules": list(ROW_RULES)},
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
    con.execute(
        "insert into validated_files (file_id, validated_at) "
        "select unnest($ids::bigint[]), $now::timestamp "
        "on conflict (file_id) do nothing",
        {"ids": ids, "now": datetime.now()},
    )
