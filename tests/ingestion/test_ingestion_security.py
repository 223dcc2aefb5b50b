"""Security basics of a whole ingestion run, on real files (issue #16, part 5).

- The pseudonym key, the ingestion database, the archive and the quarantine are owner-only
  (folders 0700, files 0600) whatever the umask, and found more open they are tightened.
- A link (inside or outside landing/), a FIFO, a socket or a device in landing/ is quarantined
  with its reason and never followed or opened; its archive copy describes it. A file swapped
  for one of those after the scan is refused too.
- An XLSX that would expand beyond the stated limit (a zip bomb), or whose sheet spans more cells
  than the stated limit (a stray value at XFD1048576), is quarantined unopened.
"""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import threading
import zipfile

import duckdb
import pytest

from ingestion import readers
from ingestion.load import ingest
from ingestion.readers import FetchTask, fetch
from ingestion.scan import scan_landing
from tests.support.builders import csv_text, landing, to_cp1258, write_xlsx, xlsx_bomb

HEADER = ["dossier_code", "procedure_code", "sector", "channel", "received_at", "status"]
ROW = ["HS1", "TP01", "TP", "1", "2009-01-05", "4"]
GOOD_CSV = csv_text(HEADER, [ROW])
SECRET = csv_text(HEADER, [["SECRET-ROW", *ROW[1:]]]).encode()


def query(settings, sql, params=None):
    con = duckdb.connect(str(settings.ingest_db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def modes_below(*roots):
    """{path relative to the data folder: (kind, permission bits)} of the roots and all below."""
    found = {}
    for root in roots:
        data_dir = root.parent
        for folder, dirs, files in os.walk(root):
            for path in [folder] + [os.path.join(folder, name) for name in dirs + files]:
                mode = os.lstat(path).st_mode
                kind = "dir" if stat.S_ISDIR(mode) else "file"
                found[os.path.relpath(path, data_dir)] = (kind, stat.S_IMODE(mode))
    return found


def private_roots(settings):
    return (
        settings.secrets_dir,
        settings.ingest_db.parent,
        settings.archive_dir,
        settings.quarantine_dir,
    )


@pytest.fixture
def open_umask():
    """The most open umask there is: every file and folder the run makes gets its mode from
    the code, not from the umask."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_private_folders_and_files_whatever_the_umask(settings, monkeypatch, open_umask):
    monkeypatch.delenv("MOTCUA_PSEUDONYM_KEY")  # the key file is generated in secrets/
    landing(settings.data_dir, "2009-01-05", "44501.csv").write_text(GOOD_CSV)
    # Windows-1258 and big: read through a re-encoded work copy under ingest/work/
    big = csv_text([*HEADER, "notes"], [[f"HS{i}", *ROW[1:], "Đã trả"] for i in range(4000)])
    landing(settings.data_dir, "2009-01-05", "44502.csv").write_bytes(to_cp1258(big))
    landing(settings.data_dir, "2009-01-05", "S01.json").write_text("[{")  # quarantined

    summary = ingest(settings, load_id="run1")

    assert (summary.loaded, summary.quarantined) == (2, 1)
    modes = modes_below(*private_roots(settings))
    files = sorted(path for path, (kind, _) in modes.items() if kind == "file")
    archived = [r[0] for r in query(settings, "select archive_path from files order by 1")]
    (quarantined,) = query(
        settings, "select file_id, sha256 from files where status = 'quarantined'"
    )
    folder = f"quarantine/{quarantined[0]:08d}_{quarantined[1][:12]}"
    assert files == sorted(
        [
            "secrets/pseudonym.key",
            "ingest/ingest.duckdb",
            *archived,
            f"{folder}/S01.json",
            f"{folder}/reason.json",
        ]
    )
    assert {mode for kind, mode in modes.values() if kind == "file"} == {0o600}
    assert {mode for kind, mode in modes.values() if kind == "dir"} == {0o700}
    assert "ingest/work" in modes  # the work copy's folder was made, owner-only, and emptied


def test_open_folders_and_files_found_are_tightened_with_a_warning(settings, monkeypatch, caplog):
    monkeypatch.delenv("MOTCUA_PSEUDONYM_KEY")
    previous = os.umask(0o022)
    try:
        d = settings.data_dir
        for folder, mode in (("secrets", 0o700), ("archive/old", 0o755), ("quarantine", 0o777)):
            (d / folder).mkdir(parents=True)
            os.chmod(d / folder, mode)
        os.chmod(d / "archive", 0o755)
        (d / "secrets" / "pseudonym.key").write_text("an-old-key\n")
        os.chmod(d / "secrets" / "pseudonym.key", 0o644)
        (d / "archive" / "old" / "44501.abc.csv").write_text("old")
        os.chmod(d / "archive" / "old" / "44501.abc.csv", 0o664)
        (d / "quarantine" / "note.txt").write_text("old")
        os.chmod(d / "quarantine" / "note.txt", 0o666)
        (d / "ingest").mkdir()
        os.chmod(d / "ingest", 0o755)
        duckdb.connect(str(settings.ingest_db)).close()  # made by an earlier version: 0644
        assert stat.S_IMODE(os.stat(settings.ingest_db).st_mode) == 0o644
        landing(d, "2009-01-05", "44501.csv").write_text(GOOD_CSV)

        with caplog.at_level("WARNING"):
            ingest(settings)
    finally:
        os.umask(previous)

    modes = modes_below(*private_roots(settings))
    assert {mode for kind, mode in modes.values() if kind == "file"} == {0o600}
    assert {mode for kind, mode in modes.values() if kind == "dir"} == {0o700}
    assert "archive/old/44501.abc.csv" in modes and "quarantine/note.txt" in modes
    assert (d / "secrets" / "pseudonym.key").read_text() == "an-old-key\n"  # kept, not replaced
    warned = "\n".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    for path, mode in (("archive", "755"), ("quarantine", "777")):
        assert f"{d / path} was readable by others (mode {mode}): set to 0700" in warned
    assert f"{d / 'ingest'} was readable by others (mode 755)" in warned
    # secrets/ was private already, but not the key in it
    assert f"{d / 'secrets'} was readable" not in warned
    assert f"{d / 'secrets' / 'pseudonym.key'} was readable by others (mode 644)" in warned


def run_with_timeout(settings, seconds=120):
    """Ingest in a thread: a run that opened the FIFO would wait for a writer for ever."""
    outcome = {}

    def run():
        try:
            outcome["summary"] = ingest(settings, load_id="run1")
        except BaseException as exc:  # handed to the test below
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the run hangs: it opened a FIFO or a device"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["summary"]


def test_links_fifos_sockets_and_devices_are_quarantined_never_opened(settings, tmp_path_factory):
    d = settings.data_dir
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.csv").write_bytes(SECRET)
    (outside / "44501.csv").write_bytes(SECRET)
    good = landing(d, "2009-01-05", "44501.csv")
    good.write_text(GOOD_CSV)
    entries = {  # landing path: (reason code, what the archive keeps of it)
        "2009-01-05/44501.csv": None,
        "2009-01-05/44502.csv": ("symlink", f"symlink -> {good}\n"),
        "2009-01-05/S01.csv": ("leaves_landing", f"symlink -> {outside / 'secret.csv'}\n"),
        "2009-01-05/445.csv": ("special_file", None),  # a FIFO
        "2009-01-05/42.json": ("special_file", None),  # a socket
        "2009-01-07": ("leaves_landing", f"symlink -> {outside}\n"),  # a date folder link
    }
    (d / "landing/2009-01-05/44502.csv").symlink_to(good)
    (d / "landing/2009-01-05/S01.csv").symlink_to(outside / "secret.csv")
    os.mkfifo(d / "landing/2009-01-05/445.csv")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(d / "landing/2009-01-05/42.json"))
    (d / "landing/2009-01-07").symlink_to(outside)
    if os.geteuid() == 0:  # CI runs as root; reading /dev/zero's twin would never end
        day = landing(d, "2009-01-06", "44501.csv")
        os.mknod(day, 0o600 | stat.S_IFCHR, os.makedev(1, 5))
        entries["2009-01-06/44501.csv"] = (
            "special_file",
            "character device 1,5, mode crw-------: not opened\n",
        )
    for path, entry in entries.items():
        if entry is not None and entry[1] is None:
            mode = stat.filemode(os.lstat(d / "landing" / path).st_mode)
            kind = "fifo" if path.endswith(".csv") else "socket"
            entries[path] = (entry[0], f"{kind}, mode {mode}: not opened\n")

    try:
        summary = run_with_timeout(settings)
    finally:
        server.close()

    # Nothing lost: every landing entry has its manifest row, archive copy and outcome.
    assert (summary.files_seen, summary.loaded, summary.quarantined) == (
        len(entries),
        1,
        len(entries) - 1,
    )
    rows = query(
        settings,
        "select landing_path, status, reason_code, reason, archive_path from files "
        "order by landing_path",
    )
    assert [r[0] for r in rows] == sorted(entries)
    for path, status, rule, reason, archive in rows:
        if entries[path] is None:
            assert (status, reason) == ("loaded", None)
            assert (d / archive).read_bytes() == GOOD_CSV.encode()
            continue
        code, description = entries[path]
        assert (status, rule) == ("quarantined", "R02_unreadable_file"), path
        assert reason.startswith(f"{code}: '{path}' is "), reason
        assert (d / archive).read_text() == description, path
        (copy,) = (d / "quarantine").glob(f"*/{os.path.basename(path)}")
        assert copy.read_text() == description
        assert json.loads((copy.parent / "reason.json").read_text())["reason"] == reason
    assert query(settings, "select dossier_code from submission_rows") == [("HS1",)]
    findings = query(settings, "select rule_id, severity, count(*) from findings group by all")
    assert findings == [("R02_unreadable_file", "blocking", len(entries) - 1)]
    for folder in (d / "archive", d / "quarantine"):  # what the links point at was never read
        for path in folder.rglob("*"):
            assert path.is_dir() or b"SECRET" not in path.read_bytes(), path


def task_for(landing_dir, landing_path):
    """The fetch task the loader makes of a regular file the scan found."""
    (cand,) = [c for c in scan_landing(landing_dir) if c.landing_path == landing_path]
    assert cand.path_error is None and cand.identity is not None
    return FetchTask(
        cand.abs_path,
        "archive/x/",
        ".csv",
        "csv",
        frozenset(),
        False,
        cand.identity,
        str(landing_dir),
    )


def test_a_file_swapped_after_the_scan_is_refused_unread(tmp_path):
    root = tmp_path / "landing"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_bytes(SECRET)
    (outside / "44501.csv").write_bytes(SECRET)
    day = root / "2009-01-05"
    day.mkdir(parents=True)
    for name in ("44501.csv", "44502.csv", "445.csv", "S01.csv"):
        (day / name).write_text(GOOD_CSV)
    (root / "2009-01-06").mkdir()
    (root / "2009-01-06" / "44501.csv").write_text(GOOD_CSV)
    tasks = {
        path: task_for(root, path)
        for path in (
            "2009-01-05/44501.csv",
            "2009-01-05/44502.csv",
            "2009-01-05/445.csv",
            "2009-01-05/S01.csv",
            "2009-01-06/44501.csv",
        )
    }
    # After the scan: a link in a file's place, a FIFO and a socket in others', a re-send
    # (renamed into place: another file), and a date folder swapped for a link leaving landing.
    (day / "44501.csv").unlink()
    (day / "44501.csv").symlink_to(outside / "secret.csv")
    (day / "44502.csv").unlink()
    os.mkfifo(day / "44502.csv")
    (day / "445.csv").unlink()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(day / "445.csv"))
    resent = csv_text(HEADER, [["HS2", *ROW[1:]]])
    (day / "S01.tmp").write_text(resent)
    os.replace(day / "S01.tmp", day / "S01.csv")
    os.rename(root / "2009-01-06", tmp_path / "moved")
    (root / "2009-01-06").symlink_to(outside)

    try:
        got = {
            path: fetch(task, str(tmp_path), str(tmp_path / "work")) for path, task in tasks.items()
        }
    finally:
        server.close()

    def refused(path):
        fetched, rows = got[path]
        assert rows is None and fetched.read
        return fetched.error.code, (tmp_path / fetched.archive_rel).read_text()

    assert refused("2009-01-05/44501.csv") == ("symlink", f"symlink -> {outside / 'secret.csv'}\n")
    mode = stat.filemode(os.lstat(day / "44502.csv").st_mode)
    assert refused("2009-01-05/44502.csv") == ("special_file", f"fifo, mode {mode}: not opened\n")
    mode = stat.filemode(os.lstat(day / "445.csv").st_mode)
    assert refused("2009-01-05/445.csv") == ("special_file", f"socket, mode {mode}: not opened\n")
    code, kept = refused("2009-01-06/44501.csv")
    assert code == "leaves_landing" and "SECRET" not in kept
    fetched, rows = got["2009-01-05/S01.csv"]  # the re-send is read: it is a file in landing/
    assert fetched.error is None
    assert (tmp_path / fetched.archive_rel).read_bytes() == resent.encode()
    assert rows.rows == [["HS2", *ROW[1:]]]


def declared(data: bytes) -> int:
    return sum(part.file_size for part in zipfile.ZipFile(io.BytesIO(data)).infolist())


def parts(data: bytes) -> int:
    return len(zipfile.ZipFile(io.BytesIO(data)).infolist())


def peak_rss_reset() -> None:
    with open("/proc/self/clear_refs", "w") as handle:  # resets VmHWM to the current RSS
        handle.write("5")


def peak_rss() -> int:
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def quarantine_reason(settings, landing_path):
    return query(
        settings,
        "select status, reason_code, reason from files where landing_path = ?",
        [landing_path],
    )[0]


def test_an_xlsx_bomb_is_quarantined_unopened(settings):
    bomb = xlsx_bomb(1 << 30)  # a gigabyte once unzipped
    assert len(bomb) < 1_200_000 and declared(bomb) > 1 << 30
    landing(settings.data_dir, "2009-01-05", "44501.xlsx").write_bytes(bomb)
    landing(settings.data_dir, "2009-01-05", "44502.csv").write_text(GOOD_CSV)
    rss = peak_rss()
    peak_rss_reset()

    summary = ingest(settings)

    assert peak_rss() - rss < 200 * 2**20  # a gigabyte was never inflated, let alone held
    assert (summary.loaded, summary.quarantined) == (1, 1)
    assert quarantine_reason(settings, "2009-01-05/44501.xlsx") == (
        "quarantined",
        "R02_unreadable_file",
        f"xlsx_too_large: the workbook would expand to {declared(bomb):,} bytes once unzipped "
        f"({parts(bomb)} parts, {len(bomb):,} bytes on disk), over the limit of 104,857,600 bytes "
        "(MOTCUA_XLSX_MAX_MB): not opened; send the ledger as CSV, or split it",
    )
    (copy,) = settings.quarantine_dir.glob("*/44501.xlsx")
    assert copy.read_bytes() == bomb  # kept whole, as it came, for whoever looks into it


def test_a_bomb_under_the_size_limit_is_caught_by_its_compression_ratio(settings):
    bomb = xlsx_bomb(50 << 20)  # 50 MiB: under the 100 MiB limit, from about 50 kB
    landing(settings.data_dir, "2009-01-05", "44501.xlsx").write_bytes(bomb)
    ingest(settings)
    part = zipfile.ZipFile(io.BytesIO(bomb)).getinfo("xl/worksheets/sheet1.xml")
    ratio = part.file_size / part.compress_size
    assert ratio > 900
    assert quarantine_reason(settings, "2009-01-05/44501.xlsx")[2] == (
        f"xlsx_too_large: part 'xl/worksheets/sheet1.xml' would expand {ratio:,.0f} times "
        f"({part.compress_size:,} -> {part.file_size:,} bytes), over the limit of 100 times "
        "(MOTCUA_XLSX_MAX_RATIO): a zip bomb, not opened"
    )


def test_a_bomb_that_lies_about_its_size_is_caught_inflating_it(settings, monkeypatch):
    # It declares 1 MiB for its sheet (a ratio calamine would never question) and inflates to
    # a gigabyte: counting what comes out stops one megabyte in.
    monkeypatch.setenv("MOTCUA_XLSX_MAX_RATIO", "1000000")
    bomb = xlsx_bomb(1 << 30, declared=1 << 20)
    landing(settings.data_dir, "2009-01-05", "44501.xlsx").write_bytes(bomb)
    rss = peak_rss()
    peak_rss_reset()
    ingest(settings)
    assert peak_rss() - rss < 200 * 2**20
    assert quarantine_reason(settings, "2009-01-05/44501.xlsx")[2] == (
        "xlsx_too_large: part 'xl/worksheets/sheet1.xml' inflates to more than the 1,048,576 "
        "bytes it declares: a zip bomb, not opened"
    )


def test_the_size_limit_is_a_setting(settings, monkeypatch):
    path = landing(settings.data_dir, "2009-01-05", "44501.xlsx")
    write_xlsx(path, HEADER, [ROW], titles=["Sổ theo dõi hồ sơ"])
    size = declared(path.read_bytes())
    monkeypatch.setenv("MOTCUA_XLSX_MAX_MB", "0.01")  # 10,485 bytes
    assert size > 10_485
    ingest(settings)
    reason = quarantine_reason(settings, "2009-01-05/44501.xlsx")[2]
    assert reason.startswith(f"xlsx_too_large: the workbook would expand to {size:,} bytes")
    assert "over the limit of 10,485 bytes (MOTCUA_XLSX_MAX_MB)" in reason
    # Under the default limit the same workbook loads (any real ledger does).
    monkeypatch.delenv("MOTCUA_XLSX_MAX_MB")
    assert readers.xlsx_limits() == (100 * 2**20, 100)
    readers.check_xlsx_expansion(path.read_bytes())


def test_a_limit_that_is_no_number_stops_the_run_with_what_to_do(settings, monkeypatch):
    landing(settings.data_dir, "2009-01-05", "44501.xlsx").write_bytes(xlsx_bomb(1 << 20))
    monkeypatch.setenv("MOTCUA_XLSX_MAX_MB", "lots")
    with pytest.raises(ValueError, match=r"MOTCUA_XLSX_MAX_MB='lots': a positive number"):
        ingest(settings)


def test_the_reasons_are_in_the_documented_vocabulary():
    """Every reason code the loader gives is in docs/ingestion.md's table (codes are added,
    never renamed)."""
    from motcua.common.config import REPO_ROOT

    table = (REPO_ROOT / "docs" / "ingestion.md").read_text()
    codes = ("leaves_landing", "not_a_file", "symlink", "special_file", "xlsx_too_large")
    for code in (*codes, "xlsx_grid_too_large"):
        assert f"`{code}`" in table


def stray_cell_xlsx(path, row, column):
    """A ledger of one dossier with a stray value far away (at ``row``, ``column``), as
    openpyxl writes it: a few kilobytes."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(ROW)
    sheet.cell(row=row, column=column, value="x")
    workbook.save(path)


def test_a_stray_cell_at_the_grids_end_is_quarantined_and_the_night_loads(settings):
    # A value at XFD1048576, the last cell of the grid: calamine would allocate the whole
    # grid (17 billion cells, half a terabyte) and abort the process; it is never opened.
    path = landing(settings.data_dir, "2009-01-05", "44501.xlsx")
    stray_cell_xlsx(path, 1_048_576, 16_384)
    assert path.stat().st_size < 10_000
    landing(settings.data_dir, "2009-01-05", "44502.csv").write_text(GOOD_CSV)

    summary = ingest(settings)

    assert (summary.loaded, summary.quarantined) == (1, 1)
    assert quarantine_reason(settings, "2009-01-05/44501.xlsx") == (
        "quarantined",
        "R02_unreadable_file",
        "xlsx_grid_too_large: the first sheet ('xl/worksheets/sheet1.xml') has values as far "
        "as row 1,048,576 and column XFD: a grid of 17,179,869,184 cells from A1, over the "
        "limit of 10,000,000 cells (MOTCUA_XLSX_MAX_CELLS): not opened; delete the cells "
        "beyond the ledger (Ctrl+End shows the last one), or send it as CSV",
    )
    assert query(settings, "select landing_path, status from files order by 1") == [
        ("2009-01-05/44501.xlsx", "quarantined"),
        ("2009-01-05/44502.csv", "loaded"),
    ]
    assert query(settings, "select dossier_code from submission_rows") == [("HS1",)]


def test_the_grid_limit_is_a_setting_and_counts_cells_with_a_value(settings, monkeypatch):
    # Values as far as row 3, column Z: 3 x 26 = 78 cells from A1.
    path = landing(settings.data_dir, "2009-01-05", "44501.xlsx")
    stray_cell_xlsx(path, 3, 26)
    monkeypatch.setenv("MOTCUA_XLSX_MAX_CELLS", "78")
    readers.check_xlsx_expansion(path.read_bytes())
    monkeypatch.setenv("MOTCUA_XLSX_MAX_CELLS", "77")
    with pytest.raises(readers.Unreadable, match=r"a grid of 78 cells from A1, over the limit"):
        readers.check_xlsx_expansion(path.read_bytes())
    # An empty cell (formatted, no value) far away is no cell: calamine never places it.
    formatted = landing(settings.data_dir, "2009-01-05", "44502.xlsx")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(ROW)
    workbook.active.cell(row=1_048_576, column=16_384).font = Font(bold=True)
    workbook.save(formatted)
    monkeypatch.delenv("MOTCUA_XLSX_MAX_CELLS")
    readers.check_xlsx_expansion(formatted.read_bytes())
    monkeypatch.setenv("MOTCUA_XLSX_MAX_CELLS", "none")
    with pytest.raises(ValueError, match=r"MOTCUA_XLSX_MAX_CELLS='none': a positive number"):
        readers.check_xlsx_expansion(formatted.read_bytes())
