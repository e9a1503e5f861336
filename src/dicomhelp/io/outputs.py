"""Writing many files into one folder without losing any: the output-naming rule.

Every command that writes into a folder (``anonymize``, ``edit -o FOLDER``,
``transcode`` of a folder, ``create results``) goes through :class:`OutputFolder`:

- each output is first written whole to a hidden staging file in the target
  folder (:meth:`OutputFolder.stage`), then placed under its name by a hard
  link, which fails when the name exists: an existing file is never replaced,
  not even by another process writing into the same folder at the same time;
- when the name is taken by a file with other bytes, the output is placed as
  ``NAME_2.dcm``, ``NAME_3.dcm``, ... This is the default rather than stopping,
  because names stay content-derived (``<SOP Instance UID>.dcm`` still starts
  with the UID) and nothing is lost: two inputs with the same SOP Instance UID
  in two transfer syntaxes both arrive, side by side;
- when the name (or one of its suffixed forms) holds the very same bytes, the
  output is a *duplicate*: written once, reported, not counted as a failure
  (its content is in the folder). Rerunning a deterministic command into the
  same folder therefore writes nothing new;
- an existing file that this run did not write is replaced only with
  ``overwrite=True`` (``--overwrite``); files this run wrote are never replaced;
- outputs are placed in input order, so which input gets ``_2`` is the same in
  every run.

The summary is ``N in, N written, N failed, N duplicate(s)``; a command exits 1
when an input was not written (failed).

Resuming (``journal=KEY``): every output placed is appended to a hidden
journal in the folder (its source, its name, its sha256), so a command stopped
(Ctrl-C, a killed client) and run again with the same KEY skips the inputs it
had done: :meth:`OutputFolder.skip_done` is true for a source whose journaled
output is still there with the same sha256, and it is counted ``N skipped``.
KEY names what decides the outputs (the command, its settings, its input): a
journal left by another command is ignored and replaced. The journal is
removed when a run ends (the block of the ``with`` statement ends without an
exception; a rerun then redoes failed inputs and finds the rest as
duplicates); it stays when the run was stopped. It names sources by their
sha256 only: source paths may name the patient, and the folder is de-identified.
"""

from __future__ import annotations

import errno
import filecmp
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

STAGING_PREFIX = ".dicomhelp-"
STAGING_SUFFIX = ".staging"
JOURNAL_NAME = ".dicomhelp-journal.jsonl"


@dataclass
class Placed:
    """Where one input's output went."""

    source: str
    status: str  # "written", "duplicate", "failed" or "skipped" (done by an earlier run: the journal)
    output: Path | None = None  # the file holding its content (the earlier one for a duplicate)
    wanted: str | None = None  # the name derived from its content, when it differs from output's
    replaced: bool = False  # an existing file not written by this run was replaced (--overwrite)
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "status": self.status,
                "output": None if self.output is None else str(self.output), "wanted": self.wanted,
                "replaced": self.replaced, "error": self.error}


@dataclass
class OutputFolder:
    """One folder a command writes into; see the module docstring for the rule."""

    root: Path
    overwrite: bool = False
    journal: str | None = None  # the command's key: resume from the journal (module docstring)
    placed: list[Placed] = field(default_factory=list)
    _mine: dict[Path, str] = field(default_factory=dict)  # output written by this run -> its source
    _token: str = field(default_factory=lambda: os.urandom(6).hex())
    _count: int = 0
    _journaled: dict[str, tuple[str, str]] = field(default_factory=dict)  # source's hash -> (name, sha256)
    _journal_file: IO[str] | None = None
    _resuming: bool = False  # a journal with this key is there: append to it

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        if self.journal is not None:
            earlier, runs = _read_journal(self.root / JOURNAL_NAME, self.journal)
            self._resuming = earlier is not None
            self._journaled = earlier or {}
            for token in runs:  # what a stopped run of this command left staged (a cluster task done late)
                self._discard(token)

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, exc_type: object, *_exc: object) -> None:
        self.discard_staged()
        ours = self._resuming or self._journal_file is not None  # not another command's, left alone
        if self._journal_file is not None:
            self._journal_file.close()
        if ours and exc_type is None:
            (self.root / JOURNAL_NAME).unlink(missing_ok=True)  # all done: nothing to resume

    def skip_done(self, source: str) -> bool:
        """True (and ``source`` counted skipped) when an earlier run's journaled output is there, unchanged."""
        entry = self._journaled.get(_source_hash(source))
        if entry is None:
            return False
        path = self.root / entry[0]
        if not path.is_file() or _sha256(path) != entry[1]:
            return False
        self._mine[path] = source  # a later input with the same name gets _2, as in one uninterrupted run
        self._record(Placed(source, "skipped", path))
        return True

    def stage(self) -> Path:
        """A fresh staging path in the folder (hidden: folder walks skip it); write the output there."""
        self._count += 1
        return self.root / f"{STAGING_PREFIX}{self._token}-{self._count}{STAGING_SUFFIX}"

    def discard_staged(self) -> None:
        """Remove staging files of this run left by failed or interrupted writes.

        With them go the temporary files a killed writer left (``write_atomic``
        names them ``.<staging name>.*.tmp``): a cluster worker killed mid-write.
        """
        self._discard(self._token)

    def _discard(self, token: str) -> None:
        if self.root.is_dir():
            mine = f"{STAGING_PREFIX}{token}-*"
            for left in [*self.root.glob(mine), *self.root.glob(f".{mine}.tmp")]:
                try:
                    left.unlink()
                except OSError:
                    pass

    def place(self, staged: str | os.PathLike[str], name: str, source: str) -> Placed:
        """Give the staged file its name (relative to the folder), by the rule; call in input order."""
        staged = Path(staged)
        try:
            return self._place(staged, _clean_name(name), source)
        finally:
            if staged.exists():
                staged.unlink()

    def fail(self, source: str, error: str) -> Placed:
        """An input that produced no output (its error line)."""
        done = Placed(source, "failed", error=error)
        self.placed.append(done)
        return done

    def _place(self, staged: Path, name: str, source: str) -> Placed:
        for n, candidate in enumerate(_candidates(name), start=1):
            path = self.root / candidate
            if path.is_dir():
                continue
            if _link_new(staged, path):
                self._mine[path] = source
                return self._record(Placed(source, "written", path, None if n == 1 else name))
            if path.is_file() and filecmp.cmp(staged, path, shallow=False):
                return self._record(Placed(source, "duplicate", path))
            if n == 1 and self.overwrite and path not in self._mine:
                os.replace(staged, path)
                self._mine[path] = source
                return self._record(Placed(source, "written", path, replaced=True))
        raise AssertionError("unreachable")  # _candidates never ends

    def _record(self, done: Placed) -> Placed:
        self.placed.append(done)
        if self.journal is not None and done.status in ("written", "duplicate") and done.output is not None:
            self._log(done.source, done.output, _sha256(done.output))
        return done

    def _log(self, source: str, output: Path, digest: str) -> None:
        """One journal line, flushed at once: what a run stopped a moment later has done."""
        if self._journal_file is None:
            self.root.mkdir(parents=True, exist_ok=True)
            # A journal of another command (another key) is replaced; ours is appended to, after a line
            # break that closes a line cut short when the last run was stopped.
            self._journal_file = open(self.root / JOURNAL_NAME, "a" if self._resuming else "w",  # noqa: SIM115
                                      encoding="utf-8")
            self._journal_file.write("\n" if self._resuming else json.dumps({"key": self.journal}) + "\n")
            self._write_line({"run": self._token})
        self._write_line({"source": _source_hash(source), "output": str(output.relative_to(self.root)), "sha256": digest})

    def _write_line(self, entry: dict[str, object]) -> None:
        assert self._journal_file is not None
        self._journal_file.write(json.dumps(entry) + "\n")
        self._journal_file.flush()

    def written_by(self, path: Path) -> str | None:
        """The source whose output this run placed at ``path``, if any."""
        return self._mine.get(path)

    # -- reporting ------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        by = [p.status for p in self.placed]
        return {"in": len(by), "written": by.count("written"), "failed": by.count("failed"),
                "duplicates": by.count("duplicate"), "skipped": by.count("skipped")}

    def summary(self) -> str:
        c = self.counts()
        line = f"{c['in']} in, {c['written']} written, {c['failed']} failed, {c['duplicates']} duplicate(s)"
        return line + (f", {c['skipped']} skipped (done by an earlier run)" if c["skipped"] else "")

    def notes(self) -> list[str]:
        """One line per input that did not simply get its name: suffixed, duplicate, replaced."""
        lines = []
        for p in self.placed:
            if p.status == "duplicate":
                earlier = self._mine.get(p.output) if p.output is not None else None
                what = f"as {earlier}" if earlier and earlier != p.source else "as the file already there"
                lines.append(f"duplicate: {p.source} has the same content {what}, {p.output}: written once")
            elif p.wanted is not None:
                lines.append(f"name taken: {self.root / p.wanted} already holds other content; "
                             f"{p.source} written as {p.output}")
            elif p.replaced:
                lines.append(f"replaced: {p.output} (existed before this run; --overwrite)")
        return lines

    @property
    def exit_code(self) -> int:
        return 1 if any(p.status == "failed" for p in self.placed) else 0


def _source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogateescape")).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_journal(path: Path, key: str) -> tuple[dict[str, tuple[str, str]] | None, list[str]]:
    """(source's hash -> (output name, sha256), the runs' staging tokens) of a journal written under ``key``.

    (None, []) when there is none, or it is another command's.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None, []
    try:
        if not lines or json.loads(lines[0]).get("key") != key:
            return None, []
    except (ValueError, AttributeError):
        return None, []
    entries: dict[str, tuple[str, str]] = {}
    runs: list[str] = []
    for line in lines[1:]:
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # the last line of a run killed mid-write
        if not isinstance(entry, dict):
            continue
        if re.fullmatch(r"[0-9a-f]{12}", str(entry.get("run", ""))):
            runs.append(str(entry["run"]))
        elif {"source", "output", "sha256"} <= entry.keys():
            entries[str(entry["source"])] = (_clean_name(str(entry["output"])), str(entry["sha256"]))
    return entries, runs


def _clean_name(name: str) -> str:
    """A relative name inside the folder: no absolute path, no ``..`` (a name may come from a file's content)."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    if not parts:
        return "unnamed.dcm"
    return str(Path(*parts))


_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")


def _candidates(name: str):  # type: ignore[no-untyped-def]
    """``NAME.dcm``, ``NAME_2.dcm``, ``NAME_3.dcm``, ... (a UID's dots are not an extension)."""
    match = _EXTENSION.search(name)
    stem, ext = (name[:match.start()], match.group()) if match else (name, "")
    yield name
    n = 2
    while True:
        yield f"{stem}_{n}{ext}"
        n += 1


def _link_new(staged: Path, path: Path) -> bool:
    """Place ``staged`` at ``path`` only if nothing is there; False when the name is taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(staged, path)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
    # A file system without hard links: reserve the name exclusively, then move the staged file onto it.
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(fd)
    os.replace(staged, path)
    return True
