"""Property-based tests: whatever a unit sends, a file ends "loaded" or "quarantined with a
reason", never in an unhandled exception, and a readable CSV loses no row and no cell."""

from __future__ import annotations

import csv
import io
import shutil
import unicodedata
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.load import ingest
from ingestion.readers import CsvSource, TableSource, Unreadable, read_file
from motcua.common.config import Settings
from tests.support.builders import make_reference, to_cp1258

HEADER = ["dossier_code", "procedure_code", "sector", "channel", "received_at", "status", "notes"]
EXTENSIONS = ("csv", "xlsx", "json", "jsonl")
PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Cell text as units type it: Vietnamese, delimiters, quotes, line breaks, padding, empty.
cell_text = st.text(
    alphabet="aA0 9;,\"'\n\t-/:.ĐđăâêôơưáàảãạếềểễệỳýỷỹỵÀÁ\u0301",
    max_size=12,
)
data_row = st.lists(cell_text, min_size=len(HEADER), max_size=len(HEADER))


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("work")


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=2000), ext=st.sampled_from(EXTENSIONS))
def test_arbitrary_bytes_read_or_unreadable(work_dir, data, ext):
    path = work_dir / f"x.{ext}"
    path.write_bytes(data)
    try:
        source = read_file(path, data, ext, work_dir)
    except Unreadable as exc:
        assert exc.code and exc.message
    else:
        assert isinstance(source, CsvSource | TableSource)


@PROPERTY_SETTINGS
@given(tail=st.binary(max_size=800), ext=st.sampled_from(("csv", "json", "jsonl")))
def test_a_good_header_then_arbitrary_bytes_read_or_unreadable(work_dir, tail, ext):
    head = {
        "csv": ",".join(HEADER).encode() + b"\n",
        "json": b'[{"dossier_code": "A", "status": "4", "sector": "TP"}, ',
        "jsonl": b'{"dossier_code": "A", "status": "4", "sector": "TP"}\n',
    }[ext]
    data = head + tail
    path = work_dir / f"y.{ext}"
    path.write_bytes(data)
    try:
        read_file(path, data, ext, work_dir)
    except Unreadable as exc:
        assert exc.code and exc.message


def expected_cell(text: str) -> str | None:
    """CSV cells are NFC and trimmed of spaces (not of tabs or line breaks: see parse.py)."""
    text = unicodedata.normalize("NFC", text).strip(" ")
    return text or None


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    tables=st.lists(
        st.tuples(
            st.lists(data_row, max_size=6),
            st.sampled_from([",", ";"]),
            st.sampled_from(["utf-8", "utf-8-sig", "windows-1258"]),
        ),
        min_size=1,
        max_size=3,
    ),
    junk=st.lists(st.tuples(st.binary(max_size=300), st.sampled_from(EXTENSIONS)), max_size=3),
    python_csv=st.booleans(),
)
def test_ingest_loads_every_csv_row_and_quarantines_the_rest(
    tmp_path, monkeypatch, tables, junk, python_csv
):
    """Arbitrary CSV tables (any delimiter, encoding, quoting; read by DuckDB or by Python) load
    whole; arbitrary bytes end loaded or quarantined with a reason and an issue, and the run
    goes on."""
    import ingestion.readers

    monkeypatch.setenv("MOTCUA_PSEUDONYM_KEY", "property-key")
    monkeypatch.setattr(ingestion.readers, "SMALL_CSV_BYTES", 64 * 1024 if python_csv else 0)
    data_dir = tmp_path / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    make_reference(data_dir)
    units = ["44501", "44502", "445", "S01"]
    expected: dict[str, list[tuple]] = {}
    for index, (rows, delimiter, encoding) in enumerate(tables):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
        text = buffer.getvalue()
        if encoding == "windows-1258":
            content = to_cp1258(text)
        else:
            content = text.encode("utf-8")
            if encoding == "utf-8-sig":
                content = b"\xef\xbb\xbf" + content
        relative = f"2009-01-{index + 1:02d}/{units[index]}.csv"
        path = data_dir / "landing" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        cells = [[expected_cell(c) for c in r] for r in rows]
        expected[relative] = [(c[0], c[1], c[2], c[3], c[4], c[5], c[6]) for c in cells if any(c)]
    for index, (content, ext) in enumerate(junk):
        path = data_dir / "landing" / f"2009-02-{index + 1:02d}" / f"44501.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)

    summary = ingest(Settings(data_dir))

    con = duckdb.connect(str(data_dir / "ingest" / "ingest.duckdb"), read_only=True)
    try:
        files = con.execute(
            "select landing_path, status, reason_code, reason, rows_read, file_id from files"
        ).fetchall()
        findings = dict(con.execute("select file_id, rule_id from findings").fetchall())
        for landing_path, rows in expected.items():
            got = con.execute(
                "select dossier_code, procedure_code, sector, channel_raw, received_at_raw, "
                "status_raw, notes from submission_rows join files using (file_id) "
                "where landing_path = ? order by row_number",
                [landing_path],
            ).fetchall()
            assert got == rows, landing_path
    finally:
        con.close()
    assert summary.files_new == len(tables) + len(junk)
    for landing_path, status, reason_code, reason, rows_read, file_id in files:
        if landing_path in expected:
            assert (status, rows_read) == ("loaded", len(expected[landing_path]))
        elif status == "quarantined":
            assert reason_code == "R02_unreadable_file" and reason
            assert findings[file_id] == "R02_unreadable_file"
        else:
            assert status in ("loaded", "replaced"), (landing_path, status)
