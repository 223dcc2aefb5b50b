"""The nightly dashboard: ``$MOTCUA_DATA_DIR/reports/index.html``, one page per district and one
per successor unit with its predecessors (``lineage-<code>.html``: the scope ``unit_lineage``).

Static pages computed when the warehouse is published (the ``report`` stage, and
``motcua report --html``) from the figures of :mod:`motcua.reports.figures`, which reads the
published marts only. Every chart is a Vega-Lite specification made with Vega-Altair and drawn in
the browser by Vega-Embed, whose JavaScript (``vl_convert.javascript_bundle``: Vega, Vega-Lite and
Vega-Embed in one file, offline) is written once beside the pages in ``assets/``. Opening a page
from disk makes no network request: data, style and script are in the page or beside it; fonts are
the system's. Every chart has its numbers in a table under it; each table cell carries its exact
value in ``data-value``, and the page embeds all its figures as JSON
(``<script type="application/json" id="motcua-data">``).

The pages are written to a temporary name and renamed, so a reader never sees half a page. A
failure raises (the nightly task then fails and alerts); the warehouse is only read.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import html
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from motcua.common.config import Settings
from motcua.common.errors import PipelineError
from motcua.reports import figures as fig

log = logging.getLogger(__name__)

ASSETS = "assets"
VEGA_LITE_VERSION = "6.4"  # what Altair 6 writes; the bundle must draw the same version

PERIOD_NAMES = {
    "month": ("Tháng gần nhất", "latest month"),
    "quarter": ("Quý gần nhất", "latest quarter"),
    "ttm": ("12 tháng gần nhất", "trailing twelve months"),
}
COLORS = {"on_time": "#2e7d32", "late": "#c62828", "in_process": "#f9a825", "online": "#1565c0"}
BAND_COLORS = {"Tốt": "#2e7d32", "Khá": "#7cb342", "Trung bình": "#f9a825", "Yếu": "#c62828"}
VN_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " đ"]}


# --- formatting ------------------------------------------------------------------------------


def fmt_int(value: int | None) -> str:
    return "—" if value is None else f"{value:,}".replace(",", ".")


def fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}".replace(".", ",") + "%"


def fmt_num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}".replace(".", ",")


def vn_date(text: str | None) -> str:
    return "—" if not text else dt.date.fromisoformat(text[:10]).strftime("%d/%m/%Y")


def e(text) -> str:
    return html.escape("" if text is None else str(text))


def bi(vi: str, en: str) -> str:
    """Vietnamese first, English second (smaller)."""
    return f'{e(vi)} <span class="en">{e(en)}</span>'


FORMATS: dict[str, Callable] = {
    "int": fmt_int,
    "pct": fmt_pct,
    "score": fmt_num,
    "days": lambda v: fmt_num(v, 1),
    "date": vn_date,
    "text": lambda v: "—" if v is None else str(v),
}


class Col:
    """A table column: the row's key, its bilingual header and how its values are written."""

    def __init__(self, key: str, vi: str, en: str, kind: str = "int") -> None:
        self.key, self.vi, self.en, self.kind = key, vi, en, kind


def table(table_id: str, cols: list[Col], rows: Iterable[dict], caption: str = "") -> str:
    head = "".join(
        f'<th class="{c.kind}" data-key="{e(c.key)}">{bi(c.vi, c.en)}</th>' for c in cols
    )
    body = []
    for row in rows:
        cells = []
        for c in cols:
            value = row.get(c.key)
            raw = "" if value is None else json.dumps(value, ensure_ascii=False)
            cells.append(
                f'<td class="{c.kind}" data-key="{e(c.key)}" data-value="{e(raw)}">'
                f"{e(FORMATS[c.kind](value))}</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    return (
        f'<div class="table-wrap"><table id="{e(table_id)}" class="data">{cap}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


# --- charts (Vega-Altair) --------------------------------------------------------------------
#
# Each kind of chart is made once per process with Vega-Altair as a template that reads named
# datasets (``alt.NamedData``); a page's chart is the template with the page's rows as its
# ``datasets``. Altair validates every encoding when a chart is made (tens of milliseconds each), so
# making the templates once keeps a province of hundreds of units and its district pages fast.

TREND_KINDS = ["Đúng hạn / on time", "Quá hạn / late", "Đang giải quyết / in process"]
RATE_KINDS = ["Tỷ lệ đúng hạn / on-time rate", "Trực tuyến / online share"]
BACKLOG_KINDS = ["Trong hạn / within deadline", "Quá hạn / past deadline"]
AGEING = (
    ("overdue_1_5_days", "1–5 ngày", "1–5 days"),
    ("overdue_6_15_days", "6–15 ngày", "6–15 days"),
    ("overdue_16_30_days", "16–30 ngày", "16–30 days"),
    ("overdue_over_30_days", "Trên 30 ngày", "over 30 days"),
)
WIDTH = 820  # bars of the rankings: ~200 px of names on their left
WIDE = 900  # the trend
STEP = 18


class Charts:
    """The page's charts: :meth:`div` places one and keeps its specification."""

    def __init__(self) -> None:
        self.specs: dict[str, dict] = {}

    def div(self, chart_id: str, kind: str, datasets: dict[str, list[dict]], alt_text: str) -> str:
        spec = copy.deepcopy(_template(kind))
        spec["datasets"] = datasets
        self.specs[chart_id] = spec
        return f'<div class="chart" id="{e(chart_id)}" role="img" aria-label="{e(alt_text)}"></div>'


def _name(row: dict, code: str = "scope_code", name: str = "scope_name") -> str:
    return f"{row.get(name) or row[code]} ({row[code]})"


@functools.cache
def _template(kind: str) -> dict:
    import altair as alt

    def chart(dataset: str):
        return alt.Chart(alt.NamedData(dataset))

    legend = alt.Legend(orient="top", title=None)
    if kind == "trend":
        bars = (
            chart("counts")
            .mark_bar()
            .encode(
                x=alt.X("month:O", title="Tháng / month", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("dossiers:Q", title="Hồ sơ tiếp nhận / dossiers received", stack=True),
                color=alt.Color(
                    "kind:N",
                    scale=alt.Scale(
                        domain=TREND_KINDS,
                        range=[COLORS["on_time"], COLORS["late"], COLORS["in_process"]],
                    ),
                    legend=legend,
                ),
                order=alt.Order("order:Q"),
                tooltip=["month:O", "kind:N", alt.Tooltip("dossiers:Q", format=",")],
            )
            .properties(width=WIDE, height=230)
        )
        lines = (
            chart("rates")
            .mark_line(point=True)
            .encode(
                x=alt.X("month:O", title="Tháng / month", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("rate:Q", title="Tỷ lệ / share of received", axis=alt.Axis(format="%")),
                color=alt.Color(
                    "kind:N",
                    scale=alt.Scale(domain=RATE_KINDS, range=[COLORS["on_time"], COLORS["online"]]),
                    legend=legend,
                ),
                tooltip=["month:O", "kind:N", alt.Tooltip("rate:Q", format=".1%")],
            )
            .properties(width=WIDE, height=150)
        )
        made = alt.vconcat(bars, lines).resolve_scale(color="independent")
    elif kind == "ranking":
        bars = (
            chart("scores")
            .mark_bar()
            .encode(
                x=alt.X(
                    "score:Q",
                    title="Điểm tiến độ (766) / progress score",
                    scale=alt.Scale(domain=[0, 20]),
                ),
                y=alt.Y("name:N", sort=alt.EncodingSortField("rank"), title=None),
                color=alt.Color(
                    "band:N",
                    title="Xếp loại / band",
                    scale=alt.Scale(domain=list(BAND_COLORS), range=list(BAND_COLORS.values())),
                    legend=alt.Legend(orient="top"),
                ),
                tooltip=[
                    "rank:Q",
                    "name:N",
                    alt.Tooltip("score:Q", format=".2f"),
                    "band:N",
                    alt.Tooltip("on_time_rate:Q", format=".1%"),
                ],
            )
        )
        floors = chart("floors").mark_rule(strokeDash=[4, 3], color="#555").encode(x="x:Q")
        made = alt.layer(bars, floors).properties(width=WIDTH - 120, height=alt.Step(STEP))
    elif kind == "backlog":
        made = (
            chart("backlog")
            .mark_bar()
            .encode(
                x=alt.X("dossiers:Q", title="Hồ sơ đang giải quyết / dossiers in process"),
                y=alt.Y("name:N", sort=alt.EncodingSortField("rank"), title=None),
                color=alt.Color(
                    "kind:N",
                    scale=alt.Scale(
                        domain=BACKLOG_KINDS, range=[COLORS["in_process"], COLORS["late"]]
                    ),
                    legend=legend,
                ),
                order=alt.Order("order:Q"),
                tooltip=["name:N", "kind:N", alt.Tooltip("dossiers:Q", format=",")],
            )
            .properties(width=WIDTH, height=alt.Step(STEP))
        )
    elif kind == "ageing":
        made = (
            chart("ageing")
            .mark_bar(color=COLORS["late"])
            .encode(
                x=alt.X(
                    "age:N",
                    sort=alt.EncodingSortField("order"),
                    title="Quá hạn (ngày làm việc) / overdue by (working days)",
                    axis=alt.Axis(labelAngle=0),
                ),
                y=alt.Y("dossiers:Q", title="Hồ sơ / dossiers"),
                tooltip=["age:N", alt.Tooltip("dossiers:Q", format=",")],
            )
            .properties(width=460, height=170)
        )
    elif kind == "online":
        made = (
            chart("online")
            .mark_bar(color=COLORS["online"])
            .encode(
                x=alt.X(
                    "share:Q", title="Tỷ lệ trực tuyến / online share", axis=alt.Axis(format="%")
                ),
                y=alt.Y("name:N", sort="-x", title=None),
                tooltip=["name:N", alt.Tooltip("share:Q", format=".1%")],
            )
            .properties(width=WIDTH, height=alt.Step(STEP))
        )
    elif kind == "calendar":
        made = (
            chart("calendar")
            .mark_rect(stroke="#fff", strokeWidth=1)
            .encode(
                x=alt.X(
                    "day:O",
                    title="Ngày báo cáo / report date",
                    axis=alt.Axis(labelExpr="slice(datum.value, 8)", labelAngle=0),
                ),
                y=alt.Y("unit:N", title=None),
                color=alt.Color(
                    "state:N",
                    scale=alt.Scale(
                        domain=["Thiếu / missing", "Đã gửi / sent"],
                        range=[COLORS["late"], "#e3e7ec"],
                    ),
                    legend=legend,
                ),
                tooltip=["unit:N", "day:O", "state:N"],
            )
            .properties(width=alt.Step(19), height=alt.Step(16))
        )
    elif kind == "scorecard":
        made = (
            chart("scorecard")
            .mark_bar(color="#6a1b9a")
            .encode(
                x=alt.X("gap_ratio:Q", title="Tỷ lệ thiếu sót / gap ratio",
                        axis=alt.Axis(format="%")),
                y=alt.Y("name:N", sort=alt.EncodingSortField("rank"), title=None),
                tooltip=["rank:Q", "name:N", alt.Tooltip("gap_ratio:Q", format=".2%")],
            )
            .properties(width=WIDTH, height=alt.Step(STEP))
        )  # fmt: skip
    elif kind == "history":
        made = (
            chart("history")
            .mark_bar()
            .encode(
                x=alt.X("quarter:O", title="Quý / quarter", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("dossiers:Q", title="Hồ sơ tiếp nhận / dossiers received", stack=True),
                color=alt.Color(
                    "unit:N",
                    sort=alt.EncodingSortField("order"),
                    scale=alt.Scale(scheme="tableau20"),
                    legend=alt.Legend(orient="right", title="Đơn vị / unit"),
                ),
                order=alt.Order("order:Q"),
                tooltip=["quarter:O", "unit:N", alt.Tooltip("dossiers:Q", format=",")],
            )
            .properties(width=WIDE - 260, height=230)
        )
    elif kind == "rules":
        made = (
            chart("rules")
            .mark_bar(color="#6a1b9a")
            .encode(
                x=alt.X("issues:Q", title="Số thiếu sót / gaps found"),
                y=alt.Y("rule_id:N", sort="ascending", title=None),
                tooltip=["rule_id:N", "severity:N", alt.Tooltip("issues:Q", format=",")],
            )
            .properties(width=WIDTH, height=alt.Step(STEP))
        )
    else:
        raise ValueError(f"unknown chart {kind!r}")
    spec = made.to_dict(validate=False)
    spec["config"] = {"view": {"stroke": "#d9dde3"}, "font": "DejaVu Sans, Arial, sans-serif"}
    return spec


def trend_data(trend: list[dict]) -> dict[str, list[dict]]:
    keys = ("returned_on_time", "returned_late", "in_process")
    counts = [
        {"month": r["period_label"], "kind": kind, "order": i, "dossiers": r[key]}
        for r in trend
        for i, (key, kind) in enumerate(zip(keys, TREND_KINDS, strict=True))
    ]
    rates = [
        {"month": r["period_label"], "kind": kind, "rate": r[key]}
        for r in trend
        for key, kind in zip(("on_time_rate", "online_share"), RATE_KINDS, strict=True)
        if r[key] is not None
    ]
    return {"counts": counts, "rates": rates}


def ranking_data(rows: list[dict]) -> dict[str, list[dict]]:
    scores = [
        {"rank": r["rank"], "name": _name(r), "score": r["progress_score"], "band": r["band"],
         "on_time_rate": r["on_time_rate"]}
        for r in rows if r["progress_score"] is not None
    ]  # fmt: skip
    return {"scores": scores, "floors": [{"x": f} for f, *_ in fig.BANDS if f > 0]}


def backlog_data(rows: list[dict]) -> dict[str, list[dict]]:
    values = []
    for rank, r in enumerate(rows, start=1):
        for order, (key, kind) in enumerate(
            zip(("pending_within", "pending_overdue"), BACKLOG_KINDS, strict=True)
        ):
            values.append(
                {"rank": rank, "name": _name(r), "kind": kind, "order": order, "dossiers": r[key]}
            )
    return {"backlog": values}


def ageing_data(total: dict) -> dict[str, list[dict]]:
    return {
        "ageing": [
            {"order": i, "age": f"{vi} / {en}", "dossiers": total[key]}
            for i, (key, vi, en) in enumerate(AGEING)
        ]
    }


def online_data(rows: list[dict]) -> dict[str, list[dict]]:
    return {
        "online": [
            {"name": _name(r), "share": r["online_share"]}
            for r in rows
            if r.get("online_share") is not None
        ]
    }


def calendar_data(missing: list[dict], names: dict[str, str], start: str, end: str) -> dict:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    days = [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    gaps = {(m["unit_code"], m["report_date"]) for m in missing}
    units = sorted({code for code, _ in gaps})
    values = [
        {"unit": f"{names.get(code) or code} ({code})", "day": day,
         "state": "Thiếu / missing" if (code, day) in gaps else "Đã gửi / sent"}
        for code in units for day in days
    ]  # fmt: skip
    return {"calendar": values}


def scorecard_data(rows: list[dict]) -> dict[str, list[dict]]:
    return {
        "scorecard": [
            {"rank": r["rank_in_province"], "name": _name(r, "unit_code", "unit_name"),
             "gap_ratio": r["gap_ratio"]}
            for r in rows if r["gap_ratio"] is not None
        ]
    }  # fmt: skip


def history_data(lineage: dict) -> dict[str, list[dict]]:
    """Each quarter's dossiers received by each member unit, stacked (the successor first)."""
    members = lineage["members"]
    return {
        "history": [
            {"quarter": q["period_label"], "unit": _name(m, "unit_code", "unit_name"),
             "order": i, "dossiers": q["by_unit"].get(m["unit_code"], {}).get("received") or 0}
            for q in lineage["history"] for i, m in enumerate(members)
        ]
    }  # fmt: skip


def rules_data(rules: list[dict]) -> dict[str, list[dict]]:
    return {"rules": [dict(r) for r in rules]}


# --- page sections ---------------------------------------------------------------------------

HEADLINE_COLS = [
    Col("period", "Kỳ", "period", "text"),
    Col("received", "Tiếp nhận", "received"),
    Col("returned_on_time", "Đúng hạn", "on time"),
    Col("on_time_rate", "Tỷ lệ đúng hạn", "on-time rate", "pct"),
    Col("returned_late", "Quá hạn", "late"),
    Col("late_rate", "Tỷ lệ quá hạn", "late rate", "pct"),
    Col("in_process", "Đang giải quyết", "in process"),
    Col("in_process_rate", "Tỷ lệ đang giải quyết", "in-process rate", "pct"),
    Col("resolved", "Đã giải quyết", "resolved"),
    Col("on_time_rate_of_resolved", "Đúng hạn / đã giải quyết", "on time of resolved", "pct"),
]
TREND_COLS = [
    Col("period_label", "Tháng", "month", "text"),
    Col("received", "Tiếp nhận", "received"),
    Col("returned_on_time", "Đúng hạn", "on time"),
    Col("returned_late", "Quá hạn", "late"),
    Col("in_process", "Đang giải quyết", "in process"),
    Col("on_time_rate", "Tỷ lệ đúng hạn", "on-time rate", "pct"),
    Col("received_online", "Trực tuyến", "online"),
    Col("online_share", "Tỷ lệ trực tuyến", "online share", "pct"),
    Col("progress_score", "Điểm tiến độ", "766 score", "score"),
]
RANK_COLS = [
    Col("rank", "Hạng", "rank"),
    Col("scope_code", "Mã", "code", "text"),
    Col("scope_name", "Tên", "name", "text"),
    Col("progress_score", "Điểm tiến độ (/20)", "766 score (of 20)", "score"),
    Col("band", "Xếp loại", "band", "text"),
    Col("progress_numerator", "Tử số (8)+(9)+(12)", "numerator", "int"),
    Col("received_total", "Mẫu số (3)", "denominator", "int"),
    Col("on_time_rate", "Tỷ lệ đúng hạn", "on-time rate", "pct"),
    Col("returned_on_time", "Đúng hạn", "on time"),
    Col("received", "Tiếp nhận trong kỳ", "received"),
]
BACKLOG_COLS = [
    Col("scope_code", "Mã", "code", "text"),
    Col("scope_name", "Tên", "name", "text"),
    Col("pending_total", "Đang giải quyết", "in process"),
    Col("pending_within", "Trong hạn", "within deadline"),
    Col("pending_overdue", "Quá hạn", "past deadline"),
    *[Col(k, vi, en) for k, vi, en in AGEING],
]
ONLINE_COLS = [
    Col("scope_code", "Mã", "code", "text"),
    Col("scope_name", "Tên", "name", "text"),
    Col("received", "Tiếp nhận", "received"),
    Col("received_online", "Trực tuyến", "online"),
    Col("online_share", "Tỷ lệ trực tuyến", "online share", "pct"),
]
SCORECARD_COLS = [
    Col("rank_in_province", "Hạng", "rank"),
    Col("unit_code", "Mã", "code", "text"),
    Col("unit_name", "Tên", "name", "text"),
    Col("submissions_expected", "Số lần gửi phải có", "files expected"),
    Col("submissions_received", "Đã gửi", "received"),
    Col("missing_submissions", "Thiếu", "missing"),
    Col("rows_received", "Dòng nhận", "rows"),
    Col("rows_with_issues", "Dòng có thiếu sót", "rows with gaps"),
    Col("issue_rate", "Tỷ lệ dòng lỗi", "issue rate", "pct"),
    Col("gap_ratio", "Tỷ lệ thiếu sót", "gap ratio", "pct"),
]
ACCOUNTABILITY_COLS = [
    Col("rank_in_province", "Hạng", "rank"),
    Col("unit_code", "Mã", "code", "text"),
    Col("unit_name", "Tên", "name", "text"),
    Col("gaps_opened", "Lỗi mới", "gaps opened"),
    Col("gaps_fixed", "Đã khắc phục", "fixed"),
    Col("gaps_open_at_month_end", "Còn mở", "still open"),
    Col("median_days_to_fix", "Trung vị ngày khắc phục", "median days to fix", "days"),
    Col("fixed_within_7_days_rate", "Khắc phục trong 7 ngày", "fixed within 7 days", "pct"),
]
RULE_COLS = [
    Col("rule_id", "Quy tắc", "rule", "text"),
    Col("severity", "Mức độ", "severity", "text"),
    Col("issues", "Tổng số", "all report dates"),
    Col("issues_this_month", "Tháng này", "this month"),
    Col("units", "Số đơn vị", "units"),
]
MISSING_COLS = [
    Col("unit_code", "Mã", "code", "text"),
    Col("unit_name", "Tên", "name", "text"),
    Col("missing_days", "Số ngày thiếu", "days missing"),
    Col("days", "Các ngày", "days", "text"),
]


def _period_text(row: dict) -> str:
    vi, en = PERIOD_NAMES[row["period_type"]]
    running = "" if row["is_complete"] else " — chưa kết thúc / still running"
    return (
        f"{vi} / {en}: {row['period_label']} ({vn_date(row['period_start'])} – "
        f"{vn_date(row['period_end'])}){running}"
    )


def _section(anchor: str, vi: str, en: str, body: str, note: str = "") -> str:
    note_html = f'<p class="note">{note}</p>' if note else ""
    return f'<section id="{anchor}"><h2>{bi(vi, en)}</h2>{note_html}{body}</section>'


def _card(vi: str, en: str, value: str, detail: str) -> str:
    return (
        f'<div class="card"><span class="label">{bi(vi, en)}</span><b>{e(value)}</b>'
        f'<span class="detail">{e(detail)}</span></div>'
    )


def cards(scope: dict) -> str:
    """The headline quarter (else the first headline period) in four boxes."""
    rows = scope["headline"]
    if not rows:
        return ""
    row = next((r for r in rows if r["period_type"] == "quarter"), rows[0])
    received = row["received"]
    of = f"/ {fmt_int(received)} tiếp nhận" if received else ""
    return '<div class="cards">' + "".join(
        [
            _card("Tiếp nhận", "received", fmt_int(received), _period_text(row)),
            _card("Đúng hạn", "on time", fmt_pct(row["on_time_rate"]),
                  f"{fmt_int(row['returned_on_time'])} {of}"),
            _card("Quá hạn", "late", fmt_pct(row["late_rate"]),
                  f"{fmt_int(row['returned_late'])} {of}"),
            _card("Đang giải quyết", "in process", fmt_pct(row["in_process_rate"]),
                  f"{fmt_int(row['in_process'])} {of}"),
        ]
    ) + "</div>"  # fmt: skip


def headline_section(scope: dict) -> str:
    rows = [{**r, "period": _period_text(r)} for r in scope["headline"]]
    note = (
        "Hồ sơ tiếp nhận trong kỳ và kết quả của chúng tại cuối kỳ (marts.ind_cohort); các tỷ lệ "
        "tính trên số tiếp nhận, riêng cột cuối tính trên số đã giải quyết. / Dossiers received "
        "in the period and their outcome at its end; rates are over received, the last one over "
        "resolved."
    )
    return _section(
        "headline",
        "Kết quả giải quyết",
        "Headline figures",
        cards(scope) + table("headline", HEADLINE_COLS, rows),
        note,
    )


def trend_section(scope: dict, charts: Charts) -> str:
    body = charts.div("chart-trend", "trend", trend_data(scope["trend"]), "monthly trend") + table(
        "trend", TREND_COLS, scope["trend"]
    )
    note = (
        "Mỗi tháng: hồ sơ tiếp nhận trong tháng theo kết quả tại cuối tháng; tháng đang chạy tính "
        "đến ngày số liệu. / Each month: dossiers received in it by their outcome at its end "
        "(the running month as of the data's date)."
    )
    return _section("trend", "Diễn biến theo tháng", "Monthly trend", body, note)


def ranking_section(
    anchor: str,
    rows: list[dict],
    title_vi: str,
    title_en: str,
    label: str,
    charts: Charts,
    period: str,
    collapse_from: int = 40,
) -> str:
    if not rows:
        return _section(anchor, title_vi, title_en, "<p>Không có số liệu / no figures.</p>")
    chart_rows = rows if len(rows) <= collapse_from else rows[:15] + rows[-15:]
    what = (
        ""
        if chart_rows is rows
        else (
            "<p class='note'>Biểu đồ: 15 cao nhất và 15 thấp nhất; bảng: tất cả. / Chart: the 15 "
            "highest and 15 lowest; table: all.</p>"
        )
    )
    bands = ", ".join(
        f"{label_vi} ≥ {fmt_num(floor, 0)}" if floor else f"{label_vi} < 10"
        for floor, label_vi, _ in fig.BANDS
    )
    note = (
        f"{period}. Điểm tiến độ giải quyết (Quyết định 766/QĐ-TTg, 20 điểm) = 20 × "
        "[(8) trước hạn + (9) đúng hạn + (12) đang trong hạn] / (3) tổng số phải giải quyết "
        f"(marts.ind_progress_score); xếp loại: {bands}. / Progress score of Decision 766 "
        "(20 points) = 20 × (early + on time + pending within deadline) / dossiers to resolve; "
        "ranked by score, then on-time rate."
    )
    body = what + charts.div(f"chart-{anchor}", "ranking", ranking_data(chart_rows), title_en)
    body += table(anchor, RANK_COLS, rows)
    return _section(anchor, title_vi, title_en, body, note)


def backlog_section(scope: dict, by: list[dict], label: str, charts: Charts, by_name: str) -> str:
    total = scope["backlog"]
    if total is None:
        return _section("backlog", "Hồ sơ tồn", "Backlog", "<p>Không có số liệu.</p>")
    note = (
        f"Hồ sơ chưa giải quyết tại ngày {vn_date(total['as_of_date'])}: trong hạn (cột 12 Biểu "
        "06) và quá hạn (cột 13), tuổi quá hạn tính bằng ngày làm việc sau ngày hẹn trả "
        "(marts.ind_progress_score, marts.ind_service_measures). / Dossiers not resolved at "
        "that date, within and past their deadline; overdue ageing in working days past due."
    )
    body = table("backlog-total", BACKLOG_COLS[2:], [total])
    body += charts.div("chart-ageing", "ageing", ageing_data(total), "overdue ageing")
    shown = [r for r in by if r["pending_total"]]
    body += f"<h3>{by_name}</h3>"
    body += (
        charts.div("chart-backlog", "backlog", backlog_data(shown[:40]), "backlog") if shown else ""
    )
    body += table("backlog", BACKLOG_COLS, by)
    return _section("backlog", "Hồ sơ đang giải quyết (tồn)", "Backlog", body, note)


def online_section(rows: list[dict], label: str, charts: Charts, period: str) -> str:
    note = (
        f"{period}. Tỷ lệ hồ sơ tiếp nhận trực tuyến (kênh 2) trên tổng số tiếp nhận "
        "(marts.ind_service_measures). / Share of dossiers received online."
    )
    body = charts.div("chart-online", "online", online_data(rows), "online share")
    body += table("online", ONLINE_COLS, rows)
    return _section("online", "Tiếp nhận trực tuyến", "Online share", body, note)


MEMBER_COLS = [
    Col("unit_code", "Mã", "code", "text"),
    Col("unit_name", "Tên", "name", "text"),
    Col("role", "Vai trò", "role", "text"),
    Col("succession_kinds", "Hình thức kế thừa", "succession", "text"),
    Col("successor_since", "Từ ngày", "since", "date"),
]
KINDS_VI = {"merge": "sáp nhập", "split": "chia tách", "rename": "đổi tên"}


def _kinds(text: str | None) -> str | None:
    if not text:
        return None
    return " > ".join(f"{KINDS_VI.get(k, k)} / {k}" for k in text.split(">"))


def lineage_section(lineage: dict) -> str:
    """Who is in the lineage: the successor and the units it replaced."""
    rows = [
        {**m, "role": "Đơn vị kế thừa / successor" if m["steps"] == 0
         else "Đơn vị tiền thân / predecessor", "succession_kinds": _kinds(m["succession_kinds"])}
        for m in lineage["members"]
    ]  # fmt: skip
    note = (
        "Các chỉ tiêu của trang này tính cho đơn vị kế thừa cùng các đơn vị tiền thân trong mọi "
        "kỳ, trước và sau khi sáp nhập (marts.ind_cohort, phạm vi unit_lineage; "
        "marts.map_unit_lineage); huyện bị giải thể không tính. Các phạm vi này chồng lấn, không "
        "cộng dồn. / This page's figures are the successor's together with the units it replaced, "
        "in every period, before and after the merger (scope unit_lineage); abolished districts "
        "are left out. Lineages overlap: never add them up."
    )
    return _section(
        "lineage",
        "Đơn vị kế thừa và các đơn vị tiền thân",
        "The successor and the units it replaced",
        table("members", MEMBER_COLS, rows),
        note,
    )


def history_section(lineage: dict, charts: Charts) -> str:
    """Every quarter: the lineage's figures, then each member's received and on-time rate."""
    cols = [
        Col("period_label", "Quý", "quarter", "text"),
        Col("received", "Tiếp nhận (cộng)", "received (lineage)"),
        Col("on_time_rate", "Tỷ lệ đúng hạn", "on-time rate", "pct"),
        Col("progress_score", "Điểm tiến độ", "766 score", "score"),
    ]
    for m in lineage["members"]:
        code = m["unit_code"]
        cols.append(Col(f"received_{code}", f"Tiếp nhận {code}", f"received {m['unit_name']}"))
        cols.append(Col(f"on_time_rate_{code}", f"Đúng hạn {code}", "on-time rate", "pct"))
    rows = []
    for q in lineage["history"]:
        row = {k: q.get(k) for k in ("period_label", "received", "on_time_rate", "progress_score")}
        for code, figures in q["by_unit"].items():
            row[f"received_{code}"] = figures["received"]
            row[f"on_time_rate_{code}"] = figures["on_time_rate"]
        rows.append(row)
    note = (
        "Mỗi quý: hồ sơ tiếp nhận của cả nhóm và của từng đơn vị, tỷ lệ đúng hạn trên số tiếp "
        "nhận, điểm tiến độ 766 của cả nhóm (marts.ind_cohort, marts.ind_progress_score). / Each "
        "quarter: dossiers received by the lineage and by each unit, on-time rate over received, "
        "the lineage's 766 score."
    )
    body = charts.div("chart-history", "history", history_data(lineage), "history by unit")
    body += table("history", cols, rows)
    return _section("history", "Lịch sử theo đơn vị", "History by unit", body, note)


def record_section(rk: dict, names: dict[str, str], charts: Charts) -> str:
    per_unit: dict[str, list[str]] = {}
    for m in rk["missing"]:
        per_unit.setdefault(m["unit_code"], []).append(m["report_date"])
    missing_rows = [
        {
            "unit_code": code,
            "unit_name": names.get(code),
            "missing_days": len(days),
            "days": ", ".join(d[8:10] + "/" + d[5:7] for d in days),
        }
        for code, days in sorted(per_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    cal_note = (
        f"Đơn vị × ngày không gửi sổ theo dõi (R01) từ {vn_date(rk['calendar_start'])} đến "
        f"{vn_date(rk['calendar_end'])} (marts.dq_issues); ô đỏ = thiếu. / Units × days with no "
        "ledger sent (R01); red = missing."
    )
    body = (
        f"<h3>{bi('Lịch thiếu báo cáo', 'Missing submissions')}</h3><p class='note'>{cal_note}</p>"
    )
    if missing_rows:
        body += charts.div(
            "chart-calendar",
            "calendar",
            calendar_data(rk["missing"], names, rk["calendar_start"], rk["calendar_end"]),
            "missing submissions calendar",
        )
    else:
        body += "<p>Không đơn vị nào thiếu / no unit missed a day.</p>"
    body += table("missing", MISSING_COLS, missing_rows)
    month = rk["month"][:7]
    score_note = (
        f"Tháng {month}: tỷ lệ thiếu sót = (số lần gửi thiếu + dòng có thiếu sót) / (số lần gửi "
        "phải có + số dòng nhận), hạng 1 = nhiều thiếu sót nhất (marts.dq_unit_scorecard). / "
        "Gap ratio = (missing files + rows with gaps) / (files expected + rows); 1 = most gaps."
    )
    body += f"<h3>{bi('Xếp hạng đơn vị', 'Unit scorecard')}</h3><p class='note'>{score_note}</p>"
    worst = [r for r in rk["scorecard"] if r["gap_ratio"]][:20]
    if worst:
        body += charts.div("chart-scorecard", "scorecard", scorecard_data(worst), "unit scorecard")
    body += table("scorecard", SCORECARD_COLS, rk["scorecard"])
    fix_note = (
        f"Tháng {month}: lỗi phát hiện, đã khắc phục và còn mở cuối tháng, trung vị số ngày khắc "
        "phục, tỷ lệ lỗi mới khắc phục trong 7 ngày; hạng 1 = còn mở nhiều nhất "
        "(marts.dq_unit_accountability, marts.dq_gap_status). / Gaps opened, fixed and still open "
        "at the month's end, median days to fix, share of new gaps fixed within 7 days; 1 = most "
        "gaps still open."
    )
    body += (
        f"<h3>{bi('Trách nhiệm khắc phục', 'Fixing the gaps')}</h3><p class='note'>{fix_note}</p>"
    )
    body += table("accountability", ACCOUNTABILITY_COLS, rk["accountability"])
    rules_note = (
        "Thiếu sót theo quy tắc (marts.dq_issues): tổng số trên mọi ngày báo cáo và trong tháng "
        f"{month}. / Gaps by rule: all report dates, and this month."
    )
    body += (
        f"<h3>{bi('Thiếu sót theo quy tắc', 'Gaps by rule')}</h3><p class='note'>{rules_note}</p>"
    )
    if rk["rules"]:
        body += charts.div("chart-rules", "rules", rules_data(rk["rules"]), "gaps by rule")
    body += table("rules", RULE_COLS, rk["rules"])
    return _section("records", "Chất lượng ghi chép sổ theo dõi", "Record-keeping", body)


# --- pages -----------------------------------------------------------------------------------

STYLE = """
:root { --ink:#1b1b1b; --muted:#5f6368; --line:#d9dde3; --bg:#f6f7f9; --accent:#0d47a1; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 "Noto Sans","DejaVu Sans","Segoe UI",Arial,sans-serif;
       color:var(--ink); background:var(--bg); }
header { background:var(--accent); color:#fff; padding:14px 28px; }
header h1 { margin:0; font-size:22px; font-weight:600; }
header .en, h1 .en { color:#cfd8ea; }
header p { margin:4px 0 0; font-size:13px; color:#e3e9f5; }
nav { background:#fff; border-bottom:1px solid var(--line); padding:8px 28px; font-size:14px;
      position:sticky; top:0; z-index:2; }
nav a { color:var(--accent); margin-right:16px; text-decoration:none; }
main { max-width:1180px; margin:0 auto; padding:8px 28px 40px; }
section { background:#fff; border:1px solid var(--line); border-radius:6px; padding:14px 20px;
          margin:18px 0; break-inside:auto; }
h2 { font-size:18px; margin:0 0 6px; color:var(--accent); }
h3 { font-size:15px; margin:18px 0 4px; }
.en { color:var(--muted); font-weight:normal; font-size:.86em; }
.note { color:var(--muted); font-size:13px; margin:2px 0 10px; }
.table-wrap { overflow-x:auto; max-height:520px; overflow-y:auto; margin:8px 0; }
table.data { border-collapse:collapse; font-size:13px; width:100%; }
table.data th { background:#eef1f5; position:sticky; top:0; text-align:left; vertical-align:bottom;
                padding:5px 8px; border-bottom:2px solid var(--line); font-weight:600; }
table.data th .en { display:block; }
table.data td { padding:4px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
table.data td.int, table.data td.pct, table.data td.score, table.data td.days,
table.data th.int, table.data th.pct, table.data th.score { text-align:right; }
table.data tbody tr:nth-child(even) { background:#fafbfc; }
#headline td { font-size:15px; }
#headline td.text { white-space:normal; }
.chart { margin:6px 0; overflow-x:auto; }
.cards { display:flex; gap:12px; flex-wrap:wrap; margin:8px 0; }
.card { flex:1 1 160px; background:#fff; border:1px solid var(--line); border-radius:6px;
        padding:10px 14px; }
.card b { display:block; font-size:26px; margin:2px 0; color:var(--accent); }
.card .label { font-size:13px; font-weight:600; }
.card .detail { display:block; font-size:12px; color:var(--muted); }
.districts a { display:inline-block; margin:2px 12px 2px 0; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:12px; }
@media print {
  body { background:#fff; font-size:11px; }
  nav { display:none; }
  header { background:#fff; color:#000; border-bottom:2px solid #000; padding:6px 0; }
  header .en, header p { color:#333; }
  main { max-width:none; padding:0; }
  section { border:none; padding:4px 0; margin:8px 0; break-inside:avoid-page; }
  .table-wrap { max-height:none; overflow:visible; }
  table.data th { position:static; }
  .chart { overflow:visible; }
}
"""

SCRIPT = """
(function () {
  var specs = JSON.parse(document.getElementById('motcua-specs').textContent);
  var opts = {renderer: 'svg', actions: false, formatLocale: %(locale)s};
  Object.keys(specs).forEach(function (id) {
    vegaEmbed('#' + id, specs[id], opts).catch(function (err) {
      var el = document.getElementById(id);
      el.textContent = 'Không vẽ được biểu đồ / chart could not be drawn: ' + err;
      console.error(err);
    });
  });
})();
"""


def _json_script(element_id: str, payload) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("</", "<\\/")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def page(
    title_vi: str,
    title_en: str,
    data: dict,
    payload: dict,
    sections: list[str],
    charts: Charts,
    nav: list[tuple[str, str]],
    asset_prefix: str,
) -> str:
    pub = data["publication"]
    info = (
        f"Số liệu đến hết ngày / data as of <b>{vn_date(data['as_of_date'])}</b> · lần chạy / run "
        f"<code>{e(pub.get('run_id') or '?')}</code> · xuất bản / published "
        f"{e((pub.get('published_at') or '?')[:19].replace('T', ' '))} UTC · kho dữ liệu / "
        "warehouse <code>warehouse/motcua.duckdb</code>"
    )
    links = "".join(f'<a href="{href}">{text}</a>' for href, text in nav)
    return f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title_vi)} — {e(title_en)}</title>
<style>{STYLE}</style>
</head>
<body>
<header><h1>{bi(title_vi, title_en)}</h1><p id="as-of" data-as-of="{e(data["as_of_date"])}"
data-run-id="{e(pub.get("run_id") or "")}">{info}</p></header>
<nav>{links}</nav>
<main>
{"".join(sections)}
</main>
<footer>motcua · {e(data["province_name"])} · số liệu từ các bảng marts của kho đã xuất bản /
figures from the published warehouse's marts</footer>
{_json_script("motcua-data", payload)}
{_json_script("motcua-specs", charts.specs)}
<script src="{asset_prefix}{ASSETS}/vega-embed.js"></script>
<script>{SCRIPT % {"locale": json.dumps(VN_LOCALE)}}</script>
<script>window.addEventListener('beforeprint', function () {{
  document.querySelectorAll('details').forEach(function (d) {{ d.open = true; }});
}});</script>
</body>
</html>
"""


def _period_label(data: dict, scope: dict, kind: str) -> str:
    for row in scope["headline"]:
        if row["period_type"] == kind:
            return _period_text(row)
    return ""


def province_page(data: dict) -> str:
    prov = data["province"]
    names = {u["unit_code"]: u["unit_name"] for u in data["units"]}
    charts = Charts()
    quarter = _period_label(data, prov, "quarter")
    districts = [u for u in data["units"] if u["level"] == "district"]
    district_links = "".join(
        f'<a href="district-{e(u["unit_code"])}.html">{e(u["unit_name"])}</a>' for u in districts
    )
    lineage_links = "".join(
        f'<a href="lineage-{e(x["scope_code"])}.html">{e(x["name"] or x["scope_code"])}</a> '
        f'<span class="note">← {e(_predecessors(x))}</span><br>'
        for x in data.get("lineages", [])
    )
    sections = [
        headline_section(prov),
        _section(
            "districts-nav",
            "Trang của từng huyện",
            "District pages",
            f'<p class="districts">{district_links or "—"}</p>',
        ),
        *(
            [
                _section(
                    "lineages-nav",
                    "Đơn vị kế thừa và các đơn vị tiền thân",
                    "Successor units with their predecessors",
                    f'<p class="districts">{lineage_links}</p>',
                    "Lịch sử của đơn vị mới hình thành do sáp nhập, chia tách, đổi tên, so với các "
                    "đơn vị nó thay thế. / The history of each unit formed by a merger, split or "
                    "rename, compared with the units it replaced.",
                )
            ]
            if lineage_links
            else []
        ),
        trend_section(prov, charts),
        ranking_section(
            "district-ranking",
            prov["district_ranking"],
            "Xếp hạng cấp huyện",
            "Districts ranked",
            "Huyện / district",
            charts,
            quarter,
        ),
        ranking_section(
            "unit-ranking",
            prov["unit_ranking"],
            "Xếp hạng đơn vị",
            "Units ranked",
            "Đơn vị / unit",
            charts,
            quarter,
        ),
        backlog_section(
            prov,
            prov["backlog_by_district"],
            "Huyện / district",
            charts,
            bi("Theo huyện", "By district"),
        ),
        online_section(prov["district_ranking"], "Huyện / district", charts, quarter),
        record_section(prov["record_keeping"], names, charts),
    ]
    nav = [
        ("#headline", "Tổng quan"),
        ("#trend", "Theo tháng"),
        ("#district-ranking", "Xếp hạng huyện"),
        ("#unit-ranking", "Xếp hạng đơn vị"),
        ("#backlog", "Hồ sơ tồn"),
        ("#online", "Trực tuyến"),
        ("#records", "Ghi chép sổ"),
    ]
    if lineage_links:
        nav.append(("#lineages-nav", "Đơn vị kế thừa"))
    payload = {k: v for k, v in data.items() if k not in ("districts", "lineages")}
    return page(
        f"Giải quyết thủ tục hành chính — {data['province_name']}",
        "One-stop-shop dashboard",
        data,
        payload,
        sections,
        charts,
        nav,
        "",
    )


def district_page(data: dict, district: dict) -> str:
    names = {u["unit_code"]: u["unit_name"] for u in data["units"]}
    charts = Charts()
    quarter = _period_label(data, district, "quarter")
    sections = [
        headline_section(district),
        trend_section(district, charts),
        ranking_section(
            "unit-ranking",
            district["unit_ranking"],
            "Xếp hạng đơn vị",
            "Units ranked",
            "Đơn vị / unit",
            charts,
            quarter,
        ),
        backlog_section(
            district,
            district["backlog_by_unit"],
            "Đơn vị / unit",
            charts,
            bi("Theo đơn vị", "By unit"),
        ),
        online_section(district["unit_ranking"], "Đơn vị / unit", charts, quarter),
        record_section(district["record_keeping"], names, charts),
    ]
    nav = [
        ("index.html", "← Toàn tỉnh / province"),
        ("#headline", "Tổng quan"),
        ("#trend", "Theo tháng"),
        ("#unit-ranking", "Xếp hạng đơn vị"),
        ("#backlog", "Hồ sơ tồn"),
        ("#online", "Trực tuyến"),
        ("#records", "Ghi chép sổ"),
    ]
    return _scope_page(
        data,
        "district",
        district,
        f"{district['name']} — giải quyết thủ tục hành chính",
        f"district {district['scope_code']} dashboard",
        sections,
        charts,
        nav,
    )


def _scope_page(
    data: dict,
    key: str,
    scope: dict,
    title_vi: str,
    title_en: str,
    sections: list[str],
    charts: Charts,
    nav: list[tuple[str, str]],
) -> str:
    """The page of one scope (a district, a lineage) beside index.html: its data are the
    province-wide parts of ``data`` without the other scopes, and the scope under ``key``."""
    payload = {
        k: v for k, v in data.items() if k not in ("districts", "province", "units", "lineages")
    }
    payload[key] = scope
    return page(title_vi, title_en, data, payload, sections, charts, nav, "")


def _predecessors(lineage: dict) -> str:
    return ", ".join(m["unit_name"] or m["unit_code"] for m in lineage["members"] if m["steps"])


def lineage_page(data: dict, lineage: dict) -> str:
    """A successor with its predecessors: who they are, the lineage's headline and monthly trend,
    and its quarters side by side with each member's."""
    charts = Charts()
    sections = [
        lineage_section(lineage),
        headline_section(lineage),
        history_section(lineage, charts),
        trend_section(lineage, charts),
    ]
    nav = [
        ("index.html", "← Toàn tỉnh / province"),
        ("#lineage", "Đơn vị"),
        ("#headline", "Tổng quan"),
        ("#history", "Theo quý, từng đơn vị"),
        ("#trend", "Theo tháng"),
    ]
    return _scope_page(
        data,
        "lineage",
        lineage,
        f"{lineage['name'] or lineage['scope_code']} và các đơn vị tiền thân",
        f"unit {lineage['scope_code']} with its predecessors",
        sections,
        charts,
        nav,
    )


# --- writing ---------------------------------------------------------------------------------


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _bundle_cache() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "motcua"


def ensure_assets(out_dir: Path) -> Path:
    """``assets/vega-embed.js`` (Vega, Vega-Lite, Vega-Embed from vl-convert), written once per
    version. Bundling takes seconds, so the bundle is also kept in ``~/.cache/motcua`` (or
    ``$XDG_CACHE_HOME/motcua``) and copied from there."""
    import shutil

    import vl_convert

    assets = out_dir / ASSETS
    assets.mkdir(parents=True, exist_ok=True)
    target = assets / "vega-embed.js"
    stamp = assets / "vega-embed.version"
    version = (
        f"vega {vl_convert.get_vega_version()} vega-lite {VEGA_LITE_VERSION} "
        f"vega-embed {vl_convert.get_vega_embed_version()}"
    )
    if target.exists() and stamp.exists() and stamp.read_text() == version:
        return target
    cached = _bundle_cache() / f"vega-embed-{version.replace(' ', '-')}.js"
    if not cached.exists():
        bundle = vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION)
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            _write(cached, bundle)
        except OSError:  # no writable cache: write the bundle straight beside the pages
            _write(target, bundle)
            _write(stamp, version)
            return target
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(cached, tmp)
    os.replace(tmp, target)
    _write(stamp, version)
    return target


EMPTY_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>motcua</title></head>
<body><p>Kho dữ liệu chưa có hồ sơ nào / the published warehouse holds no dossiers yet
({path}).</p></body></html>
"""


def reports_dir(settings: Settings) -> Path:
    return settings.data_dir / "reports"


def write_dashboard(settings: Settings, out_dir: Path | None = None) -> dict:
    """Write the dashboard of the published warehouse: ``index.html``, ``district-<code>.html``,
    ``dashboard.json`` (the same figures) and ``assets/``. Returns what it wrote."""
    started = time.monotonic()
    warehouse = settings.warehouse_db
    if not warehouse.exists():
        raise PipelineError(
            f"no published warehouse at {warehouse}: run `motcua run --date ...` first"
        )
    out_dir = out_dir or reports_dir(settings)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (dossiers,) = con.execute("select count(*) from marts.fct_dossier").fetchone()
        if dossiers == 0:  # a province before its first ledger: nothing to draw, not a failure
            index = out_dir / "index.html"
            _write(index, EMPTY_PAGE.format(path=e(warehouse)))
            log.info("dashboard: the warehouse holds no dossiers yet; wrote %s", index)
            return {"index": str(index), "pages": 1, "as_of_date": None, "run_id": None,
                    "periods": {}, "seconds": round(time.monotonic() - started, 2)}  # fmt: skip
        data = fig.collect(con)
    except duckdb.Error as exc:
        raise PipelineError(
            f"the dashboard could not read the published warehouse {warehouse}: {exc}"
        ) from exc
    finally:
        con.close()
    ensure_assets(out_dir)
    written = []
    for district in data["districts"]:
        path = out_dir / f"district-{district['scope_code']}.html"
        _write(path, district_page(data, district))
        written.append(path)
    for lineage in data["lineages"]:
        path = out_dir / f"lineage-{lineage['scope_code']}.html"
        _write(path, lineage_page(data, lineage))
        written.append(path)
    index = out_dir / "index.html"
    _write(out_dir / "dashboard.json", json.dumps(data, ensure_ascii=False, indent=1, default=str))
    _write(index, province_page(data))
    seconds = time.monotonic() - started
    log.info("dashboard: wrote %s and %d more pages in %.1f s", index, len(written), seconds)
    return {
        "index": str(index),
        "pages": 1 + len(written),
        "as_of_date": data["as_of_date"],
        "run_id": data["publication"].get("run_id"),
        "periods": data["periods"],
        "seconds": round(seconds, 2),
    }


# --- the night's exports ---------------------------------------------------------------------

EXPORTS = "bieu06"


def write_exports(settings: Settings, periods: dict, out_dir: Path) -> list[str]:
    """Biểu 06 of the province (its combined form: the first sheet, and the csv of its rows) for
    the dashboard's month and quarter, in ``<out_dir>/bieu06/``. A unit's or a district's form
    with every unit's sheet is one ``motcua export bieu06`` away (seconds)."""
    from motcua.reports import bieu06, workbook

    folder = out_dir / EXPORTS
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    con = duckdb.connect(str(settings.warehouse_db), read_only=True)
    try:
        for kind in ("month", "quarter"):
            if kind not in periods:
                continue
            period = bieu06.parse_period(periods[kind][2], bieu06.warehouse_basis(con))
            report = bieu06.build_report(con, period, bieu06.Scope("province", None))
            report.sheets[1:] = []
            stem = folder / f"bieu06-province-{period.text}"
            for suffix, write in ((".xlsx", workbook.write_workbook), (".csv", bieu06.write_csv)):
                path = stem.with_suffix(suffix)
                tmp = path.with_name(f".{path.stem}.{os.getpid()}{suffix}")
                write(report, tmp)
                os.replace(tmp, path)
                written.append(str(path))
    finally:
        con.close()
    return written


def write_nightly(settings: Settings, out_dir: Path | None = None) -> dict:
    """What the nightly ``report`` stage writes: the dashboard and the exports."""
    out_dir = out_dir or reports_dir(settings)
    result = write_dashboard(settings, out_dir)
    started = time.monotonic()
    result["exports"] = write_exports(settings, result["periods"], out_dir)
    result["exports_seconds"] = round(time.monotonic() - started, 2)
    return result
