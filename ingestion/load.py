"""Take in landing files: archive, classify, read, pseudonymise and load them into DuckDB.

Every file in ``landing/`` not yet taken in (its path, size and modification time, then its
content hash, are compared with the manifest) is archived unchanged under its content hash, then
either loaded (its rows into ``submission_rows``), recorded as a duplicate of content already
taken in, or quarantined with its reason and an R02/R05 finding. Files are processed in chunks;
each chunk's manifest rows, data rows and findings are committed in one transaction, so a crash
leaves every file either fully taken in or not at all, and the next run finishes the job.

The landing folder itself is never modified: it is the units' drop zone.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import pickle
import queue
import re
import shutil
import subprocess
import sys
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from motcua.common import store
from motcua.common.config import Settings

from . import parse, pseudonym
from .readers import (
    ALLOWED_EXTENSIONS,
    CsvSource,
    DecodedColumns,
    Fetched,
    FetchedBatch,
    FetchTask,
    TableSource,
    Unreadable,
    decoded_columns,
    fetch_batch,
    python_csv_rows,
    read_fetched,
)
from .reference import load_calendar, load_reference

log = logging.getLogger(__name__)

# A chunk (one transaction) holds up to this many files, or bytes: DuckDB's cost a chunk (a
# commit, parsing the distinct dates and labels, one insert a layout) is shared by many small
# files, and memory stays bounded by the chunk, not by the night.
CHUNK_FILES = 20000
CHUNK_BYTES = 256 * 1024 * 1024
FIRST_CHUNK_FILES = 1000
_QUOTED_NEWLINES = "does not support null_padding in conjunction with quoted new lines"
FETCH_THREADS = 4
FETCH_PROCESSES = os.cpu_count() or 1
# From this many files to examine, fetching runs in worker processes (see Ingestor._executor).
FETCH_PROCESS_MIN_FILES = 500
# A fetch task: up to this many files (one task a small file would cost more in hand-offs) and
# about this many bytes.
FETCH_BATCH_FILES = 200
FETCH_BATCH_BYTES = 1024 * 1024
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UNIT_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")

# Columns whose text is parsed (dates, status and channel codes) through the chunk's lookup table.
_PARSED = {
    "channel",
    "status",
    "received_at",
    "due_at",
    "rescheduled_due_at",
    "finished_at",
    "returned_at",
}


def _cell(position: int) -> str:
    """SQL for the trimmed text of staged cell ``c<position>``, NULL when empty (so a staged
    cell may be NULL or '' for no value)."""
    return _cell_expr(f"c{position}")


def _cell_expr(expr: str) -> str:
    return parse.trimmed_sql(expr)


@dataclass
class Candidate:
    """A landing file that has not been taken in yet."""

    landing_path: str  # relative to landing/, POSIX
    abs_path: str
    size: int
    mtime_ns: int
    unit_code: str | None = None
    report_date: dt.date | None = None
    ext: str = ""
    path_error: tuple[str, str, str] | None = None  # (rule_id, code, message)


@dataclass
class IngestSummary:
    load_id: str
    files_seen: int = 0
    files_new: int = 0
    loaded: int = 0
    replaced: int = 0
    duplicate: int = 0
    quarantined: int = 0
    rows_loaded: int = 0
    waiting: int = 0  # files for report dates after the run's date
    quarantine_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def classify_path(landing_path: str) -> tuple[str | None, dt.date | None, str, tuple | None]:
    """Read unit, report date and extension from ``<YYYY-MM-DD>/<unit_code>.<ext>``."""
    parts = landing_path.split("/")
    name = parts[-1]
    ext = name.rsplit(".", 1)[1].lower() if "." in name else ""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    unit = stem if _UNIT_CODE.match(stem) else None
    report_date = None
    if len(parts) >= 2 and _DATE_DIR.match(parts[-2]):
        try:
            report_date = dt.date.fromisoformat(parts[-2])
        except ValueError:
            report_date = None
    if len(parts) != 2:
        return (
            unit,
            report_date,
            ext,
            (
                "R02_unreadable_file",
                "bad_path",
                f"'{landing_path}' is not <YYYY-MM-DD>/<unit_code>.<ext> directly under landing/",
            ),
        )
    if report_date is None:
        return (
            unit,
            None,
            ext,
            (
                "R02_unreadable_file",
                "bad_date_folder",
                f"folder '{parts[0]}' is not a valid report date YYYY-MM-DD",
            ),
        )
    if ext not in ALLOWED_EXTENSIONS:
        return (
            unit,
            report_date,
            ext,
            (
                "R02_unreadable_file",
                "extension_not_allowed",
                f"extension '.{ext}' is not one of {', '.join(ALLOWED_EXTENSIONS)}",
            ),
        )
    if unit is None:
        return (
            None,
            report_date,
            ext,
            (
                "R02_unreadable_file",
                "bad_name",
                f"file name '{name}' is not <unit_code>.<ext>",
            ),
        )
    return unit, report_date, ext, None


def scan_landing(landing_dir: Path) -> list[Candidate]:
    """Every regular file (or link) below landing/, with its size and modification time."""
    found: list[Candidate] = []
    if not landing_dir.exists():
        return found
    root = landing_dir.resolve()

    def scan(folder: str, prefix: str) -> None:
        # os.scandir knows from the directory listing which entries are links and folders:
        # one lstat per file, however many files a night brings.
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                scan(entry.path, f"{prefix}{entry.name}/")
                continue
            rel = prefix + entry.name
            st = entry.stat(follow_symlinks=False)
            cand = Candidate(rel, entry.path, st.st_size, st.st_mtime_ns)
            cand.unit_code, cand.report_date, cand.ext, cand.path_error = classify_path(rel)
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if root not in target.parents:
                    link = os.readlink(entry.path)
                    cand.path_error = (
                        "R02_unreadable_file",
                        "leaves_landing",
                        f"'{rel}' is a link to '{link}', outside the landing folder",
                    )
                elif not target.is_file():
                    cand.path_error = ("R02_unreadable_file", "not_a_file", f"'{rel}' is no file")
            found.append(cand)

    scan(os.fspath(landing_dir), "")
    return found


def decoded_table(columns: DecodedColumns) -> pa.Table:
    """The Arrow table ``(_item, c<p>...)`` of decoded rows (see :class:`DecodedColumns`),
    wrapping their buffers."""
    arrays = [pa.Array.from_buffers(pa.int32(), columns.rows, [None, pa.py_buffer(columns.items)])]
    arrays += [
        pa.Array.from_buffers(
            pa.large_string(), columns.rows, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
        )
        for offsets, data in columns.columns
    ]
    names = ["_item"] + [f"c{p}" for p in sorted(columns.mapping)]
    return pa.Table.from_arrays(arrays, names=names)


_Call = tuple[Future, Callable, tuple, dict]  # a call for a fetch worker, and its future


class FetchProcesses(Executor):
    """An executor whose workers are child processes running :func:`readers.fetch_worker`:
    each call goes pickled through a worker's stdin and its outcome comes back on its stdout,
    one call at a time, taken from a common queue by a thread a worker.

    Not multiprocessing's pools: their spawned workers import the parent's main module again,
    which under Airflow is the whole of Airflow (seconds and 120 MB a worker, more than a night
    of files gains), and they outlive a parent that is killed. These import ingestion.readers
    only, and end when their stdin closes: the loader is done, or dead. They are fresh
    interpreters, not forks of the loader, which holds DuckDB's threads and locks.
    """

    _BOOT = (
        "import sys; sys.path[:] = sys.argv[1:]; "
        "from ingestion.readers import fetch_worker; fetch_worker()"
    )

    def __init__(self, workers: int):
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._failure: str | None = None
        self._processes = [
            # The worker sees the modules this process sees: its sys.path comes with it.
            subprocess.Popen(
                [sys.executable, "-c", self._BOOT, *sys.path],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            for _ in range(workers)
        ]
        self._drivers = [
            threading.Thread(target=self._drive, args=(process,), daemon=True)
            for process in self._processes
        ]
        for driver in self._drivers:
            driver.start()

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:
        future: Future = Future()
        if self._failure is not None:
            future.set_exception(RuntimeError(self._failure))
        else:
            self._calls.put((future, fn, args, kwargs))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            self._drain(lambda future: future.cancel())
        for _ in self._drivers:
            self._calls.put(None)
        if wait:
            for driver in self._drivers:
                driver.join()

    def _drive(self, process: subprocess.Popen) -> None:
        """Feed one worker the queued calls until told to stop, then close its stdin."""
        assert process.stdin is not None and process.stdout is not None
        while (call := self._calls.get()) is not None:
            future, function, args, kwargs = call
            if not future.set_running_or_notify_cancel():
                continue
            try:
                pickle.dump((function, args, kwargs), process.stdin, pickle.HIGHEST_PROTOCOL)
                process.stdin.flush()
                ok, value = pickle.load(process.stdout)
            except (OSError, EOFError, pickle.UnpicklingError) as exc:
                # The worker died (killed, out of memory) or garbled its answer: fail this call
                # and every queued one, so that the loader stops at once instead of waiting.
                process.kill()
                self._failure = (
                    f"fetch worker {process.pid} failed ({exc!r}), exit code {process.wait()}"
                )
                future.set_exception(RuntimeError(self._failure))
                self._drain(lambda queued: queued.set_exception(RuntimeError(self._failure)))
                return
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        process.stdin.close()
        process.wait()

    def _drain(self, settle: Callable[[Future], object]) -> None:
        """Settle every queued call that no worker has taken yet."""
        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                return
            if call is None:  # a stop for a driver: it stays queued
                self._calls.put(None)
                return
            future = call[0]
            if not future.done():
                settle(future)


def _quarantine_name(record: dict) -> str:
    """``quarantine/<file_id>_<sha256[:12]>``: one folder per quarantined file."""
    return f"{record['file_id']:08d}_{record['sha256'][:12]}"


def _finding(rule_id: str, record: dict, reason: str) -> tuple:
    vi = {
        "R02_unreadable_file": "Tệp không đọc được, đã cách ly",
        "R05_unknown_reference": "Mã đơn vị trong tên tệp không có trong danh mục, tệp đã cách ly",
    }[rule_id]
    return (
        rule_id,
        "blocking",
        record["file_id"],
        None,
        record["unit_code"],
        record["report_date"],
        None,
        f"{vi}: {record['landing_path']} ({reason})",
        f"File {record['landing_path']} quarantined: {reason}",
    )


def _chunks(todo: list[Candidate]) -> list[list[Candidate]]:
    """The files to examine, in chunks of at most CHUNK_FILES files or about CHUNK_BYTES.

    The first chunks are smaller, each twice the one before: nothing else can happen while the
    first chunk is fetched, and DuckDB gets to work sooner on a small one.
    """
    chunks: list[list[Candidate]] = [[]]
    limit = min(FIRST_CHUNK_FILES, CHUNK_FILES)
    size = 0
    for cand in todo:
        if len(chunks[-1]) >= limit or size >= CHUNK_BYTES:
            chunks.append([])
            limit = min(2 * limit, CHUNK_FILES)
            size = 0
        chunks[-1].append(cand)
        size += cand.size
    return chunks


class Ingestor:
    """One ingestion run over a data folder (see :func:`ingest`)."""

    def __init__(self, settings: Settings, report_date: dt.date | None, load_id: str | None):
        self.settings = settings
        self.report_date = report_date
        self.load_id = load_id or uuid.uuid4().hex[:12]
        self.summary = IngestSummary(self.load_id)
        self.work_dir = settings.data_dir / "ingest" / "work" / self.load_id
        self.key = pseudonym.load_key(settings.secrets_dir)
        self.con = store.connect(settings.ingest_db)

    def close(self) -> None:
        self.con.close()

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> IngestSummary:
        con = self.con
        # This process holds the database's write lock: work copies left by a crashed run go.
        shutil.rmtree(self.work_dir.parent, ignore_errors=True)
        known = {
            path: (size, mtime)
            for path, size, mtime in con.execute(
                "select landing_path, size_bytes, mtime_ns from files "
                "qualify row_number() over (partition by landing_path order by file_id desc) = 1"
            ).fetchall()
        }
        candidates = scan_landing(self.settings.landing_dir)
        self.summary.files_seen = len(candidates)
        todo = []
        for cand in candidates:
            if self.report_date and cand.report_date and cand.report_date > self.report_date:
                self.summary.waiting += 1
                continue
            if known.get(cand.landing_path) == (cand.size, cand.mtime_ns):
                continue
            todo.append(cand)
        # Arrival order: report date, then modification time, then path.
        todo.sort(key=lambda c: (c.report_date or dt.date.max, c.mtime_ns, c.landing_path))
        log.info(
            "ingest %s: %d files in landing, %d to examine, %d wait for a later night",
            self.load_id,
            len(candidates),
            len(todo),
            self.summary.waiting,
        )
        # The fetch workers start now, and get ready while the reference data load.
        executor = self._executor(len(todo))
        try:
            self._prepare(todo)
            self._take_in(executor, todo)
        finally:
            executor.shutdown(cancel_futures=True)
        shutil.rmtree(self.work_dir, ignore_errors=True)
        log.info("ingest %s done: %s", self.load_id, self.summary.as_dict())
        return self.summary

    def _prepare(self, todo: list[Candidate]) -> None:
        """Load the reference data, repair the quarantine, and read what the manifest knows of
        the files to examine."""
        con = self.con
        con.execute("begin")
        try:
            load_reference(con, self.settings.reference_dir)
            load_calendar(con, self.settings.data_dir)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        self.units = {r[0] for r in con.execute("select unit_code from ref_units").fetchall()}
        self._repair_quarantine()
        # The content currently loaded for each unit and date: the same bytes again is a duplicate.
        self.current_content = {
            (unit, day): sha
            for unit, day, sha in con.execute(
                "select unit_code, report_date, sha256 from files where status = 'loaded'"
            ).fetchall()
        }
        # Every content taken in so far under the paths to examine: the same bytes again at the
        # same path (a touched file) are not taken twice.
        self.known_hashes: dict[str, set[str]] = defaultdict(set)
        con.register("_todo", pa.table({"landing_path": [c.landing_path for c in todo]}))
        for path, sha in con.execute(
            "select landing_path, sha256 from files "
            "where landing_path in (select landing_path from _todo)"
        ).fetchall():
            self.known_hashes[path].add(sha)
        con.unregister("_todo")

    def _take_in(self, executor: Executor, todo: list[Candidate]) -> None:
        """Examine and load the files chunk by chunk.

        Reading, hashing, archiving and decoding run in fetch workers, one chunk ahead: the next
        chunk's files are read while DuckDB loads this one. At most two chunks' decoded sources
        are held at once; file contents are not kept.
        """
        chunks = _chunks(todo)
        ahead = self._fetch_chunk(executor, chunks[0])
        done = 0
        for index, chunk in enumerate(chunks):
            fetching = ahead
            if index + 1 < len(chunks):
                ahead = self._fetch_chunk(executor, chunks[index + 1])
            self._process_chunk(chunk, [batch.result() for batch in fetching])
            done += len(chunk)
            log.info("ingest %s: %d/%d files examined", self.load_id, done, len(todo))

    # -- fetching --------------------------------------------------------------------------

    def _executor(self, files: int) -> Executor:
        """Where the files are fetched: threads for a handful, worker processes for more.

        The per-file work (decoding, parsing, paths) is Python holding the GIL, so threads
        barely overlap it; processes do, and start in about a tenth of a second.
        """
        if files < FETCH_PROCESS_MIN_FILES or FETCH_PROCESSES < 2:
            return ThreadPoolExecutor(max_workers=FETCH_THREADS)
        return FetchProcesses(FETCH_PROCESSES)

    def _fetch_chunk(self, executor: Executor, chunk: list[Candidate]) -> list[Future]:
        """Hand a chunk's files to the fetch workers, in order, in batches of many small files
        (one hand-off each) or of a single big one (so that big files spread over the workers)."""
        futures: list[Future] = []
        batch: list[FetchTask] = []
        size = 0
        for cand in chunk:
            batch.append(self._fetch_task(cand))
            size += cand.size
            if len(batch) == FETCH_BATCH_FILES or size >= FETCH_BATCH_BYTES:
                futures.append(self._submit(executor, batch))
                batch, size = [], 0
        if batch:
            futures.append(self._submit(executor, batch))
        return futures

    def _submit(self, executor: Executor, batch: list[FetchTask]) -> Future:
        data_dir, work_dir = os.fspath(self.settings.data_dir), os.fspath(self.work_dir)
        return executor.submit(fetch_batch, batch, data_dir, work_dir)

    def _fetch_task(self, cand: Candidate) -> FetchTask:
        """What a fetch worker needs to know of a candidate: where to archive it, and whether
        reading it is worth it (see :class:`FetchTask`)."""
        if cand.path_error is None:
            # One folder a night, not a folder a file: creating folders costs the file system
            # more than the files themselves (and a block of disk each).
            prefix, suffix = f"archive/{cand.report_date}/{cand.unit_code}.", f".{cand.ext}"
        else:
            prefix, suffix = "archive/_unparsed/", f".{cand.ext or 'bin'}"
        read_unless = None
        if cand.path_error is None and cand.unit_code in self.units:
            known = self.known_hashes.get(cand.landing_path, ())
            current = self.current_content.get((cand.unit_code, cand.report_date))
            read_unless = frozenset(known if current is None else (*known, current))
        link_only = cand.path_error is not None and cand.path_error[1] in (
            "leaves_landing",
            "not_a_file",
        )
        return FetchTask(cand.abs_path, prefix, suffix, cand.ext, read_unless, link_only)

    # -- one chunk -------------------------------------------------------------------------

    def _process_chunk(self, chunk: list[Candidate], batches: list[FetchedBatch]) -> None:
        records: list[dict] = []
        csvs: dict[int, CsvSource] = {}
        # For each batch, the file id of each of its files whose decoded rows are to be loaded.
        item_ids: list[list[int | None]] = [[None] * len(batch.files) for batch in batches]
        read_here: list[TableSource] = []  # decoded by _examine, and their file ids
        read_here_ids: list[int | None] = []
        touched: list[tuple[int, str]] = []
        if not chunk:
            return
        next_id = self.con.execute(
            "select nextval('file_id_seq') from range(?)", [len(chunk)]
        ).fetchall()
        located = [
            (ids, item, got)
            for batch, ids in zip(batches, item_ids, strict=True)
            for item, got in enumerate(batch.files)
        ]
        for cand, (file_id,), (ids, item, got) in zip(chunk, next_id, located, strict=True):
            record, rows = self._examine(cand, file_id, got, touched)
            if record is None:
                continue
            records.append(record)
            if record["status"] != "loaded":
                continue
            if rows is not None:
                read_here.append(rows)
                read_here_ids.append(file_id)
            elif got.csv is not None:
                csvs[file_id] = got.csv
            else:  # decoded by the fetch worker: its rows are in its batch's decoded columns
                ids[item] = file_id
        decoded = [
            (columns, ids)
            for batch, ids in zip(batches, item_ids, strict=True)
            for columns in batch.decoded
        ]
        decoded += [(columns, read_here_ids) for columns in decoded_columns(read_here)]
        staged = self._stage(records, csvs, decoded)
        self._settle_replacements(records)
        findings = [
            _finding(r["reason_code"], r, r["reason"])
            for r in records
            if r["status"] == "quarantined"
        ]
        con = self.con
        with_rows = [r for r in records if r["status"] in ("loaded", "replaced")]
        con.register(
            "_chunk_files",
            pa.table(
                {
                    "file_id": pa.array([r["file_id"] for r in with_rows], pa.int64()),
                    "unit_code": pa.array([r["unit_code"] for r in with_rows], pa.string()),
                    "report_date": pa.array([r["report_date"] for r in with_rows], pa.date32()),
                }
            ),
        )
        con.execute("begin")
        try:
            lookup = self._lookup_sql(staged)
            if lookup:
                con.execute(lookup)
            for table, mapping in staged:
                con.execute(self._insert_sql(table, mapping, lookup is not None))
            counts = dict(
                con.execute(
                    "select file_id, count(*) from submission_rows where load_id = ? "
                    "and file_id >= ? group by file_id",
                    [self.load_id, next_id[0][0]],
                ).fetchall()
            )
            for record in records:
                record["rows_read"] = counts.get(record["file_id"], 0)
            loaded_keys = [
                (r["unit_code"], r["report_date"]) for r in records if r["status"] == "loaded"
            ]
            if loaded_keys:
                con.register(
                    "_loaded_keys",
                    pa.table(
                        {
                            "unit_code": [k[0] for k in loaded_keys],
                            "report_date": [k[1] for k in loaded_keys],
                        }
                    ),
                )
                replaced = con.execute(
                    "update files set status = 'replaced' where status = 'loaded' and "
                    "(unit_code, report_date) in "
                    "(select (unit_code, report_date) from _loaded_keys) "
                    "returning file_id"
                ).fetchall()
                con.unregister("_loaded_keys")
                self.summary.replaced += len(replaced)
            self._insert_manifest(records)
            if touched:
                con.executemany(
                    "update files set mtime_ns = ? where file_id = (select max(file_id) "
                    "from files where landing_path = ?)",
                    touched,
                )
            if findings:
                con.executemany("insert into findings values (?, ?, ?, ?, ?, ?, ?, ?, ?)", findings)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        finally:
            for table, _ in staged:
                con.execute(f"drop table if exists {table}")
            con.execute("drop table if exists _lookup")
            con.unregister("_chunk_files")
        # After the commit: a crash before these copies is repaired by the next run's
        # _repair_quarantine (the manifest is the truth; quarantine/ is its readable mirror).
        for record in records:
            if record["status"] == "quarantined":
                self._quarantine_copy(record)
        for record in records:
            self.summary.files_new += 1
            status = record["status"]
            setattr(self.summary, status, getattr(self.summary, status) + 1)
            self.summary.rows_loaded += record["rows_read"]
            if status == "quarantined":
                reasons = self.summary.quarantine_reasons
                reasons[record["reason_code"]] = reasons.get(record["reason_code"], 0) + 1
            if status == "loaded":
                self.current_content[(record["unit_code"], record["report_date"])] = record[
                    "sha256"
                ]

    def _examine(
        self, cand: Candidate, file_id: int, fetched: Fetched, touched: list
    ) -> tuple[dict | None, TableSource | None]:
        """Classify one archived candidate: its manifest record (None when the same content is
        taken in already under its path), and its rows when this had to decode them (the
        fetch worker skipped reading it)."""
        sha, archive_rel = fetched.sha256, fetched.archive_rel
        if sha in self.known_hashes[cand.landing_path]:
            touched.append((cand.mtime_ns, cand.landing_path))  # same content, new mtime
            return None, None
        self.known_hashes[cand.landing_path].add(sha)
        record = {
            "file_id": file_id,
            "landing_path": cand.landing_path,
            "unit_code": cand.unit_code,
            "report_date": cand.report_date,
            "ext": cand.ext,
            "sha256": sha,
            "size_bytes": fetched.size,
            "archive_path": archive_rel,
            "arrived_at": dt.datetime.fromtimestamp(cand.mtime_ns / 1e9),
            "mtime_ns": cand.mtime_ns,
            "load_id": self.load_id,
            "rows_read": 0,
            "status": "loaded",
            "reason_code": None,
            "reason": None,
            "format": None,
        }
        if cand.path_error is not None:
            rule, code, message = cand.path_error
            return self._quarantined(record, rule, code, message), None
        if cand.unit_code not in self.units:
            return self._quarantined(
                record,
                "R05_unknown_reference",
                "unknown_unit",
                f"unit code '{cand.unit_code}' is not in reference/units.csv",
            ), None
        if self.current_content.get((cand.unit_code, cand.report_date)) == sha:
            record["status"] = "duplicate"
            record["reason"] = "same content as a file already taken in for this unit and date"
            return record, None
        rows = None
        if not fetched.read:
            archive = self.settings.data_dir / fetched.archive_rel
            rows = read_fetched(fetched, archive.read_bytes(), archive, cand.ext, self.work_dir)
        record["format"] = fetched.format
        if fetched.error is not None:
            error = fetched.error
            return self._quarantined(record, "R02_unreadable_file", error.code, error.message), None
        return record, rows

    @staticmethod
    def _quarantined(record: dict, rule: str, code: str, message: str) -> dict:
        record.update(status="quarantined", reason_code=rule, reason=f"{code}: {message}")
        return record

    def _repair_quarantine(self) -> None:
        """Write the quarantine copy of every quarantined file that lacks one (crash repair)."""
        folder = self.settings.quarantine_dir
        present = set(os.listdir(folder)) if folder.exists() else set()
        columns = ("file_id", "landing_path", "unit_code", "report_date", "sha256")
        columns += ("archive_path", "reason_code", "reason", "load_id")
        for values in self.con.execute(
            f"select {', '.join(columns)} from files where status = 'quarantined' order by file_id"
        ).fetchall():
            record = dict(zip(columns, values, strict=True))
            if _quarantine_name(record) not in present:
                log.warning("quarantine copy of %s was missing: written", record["landing_path"])
                self._quarantine_copy(record)

    def _quarantine_copy(self, record: dict) -> None:
        target = self.settings.quarantine_dir / _quarantine_name(record)
        tmp = target.with_name("." + target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True, exist_ok=True)
        source = self.settings.data_dir / record["archive_path"]
        name = Path(record["landing_path"]).name
        shutil.copyfile(source, tmp / name)
        reason = {
            k: record[k]
            for k in (
                "file_id",
                "landing_path",
                "unit_code",
                "sha256",
                "reason_code",
                "reason",
                "load_id",
            )
        }
        reason["report_date"] = str(record["report_date"]) if record["report_date"] else None
        (tmp / "reason.json").write_text(json.dumps(reason, ensure_ascii=False, indent=2))
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)

    def _settle_replacements(self, records: list[dict]) -> None:
        """Within one chunk, only the last loaded file of a unit and date stays loaded."""
        last: dict[tuple, dict] = {}
        for record in records:
            if record["status"] == "loaded":
                key = (record["unit_code"], record["report_date"])
                if key in last:
                    last[key]["status"] = "replaced"
                last[key] = record

    # -- reading into temp tables ----------------------------------------------------------

    def _stage(
        self,
        records: list[dict],
        csvs: dict[int, CsvSource],
        decoded: list[tuple[DecodedColumns, list[int | None]]],
    ) -> list[tuple[str, dict]]:
        """Read every source into temp tables ``(_file_id, c<p>...)`` of the mapped positions
        ``p``; bad CSVs quarantined.

        Big CSVs of one layout are read by one DuckDB ``read_csv`` over all their files; rows
        decoded in Python (small CSVs, XLSX, JSON) go in one table per column mapping.
        """
        by_id = {r["file_id"]: r for r in records}
        staged: list[tuple[str, dict]] = []
        groups: dict[tuple, list[int]] = defaultdict(list)
        python_read: list[TableSource] = []
        python_read_ids: list[int | None] = []
        for file_id, source in csvs.items():
            groups[source.layout].append(file_id)
        for file_ids in groups.values():
            table = self._stage_csv_group(file_ids, csvs)
            if table is not None:
                staged.append((table, csvs[file_ids[0]].mapping))
                continue
            for file_id in file_ids:  # one file spoilt the group: read each on its own
                source = csvs[file_id]
                try:
                    table = self._stage_csv_group([file_id], csvs, raise_errors=True)
                    staged.append((table, source.mapping))
                    continue
                except duckdb.Error as exc:
                    error = str(exc)
                if _QUOTED_NEWLINES in error:
                    # DuckDB's parallel reader cannot pad short rows once a quoted field holds a
                    # line break (and its serial reader drops an unterminated last row without a
                    # word): Python's strict csv module reads such a file instead.
                    try:
                        rows = python_csv_rows(source)
                    except Unreadable as exc:
                        record = by_id[file_id]
                        self._quarantined(record, "R02_unreadable_file", exc.code, exc.message)
                        continue
                    python_read.append(TableSource(rows, source.mapping, source.format))
                    python_read_ids.append(file_id)
                    continue
                message = error.splitlines()[0][:500]
                self._quarantined(by_id[file_id], "R02_unreadable_file", "csv_error", message)
        decoded = decoded + [(part, python_read_ids) for part in decoded_columns(python_read)]
        by_mapping: dict[tuple, list[pa.Table]] = defaultdict(list)
        for part, item_ids in decoded:
            arrow = decoded_table(part)
            file_ids = pa.array(item_ids, pa.int64()).take(arrow["_item"])
            rows = arrow.drop_columns(["_item"]).add_column(0, "_file_id", file_ids)
            by_mapping[tuple(sorted(part.mapping.items()))].append(rows.filter(file_ids.is_valid()))
        for key, parts in by_mapping.items():
            arrow = pa.concat_tables(parts)
            if arrow.num_rows:
                staged.append((self._stage_arrow(f"_stage_t{len(staged)}", arrow), dict(key)))
        return staged

    def _stage_csv_group(
        self, file_ids: list[int], csvs: dict[int, CsvSource], raise_errors: bool = False
    ) -> str | None:
        first = csvs[file_ids[0]]
        table = f"_stage_{file_ids[0]}_{len(file_ids)}"
        paths = [str(csvs[i].path) for i in file_ids]
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(first.ncols)) + "}"
        # Only the mapped columns are kept: unnamed and spare cells are never loaded. The temp
        # table's rowid gives each row its position in its file; inserting straight from
        # read_csv would need row_number() over (), which DuckDB runs on one thread only (the
        # whole insert with it: measured slower than staging on two cores).
        kept = ", ".join(f"r.c{p}" for p in sorted(first.mapping))
        self.con.register(
            "_paths", pa.table({"filename": paths, "file_id": pa.array(file_ids, pa.int64())})
        )
        try:
            self.con.execute(
                f"""
                create temp table {table} as
                select p.file_id as _file_id, {kept}
                from read_csv(?, delim = ?, header = false, skip = ?, columns = {columns},
                              quote = '"', escape = '"', null_padding = true,
                              auto_detect = false, filename = true) r
                join _paths p using (filename)
                """,
                [paths, first.delimiter, first.skip],
            )
        except duckdb.Error:
            self.con.execute(f"drop table if exists {table}")
            if raise_errors:
                raise
            return None
        finally:
            self.con.unregister("_paths")
        return table

    def _stage_arrow(self, table: str, arrow: pa.Table) -> str:
        """A temp table of decoded rows (their order kept: rowid gives each row's position)."""
        self.con.register("_arrow", arrow)
        self.con.execute(f"create temp table {table} as select * from _arrow")
        self.con.unregister("_arrow")
        return table

    # -- SQL -------------------------------------------------------------------------------

    def _lookup_sql(self, staged: list[tuple[str, dict]]) -> str | None:
        """One small table of the distinct date, status and channel texts of the chunk, parsed.

        Ledgers repeat the same few hundred dates and a handful of labels millions of times:
        parsing each distinct text once and joining is far cheaper than parsing every cell.
        """
        selects = []
        for table, mapping in staged:
            for position, column in mapping.items():
                if column in _PARSED:
                    selects.append(f"select distinct c{position} as cell from {table}")
        if not selects:
            return None
        union = "\n union \n".join(selects)
        return f"""
        create or replace temp table _lookup as
        select
            raw,
            {parse.date_sql("raw")} as date_value,
            {parse.status_sql("raw")} as status_value,
            {parse.channel_sql("raw")} as channel_value
        from (select distinct {_cell_expr("cell")} as raw from ({union}))
        where raw is not null
        """

    def _insert_sql(self, table: str, mapping: dict[int, str], with_lookup: bool) -> str:
        by_column = {column: position for position, column in mapping.items()}

        def text(column: str) -> str:
            # Readers hand DuckDB NFC text already (see readers): trimming is all that is left.
            if column not in by_column:
                return "cast(null as varchar)"
            return _cell(by_column[column])

        any_value = " or ".join(f"{_cell(p)} is not null" for p in by_column.values())
        applicant = pseudonym.hmac_sql(
            self.key, pseudonym.applicant_identity_sql(text("applicant_id"))
        )
        parsed = [
            ("channel_raw", "channel_value"),
            ("status_raw", "status_value"),
            ("received_at_raw", "date_value"),
            ("due_at_raw", "date_value"),
            ("rescheduled_due_at_raw", "date_value"),
            ("finished_at_raw", "date_value"),
            ("returned_at_raw", "date_value"),
        ]
        if with_lookup:
            values = ",\n".join(f"l{i}.{value}" for i, (_, value) in enumerate(parsed))
            joins = "\n".join(
                f"left join _lookup l{i} on l{i}.raw = cells.{raw}"
                for i, (raw, _) in enumerate(parsed)
            )
        else:
            values = ",\n".join(
                f"cast(null as {'date' if value == 'date_value' else 'tinyint'})"
                for _, value in parsed
            )
            joins = ""
        return f"""
        insert into submission_rows
        with cells as (
            select
                f.file_id,
                cast(s.rowid - firsts.first_rowid + 1 as integer) as row_number,
                f.unit_code,
                f.report_date,
                {text("dossier_code")} as dossier_code,
                {text("procedure_code")} as procedure_code,
                {text("procedure_name")} as procedure_name,
                {text("sector")} as sector,
                {text("channel")} as channel_raw,
                {text("handling_agency")} as handling_agency,
                {text("received_at")} as received_at_raw,
                {text("due_at")} as due_at_raw,
                {text("rescheduled_due_at")} as rescheduled_due_at_raw,
                {text("finished_at")} as finished_at_raw,
                {text("returned_at")} as returned_at_raw,
                {text("status")} as status_raw,
                {text("notes")} as notes,
                {applicant} as applicant_key
            from {table} s
            join _chunk_files f on f.file_id = s._file_id
            join (
                select _file_id, min(rowid) as first_rowid from {table} group by _file_id
            ) firsts on firsts._file_id = s._file_id
            where {any_value or "false"}
        )
        select
            cells.file_id, cells.row_number, cells.unit_code, cells.report_date,
            '{self.load_id}',
            dossier_code, procedure_code, procedure_name, sector, channel_raw, handling_agency,
            received_at_raw, due_at_raw, rescheduled_due_at_raw, finished_at_raw,
            returned_at_raw, status_raw, notes,
            {values},
            applicant_key
        from cells
        {joins}
        """

    def _insert_manifest(self, records: list[dict]) -> None:
        columns = [
            "file_id",
            "landing_path",
            "unit_code",
            "report_date",
            "ext",
            "sha256",
            "size_bytes",
            "archive_path",
            "arrived_at",
            "mtime_ns",
            "load_id",
            "rows_read",
            "status",
            "reason_code",
            "reason",
            "format",
        ]
        if not records:
            return
        arrow = pa.Table.from_pylist([{c: r[c] for c in columns} for r in records])
        self.con.register("_manifest", arrow)
        self.con.execute(
            f"insert into files ({', '.join(columns)}) select {', '.join(columns)} from _manifest"
        )
        self.con.unregister("_manifest")


def ingest(
    settings: Settings, report_date: dt.date | None = None, load_id: str | None = None
) -> IngestSummary:
    """Take in every landing file not yet taken in, for report dates up to ``report_date``."""
    ingestor = Ingestor(settings, report_date, load_id)
    try:
        return ingestor.run()
    finally:
        ingestor.close()
