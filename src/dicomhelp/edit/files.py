"""Editing files: read everything (pixel data as raw bytes), apply edits, write atomically.

Nothing is decoded or re-encoded: elements that are not edited are written
back as they were read, in the same transfer syntax, and encapsulated pixel
data keeps its exact bytes.
"""

from __future__ import annotations

import copy
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dicomhelp.edit.diff import Difference, diff_datasets
from dicomhelp.edit.model import Applied, Edit, UIDMapper, apply_edits
from dicomhelp.errors import DicomHelpError, InputError, UsageError
from dicomhelp.io import decode_all, read_file, write_atomic
from dicomhelp.uids import UIDPolicy

if TYPE_CHECKING:
    from pydicom import Dataset


@dataclass
class FileResult:
    source: Path
    target: Path | None
    applied: list[Applied] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)


# Problems io.read_file reports that lose nothing: the file can be written back whole.
_HARMLESS = ("no 128-byte preamble", "file meta information (group 0002) is missing",
             "file meta has no Transfer Syntax UID")


def read_for_edit(path: str | os.PathLike[str], *, strict: bool = True) -> Dataset:
    """The whole dataset with pixel data as the bytes in the file (never decoded).

    With ``strict`` (for anything that writes) a file that could not be read
    whole (cut short, damaged lengths) is refused: writing it back would
    silently drop what could not be read.
    """
    found = read_file(path, pixels=True)
    if strict:
        for problem in found.problems:
            if not problem.startswith(_HARMLESS):
                raise InputError(f"{problem}; writing it back would lose that part", source=str(path),
                                 hint="repair or re-export the file first")
        decode_all(found.dataset, path)
    return found.dataset


DIRECTORY_STORAGE = "1.2.840.10008.1.3.10"


def write_like_source(ds: Dataset, target: str | os.PathLike[str]) -> Path:
    """Write in the source's transfer syntax; files that had no file meta stay without one.

    Untouched elements are written from their raw bytes. When that fails (a body
    not encoded as its transfer syntax says, e.g. implicit VR under an explicit
    syntax) every element is parsed and written as the syntax says.
    """
    meta = getattr(ds, "file_meta", None)
    enforce = meta is not None and "TransferSyntaxUID" in meta and "SOPClassUID" in ds
    check_output_file(target)
    try:
        return _write(ds, target, enforce)
    except (TypeError, ValueError, AttributeError, KeyError, struct.error):
        pass
    for _ in ds.iterall():
        pass
    try:
        return _write(ds, target, enforce)
    except (TypeError, ValueError, AttributeError, KeyError, struct.error) as exc:
        raise InputError(f"cannot be written back: {str(exc).splitlines()[0][:200]}", source=str(target)) from None


def _write(ds: Dataset, target: str | os.PathLike[str], enforce: bool) -> Path:
    try:
        return write_atomic(ds, target, enforce_file_format=enforce)
    except OSError as exc:  # permissions, a file where a folder should be, a full disk
        raise UsageError(f"cannot write here: {exc.strerror or exc}", source=str(target),
                         hint="choose an output in a folder you can write to") from None


def check_output_file(target: str | os.PathLike[str]) -> None:
    """An output file path whose folder cannot exist, or that is a folder, fails before any work."""
    out = Path(target)
    if out.is_dir():
        raise UsageError("is a folder; give an output file name", source=str(out))
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"cannot write here: {parent} is a file, not a folder", source=str(out),
                                 hint="choose another output path")
            break


def refuse_directory(ds: Dataset, source: str | os.PathLike[str]) -> None:
    """A DICOMDIR holds byte offsets of its own records: editing it would leave them wrong."""
    meta = getattr(ds, "file_meta", None)
    sop = str(getattr(meta, "MediaStorageSOPClassUID", "") or "") if meta is not None else ""
    if sop == DIRECTORY_STORAGE or "DirectoryRecordSequence" in ds:
        raise InputError("is a DICOMDIR index: its records hold byte offsets that an edit would break",
                         source=str(source), hint="edit the files it indexes and rebuild it")


def edit_file(source: str | os.PathLike[str], target: str | os.PathLike[str] | None, edits: list[Edit], *,
              uids: UIDMapper | None = None, dry_run: bool = False) -> FileResult:
    """Apply ``edits`` to ``source`` and write ``target`` (the source itself for in-place edits).

    With ``dry_run`` nothing is written and :attr:`FileResult.differences`
    says what would change.
    """
    ds = read_for_edit(source)
    refuse_directory(ds, source)
    before = copy.deepcopy(ds) if dry_run else None
    applied = apply_edits(ds, edits, uids=uids)
    result = FileResult(Path(source), None if dry_run else Path(target) if target else None, applied)
    if dry_run:
        assert before is not None
        result.differences = diff_datasets(before, ds)
        return result
    if target is None:
        raise UsageError("no output given", hint="use -o OUT or --in-place")
    write_like_source(ds, target)
    return result


def _edit_job(args: tuple[Path, Path | None, list[Edit], UIDPolicy, bool]) -> tuple[FileResult | None, str | None, bool]:
    """One file of a batch, in a worker: (result, error line, whether the error is a usage error)."""
    from dicomhelp.io import quiet_pydicom

    source, target, edits, policy, dry_run = args
    try:
        with quiet_pydicom():  # odd values are pydicom warnings on stderr, in every worker process
            return edit_file(source, target, edits, uids=UIDMapper(policy), dry_run=dry_run), None, False
    except UsageError as exc:
        return None, exc.one_line(), True
    except DicomHelpError as exc:
        return None, exc.one_line(), False


def _edit_pair(edits: list[Edit], policy: UIDPolicy, dry_run: bool,
               pair: tuple[Path, Path | None]) -> tuple[FileResult | None, str | None, bool]:
    return _edit_job((pair[0], pair[1], edits, policy, dry_run))


def _edit_lost(pair: tuple[Path, Path | None], message: str) -> tuple[FileResult | None, str | None, bool]:
    return None, f"{pair[0]}: not edited: {message}", False


def edit_many(pairs: list[tuple[Path, Path | None]], edits: list[Edit], policy: UIDPolicy, *,
              dry_run: bool = False, workers: int = 0,
              cluster: str | None = None) -> Iterator[tuple[Path, FileResult | None, str | None, bool]]:
    """Edit many files, in parallel processes (``workers`` 0: one per core, at most 2).

    Yields ``(source, result, error, is_usage_error)`` in input order. The UID
    policy is made deterministic for the run (a random seed when none is given)
    so that ``replace_uid`` gives the same new UID in every process. ``cluster``:
    a Dask scheduler's address or ``local:N`` (:mod:`dicomhelp.cluster`).
    """
    if policy.seed is None:
        policy = UIDPolicy(root=policy.root, seed=os.urandom(16).hex())
    if cluster:
        from functools import partial

        from dicomhelp.cluster import run

        work = partial(_edit_pair, edits, policy, dry_run)
        for pair, outcome in zip(pairs, run(work, pairs, address=cluster, lost=_edit_lost)):
            yield (pair[0], *outcome)
        return
    jobs = [(src, dst, edits, policy, dry_run) for src, dst in pairs]
    count = workers or min(2, os.cpu_count() or 1)
    if count <= 1 or len(jobs) < 8:
        for job in jobs:
            yield (job[0], *_edit_job(job))
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=count) as pool:
        for job, outcome in zip(jobs, pool.map(_edit_job, jobs, chunksize=8)):
            yield (job[0], *outcome)
