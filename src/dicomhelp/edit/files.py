"""Editing files: read everything (pixel data as raw bytes), apply edits, write atomically.

Nothing is decoded or re-encoded: elements that are not edited are written
back as they were read, in the same transfer syntax, and encapsulated pixel
data keeps its exact bytes.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dicomhelp.edit.diff import Difference, diff_datasets
from dicomhelp.edit.model import Applied, Edit, UIDMapper, apply_edits
from dicomhelp.errors import UsageError
from dicomhelp.io import read_file, write_atomic

if TYPE_CHECKING:
    from pydicom import Dataset


@dataclass
class FileResult:
    source: Path
    target: Path | None
    applied: list[Applied] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)


def read_for_edit(path: str | os.PathLike[str]) -> Dataset:
    """The whole dataset with pixel data as the bytes in the file (never decoded)."""
    return read_file(path, pixels=True).dataset


def write_like_source(ds: Dataset, target: str | os.PathLike[str]) -> Path:
    """Write in the source's transfer syntax; files that had no file meta stay without one."""
    meta = getattr(ds, "file_meta", None)
    has_ts = meta is not None and "TransferSyntaxUID" in meta
    return write_atomic(ds, target, enforce_file_format=has_ts and "SOPClassUID" in ds)


def edit_file(source: str | os.PathLike[str], target: str | os.PathLike[str] | None, edits: list[Edit], *,
              uids: UIDMapper | None = None, dry_run: bool = False) -> FileResult:
    """Apply ``edits`` to ``source`` and write ``target`` (the source itself for in-place edits).

    With ``dry_run`` nothing is written and :attr:`FileResult.differences`
    says what would change.
    """
    ds = read_for_edit(source)
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
