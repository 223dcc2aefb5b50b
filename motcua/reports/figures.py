"""The dashboard's figures, read from the published warehouse's marts (nothing is recomputed).

:func:`collect` returns plain, JSON-able dictionaries: the page (:mod:`motcua.reports.dashboard`)
draws them, and ``motcua report --format json`` prints the same ones. Every figure names the mart
and the period it comes from:

* headline (province, district): ``marts.ind_cohort`` (cohort view, indicators.md §2), sector
  ``ALL``, for the latest complete month, quarter and trailing twelve months (the latest running
  one, marked so, when none is complete yet);
* monthly trend: ``ind_cohort`` months, with ``ind_service_measures.received_online`` /
  ``online_share`` and ``ind_progress_score.progress_score`` of the same month;
* rankings: ``ind_progress_score`` (Decision 766 tiến độ, 20 points) with ``ind_cohort``'s on-time
  rate, by district and by unit, for the headline quarter;
* backlog at the warehouse's date (the month that holds it): ``ind_progress_score.pending_within``
  (Biểu 06 col 12) and ``ind_service_measures.pending_overdue`` with its ageing buckets (col 13);
* online share: ``ind_service_measures`` for the headline quarter;
* record-keeping: ``dq_issues`` (R01 rows: the missing-submission calendar of the last
  :data:`CALENDAR_DAYS` days; counts by rule), ``dq_unit_scorecard`` (the month of the
  warehouse's date, ranked by ``rank_in_province``);
* successors with their predecessors (:func:`lineages`): for each ``unit_lineage`` scope
  (``marts.map_unit_lineage``), its headline and monthly trend as for a district, and its quarters
  side by side with each member unit's (``ind_cohort``, ``ind_progress_score``).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from motcua.common.errors import PipelineError

CALENDAR_DAYS = 31

#: Decision 766 bands, applied to the tiến độ score as a share of its 20 points.
BANDS: tuple[tuple[float, str, str], ...] = (
    (16.0, "Tốt", "good"),
    (14.0, "Khá", "fair"),
    (10.0, "Trung bình", "average"),
    (0.0, "Yếu", "weak"),
)


def band(score: float | None) -> str | None:
    """The 766 band of a tiến độ score (≥ 16 Tốt, ≥ 14 Khá, ≥ 10 Trung bình, else Yếu)."""
    if score is None:
        return None
    for floor, label, _ in BANDS:
        if score >= floor - 1e-9:
            return label
    return BANDS[-1][1]


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [{n: _iso(v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


COHORT_COLUMNS = """
    c.period_type, c.period_start, c.period_end, c.period_label, c.is_complete, c.as_of_date,
    c.scope_level, c.scope_code, c.scope_name, c.received, c.returned_on_time, c.returned_late,
    c.in_process, c.resolved, c.on_time_rate, c.late_rate, c.in_process_rate,
    c.on_time_rate_of_resolved
"""

# A scope's monthly trend (cohort, online share, progress score), all sectors: the columns, and the
# joins and filters up to the scope level (one parameter), to which a caller adds its own.
TREND_COLUMNS = """c.period_start, c.period_end, c.period_label, c.is_complete, c.received,
    c.returned_on_time, c.returned_late, c.in_process, c.on_time_rate, s.received_online,
    s.online_share, p.progress_score"""
TREND_FROM = """from marts.ind_cohort c
    left join marts.ind_service_measures s using (period_type, period_start, period_end,
        scope_level, scope_code, sector_code)
    left join marts.ind_progress_score p using (period_type, period_start, period_end,
        scope_level, scope_code, sector_code)
    where c.period_type = 'month' and c.scope_level = ? and c.sector_code = 'ALL'"""


def _headline_period(con: duckdb.DuckDBPyConnection, period_type: str) -> tuple | None:
    """(period_start, period_end, period_label) of the latest complete period of the type, else
    the latest."""
    row = con.execute(
        "select period_start, period_end, period_label from marts.ind_cohort "
        "where period_type = ? and scope_level = 'province' and sector_code = 'ALL' "
        "order by is_complete desc, period_end desc limit 1",
        [period_type],
    ).fetchone()
    return None if row is None else (row[0], row[1], row[2])


def _district_units(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every unit with its current name and level and the district it rolls up into (the rule of
    int_unit_scopes: the district of its latest dim_unit version that has one, in force first)."""
    return _dicts(
        con,
        """
        with current_version as (
            select unit_code, unit_name, level from marts.dim_unit
            qualify row_number() over (
                partition by unit_code order by is_in_force desc, valid_from desc nulls last) = 1
        ),
        districts as (
            select unit_code, district_code from marts.dim_unit where district_code is not null
            qualify row_number() over (
                partition by unit_code order by is_in_force desc, valid_from desc nulls last) = 1
        )
        select c.unit_code, c.unit_name, c.level, d.district_code
        from current_version as c left join districts as d using (unit_code)
        order by c.unit_code
        """,
    )


def _meta(con: duckdb.DuckDBPyConnection) -> dict:
    province = con.execute(
        "select unit_code, unit_name from marts.dim_unit where level = 'province' "
        "order by is_in_force desc, valid_from desc nulls last, unit_code limit 1"
    ).fetchone()
    if province is None:
        raise PipelineError("marts.dim_unit has no province row (level 'province')")
    (as_of,) = con.execute("select max(as_of_date) from marts.fct_dossier").fetchone()
    if as_of is None:
        raise PipelineError("the warehouse holds no dossiers: there is nothing to report")
    try:
        pub = con.execute(
            "select report_date, run_id, built_at, published_at from ops.publication"
        ).fetchone()
    except duckdb.Error:
        pub = None
    keys = ("report_date", "run_id", "built_at", "published_at")
    publication = {k: _iso(v) for k, v in zip(keys, pub or (None,) * 4, strict=True)}
    return {
        "province_code": province[0],
        "province_name": province[1],
        "as_of_date": as_of.isoformat(),
        "publication": publication,
    }


def _scope_filter(scope_level: str, scope_codes: list[str] | None) -> tuple[str, list]:
    if scope_codes is None:
        return "c.scope_level = ?", [scope_level]
    marks = ", ".join("?" for _ in scope_codes)
    return f"c.scope_level = ? and c.scope_code in ({marks})", [scope_level, *scope_codes]


def scope_figures(
    con: duckdb.DuckDBPyConnection,
    scope_level: str,
    scope_code: str,
    periods: dict[str, tuple],
    backlog_month: tuple,
    member_units: list[str],
) -> dict:
    """Headline, trend, unit ranking and backlog of one scope (the province or a district)."""
    headline = []
    for kind in ("month", "quarter", "ttm"):
        if kind not in periods:
            continue
        start, end, _ = periods[kind]
        headline += _dicts(
            con,
            f"select {COHORT_COLUMNS} from marts.ind_cohort c where c.period_type = ? "
            "and c.period_start = ? and c.period_end = ? and c.scope_level = ? "
            "and c.scope_code = ? and c.sector_code = 'ALL'",
            [kind, start, end, scope_level, scope_code],
        )
    trend = _dicts(
        con,
        f"select {TREND_COLUMNS} {TREND_FROM} and c.scope_code = ? order by c.period_start",
        [scope_level, scope_code],
    )
    quarter = periods.get("quarter")
    units = rankings(con, "unit", quarter, member_units) if quarter else []
    backlog = backlog_rows(con, "unit", backlog_month, member_units)
    backlog_total = backlog_rows(con, scope_level, backlog_month, [scope_code])
    return {
        "scope_level": scope_level,
        "scope_code": scope_code,
        "headline": headline,
        "trend": trend,
        "unit_ranking": units,
        "backlog_by_unit": backlog,
        "backlog": backlog_total[0] if backlog_total else None,
    }


def rankings(
    con: duckdb.DuckDBPyConnection,
    scope_level: str,
    period: tuple,
    scope_codes: list[str] | None = None,
) -> list[dict]:
    """Scopes of a level ranked by the 766 tiến độ score (then on-time rate) over ``period``."""
    where, params = _scope_filter(scope_level, scope_codes)
    rows = _dicts(
        con,
        f"""
        select c.scope_code, c.scope_name, c.received, c.returned_on_time, c.on_time_rate,
               p.received_total, p.progress_numerator, p.progress_score,
               s.received_online, s.online_share
        from marts.ind_cohort c
        left join marts.ind_progress_score p using (period_type, period_start, period_end,
            scope_level, scope_code, sector_code)
        left join marts.ind_service_measures s using (period_type, period_start, period_end,
            scope_level, scope_code, sector_code)
        where c.period_type = 'quarter' and c.period_start = ? and c.period_end = ?
          and c.sector_code = 'ALL' and {where}
        order by p.progress_score desc nulls last, c.on_time_rate desc nulls last, c.scope_code
        """,
        [period[0], period[1], *params],
    )
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
        row["band"] = band(row["progress_score"])
    return rows


def backlog_rows(
    con: duckdb.DuckDBPyConnection,
    scope_level: str,
    month: tuple,
    scope_codes: list[str] | None = None,
) -> list[dict]:
    """Dossiers in process at the month's as-of date: within the deadline (col 12), past it
    (col 13) with the ageing of the overdue ones, per scope, most overdue first."""
    where, params = _scope_filter(scope_level, scope_codes)
    return _dicts(
        con,
        f"""
        select c.scope_code, c.scope_name, c.as_of_date, p.pending_within,
               c.pending_overdue, p.pending_within + c.pending_overdue as pending_total,
               c.overdue_1_5_days, c.overdue_6_15_days, c.overdue_16_30_days,
               c.overdue_over_30_days
        from marts.ind_service_measures c
        inner join marts.ind_progress_score p using (period_type, period_start, period_end,
            scope_level, scope_code, sector_code)
        where c.period_type = 'month' and c.period_start = ? and c.period_end = ?
          and c.sector_code = 'ALL' and {where}
        order by c.pending_overdue desc, pending_total desc, c.scope_code
        """,
        [month[0], month[1], *params],
    )


def record_keeping_rows(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dict:
    """Read once for every page: the R01 rows of the last :data:`CALENDAR_DAYS` days, the unit
    scorecard and the units' accountability (``dq_unit_accountability``: gaps opened, fixed and
    still open, days to fix; the units in force that month, which it ranks) of the month of
    ``as_of``, and the gaps per unit and rule
    (``dq_issues`` may hold millions of rows: it is scanned once)."""
    first_day = as_of - dt.timedelta(days=CALENDAR_DAYS - 1)
    month = as_of.replace(day=1)
    missing = _dicts(
        con,
        "select unit_code, report_date from marts.dq_issues "
        "where rule_id = 'R01_missing_submission' and report_date between ? and ? "
        "group by all order by unit_code, report_date",
        [first_day, as_of],
    )
    scorecard = _dicts(
        con,
        "select unit_code, unit_name, level, district_code, submissions_expected, "
        "submissions_received, missing_submissions, rows_received, rows_with_issues, issue_rate, "
        "missing_rate, gap_ratio, rank_in_province from marts.dq_unit_scorecard where month = ? "
        "order by rank_in_province, unit_code",
        [month],
    )
    accountability = _dicts(
        con,
        "select a.rank_in_province, a.unit_code, s.unit_name, a.gaps_opened, a.gaps_fixed, "
        "a.gaps_open_at_month_end, a.median_days_to_fix, a.fixed_within_7_days_rate "
        "from marts.dq_unit_accountability as a left join marts.dq_unit_scorecard as s "
        "on s.unit_code = a.unit_code and s.month = a.month "
        "where a.month = ? and a.rank_in_province is not null "
        "order by a.rank_in_province, a.unit_code",
        [month],
    )
    rules = _dicts(
        con,
        "select unit_code, rule_id, min(severity) as severity, count(*) as issues, "
        "count(*) filter (where report_date >= ?) as issues_this_month "
        "from marts.dq_issues group by all",
        [month],
    )
    return {
        "calendar_start": first_day.isoformat(),
        "calendar_end": as_of.isoformat(),
        "month": month.isoformat(),
        "missing": missing,
        "scorecard": scorecard,
        "accountability": accountability,
        "rules_by_unit": rules,
    }


def record_keeping(read: dict, unit_codes: list[str] | None = None) -> dict:
    """Missing submissions (R01) of the last days as a unit × day calendar, the unit scorecard of
    the month ranked, and the gaps by rule (all report dates, and that month), for every unit or
    the units ``unit_codes``, from :func:`record_keeping_rows`."""
    keep = None if unit_codes is None else set(unit_codes)

    def mine(row: dict) -> bool:
        return keep is None or row["unit_code"] in keep

    rules: dict[str, dict] = {}
    for row in filter(mine, read["rules_by_unit"]):
        rule = rules.setdefault(
            row["rule_id"],
            {"rule_id": row["rule_id"], "severity": row["severity"], "issues": 0,
             "issues_this_month": 0, "units": 0},
        )  # fmt: skip
        rule["severity"] = min(rule["severity"] or "", row["severity"] or "") or None
        rule["issues"] += row["issues"]
        rule["issues_this_month"] += row["issues_this_month"]
        rule["units"] += 1 if row["unit_code"] is not None else 0
    return {
        "calendar_start": read["calendar_start"],
        "calendar_end": read["calendar_end"],
        "month": read["month"],
        "missing": [r for r in read["missing"] if mine(r)],
        "scorecard": [r for r in read["scorecard"] if mine(r)],
        "accountability": [r for r in read["accountability"] if mine(r)],
        "rules": [rules[k] for k in sorted(rules)],
    }


LINEAGE = "unit_lineage"


def lineages(con: duckdb.DuckDBPyConnection, periods: dict[str, tuple]) -> list[dict]:
    """One page's figures per successor with predecessors (``scope_level = 'unit_lineage'``): its
    members (the successor first, then by steps and code), headline and monthly trend (as
    :func:`scope_figures`), and ``history``: every quarter, the lineage's figures and each
    member's (``by_unit``: received, on time, on-time rate, 766 score). Read in a few queries for
    every lineage at once."""
    members = _dicts(
        con,
        "select lineage_code, lineage_name, unit_code, unit_name, steps, successor_since, "
        "succession_kinds from marts.map_unit_lineage order by lineage_code, steps, unit_code",
    )
    if not members:
        return []
    pages: dict[str, dict] = {}
    for m in members:
        page = pages.setdefault(
            m["lineage_code"],
            {"scope_level": LINEAGE, "scope_code": m["lineage_code"], "name": m["lineage_name"],
             "members": [], "headline": [], "trend": [], "history": []},
        )  # fmt: skip
        page["members"].append(
            {k: m[k] for k in ("unit_code", "unit_name", "steps", "successor_since",
                               "succession_kinds")}
        )  # fmt: skip
    for kind in ("month", "quarter", "ttm"):
        if kind not in periods:
            continue
        start, end, _ = periods[kind]
        for row in _dicts(
            con,
            f"select {COHORT_COLUMNS} from marts.ind_cohort c where c.period_type = ? "
            "and c.period_start = ? and c.period_end = ? and c.scope_level = ? "
            "and c.sector_code = 'ALL' order by c.scope_code",
            [kind, start, end, LINEAGE],
        ):
            if row["scope_code"] in pages:
                pages[row["scope_code"]]["headline"].append(row)
    for row in _dicts(
        con,
        f"select c.scope_code, {TREND_COLUMNS} {TREND_FROM} order by c.scope_code, c.period_start",
        [LINEAGE],
    ):
        if row["scope_code"] in pages:
            pages[row.pop("scope_code")]["trend"].append(row)
    quarters = _dicts(
        con,
        """
        with scopes as (
            select lineage_code, 'unit' as scope_level, unit_code as scope_code
            from marts.map_unit_lineage
            union all
            select distinct lineage_code, ?, lineage_code from marts.map_unit_lineage
        )
        select m.lineage_code, c.scope_level, c.scope_code, c.period_start, c.period_end,
               c.period_label, c.is_complete, c.received, c.returned_on_time, c.on_time_rate,
               p.progress_score
        from scopes m
        inner join marts.ind_cohort c using (scope_level, scope_code)
        left join marts.ind_progress_score p using (period_type, period_start, period_end,
            scope_level, scope_code, sector_code)
        where c.period_type = 'quarter' and c.sector_code = 'ALL'
        order by m.lineage_code, c.period_start, c.scope_level desc, c.scope_code
        """,
        [LINEAGE],
    )
    for row in quarters:
        history = pages[row["lineage_code"]]["history"]
        if not history or history[-1]["period_start"] != row["period_start"]:
            history.append(
                {k: row[k] for k in ("period_start", "period_end", "period_label", "is_complete")}
                | {"by_unit": {}}
            )
        figures = {k: row[k] for k in ("received", "returned_on_time", "on_time_rate",
                                       "progress_score")}  # fmt: skip
        if row["scope_level"] == LINEAGE:
            history[-1].update(figures)
        else:
            history[-1]["by_unit"][row["scope_code"]] = figures
    return [pages[code] for code in sorted(pages)]


def collect(con: duckdb.DuckDBPyConnection) -> dict:
    """Every figure of the dashboard: the province's page, one per district and one per successor
    with predecessors (:func:`lineages`)."""
    meta = _meta(con)
    as_of = dt.date.fromisoformat(meta["as_of_date"])
    periods = {}
    for kind in ("month", "quarter", "ttm"):
        found = _headline_period(con, kind)
        if found is not None:
            periods[kind] = found
    row = con.execute(
        "select period_start, period_end from marts.ind_service_measures "
        "where period_type = 'month' and period_start <= ? and period_end >= ? limit 1",
        [as_of, as_of],
    ).fetchone()
    if row is None:
        raise PipelineError(f"marts.ind_service_measures has no month holding {as_of}")
    backlog_month = (row[0], row[1])
    units = _district_units(con)
    by_code = {u["unit_code"]: u for u in units}
    all_units = [u["unit_code"] for u in units]
    province = scope_figures(
        con, "province", meta["province_code"], periods, backlog_month, all_units
    )
    quarter = periods.get("quarter")
    province["district_ranking"] = rankings(con, "district", quarter) if quarter else []
    province["backlog_by_district"] = backlog_rows(con, "district", backlog_month)
    rk = record_keeping_rows(con, as_of)
    province["record_keeping"] = record_keeping(rk)
    districts = []
    for code in sorted(u["unit_code"] for u in units if u["level"] == "district"):
        members = [u["unit_code"] for u in units if u["district_code"] == code]
        page = scope_figures(con, "district", code, periods, backlog_month, members)
        page["name"] = by_code[code]["unit_name"]
        page["record_keeping"] = record_keeping(rk, members)
        districts.append(page)
    return {
        **meta,
        "periods": {k: [v[0].isoformat(), v[1].isoformat(), v[2]] for k, v in periods.items()},
        "backlog_month": [backlog_month[0].isoformat(), backlog_month[1].isoformat()],
        "units": units,
        "province": province,
        "districts": districts,
        "lineages": lineages(con, periods),
    }


# --- one scope, one period: ``motcua report --period --scope --sector`` ----------------------

#: The figures of one (period, scope, sector), in the order ``motcua report`` prints them.
SCOPE_FIELDS: tuple[str, ...] = (
    "period_type",
    "period_start",
    "period_end",
    "period_label",
    "is_complete",
    "as_of_date",
    "scope_level",
    "scope_code",
    "scope_name",
    "sector_code",
    "received",
    "returned_on_time",
    "on_time_rate",
    "returned_late",
    "late_rate",
    "in_process",
    "in_process_rate",
    "resolved",
    "on_time_rate_of_resolved",
    "received_total",
    "progress_numerator",
    "progress_score",
    "band",
    "received_online",
    "online_share",
    "processing_days_mean",
    "processing_days_median",
    "processing_days_p90",
    "pending_within",
    "pending_overdue",
    "overdue_1_5_days",
    "overdue_6_15_days",
    "overdue_16_30_days",
    "overdue_over_30_days",
    "apology_compliance",
)

SCOPE_SQL = """
select
    c.period_type, c.period_start, c.period_end, c.period_label, c.is_complete, c.as_of_date,
    c.scope_level, c.scope_code, c.scope_name, c.sector_code,
    c.received, c.returned_on_time, c.on_time_rate, c.returned_late, c.late_rate, c.in_process,
    c.in_process_rate, c.resolved, c.on_time_rate_of_resolved,
    p.received_total, p.progress_numerator, p.progress_score,
    s.received_online, s.online_share, s.processing_days_mean, s.processing_days_median,
    s.processing_days_p90, p.pending_within, s.pending_overdue, s.overdue_1_5_days,
    s.overdue_6_15_days, s.overdue_16_30_days, s.overdue_over_30_days, s.apology_compliance
from marts.ind_cohort c
left join marts.ind_progress_score p using (period_type, period_start, period_end, scope_level,
    scope_code, sector_code)
left join marts.ind_service_measures s using (period_type, period_start, period_end, scope_level,
    scope_code, sector_code)
where c.period_type = ? and c.period_label = ? and c.scope_level = ? and c.scope_code = ?
  and (? or c.sector_code = ?)
order by c.sector_code = 'ALL', c.sector_code
"""


def scope_period(
    con: duckdb.DuckDBPyConnection,
    period_type: str,
    period_label: str,
    scope_level: str,
    scope_code: str,
    sector: str | None = "ALL",
) -> list[dict]:
    """The figures of :data:`SCOPE_FIELDS` for one period (by its label: ``2009-03``, ``2009-Q1``,
    ``TTM-2009-06``, …, whichever calendar the warehouse is cut on) and scope, one row per sector
    (``sector`` None: every sector and ``ALL``), from ind_cohort, ind_progress_score and
    ind_service_measures."""
    rows = _dicts(
        con,
        SCOPE_SQL,
        [period_type, period_label, scope_level, scope_code, sector is None, sector or ""],
    )
    for row in rows:
        row["band"] = band(row["progress_score"])
    return rows
