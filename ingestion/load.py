"""Take in landing files: archive, classify, read, pseudonymise and load them into DuckDB.

Every file in ``landing/`` not yet taken in (its path, size and modification time, then its
content hash, are compared with the manifest) is archived unchanged under its content hash, then
either loaded (its rows into ``submission_rows``), recorded as a duplicate of content already
taken in, or quarantined with its reason and an R02/R05 finding. Files are processed in chunks;
each chunk's manifest rows, data rows and findings are committed in one transaction, so a crash
leaves every file either fully taken in or not at all, and the next run finishes the job.

The landing folder itself is never modified: it is the units' drop zone.

This module holds the run (:func:`ingest`, :class:`Ingestor`) and each chunk's transaction:
staging the decoded rows in temp tables, the insert SQL, the manifest rows and replacements.
The landing scan and its chunks live in :mod:`ingestion.scan`, the fetch workers in
:mod:`ingestion.workers`, the quarantine folder and its findings in :mod:`ingestion.quarantine`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import uuid
from collections import defaultdict
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from motcua.common import private, store
from motcua.common.config import Settings

from . import parse, pseudonym, quarantine, scrub
from .readers import (
    CsvSource,
    DecodedColumns,
    Fetched,
    FetchedBatch,
    FetchTask,
    TableSource,
    Unreadable,
    decoded_columns,
    python_csv_rows,
    read_fetched,
)
from .reference import load_calendar, load_reference
from .scan import Candidate, chunks, scan_landing, to_examine
from .workers import fetch_chunk, fetch_executor

log = logging.getLogger(__name__)

_QUOTED_NEWLINES = "does not support null_padding in conjunction with quoted new lines"

# The path errors of landing entries that are not regular files (see scan.scan_landing).
_NEVER_OPENED = ("leaves_landing", "not_a_file", "symlink", "special_file")

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
    vanished: int = 0  # files removed from landing between the scan and their reading: skipped
    quarantine_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class _Examined:
    """A chunk's files examined: their manifest records, and the sources of those to load."""

    records: list[dict]
    csvs: dict[int, CsvSource]  # big CSVs, for DuckDB's read_csv, by file id
    # Rows decoded in Python, with the file id of each of their items (None: not to be loaded).
    decoded: list[tuple[DecodedColumns, list[int | None]]]
    touched: list[tuple[int, str]]  # (mtime_ns, landing_path): same content, new mtime


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
        # What units send is personal data: the archive and the quarantine are owner-only
        # (their files are written 0600 by the fetch workers and quarantine.write_copy).
        private.ensure_dir(settings.archive_dir)
        private.ensure_dir(settings.quarantine_dir)

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
        todo, self.summary.waiting = to_examine(candidates, known, self.report_date)
        log.info(
            "ingest %s: %d files in landing, %d to examine, %d wait for a later night",
            self.load_id,
            len(candidates),
            len(todo),
            self.summary.waiting,
        )
        # The fetch workers start now, and get ready while the reference data load.
        executor = fetch_executor(len(todo))
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
        quarantine.repair(con, self.settings.quarantine_dir, self.settings.data_dir)
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
        chunked = chunks(todo)
        ahead = self._fetch_chunk(executor, chunked[0])
        done = 0
        for index, chunk in enumerate(chunked):
            fetching = ahead
            if index + 1 < len(chunked):
                ahead = self._fetch_chunk(executor, chunked[index + 1])
            self._process_chunk(chunk, [batch.result() for batch in fetching])
            done += len(chunk)
            log.info("ingest %s: %d/%d files examined", self.load_id, done, len(todo))

    # -- fetching --------------------------------------------------------------------------

    def _fetch_chunk(self, executor: Executor, chunk: list[Candidate]) -> list[Future]:
        """Hand a chunk's files to the fetch workers (see :func:`workers.fetch_chunk`)."""
        data_dir, work_dir = os.fspath(self.settings.data_dir), os.fspath(self.work_dir)
        return fetch_chunk(executor, chunk, self._fetch_task, data_dir, work_dir)

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
        # A link, a FIFO, a socket or a device is never opened: its archive copy describes it.
        describe_only = cand.path_error is not None and cand.path_error[1] in _NEVER_OPENED
        return FetchTask(
            cand.abs_path,
            prefix,
            suffix,
            cand.ext,
            read_unless,
            describe_only,
            cand.identity,
            os.fspath(self.settings.landing_dir),
        )

    # -- one chunk -------------------------------------------------------------------------

    def _process_chunk(self, chunk: list[Candidate], batches: list[FetchedBatch]) -> None:
        """Take in one chunk of fetched files: examine each, stage the rows to load, commit the
        chunk's one transaction, then write the quarantine copies and count the outcome."""
        if not chunk:
            return
        file_ids = [
            file_id
            for (file_id,) in self.con.execute(
                "select nextval('file_id_seq') from range(?)", [len(chunk)]
            ).fetchall()
        ]
        examined = self._examine_chunk(chunk, batches, file_ids)
        records = examined.records
        staged = self._stage(records, examined.csvs, examined.decoded)
        self._settle_replacements(records)
        self._commit(records, staged, examined.touched, file_ids[0])
        # After the commit: a crash before these copies is repaired by the next run's
        # quarantine.repair (the manifest is the truth; quarantine/ is its readable mirror).
        for record in records:
            if record["status"] == "quarantined":
                quarantine.write_copy(self.settings.quarantine_dir, self.settings.data_dir, record)
        self._tally(records)

    def _examine_chunk(
        self, chunk: list[Candidate], batches: list[FetchedBatch], file_ids: list[int]
    ) -> _Examined:
        """Examine each file of a chunk (see :meth:`_examine`) under its new file id, and
        gather the sources of the files to load: big CSVs by file id, and rows decoded (by the
        fetch workers, or here) with the file id of each of their items."""
        records: list[dict] = []
        csvs: dict[int, CsvSource] = {}
        # For each batch, the file id of each of its files whose decoded rows are to be loaded.
        item_ids: list[list[int | None]] = [[None] * len(batch.files) for batch in batches]
        read_here: list[TableSource] = []  # decoded by _examine, and their file ids
        read_here_ids: list[int | None] = []
        touched: list[tuple[int, str]] = []
        located = [
            (ids, item, got)
            for batch, ids in zip(batches, item_ids, strict=True)
            for item, got in enumerate(batch.files)
        ]
        for cand, file_id, (ids, item, got) in zip(chunk, file_ids, located, strict=True):
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
        return _Examined(records, csvs, decoded, touched)

    def _commit(
        self,
        records: list[dict],
        staged: list[tuple[str, dict]],
        touched: list[tuple[int, str]],
        first_id: int,
    ) -> None:
        """The chunk's one transaction: its rows, their counts, the files they replace, its
        manifest rows, the new mtimes of touched files and the findings of quarantined files,
        all committed or none. The staged temp tables are dropped either way."""
        findings = [
            quarantine.finding(r["reason_code"], r, r["reason"])
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
            self._insert_rows(staged)
            self._count_rows(records, first_id)
            self._replace_earlier(records)
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
            con.execute("drop table if exists _scrubbed")
            con.unregister("_chunk_files")

    def _insert_rows(self, staged: list[tuple[str, dict]]) -> None:
        """Insert the staged rows into ``submission_rows``, dates, status and channel parsed
        through the chunk's lookup table, free text scrubbed through its scrubbed table."""
        con = self.con
        lookup = self._lookup_sql(staged)
        if lookup:
            con.execute(lookup)
        scrubbed = self._scrubbed_sql(staged)
        if scrubbed:
            con.execute(scrubbed)
        for table, mapping in staged:
            con.execute(self._insert_sql(table, mapping, lookup is not None))

    def _count_rows(self, records: list[dict], first_id: int) -> None:
        """Set each record's ``rows_read`` to the rows this run inserted for it."""
        counts = dict(
            self.con.execute(
                "select file_id, count(*) from submission_rows where load_id = ? "
                "and file_id >= ? group by file_id",
                [self.load_id, first_id],
            ).fetchall()
        )
        for record in records:
            record["rows_read"] = counts.get(record["file_id"], 0)

    def _replace_earlier(self, records: list[dict]) -> None:
        """Mark ``replaced`` the files of earlier chunks and runs still loaded for a unit and
        date that this chunk loads a file for."""
        con = self.con
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

    def _tally(self, records: list[dict]) -> None:
        """Count a committed chunk's files in the summary, and remember the content now loaded
        for each unit and date."""
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
        if fetched.vanished:
            # Never taken in, so nothing is lost: no manifest row, and the scan of the night
            # it comes back sees it as new.
            log.warning(
                "ingest %s: %s was removed from landing after the scan (deleted or renamed "
                "while the run read the files): skipped; it is taken in if it comes back",
                self.load_id,
                cand.landing_path,
            )
            self.summary.vanished += 1
            return None, None
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
            return quarantine.mark(record, rule, code, message), None
        if cand.unit_code not in self.units:
            return quarantine.mark(
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
            return quarantine.mark(record, "R02_unreadable_file", error.code, error.message), None
        return record, rows

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
                        quarantine.mark(record, "R02_unreadable_file", exc.code, exc.message)
                        continue
                    python_read.append(TableSource(rows, source.mapping, source.format))
                    python_read_ids.append(file_id)
                    continue
                message = error.splitlines()[0][:500]
                quarantine.mark(by_id[file_id], "R02_unreadable_file", "csv_error", message)
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

    def _scrubbed_sql(self, staged: list[tuple[str, dict]]) -> str | None:
        """One small table of the chunk's procedure names and agencies that hold personal data,
        each with its scrubbed text (:mod:`ingestion.scrub`); a value not in it is stored as it is.

        The same procedure names and agencies come back on every row: each distinct text is
        scrubbed once, and only the few that change are joined back. (Notes, mostly unique, are
        scrubbed where they stand: see :meth:`_insert_sql`.)
        """
        selects = [
            f"select distinct c{position} as cell from {table}"
            for table, mapping in staged
            for position, column in mapping.items()
            if column in scrub.REPEATED_TEXT_COLUMNS
        ]
        if not selects:
            return None
        union = "\n union \n".join(selects)
        return f"""
        create or replace temp table _scrubbed as
        select raw, clean
        from (
            select raw, {scrub.scrub_sql("raw")} as clean
            from (select distinct {_cell_expr("cell")} as raw from ({union}))
            where raw is not null
        )
        where clean <> raw
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
        # Free text scrubbed: names and agencies through the chunk's _scrubbed table, notes
        # where they stand.
        free_text = {}
        for i, column in enumerate(scrub.FREE_TEXT_COLUMNS):
            if column not in by_column:
                free_text[column] = column
            elif column in scrub.REPEATED_TEXT_COLUMNS:
                free_text[column] = f"coalesce(s{i}.clean, cells.{column})"
                joins += f"\nleft join _scrubbed s{i} on s{i}.raw = cells.{column}"
            else:
                free_text[column] = scrub.scrub_sql(f"cells.{column}")
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
            dossier_code, procedure_code, {free_text["procedure_name"]}, sector, channel_raw,
            {free_text["handling_agency"]},
            received_at_raw, due_at_raw, rescheduled_due_at_raw, finished_at_raw,
            returned_at_raw, status_raw, {free_text["notes"]},
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
