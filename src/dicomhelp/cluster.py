"""A folder command's per-file work as Dask tasks on a cluster (``--cluster ADDRESS``).

Every command that takes ``--cluster`` (validate, anonymize, edit, transcode,
``dump --json``) hands its per-file function and its list of files to
:func:`run`; without the option the command keeps its local process pool and nothing here is imported, nor is dask
(the CLI's start-up path stays light).

- Tasks are batches of files, not one task per file: a task costs the
  scheduler about a millisecond, a small file's header rewrite a few.
- At most a few batches per worker thread are in flight, and results are
  yielded in input order as soon as the next one is in: the client holds a
  bounded window, never the whole run's results.
- A task whose worker died is run again by the scheduler (``allowed-failures``:
  1 for ``local:N``, the scheduler's own setting otherwise). A batch lost for
  good (``KilledWorker``), or whose task raised, is run again one file per
  task, so a file that kills its worker every time costs only itself: a file
  whose own task fails too becomes ``lost(item, message)``, reported like any
  other failure, never dropped. A finished batch whose result was lost with
  its worker is simply run again.
- Stopped early (Ctrl-C), the tasks not started are cancelled and the client
  waits for those running (``DRAIN_SECONDS`` at most), so that no worker
  writes a staged file after the command has cleaned up.
- Workers write through :mod:`dicomhelp.io.write` (atomic): a file done twice
  (its batch retried) is written twice with the same bytes, and a killed
  worker leaves at most a hidden ``.name.*.tmp`` file, never a partial output.

The files must be on storage every worker sees, under the same paths.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from dicomhelp.errors import UsageError

ENV = "DICOMHELP_DASK_SCHEDULER"
MOST_PER_BATCH = 64
IN_FLIGHT_PER_THREAD = 4
CONNECT_SECONDS = 10

T = TypeVar("T")
R = TypeVar("R")


def batch_size(count: int, threads: int) -> int:
    """Files per task: ``MOST_PER_BATCH``, fewer when that would leave a worker thread without work."""
    return max(1, min(MOST_PER_BATCH, count // (4 * max(1, threads))))


def _run_batch(work: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    """What a worker runs: the command's per-file function over one batch."""
    return [work(item) for item in items]


def _local_workers(address: str) -> int | None:
    """N for ``local:N``, None for a scheduler address."""
    if not address.startswith("local:"):
        return None
    count = address.removeprefix("local:")
    if not count.isdigit() or not 1 <= int(count) <= 256:
        raise UsageError("local:N needs a number of worker processes from 1 to 256", source=address,
                         hint="e.g. --cluster local:2")
    return int(count)


@contextmanager
def connect(address: str) -> Iterator[Any]:
    """A ``distributed.Client`` for ``address``; ``local:N`` starts (and stops) N worker processes here."""
    workers = _local_workers(address)
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--cluster needs dask.distributed, which is not installed", source=address,
                         hint="pip install 'dicomhelp[cluster]'") from None
    if workers is not None:
        # A task whose worker died runs once more (the scheduler's retry: it may only have been queued
        # there); lost again, run_on reruns its files one by one. Saturation 1: a worker holds only the
        # task it runs, so a death is blamed on few files that were not running.
        with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                              "distributed.scheduler.worker-saturation": 1.0}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler: {exc}", source=address,
                         hint="start one (`dask scheduler`, then `dask worker ADDRESS` on each machine) "
                         "or use --cluster local:2") from None
    with client:
        yield client


def run(work: Callable[[T], R], items: Sequence[T], *, address: str, lost: Callable[[T, str], R],
        batch: int | None = None) -> Iterator[R]:
    """``work(item)`` for every item, on the cluster at ``address``, yielded in input order."""
    with connect(address) as client:
        yield from run_on(client, work, items, lost=lost, batch=batch)


class _Run:
    """The bookkeeping of one run: which batch each future is, what has come back."""

    def __init__(self, client: Any, work: Callable[[Any], Any], plan: list[list[Any]]) -> None:
        from distributed import as_completed

        self.client, self.work, self.plan = client, work, plan
        self.tag = uuid.uuid4().hex[:12]
        self.count = self.again = 0
        self.where: dict[Any, tuple[int, int | None]] = {}  # future -> (batch, file in it or None: all)
        self.parts: dict[int, list[Any]] = {}  # batch rerun file by file -> its results so far
        self.missing: dict[int, int] = {}
        self.done: dict[int, list[Any]] = {}
        self.pending = as_completed()

    def submit(self, k: int, index: int | None = None) -> None:
        items = self.plan[k] if index is None else [self.plan[k][index]]
        self.count += 1  # a fresh key each time: a key resubmitted would be the old task's
        future = self.client.submit(_run_batch, self.work, items, key=f"dicomhelp-{self.tag}-{self.count}",
                                    pure=False)
        self.where[future] = (k, index)
        self.pending.add(future)

    def arrived(self, future: Any, lost: Callable[[Any, str], Any]) -> None:
        k, index = self.where.pop(future)
        result, failure = _outcome(future)
        future.release()
        if failure is _AGAIN:  # done, but its result was on a worker that died since: not its files' fault
            self.again += 1
            if self.again <= MOST_AGAIN:
                self.submit(k, index)
                return
            failure = "its results were lost with their workers too often"
        if index is None and failure is None:
            self.done[k] = result
        elif index is None:  # the whole batch is lost: each of its files once more, on its own
            self.parts[k] = [None] * len(self.plan[k])
            self.missing[k] = len(self.plan[k])
            for i in range(len(self.plan[k])):
                self.submit(k, i)
        else:
            item = self.plan[k][index]
            self.parts[k][index] = result[0] if failure is None else lost(item, f"failed twice: {failure}")
            self.missing[k] -= 1
            if not self.missing[k]:
                self.done[k] = self.parts.pop(k)
                del self.missing[k]


_AGAIN = "again"
MOST_AGAIN = 100  # tasks run again in one run because their finished results were lost


def _outcome(future: Any) -> tuple[Any, str | None]:
    """(the task's result, None), or (None, why it failed in one line), or (None, _AGAIN)."""
    from concurrent.futures import CancelledError

    if future.status == "lost":
        return None, _AGAIN
    try:
        return future.result(), None
    except CancelledError:
        raise UsageError("the Dask scheduler dropped a task", source=str(future.key),
                         hint="is the scheduler still running? run the command again") from None
    except Exception as exc:  # noqa: BLE001 - the task's own error, or its worker's death
        if type(exc).__name__ == "KilledWorker":
            return None, "the worker running it died"
        return None, f"{type(exc).__name__}: {exc}"


def run_on(client: Any, work: Callable[[T], R], items: Sequence[T], *, lost: Callable[[T, str], R],
           batch: int | None = None) -> Iterator[R]:
    """:func:`run` on a client already connected (the tests' cluster, a notebook's)."""
    threads = max(1, sum(client.nthreads().values()))
    size = batch or batch_size(len(items), threads)
    plan = [list(items[i:i + size]) for i in range(0, len(items), size)]
    state = _Run(client, work, plan)
    window = IN_FLIGHT_PER_THREAD * threads + 2
    submitted = 0
    try:
        for k in range(len(plan)):
            while submitted < len(plan) and submitted - k < window:
                state.submit(submitted)
                submitted += 1
            while k not in state.done:
                state.arrived(next(state.pending), lost)
            yield from state.done.pop(k)
    finally:
        _stop(client, list(state.where))


DRAIN_SECONDS = 60


def _stop(client: Any, futures: list[Any]) -> None:
    """Left early (an error, Ctrl-C): cancel what has not started, let what runs finish.

    A task running on a worker cannot be stopped; were it left behind, it would write its
    staged outputs after the command removed the staging files. Waiting for it (a batch:
    seconds) lets the command clean up after it; a second Ctrl-C stops the wait.
    """
    if not futures:
        return
    running = {key for keys in client.processing().values() for key in keys}
    busy = [f for f in futures if f.key in running]
    for future in futures:
        if future.key not in running:
            future.cancel()
    if busy:
        from distributed import wait

        try:
            wait(busy, timeout=DRAIN_SECONDS)
        except TimeoutError:
            pass
        for future in busy:
            future.cancel()
