"""Fetch workers: where landing files are read, hashed, archived and decoded.

The per-file work itself is :func:`readers.fetch_batch`; this module decides who runs it
(:func:`fetch_executor`: threads for a handful of files, worker processes for more, see
:class:`FetchProcesses`) and hands a chunk's files over in batches (:func:`fetch_chunk`).

Imports nothing heavy (neither DuckDB nor Arrow). The worker processes themselves import
:mod:`ingestion.readers` only, never this module.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor

from .readers import FetchTask, fetch_batch
from .scan import Candidate

FETCH_THREADS = 4
FETCH_PROCESSES = os.cpu_count() or 1
# From this many files to examine, fetching runs in worker processes (see fetch_executor).
FETCH_PROCESS_MIN_FILES = 500
# A fetch task: up to this many files (one task a small file would cost more in hand-offs) and
# about this many bytes.
FETCH_BATCH_FILES = 200
FETCH_BATCH_BYTES = 1024 * 1024

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
            except Exception as exc:
                # The worker died (killed, out of memory: OSError, EOFError) or garbled its
                # answer (whatever pickle raises on the bytes, or an unpickled value that is not
                # an (ok, value) pair): fail this call and every queued one, so that the loader
                # stops at once instead of waiting for a future nobody settles.
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


def fetch_executor(files: int) -> Executor:
    """Where the files are fetched: threads for a handful, worker processes for more.

    The per-file work (decoding, parsing, paths) is Python holding the GIL, so threads
    barely overlap it; processes do, and start in about a tenth of a second.
    """
    if files < FETCH_PROCESS_MIN_FILES or FETCH_PROCESSES < 2:
        return ThreadPoolExecutor(max_workers=FETCH_THREADS)
    return FetchProcesses(FETCH_PROCESSES)


def fetch_chunk(
    executor: Executor,
    chunk: list[Candidate],
    task: Callable[[Candidate], FetchTask],
    data_dir: str,
    work_dir: str,
) -> list[Future]:
    """Hand a chunk's files to the fetch workers, in order, in batches of many small files
    (one hand-off each) or of a single big one (so that big files spread over the workers).

    ``task(candidate)`` says what a worker is to do with a file; each future's result is the
    :class:`readers.FetchedBatch` of its batch.
    """
    futures: list[Future] = []
    batch: list[FetchTask] = []
    size = 0
    for cand in chunk:
        batch.append(task(cand))
        size += cand.size
        if len(batch) == FETCH_BATCH_FILES or size >= FETCH_BATCH_BYTES:
            futures.append(executor.submit(fetch_batch, batch, data_dir, work_dir))
            batch, size = [], 0
    if batch:
        futures.append(executor.submit(fetch_batch, batch, data_dir, work_dir))
    return futures
