"""Numbered jobs that each make some bytes (one frame's codestream), run on every core, yielded in order.

What the frame encoders need and ``concurrent.futures`` does not give:

- *fork*, so the processes inherit the input (a memory-mapped file, an
  array) and the loaded codecs without pickling or importing anything;
- the calling process works too: it takes a chunk of jobs whenever the next
  result it must yield is not ready, so ``processes`` cores are busy with
  ``processes - 1`` forked helpers and none waits on another to hand out work
  (the helpers take chunks from a shared counter themselves; a process pool's
  dispatch thread left them idle ~5 ms between chunks);
- results come back through shared memory: each job's bytes are copied into
  its own slot of an anonymous shared mapping and only their length goes
  through the pipe (pickling 100 MB back through a pipe cost as much as
  encoding it with RLE), and the slots' pages are given back once read;
- chunks shrink towards the end (guided scheduling), so the processes finish
  together instead of one waiting on another's last large chunk.

A helper that dies (a segfaulting codec) is an error, never a hang; an
exception raised in a helper is raised again in the caller.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Callable, Iterator
from typing import Any

# A job's result: its bytes and something small and picklable (an error measure, say).
Job = Callable[[int], tuple[bytes, Any]]
# How a helper reports one job: the bytes when they did not fit their slot (else None), their length, the extra.
_Sent = tuple[bytes | None, int, Any]

MOST_PER_CHUNK = 8  # jobs per chunk at the start; fewer towards the end


class HelperCrashed(RuntimeError):
    """A forked helper process died before it delivered its jobs."""


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def chunks(count: int, processes: int, most: int = MOST_PER_CHUNK) -> list[tuple[int, int]]:
    """Split ``range(count)`` into chunks: ``most`` jobs at first, down to 1 near the end.

    Each chunk is a quarter of what is left per process, so the last chunks
    are small and every process finishes within about one job of the others.
    """
    out: list[tuple[int, int]] = []
    start = 0
    while start < count:
        size = max(1, min(most, (count - start) // (4 * processes)))
        out.append((start, min(count, start + size)))
        start += size
    return out


class SharedSlots:
    """One fixed-size slot per job in an anonymous shared mapping, written by the helpers.

    Only the pages written are ever allocated; :meth:`release` gives them back
    once the caller has read them. Without room to map (a huge job count on a
    small machine) :meth:`put` refuses everything and the bytes go through the pipe.
    """

    def __init__(self, slot: int, count: int) -> None:
        self.slot = slot
        self.map: mmap.mmap | None = None
        if slot > 0 and count > 0:
            try:
                self.map = mmap.mmap(-1, slot * count)  # MAP_SHARED: what a forked helper writes, we read
            except (OSError, ValueError, OverflowError):
                self.map = None

    def put(self, index: int, data: bytes) -> bool:
        if self.map is None or len(data) > self.slot:
            return False
        self.map[index * self.slot:index * self.slot + len(data)] = data
        return True

    def get(self, index: int, length: int) -> bytes:
        assert self.map is not None
        return self.map[index * self.slot:index * self.slot + length]

    def release(self, first: int, stop: int) -> None:
        """Give back the pages wholly inside the slots of jobs ``first`` to ``stop`` (already read)."""
        if self.map is None or not hasattr(mmap, "MADV_REMOVE"):
            return
        page = mmap.PAGESIZE
        begin = -(-first * self.slot // page) * page
        end = stop * self.slot // page * page
        if end > begin:
            try:
                self.map.madvise(mmap.MADV_REMOVE, begin, end - begin)
            except OSError:
                pass  # only memory: the mapping goes away when the work is done

    def close(self) -> None:
        if self.map is not None:
            self.map.close()


def _take(counter: Any, total: int) -> int | None:
    """The next chunk nobody has taken yet, or None when all are taken."""
    with counter.get_lock():
        k = int(counter.value)
        if k >= total:
            return None
        counter.value = k + 1
        return k


def _helper(conn: Any, counter: Any, plan: list[tuple[int, int]], job: Job, slots: SharedSlots, caller: int) -> None:
    """What a forked helper runs: take chunks until none is left, report each one.

    It stops, quietly, as soon as the caller is gone (killed, or crashed in a
    codec), instead of encoding on for nobody.
    """
    import signal

    # Ctrl-C and SIGTERM are the caller's to handle (it stops the helpers); one meant for the whole
    # process group ends a helper quietly, holding nothing to clean up.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while os.getppid() == caller and (k := _take(counter, len(plan))) is not None:
        start, stop = plan[k]
        try:
            sent: list[_Sent] = []
            for i in range(start, stop):
                data, extra = job(i)
                sent.append((None if slots.put(i, data) else data, len(data), extra))
            report: Any = sent
        except Exception as exc:  # raised again by the caller
            report = _picklable(exc)
        try:
            conn.send((k, report))
        except OSError:
            return  # the caller closed its end: it needs nothing more
        if isinstance(report, Exception):
            return


def _picklable(exc: Exception) -> Exception:
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


class InOrder:
    """``job(i)`` for ``i`` in ``range(count)``, computed by ``processes`` processes, iterated in order.

    ``slot``: the most bytes one job makes (larger results still arrive, through
    the pipe). The caller is one of the processes: it works whenever it waits
    for a result. :meth:`start` forks the helpers, which begin at once; iterating
    starts them if that was not done. With ``processes`` <= 1 or no fork
    (Windows) everything runs in the caller. Leaving the iteration early, or
    :meth:`close` (call it in a ``finally`` when started before iterating),
    stops the helpers.
    """

    def __init__(self, job: Job, count: int, *, processes: int, slot: int = 0) -> None:
        self.job, self.count, self.processes, self.slot = job, count, processes, slot
        self.plan = chunks(count, processes)
        self.helpers: dict[Any, Any] = {}  # reading end of each helper's pipe -> its process
        self.slots: SharedSlots | None = None
        self.counter: Any = None
        self.iterated = False

    @property
    def parallel(self) -> bool:
        return self.processes > 1 and self.count > 1 and hasattr(os, "fork")

    def start(self) -> InOrder:
        if not self.parallel or self.counter is not None:
            return self
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.slots = SharedSlots(self.slot, self.count)
        self.counter = context.Value("q", 0)
        for _ in range(min(self.processes, len(self.plan)) - 1):
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(target=_helper, daemon=True,
                                      args=(writer, self.counter, self.plan, self.job, self.slots, os.getpid()))
            process.start()
            writer.close()  # the helper holds the only writing end: its death reads as end of file
            self.helpers[reader] = process
        return self

    def __iter__(self) -> Iterator[tuple[bytes, Any]]:
        if self.iterated:
            raise RuntimeError("the results can be read once")
        self.iterated = True
        if not self.parallel:
            for i in range(self.count):
                yield self.job(i)
            return
        self.start()
        try:
            yield from self._in_order()
        finally:
            self.close()

    def _in_order(self) -> Iterator[tuple[bytes, Any]]:
        assert self.slots is not None
        ready: dict[int, list[tuple[bytes, Any]]] = {}  # chunks this process did
        arrived: dict[int, list[_Sent]] = {}  # chunks the helpers did
        for k, (start, stop) in enumerate(self.plan):
            while k not in ready and k not in arrived:
                _collect(self.helpers, arrived, block=False)
                if k in arrived:
                    break
                mine = _take(self.counter, len(self.plan))
                if mine is not None:  # rather than wait, do the next chunk nobody has started
                    ready[mine] = [self.job(i) for i in range(*self.plan[mine])]
                elif not self.helpers:
                    raise HelperCrashed(f"chunk {k} was taken but never delivered")
                else:
                    _collect(self.helpers, arrived, block=True)
            if k in ready:
                yield from ready.pop(k)
                continue
            for i, (data, length, extra) in enumerate(arrived.pop(k), start):
                yield (data if data is not None else self.slots.get(i, length)), extra
            self.slots.release(start, stop)

    def close(self) -> None:
        """Stop the helpers (a long chunk need not be finished) and free the shared memory."""
        for reader, process in self.helpers.items():
            if process.is_alive():
                process.terminate()
            process.join()
            reader.close()
        self.helpers.clear()
        if self.slots is not None:
            self.slots.close()
            self.slots = None


def _collect(helpers: dict[Any, Any], arrived: dict[int, list[_Sent]], *, block: bool) -> None:
    """Read what the helpers have reported; a helper that ended is forgotten, one that died is an error."""
    from multiprocessing.connection import wait

    for reader in wait(list(helpers), timeout=None if block else 0):
        try:
            k, sent = reader.recv()
        except EOFError:
            process = helpers.pop(reader)
            process.join()
            reader.close()
            if process.exitcode != 0:
                raise HelperCrashed(f"a helper process died (exit code {process.exitcode})") from None
            continue
        if isinstance(sent, BaseException):
            raise sent
        arrived[k] = sent
