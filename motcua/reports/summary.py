"""A plain-text summary of the published warehouse: what ``make demo`` prints."""

from __future__ import annotations

import datetime as dt

import duckdb

from motcua.common.config import Settings
from motcua.common.errors import PipelineError

LEVEL_LABELS = {
    "commune": "commune-level units (cấp xã)",
    "district": "district-level units (cấp huyện)",
    "department": "departments (sở, ngành)",
}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def province_summary(con: duckdb.DuckDBPyConnection, month_end: dt.date | None) -> dict:
    """The province's trailing-twelve-months cohort, adoption and gap counts."""
    if month_end is None:
        month_end = con.execute(
            "select max(period_end) from marts.ind_cohort where period_type = 'ttm'"
        ).fetchone()[0]
    row = con.execute(
        """
        select c.scope_code, u.unit_name, c.period_start, c.period_end, c.is_complete, c.received,
               c.returned_on_time, c.returned_late, c.in_process, c.on_time_rate, c.late_rate,
               c.in_process_rate
        from marts.ind_cohort c
        left join marts.dim_unit u on u.unit_code = c.scope_code
        where c.period_type = 'ttm' and c.scope_level = 'province' and c.sector_code = 'ALL'
          and c.period_end = last_day(cast(? as date))
        order by u.valid_from desc nulls last
        limit 1
        """,
        [month_end],
    ).fetchone()
    if row is None:
        raise PipelineError(f"no province cohort for the twelve months ending {month_end}")
    keys = (
        "scope_code",
        "unit_name",
        "period_start",
        "period_end",
        "is_complete",
        "received",
        "returned_on_time",
        "returned_late",
        "in_process",
        "on_time_rate",
        "late_rate",
        "in_process_rate",
    )
    cohort = dict(zip(keys, row, strict=True))
    adoption = con.execute(
        "select level, units_implementing, units_total, adoption_rate from marts.ind_adoption "
        "where as_of_date = (select max(as_of_date) from marts.ind_adoption "
        "where as_of_date <= ?) "
        "order by case level when 'commune' then 1 when 'district' then 2 else 3 end, level",
        [cohort["period_end"]],
    ).fetchall()
    gaps = con.execute(
        "select rule_id, count(*) from marts.dq_issues group by rule_id order by rule_id"
    ).fetchall()
    return {"cohort": cohort, "adoption": adoption, "gaps": gaps}


def print_province_report(settings: Settings, month_end: dt.date | None = None) -> None:
    path = settings.warehouse_db
    if not path.exists():
        raise PipelineError(f"no published warehouse at {path}: run `motcua run --date ...` first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        summary = province_summary(con, month_end)
    finally:
        con.close()
    c = summary["cohort"]
    resolved = c["returned_on_time"] + c["returned_late"]
    print()
    print(
        f"{c['unit_name']} ({c['scope_code']}): dossiers received "
        f"{c['period_start']} … {c['period_end']}, all sectors"
        + ("" if c["is_complete"] else " (period still running)")
    )
    print(f"  received (tiếp nhận)               {c['received']:>8,}")
    print(
        f"  returned on time (đúng/trước hạn)  {c['returned_on_time']:>8,}  "
        f"{_pct(c['on_time_rate'])} of received"
    )
    print(
        f"  returned late (quá hạn)            {c['returned_late']:>8,}  "
        f"{_pct(c['late_rate'])} of received"
    )
    print(
        f"  in process (đang giải quyết)       {c['in_process']:>8,}  "
        f"{_pct(c['in_process_rate'])} of received"
    )
    if resolved:
        print(
            f"  on time over resolved dossiers     {c['returned_on_time']:,} / {resolved:,} = "
            f"{_pct(c['returned_on_time'] / resolved)}"
        )
    if summary["adoption"]:
        print(f"\nOne-stop shop adoption on {c['period_end']}:")
        for level, implementing, total, _rate in summary["adoption"]:
            print(f"  {LEVEL_LABELS.get(level, level):36} {implementing:>4} / {total}")
    if summary["gaps"]:
        print("\nRecord-keeping gaps found (marts.dq_issues):")
        for rule_id, count in summary["gaps"]:
            print(f"  {rule_id:30} {count:>8,}")
    print(f"\nWarehouse: {path}")


def run_summary(
    settings: Settings, report_date: dt.date | None = None, *, data_docs: str | None = None
) -> dict:
    """What the nightly ``report`` stage logs: province figures, gap counts, where the docs are.

    Never raises over a missing figure (the warehouse is already published by then): the lines
    say what is missing instead.
    """
    from motcua.warehouse.publish import published_info

    path = settings.warehouse_db
    lines: list[str] = []
    out: dict = {"warehouse": str(path), "report_date": str(report_date), "lines": lines}
    if not path.exists():
        lines.append(f"no published warehouse at {path}")
        return out
    info = published_info(path) or {}
    out["published"] = info
    lines.append(
        f"warehouse {path} as of {info.get('report_date', '?')} (run {info.get('run_id', '?')})"
    )
    con = duckdb.connect(str(path), read_only=True)
    try:
        try:
            summary = province_summary(con, report_date)
        except (PipelineError, duckdb.Error):
            summary = province_summary(con, None)
    except (PipelineError, duckdb.Error) as exc:
        lines.append(f"no province figures: {exc}")
        summary = None
    finally:
        con.close()
    if summary is not None:
        c = summary["cohort"]
        out["province"] = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in c.items()
        }
        lines.append(
            f"{c['unit_name']} ({c['scope_code']}) {c['period_start']}…{c['period_end']}: "
            f"received {c['received']:,}, on time {c['returned_on_time']:,} "
            f"({_pct(c['on_time_rate'])}), late {c['returned_late']:,} ({_pct(c['late_rate'])}), "
            f"in process {c['in_process']:,}"
        )
        out["gaps"] = {rule: count for rule, count in summary["gaps"]}
        gaps = ", ".join(f"{rule} {count:,}" for rule, count in summary["gaps"]) or "none"
        lines.append(f"record-keeping gaps (marts.dq_issues): {gaps}")
    docs = data_docs or _find_data_docs(settings)
    out["data_docs"] = docs
    lines.append(f"Data Docs: {docs or 'none built yet'}")
    return out


def _find_data_docs(settings: Settings) -> str | None:
    candidates = sorted(
        settings.docs_dir.glob("**/index.html"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    gx = [p for p in candidates if "gx" in p.parts] or candidates
    return str(gx[0]) if gx else None
