"""ingestion.workers: threads or worker processes, the process pool's hand-offs and failures,
and a chunk's files handed over in batches."""

from __future__ import annotations

import hashlib
import os
import pickle
import signal
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor

import pytest

from ingestion import workers
from ingestion.readers import FetchedBatch, FetchTask, fetch_batch
from ingestion.scan import Candidate
from ingestion.workers import FetchProcesses, fetch_chunk, fetch_executor


def test_few_files_are_fetched_by_threads_many_by_processes(monkeypatch):
    monkeypatch.setattr(workers, "FETCH_PROCESSES", 2)
    few = fetch_executor(499)
    try:
        assert (type(few), few._max_workers) == (ThreadPoolExecutor, 4)
    finally:
        few.shutdown()
    many = fetch_executor(500)
    try:
        assert type(many) is FetchProcesses
        assert len(many._processes) == 2
    finally:
        many.shutdown()
    monkeypatch.setattr(workers, "FETCH_PROCESSES", 1)  # one core: processes gain nothing
    one_core = fetch_executor(100_000)
    try:
        assert type(one_core) is ThreadPoolExecutor
    finally:
        one_core.shutdown()


def test_worker_processes_import_the_readers_only():
    """A worker starts fast because it imports ingestion.readers, not DuckDB, Arrow or the
    application."""
    heavy = "('ingestion', 'motcua', 'duckdb', 'pyarrow', 'pandas', 'numpy', 'airflow')"
    pool = FetchProcesses(1)
    try:
        imported = pool.submit(
            eval, f"sorted(m for m in __import__('sys').modules if m.split('.')[0] in {heavy})"
        ).result(timeout=60)
    finally:
        pool.shutdown()
    assert imported == ["ingestion", "ingestion.headers", "ingestion.readers"]


def test_every_call_gets_its_own_result_whichever_worker_runs_it():
    pool = FetchProcesses(2)
    try:
        # the slow first calls finish after later ones: each future still gets its own result
        slow = [pool.submit(time.sleep, 0.2) for _ in range(2)]
        futures = [pool.submit(pow, i, 2) for i in range(40)]
        assert [f.result(timeout=60) for f in futures] == [i * i for i in range(40)]
        assert [f.result(timeout=60) for f in slow] == [None, None]
    finally:
        pool.shutdown()


def test_a_worker_killed_by_a_signal_fails_its_call_the_queued_ones_and_later_ones():
    pool = FetchProcesses(1)
    try:
        dying = pool.submit(signal.raise_signal, signal.SIGKILL)
        queued = [pool.submit(len, "ab") for _ in range(3)]
        with pytest.raises(RuntimeError, match=r"fetch worker \d+ failed .*exit code -9"):
            dying.result(timeout=60)
        for future in queued:
            with pytest.raises(RuntimeError, match="exit code -9"):
                future.result(timeout=60)
        later = pool.submit(len, "abc")
        assert later.done()  # failed at once, never queued
        with pytest.raises(RuntimeError, match="exit code -9"):
            later.result()
    finally:
        pool.shutdown()


def test_a_worker_garbling_its_answer_fails_loudly():
    """Bytes on the worker's answer stream that are not its pickled outcome: the worker is
    killed and the call fails, it never returns a wrong value."""
    pool = FetchProcesses(1)
    try:
        # fd 3 is the worker's answer stream (fetch_worker: a dup of its stdout, fds 0-2 taken)
        garbled = pool.submit(os.write, 3, b"not a pickle\n")
        with pytest.raises(RuntimeError, match=r"UnpicklingError.*exit code -9"):
            garbled.result(timeout=60)
        with pytest.raises(RuntimeError, match="UnpicklingError"):
            pool.submit(len, "abc").result(timeout=60)
    finally:
        pool.shutdown()


@pytest.mark.parametrize(
    "answer",
    [pickle.dumps(42), pickle.dumps((True, 1, 2)), b"g1\n."],
    ids=["not-a-pair", "a-triple", "memo-opcode"],
)
def test_any_answer_that_is_not_an_outcome_fails_the_call_and_never_hangs(answer):
    """A valid pickle that is not an (ok, value) pair, or bytes pickle rejects with another
    error than UnpicklingError: the call still fails, and so does the next one."""
    pool = FetchProcesses(1)
    try:
        garbled = pool.submit(os.write, 3, answer)
        with pytest.raises(RuntimeError, match=r"fetch worker \d+ failed .*exit code -9"):
            garbled.result(timeout=60)
        with pytest.raises(RuntimeError, match="fetch worker"):
            pool.submit(len, "abc").result(timeout=60)
    finally:
        pool.shutdown()


class Recording(Executor):
    """Runs nothing: records each submission."""

    def __init__(self):
        self.calls: list[tuple] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        self.calls.append((fn, args, kwargs))
        future: Future = Future()
        future.set_result(len(self.calls))
        return future


def task(cand: Candidate) -> FetchTask:
    return FetchTask(cand.abs_path, "archive/x/", ".csv", "csv", None)


def candidates(sizes: list[int]) -> list[Candidate]:
    return [Candidate(f"d/{i}.csv", f"/l/{i}", size, 0) for i, size in enumerate(sizes)]


def test_a_chunk_goes_in_batches_capped_by_files_and_by_bytes(monkeypatch):
    monkeypatch.setattr(workers, "FETCH_BATCH_FILES", 3)
    monkeypatch.setattr(workers, "FETCH_BATCH_BYTES", 100)
    executor = Recording()
    futures = fetch_chunk(
        executor, candidates([10, 10, 10, 10, 200, 10, 90, 5]), task, "/data", "/work"
    )
    assert [f.result() for f in futures] == [1, 2, 3, 4]  # one future a batch, in order
    assert [(fn, [t.path for t in args[0]], args[1:], kw) for fn, args, kw in executor.calls] == [
        (fetch_batch, ["/l/0", "/l/1", "/l/2"], ("/data", "/work"), {}),
        (fetch_batch, ["/l/3", "/l/4"], ("/data", "/work"), {}),  # reached the bytes
        (fetch_batch, ["/l/5", "/l/6"], ("/data", "/work"), {}),  # exactly the bytes
        (fetch_batch, ["/l/7"], ("/data", "/work"), {}),
    ]


def test_a_chunk_of_small_files_goes_200_a_batch():
    executor = Recording()
    fetch_chunk(executor, candidates([1] * 401), task, "/data", "/work")
    assert [len(args[0]) for _, args, _ in executor.calls] == [200, 200, 1]
    executor = Recording()
    assert fetch_chunk(executor, [], task, "/data", "/work") == []


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_fetched_batches_come_back_archived_and_in_order(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(workers, "FETCH_BATCH_FILES", 2)
    landing = tmp_path / "landing"
    landing.mkdir()
    contents = [b"first\n", b"second\n", b"third\n"]
    chunk = []
    for i, content in enumerate(contents):
        (landing / f"{i}.csv").write_bytes(content)
        chunk.append(Candidate(f"d/{i}.csv", str(landing / f"{i}.csv"), len(content), 0))
    executor = ThreadPoolExecutor(2) if kind == "threads" else FetchProcesses(2)
    try:
        futures = fetch_chunk(executor, chunk, task, str(tmp_path), str(tmp_path / "work"))
        batches = [f.result(timeout=60) for f in futures]
    finally:
        executor.shutdown()
    assert [type(b) for b in batches] == [FetchedBatch, FetchedBatch]
    fetched = [f for batch in batches for f in batch.files]
    hashes = [hashlib.sha256(content).hexdigest() for content in contents]
    assert [(f.sha256, f.size, f.archive_rel, f.read) for f in fetched] == [
        (sha, len(content), f"archive/x/{sha}.csv", False)
        for sha, content in zip(hashes, contents, strict=True)
    ]
    for sha, content in zip(hashes, contents, strict=True):
        assert (tmp_path / "archive" / "x" / f"{sha}.csv").read_bytes() == content
