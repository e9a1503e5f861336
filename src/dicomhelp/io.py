"""Reading any file safely, walking folders, writing atomically.

Every command reads through :func:`read_file` so that a broken file becomes a
list of plain-language problems (or one :class:`~dicomhelp.errors.InputError`),
never a traceback, and so that pixel data is never loaded unless asked for.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from dicomhelp.errors import InputError, UsageError

if TYPE_CHECKING:
    from pydicom import Dataset

# Top-level bulk elements: Float Pixel Data, Double Float Pixel Data, Pixel Data.
PIXEL_TAGS = (0x7FE00008, 0x7FE00009, 0x7FE00010)
ITEM_TAG = 0xFFFEE000
SEQ_DELIM_TAG = 0xFFFEE0DD
UNDEFINED_LENGTH = 0xFFFFFFFF


@dataclass
class PixelDataInfo:
    """Where the pixel data lies in the file, found without reading it."""

    tag: int
    vr: str
    offset: int  # file offset of the element's value (after its header)
    length: int  # value length in bytes; for encapsulated data the sum of all items
    encapsulated: bool
    fragments: int = 0  # items after the Basic Offset Table
    offset_table_length: int = 0  # length of the Basic Offset Table item


@dataclass
class DicomFile:
    """A dataset read from disk, with what was wrong with the file."""

    path: Path
    dataset: Dataset
    problems: list[str] = field(default_factory=list)
    pixel: PixelDataInfo | None = None

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def transfer_syntax(self) -> str | None:
        meta = getattr(self.dataset, "file_meta", None)
        uid = getattr(meta, "TransferSyntaxUID", None) if meta is not None else None
        return str(uid) if uid else None


def read_file(path: str | os.PathLike[str], *, pixels: bool = False) -> DicomFile:
    """Read ``path`` leniently.

    With ``pixels=False`` (the default) the bulk pixel element is not read:
    its position and size are recorded in :attr:`DicomFile.pixel` and any
    elements after it are still read. Problems that do not stop reading
    (missing preamble, missing file meta, truncation) are listed in
    :attr:`DicomFile.problems`. Raises :class:`InputError` when nothing
    sensible can be read (not DICOM, empty) and :class:`UsageError` when the
    path does not exist.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    p = Path(path)
    if not p.exists():
        raise UsageError("no such file", source=str(p), hint="check the path")
    if p.is_dir():
        raise UsageError("is a folder, not a file", source=str(p))
    size = p.stat().st_size
    if size == 0:
        raise InputError("empty file (0 bytes)", source=str(p))

    problems: list[str] = []
    pixel: PixelDataInfo | None = None
    try:
        with open(p, "rb") as fp:
            preamble = fp.read(132)
            has_prefix = len(preamble) == 132 and preamble[128:132] == b"DICM"
            if not has_prefix:
                problems.append(
                    "no 128-byte preamble and 'DICM' prefix: not a DICOM Part 10 file, read as a raw dataset"
                )
            fp.seek(0)
            ds = pydicom.dcmread(fp, force=True, stop_before_pixels=not pixels)
            if not pixels:
                pixel, trailing = _skip_pixel_data(fp, ds, size)
                for elem in trailing:
                    ds.add(elem)
    except InvalidDicomError as exc:
        raise InputError(f"not a DICOM file ({exc})", source=str(p)) from None
    except (OSError, ValueError, EOFError, KeyError, TypeError, AttributeError, NotImplementedError) as exc:
        raise InputError(f"cannot be read as DICOM: {_short(exc)}", source=str(p)) from None
    except RecursionError:
        raise InputError(
            "sequences are nested too deeply to read", source=str(p)
        ) from None

    if not _looks_like_dicom(ds, has_prefix):
        raise InputError("not a DICOM file (no recognisable DICOM elements)", source=str(p))
    meta = getattr(ds, "file_meta", None)
    if has_prefix and (meta is None or len(meta) == 0):
        problems.append("file meta information (group 0002) is missing")
    elif meta is not None and len(meta) and "TransferSyntaxUID" not in meta:
        problems.append("file meta has no Transfer Syntax UID (0002,0010); the encoding was guessed")
    return DicomFile(path=p, dataset=ds, problems=problems, pixel=pixel)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _looks_like_dicom(ds: Dataset, has_prefix: bool) -> bool:
    """pydicom's force=True returns garbage elements for text files; reject them."""
    if has_prefix:
        return True
    tags = [int(t) for t in ds.keys()]
    if not tags:
        return False
    # A raw dataset starts in a low group (0008 usually) and names known elements.
    from pydicom.datadict import dictionary_has_tag

    known = sum(1 for t in tags if dictionary_has_tag(t))
    return tags[0] <= 0x00100000 or known >= max(1, len(tags) // 2)


def _skip_pixel_data(fp: BinaryIO, ds: Dataset, size: int) -> tuple[PixelDataInfo | None, list]:
    """Parse the pixel element's header at ``fp`` and seek past its value.

    Returns where the pixel data lies and any elements that follow it (trailing
    padding, signatures), so a header-only read still shows the whole dataset
    while its cost does not grow with the pixel data.
    """
    import struct

    start = fp.tell()
    if start >= size:
        return None, []
    implicit = ds.original_encoding[0] if ds.original_encoding[0] is not None else False
    little = ds.original_encoding[1] if ds.original_encoding[1] is not None else True
    endian = "<" if little else ">"
    head = fp.read(8)
    if len(head) < 8:
        return None, []
    group, elem = struct.unpack(endian + "HH", head[:4])
    tag = (group << 16) | elem
    if tag not in PIXEL_TAGS:
        return None, []
    if implicit:
        vr = "OW" if tag == 0x7FE00010 else ("OF" if tag == 0x7FE00008 else "OD")
        (length,) = struct.unpack(endian + "L", head[4:8])
    else:
        vr = head[4:6].decode("ascii", "replace")
        if vr in ("OB", "OW", "OF", "OD", "UN", "OL", "OV"):
            (length,) = struct.unpack(endian + "L", fp.read(4))
        else:
            (length,) = struct.unpack(endian + "H", head[6:8])
    value_offset = fp.tell()
    if length != UNDEFINED_LENGTH:
        info = PixelDataInfo(tag, vr, value_offset, length, encapsulated=False)
        if value_offset + length > size:
            raise EOFError(
                f"pixel data is cut short: {length} bytes declared, {size - value_offset} present"
            )
        fp.seek(value_offset + length)
    else:
        info = _walk_fragments(fp, tag, vr, value_offset, size, endian)
    trailing = []
    if fp.tell() < size:
        from pydicom.filereader import read_dataset

        rest = read_dataset(fp, implicit, little)
        trailing = list(rest.values())
    return info, trailing


def _walk_fragments(fp: BinaryIO, tag: int, vr: str, value_offset: int, size: int, endian: str) -> PixelDataInfo:
    import struct

    fragments = -1  # the first item is the Basic Offset Table
    bot_length = 0
    total = 0
    while True:
        header = fp.read(8)
        if len(header) < 8:
            raise EOFError("encapsulated pixel data is cut short (no sequence delimiter)")
        g, e, length = struct.unpack(endian + "HHL", header)
        item_tag = (g << 16) | e
        total += 8
        if item_tag == SEQ_DELIM_TAG:
            break
        if item_tag != ITEM_TAG:
            raise EOFError(f"encapsulated pixel data is damaged: unexpected tag ({g:04X},{e:04X})")
        if fp.tell() + length > size:
            raise EOFError("encapsulated pixel data is cut short inside a fragment")
        if fragments < 0:
            bot_length = length
        fragments += 1
        total += length
        fp.seek(length, os.SEEK_CUR)
    return PixelDataInfo(
        tag, vr, value_offset, total, encapsulated=True,
        fragments=max(fragments, 0), offset_table_length=bot_length,
    )


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


def write_atomic(ds: Dataset, path: str | os.PathLike[str], *, enforce_file_format: bool = True) -> Path:
    """Write ``ds`` to ``path`` through a temporary file in the same folder.

    The file appears complete or not at all, even if the process is killed
    mid-write, so an input edited in place is never half-written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            ds.save_as(fh, enforce_file_format=enforce_file_format)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def write_bytes_atomic(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write raw bytes atomically (extracted documents, previews, reports)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


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
