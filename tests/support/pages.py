"""Reading the pages motcua writes: their tables as a reader sees them, their embedded data, and
opening them in Debian's chromium (headless, every request outside ``file://`` blocked)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"


@dataclass
class Cell:
    key: str
    text: str
    value: object  # data-value, decoded JSON (None when empty)


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[dict[str, Cell]]] = {}
        self.scripts: dict[str, str] = {}
        self._table: str | None = None
        self._row: dict[str, Cell] | None = None
        self._cell: dict | None = None
        self._script: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "id" in a:
            self._table = a["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = {}
        elif tag == "td" and self._row is not None:
            raw = a.get("data-value") or ""
            self._cell = {"key": a.get("data-key"), "value": json.loads(raw) if raw else None}
            self._text = []
        elif tag == "script" and a.get("type") == "application/json":
            self._script = a.get("id")
            self._text = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            text = "".join(self._text).strip()
            self._row[self._cell["key"]] = Cell(self._cell["key"], text, self._cell["value"])
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "script" and self._script:
            self.scripts[self._script] = "".join(self._text)
            self._script = None

    def handle_data(self, data):
        if self._cell is not None or self._script:
            self._text.append(data)


@dataclass
class Page:
    tables: dict[str, list[dict[str, Cell]]]
    data: dict
    html: str = field(repr=False)


def read_page(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    parser = _Tables()
    parser.feed(text)
    return Page(parser.tables, json.loads(parser.scripts.get("motcua-data", "{}")), text)


def number(text: str) -> int:
    """'49.860' (Vietnamese thousands) -> 49860."""
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", text), text
    return int(text.replace(".", ""))


def percent(value: float | None) -> str:
    """How the page writes a rate: one decimal, a decimal comma (0.8117 -> '81,2%')."""
    return "—" if value is None else f"{100 * value:.1f}".replace(".", ",") + "%"


@dataclass
class Visit:
    outside_requests: list[str]
    console_errors: list[str]
    charts: int
    drawn: int
    text: str


def open_offline(url: str, screenshot: Path) -> Visit:
    """Open ``url`` in headless chromium with every non-file request aborted (and recorded),
    wait until the charts are drawn, save a full-page screenshot."""
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    errors: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("requestfailed", lambda r: None)
            page.route("**/*", route)
            page.goto(url, wait_until="load")
            charts = page.locator("div.chart").count()
            page.wait_for_function(
                "document.querySelectorAll('div.chart svg').length === "
                "document.querySelectorAll('div.chart').length",
                timeout=30_000,
            )
            drawn = page.locator("div.chart svg").count()
            page.screenshot(path=str(screenshot), full_page=True)
            text = page.inner_text("body")
        finally:
            browser.close()
    return Visit(outside, errors, charts, drawn, text)
