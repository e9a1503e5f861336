"""dicomhelp.parallel: numbered jobs on every core, results in order."""

from __future__ import annotations

import os
import time

import pytest

from dicomhelp.parallel import HelperCrashed, InOrder, chunks


def _job(i: int) -> tuple[bytes, int]:
    return bytes([i % 256]) * (i % 7 + 1), i * i


@pytest.mark.parametrize("count,processes", [(1, 2), (7, 2), (200, 2), (37, 3), (5, 8)])
def test_chunks_cover_every_job_once_and_shrink_towards_the_end(count: int, processes: int) -> None:
    plan = chunks(count, processes)
    assert [i for start, stop in plan for i in range(start, stop)] == list(range(count))
    sizes = [stop - start for start, stop in plan]
    assert max(sizes) <= 8 and sizes == sorted(sizes, reverse=True)
    assert sizes[-1] == 1


@pytest.mark.parametrize("processes", [1, 2, 3])
@pytest.mark.parametrize("slot", [64, 3, 0], ids=["shared memory", "some through the pipe", "all through the pipe"])
def test_results_come_in_order_whoever_computed_them(processes: int, slot: int) -> None:
    assert list(InOrder(_job, 101, processes=processes, slot=slot)) == [_job(i) for i in range(101)]


def test_helpers_work_while_the_caller_does_something_else() -> None:
    run = InOrder(_job, 50, processes=2, slot=16).start()
    try:
        assert len(run.helpers) == 1
        time.sleep(0.2)  # the helper takes every chunk meanwhile
        assert run.counter.value == len(run.plan)
        assert list(run) == [_job(i) for i in range(50)]
    finally:
        run.close()
    with pytest.raises(RuntimeError, match="read once"):
        list(run)


def test_leaving_early_stops_the_helpers() -> None:
    def slow(i: int) -> tuple[bytes, None]:
        time.sleep(0.01)
        return b"x", None

    run = InOrder(slow, 400, processes=3)
    for i, _result in enumerate(run):
        if i == 5:
            processes = list(run.helpers.values())
            assert len(processes) == 2 and all(p.is_alive() for p in processes)
            break
    # the abandoned iteration is closed at once: helpers stopped (not left to do 400 jobs) and joined
    assert all(p.exitcode is not None for p in processes) and not run.helpers


def test_an_exception_in_a_helper_is_raised_in_the_caller() -> None:
    caller = os.getpid()

    def picky(i: int) -> tuple[bytes, None]:
        if os.getpid() != caller:
            raise ValueError(f"job {i} refused")
        time.sleep(0.05)  # slow here: the helper surely takes a chunk
        return b"ok", None

    with pytest.raises(ValueError, match="refused"):
        list(InOrder(picky, 20, processes=2))


def test_a_helper_that_dies_is_an_error_not_a_hang() -> None:
    caller = os.getpid()

    def fragile(i: int) -> tuple[bytes, None]:
        if os.getpid() != caller:
            os._exit(11)  # what a segfault in a codec looks like from here
        time.sleep(0.05)
        return b"ok", None

    with pytest.raises(HelperCrashed, match="exit code 11"):
        list(InOrder(fragile, 20, processes=2))
