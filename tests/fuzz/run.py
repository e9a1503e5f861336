"""Running mutants through the commands, in a forked worker with a memory limit and a per-run timeout.

The worker imports dicomhelp once and runs each command in-process (its
``main``, as the console script does), with ``DICOMHELP_DEBUG=1`` so a bug
surfaces as its traceback instead of the one-line exit 3. A run that does not
answer in time is a hang: the worker is killed and a new one started. The
worker's address space is limited with ``resource.setrlimit``: a file that
makes a command allocate without bound ends in MemoryError, reported as a
failure like any traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import multiprocessing
import os
import shutil
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fuzz.mutate import Mutant

MEMORY_LIMIT = 3 << 30  # bytes of address space for the worker (numpy and the codecs map ~1 GB at import)
TIMEOUT = 20.0  # seconds per command run; the seeds take well under a second each
SECRET = "fuzz-secret"

COMMANDS: dict[str, Callable[[str, str], list[str]]] = {
    "dump": lambda f, out: ["dump", f],
    "dump --json": lambda f, out: ["dump", "--json", f],
    "sr": lambda f, out: ["sr", f],
    "validate": lambda f, out: ["validate", "-j", "1", f],
    "anonymize": lambda f, out: ["anonymize", f, f"{out}/anon.dcm", "--secret", SECRET],
    "edit": lambda f, out: ["edit", f, "--set", "PatientName=Fuzz^Test", "-o", f"{out}/edit.dcm"],
    "transcode": lambda f, out: ["transcode", f, f"{out}/tc.dcm", "--to", "rle-lossless", "--workers", "1"],
}
WRITERS = {"anonymize": "anon.dcm", "edit": "edit.dcm", "transcode": "tc.dcm"}
KINDS = ("tracebacks", "exit 3", "other exit", "hangs", "partial outputs", "missing outputs", "inputs modified",
         "phi left")


# -- the worker --------------------------------------------------------------------------------------------

def _serve(conn: Any, memory: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    os.environ["DICOMHELP_DEBUG"] = "1"
    os.environ["NO_COLOR"] = "1"
    from dicomhelp.cli import main

    while True:
        argv = conn.recv()
        if argv is None:
            return
        out, err = io.StringIO(), io.StringIO()
        crash = None
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(argv)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # noqa: BLE001 - exactly what the fuzzer looks for
                code, crash = 3, traceback.format_exc(limit=-6)
        conn.send((code, out.getvalue()[-2000:], err.getvalue()[-2000:], crash))


class Worker:
    def __init__(self, memory: int = MEMORY_LIMIT) -> None:
        self.memory = memory
        self.ctx = multiprocessing.get_context("fork")
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_serve, args=(child, self.memory), daemon=True)
        self.proc.start()

    def run(self, argv: list[str], timeout: float) -> tuple[int, str, str, str | None] | None:
        """(exit code, stdout tail, stderr tail, traceback) or None for a hang (the worker is replaced)."""
        self.conn.send(argv)
        if self.conn.poll(timeout):
            try:
                return self.conn.recv()  # type: ignore[no-any-return]
            except EOFError:
                pass
            self.proc.join(1)
            code = self.proc.exitcode
            self._start()
            return (3, "", "", f"the worker died (exit {code}): killed by the memory limit or a signal")
        self.proc.kill()
        self.proc.join()
        self._start()
        return None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.proc.join(2)
        if self.proc.is_alive():
            self.proc.kill()


# -- one mutant --------------------------------------------------------------------------------------------

@dataclass
class Failure:
    mutant: str
    command: str
    kind: str
    detail: str

    def line(self) -> str:
        return f"{self.kind}: {self.command} on {self.mutant}: {self.detail.strip().splitlines()[-1][:300]}"


@dataclass
class Campaign:
    mutants: int = 0
    runs: Counter[str] = field(default_factory=Counter)
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")
    seconds: float = 0.0

    def add(self, failure: Failure) -> None:
        self.counts.setdefault(failure.command, Counter())[failure.kind] += 1
        self.failures.append(failure)

    def table(self) -> list[str]:
        lines = [f"{self.mutants} mutants, {sum(self.runs.values())} command runs in {self.seconds:.0f} s; "
                 f"slowest run {self.slowest[0]:.1f} s ({self.slowest[1]})",
                 f"{'command':<12}" + "".join(f"{k:>17}" for k in ("runs",) + KINDS)]
        for command in COMMANDS:
            found = self.counts.get(command, Counter())
            lines.append(f"{command:<12}{self.runs[command]:>17}" + "".join(f"{found[k]:>17}" for k in KINDS))
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {"mutants": self.mutants, "seconds": round(self.seconds, 1),
                "commands": {c: {"runs": self.runs[c], **{k: self.counts.get(c, Counter())[k] for k in KINDS}}
                             for c in COMMANDS},
                "failures": [f.line() for f in self.failures]}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_mutant(mutant: Mutant, worker: Worker, work: Path, campaign: Campaign, *,
               commands: tuple[str, ...] = tuple(COMMANDS), timeout: float = TIMEOUT,
               keep: Path | None = None) -> list[Failure]:
    """Every command on one mutant; the invariants checked; failures recorded (and the mutant kept)."""
    source = work / "in" / "mutant.dcm"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(mutant.data)
    before = _sha(source)
    found: list[Failure] = []
    for command in commands:
        out = work / "out"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        started = time.monotonic()
        answer = worker.run(COMMANDS[command](str(source), str(out)), timeout)
        took = time.monotonic() - started
        campaign.runs[command] += 1
        if took > campaign.slowest[0]:
            campaign.slowest = (took, f"{command} on {mutant.label}")

        def fail(kind: str, detail: str) -> None:
            found.append(Failure(mutant.label, command, kind, detail))

        if answer is None:
            fail("hangs", f"no answer in {timeout:.0f} s")
        else:
            code, stdout, stderr, crash = answer
            if crash is not None:
                fail("tracebacks", crash)
            elif code == 3:
                fail("exit 3", stderr)
            elif code not in (0, 1, 2):
                fail("other exit", f"exit {code}: {stderr}")
            written = sorted(p.name for p in out.iterdir())
            if command in WRITERS:
                if code != 0 and written:
                    fail("partial outputs", f"exit {code} but {written} left: {stderr}")
                elif code == 0 and written != [WRITERS[command]]:
                    fail("missing outputs", f"exit 0 but the output folder holds {written}")
                elif code == 0 and command == "anonymize":
                    data = (out / WRITERS[command]).read_bytes()
                    left = [m for m in mutant.seed.markers if m.encode() in data]
                    if left:
                        fail("phi left", f"{left} in the output")
        if _sha(source) != before:
            fail("inputs modified", "the input's sha256 changed")
            source.write_bytes(mutant.data)
            before = _sha(source)
    for failure in found:
        campaign.add(failure)
    if found and keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        name = f"{mutant.index:05d}-{mutant.mutator}-{Path(mutant.seed.name).stem}.dcm".replace("+", "_")
        (keep / name).write_bytes(mutant.data)
    return found


def run_campaign(mutants: list[Mutant], work: Path, *, commands: tuple[str, ...] = tuple(COMMANDS),
                 timeout: float = TIMEOUT, keep: Path | None = None, budget: float | None = None,
                 progress: Callable[[Campaign], None] | None = None) -> Campaign:
    """Run the mutants (stopping early after ``budget`` seconds, when given)."""
    campaign = Campaign()
    worker = Worker()
    started = time.monotonic()
    try:
        for mutant in mutants:
            if budget is not None and time.monotonic() - started > budget:
                break
            run_mutant(mutant, worker, work, campaign, commands=commands, timeout=timeout, keep=keep)
            campaign.mutants += 1
            campaign.seconds = time.monotonic() - started
            if progress is not None:
                progress(campaign)
    finally:
        worker.close()
    campaign.seconds = time.monotonic() - started
    return campaign
