"""Finding files: folders walked in a stable order, and the files shipped in pydicom's wheel."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from dicomhelp.errors import UsageError


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Yield files from paths, walking folders recursively in a stable order.

    DICOMDIR index files are yielded like any other; hidden files are skipped.
    A path that does not exist raises :class:`UsageError`.
    """
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        elif p.exists():
            yield p
        else:
            raise UsageError("no such file or folder", source=str(p), hint="check the path")


def read_file_list(path: str | os.PathLike[str]) -> list[Path]:
    """The paths listed in a text file (``-``: standard input), one a line, as ``find`` prints them.

    Blank lines are skipped; a path is taken as it is written (relative to the
    current folder unless absolute), its existence checked when it is used.
    """
    import sys

    try:
        text = sys.stdin.read() if str(path) == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the file list: {getattr(exc, 'strerror', None) or exc}", source=str(path),
                         hint="give a text file with one path a line") from None
    return [Path(line) for line in text.splitlines() if line.strip()]


def testdata_dir() -> Path:
    """The folder of DICOM files shipped in pydicom's wheel (no download)."""
    import pydicom.data

    return Path(pydicom.data.__file__).parent / "test_files"


def sample_file(name: str) -> Path:
    """A file shipped in pydicom's wheel, by name; never downloads."""
    from pydicom.data import get_testdata_file

    found = get_testdata_file(name, download=False)
    if not found:
        raise UsageError(f"sample '{name}' is not in pydicom's wheel")
    return Path(str(found))
