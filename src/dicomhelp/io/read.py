"""Reading any file safely.

Every command reads through :func:`read_file` so that a broken file becomes a
list of plain-language problems (or one :class:`~dicomhelp.errors.InputError`),
never a traceback, and so that pixel data is never loaded unless asked for.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from dicomhelp.errors import InputError, UsageError
from dicomhelp.io.scan import PIXEL_TAGS, PixelDataInfo, scan_structure

if TYPE_CHECKING:
    from pydicom import Dataset


@dataclass
class DicomFile:
    """A dataset read from disk, with what was wrong with the file.

    ``problems`` lists every remark in plain language (one line each, without
    the file name). ``damaged`` is True when part of the file could not be
    read (truncated, malformed, nested too deeply): what could be read is in
    ``dataset``, and commands exit 1 for it. A missing preamble or file meta
    alone is a remark, not damage.
    """

    path: Path
    dataset: Dataset
    problems: list[str] = field(default_factory=list)
    pixel: PixelDataInfo | None = None
    damaged: bool = False

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def transfer_syntax(self) -> str | None:
        meta = getattr(self.dataset, "file_meta", None)
        uid = getattr(meta, "TransferSyntaxUID", None) if meta is not None else None
        return str(uid) if uid else None


# pydicom raises almost anything on malformed bytes (struct.error, zlib.error,
# BytesLengthException, NotImplementedError for unknown VRs...): reading is lenient,
# so every one of them becomes a problem line.
_READ_ERRORS = (Exception,)

# What pydicom raises when it refuses a damaged value after reading: to convert it (NotImplementedError
# for an unknown VR, BytesLengthException as ValueError) or to write it (struct.error, TypeError).
# Not bugs of ours but of the input: callers turn them into one line naming the file. RuntimeError is
# not here: pixel handlers raise it for bad data (decoders add it), our own helpers for crashes.
PYDICOM_REFUSALS: tuple[type[Exception], ...] = (
    ValueError, TypeError, KeyError, AttributeError, NotImplementedError, struct.error)


def decode_all(ds: Dataset, source: str | os.PathLike[str]) -> None:
    """Convert every element's value once, so one pydicom cannot convert is one line before any work.

    pydicom converts raw values on first access: a VR byte changed into FD
    under a UID, or an unknown VR, would otherwise raise deep inside an edit,
    a de-identification or an encoding. The dataset is not changed (raw
    elements stay raw, so they are still written back byte for byte); the
    top-level pixel data is skipped (bulk bytes, nothing to convert).
    """
    from pydicom.dataelem import RawDataElement, convert_raw_data_element

    meta = getattr(ds, "file_meta", None)
    pending = [ds] if meta is None else [ds, meta]
    try:
        with quiet_pydicom():
            while pending:  # iterative: nesting depth costs no recursion
                current = pending.pop()
                for tag, elem in current._dict.items():
                    if current is ds and tag in PIXEL_TAGS:
                        continue
                    if isinstance(elem, RawDataElement):
                        elem = convert_raw_data_element(elem, encoding=current._character_set, ds=current)
                    if elem.VR == "SQ" and elem.value:
                        pending.extend(elem.value)
    except _READ_ERRORS as exc:
        raise InputError(f"an element cannot be decoded ({_short(exc)}); writing it back would lose it",
                         source=str(source), hint="repair or re-export the file first") from None


def read_file(path: str | os.PathLike[str], *, pixels: bool = False) -> DicomFile:
    """Read ``path`` leniently.

    With ``pixels=False`` (the default) the bulk pixel element is not read:
    its position and size are recorded in :attr:`DicomFile.pixel` and any
    elements after it are still read. A cheap scan of the element headers
    (values are skipped, never read) finds what pydicom passes over silently:
    truncation, lengths that overrun, encapsulated pixel data cut short,
    sequences nested too deeply. Problems that do not stop reading are listed
    in :attr:`DicomFile.problems` and what could be read is kept. Raises
    :class:`InputError` when nothing sensible can be read (not DICOM, empty)
    and :class:`UsageError` when the path does not exist.
    """
    p = Path(path)
    if not p.exists():
        raise UsageError("no such file", source=str(p), hint="check the path")
    if p.is_dir():
        raise UsageError("is a folder, not a file", source=str(p), hint="name a file inside it")
    size = p.stat().st_size
    if size == 0:
        raise InputError("empty file (0 bytes)", source=str(p), hint="a copy or download went wrong: get it again")
    try:
        with open(p, "rb") as fp:
            return _read_open_file(p, fp, size, pixels)
    except RecursionError:
        raise InputError("sequences are nested too deeply to read", source=str(p)) from None
    except OSError as exc:  # permissions, I/O errors
        raise InputError(f"cannot be read: {_short(exc)}", source=str(p)) from None


def read_header(path: str | os.PathLike[str]) -> tuple[Dataset, bool]:
    """The header of a DICOM file (pixel data not read) and whether pixel data follows it.

    For reading many headers (a 200-slice source series): pydicom's own reader
    only, without :func:`read_file`'s structure scan, which costs as much again.
    Anything unusual (no 'DICM' prefix, deflate, big endian, an error while
    reading, no pixel data) goes through :func:`read_file`, so such files get
    its one-line errors and repairs. Elements after the pixel data are not read.
    """
    import pydicom

    p = Path(path)
    try:
        with open(p, "rb") as fp:
            if fp.read(132)[128:] == b"DICM":
                fp.seek(0)
                ds = _quiet(lambda: pydicom.dcmread(fp, stop_before_pixels=True))
                ts = str(getattr(ds.file_meta, "TransferSyntaxUID", "") or "")
                # Only little endian, not deflated: the tag that stopped pydicom is read as such below.
                if ts.startswith("1.2.840.10008.1.2") and ts not in ("1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99") \
                        and len(ds):
                    # Reaching whole pixel data means the header before it is complete; short of it
                    # (a file cut short, or no pixels) read_file finds and drops what pydicom cut silently.
                    if _pixels_follow(fp, p.stat().st_size, implicit=ts == "1.2.840.10008.1.2"):
                        return ds, True
    except (OSError, *_READ_ERRORS, RecursionError):
        pass
    found = read_file(p)
    return found.dataset, found.pixel is not None


def _pixels_follow(fp: BinaryIO, size: int, *, implicit: bool) -> bool:
    """Whether a pixel data element starts at ``fp``'s position and, when native, is all there."""
    import struct

    start = fp.tell()
    head = fp.read(12)
    if len(head) < 8:
        return False
    group, element = struct.unpack("<HH", head[:4])
    if (group << 16 | element) not in PIXEL_TAGS:
        return False
    if implicit:
        length, header = struct.unpack("<I", head[4:8])[0], 8
    elif len(head) == 12 and head[4:6] in (b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN"):
        length, header = struct.unpack("<I", head[8:12])[0], 12
    else:
        return False
    # Encapsulated (undefined length): read_file too keeps its summary when fragments are cut short.
    return length == 0xFFFFFFFF or start + header + length <= size


def _read_open_file(p: Path, fp: BinaryIO, size: int, pixels: bool) -> DicomFile:
    import pydicom
    from pydicom.errors import InvalidDicomError

    problems: list[str] = []
    preamble = fp.read(132)
    has_prefix = len(preamble) == 132 and preamble[128:132] == b"DICM"
    if not has_prefix:
        problems.append("no 128-byte preamble and 'DICM' prefix: not a DICOM Part 10 file, read as a raw dataset")

    ds: Dataset | None = None
    read_error: str | None = None
    fp.seek(0)
    try:
        ds = _quiet(lambda: pydicom.dcmread(fp, force=True, stop_before_pixels=not pixels))
    except InvalidDicomError as exc:
        read_error = f"not a DICOM file ({_short(exc)})"
    except _READ_ERRORS as exc:
        read_error = _short(exc)
    except RecursionError:
        read_error = "sequences are nested too deeply to read"

    encoding = _encoding_of(ds)
    if encoding == "deflate":
        # The dataset is zlib-compressed: nothing to scan, pydicom inflates it all.
        if ds is None:
            raise InputError(f"cannot be read as DICOM: {read_error}", source=str(p))
        return _finish(p, *_deflated(fp, ds, pixels), problems, has_prefix)

    scan = scan_structure(fp, size, hint=encoding)
    damaged = scan.problem is not None
    if scan.problem:
        problems.append(scan.problem)
    elif scan.remarks:
        problems.append(scan.remarks[0])

    if ds is None:
        # pydicom gave up: read again what the scan found complete.
        ds = _read_prefix(fp, scan.good_end) if scan.good_end > 0 else None
        if ds is None or not _looks_like_dicom(ds, has_prefix):
            raise InputError(f"cannot be read as DICOM: {read_error or scan.problem}", source=str(p))
        if not scan.problem:
            problems.append(f"part of the file could not be read: {read_error}")
        damaged = True
    elif scan.bad_top_tag is not None:
        # pydicom returns a silently partial last element: drop it and what follows.
        for tag in [t for t in ds.keys() if int(t) >= scan.bad_top_tag]:
            del ds[tag]

    pixel = scan.pixel
    if not pixels and pixel is not None and not damaged:
        _read_trailing(fp, ds, pixel, size, scan.implicit, scan.little)
    elif pixels and pixel is not None and damaged and 0x7FE00010 in ds:
        del ds[0x7FE00010]
    return _finish(p, ds, pixel, damaged, problems, has_prefix)


def _deflated(fp: BinaryIO, ds: Dataset, pixels: bool) -> tuple[Dataset, PixelDataInfo | None, bool]:
    """A deflated file has no byte offsets to point at: the pixel summary comes from the inflated data.

    Such files are small by nature (deflate is for structured reports and the like).
    ``offset`` is -1: the pixel data has no place in the file itself.
    """
    import pydicom

    if pixels:
        full = ds
    else:
        fp.seek(0)
        try:
            full = _quiet(lambda: pydicom.dcmread(fp, force=True))
        except (*_READ_ERRORS, RecursionError):
            return ds, None, False
    for tag in PIXEL_TAGS:
        raw = full.get_item(tag) if tag in full else None
        if raw is not None and raw.value is not None:
            info = PixelDataInfo(tag, str(raw.VR or "OB"), -1, len(raw.value), encapsulated=False)
            if not pixels and tag in full:
                del full[tag]
            return full, info, False
    return full, None, False


def _finish(p: Path, ds: Dataset, pixel: PixelDataInfo | None, damaged: bool, problems: list[str],
            has_prefix: bool) -> DicomFile:
    if not _looks_like_dicom(ds, has_prefix):
        raise InputError("not a DICOM file (no recognisable DICOM elements)", source=str(p))
    meta = getattr(ds, "file_meta", None)
    if has_prefix and (meta is None or len(meta) == 0):
        problems.append("file meta information (group 0002) is missing")
    elif meta is not None and len(meta) and "TransferSyntaxUID" not in meta:
        problems.append("file meta has no Transfer Syntax UID (0002,0010); the encoding was guessed")
    return DicomFile(path=p, dataset=ds, problems=problems, pixel=pixel, damaged=damaged)


@contextmanager
def quiet_pydicom() -> Iterator[None]:
    """pydicom warns on stderr about every odd value; we report problems our way, one line each."""
    import logging
    import warnings

    logger = logging.getLogger("pydicom")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _quiet(func):  # type: ignore[no-untyped-def]
    """Run ``func`` with pydicom's warnings silenced."""
    with quiet_pydicom():
        return func()


def _encoding_of(ds: Dataset | None) -> tuple[bool, bool] | str | None:
    """(implicit, little) as pydicom read the dataset, 'deflate', or None if unknown."""
    if ds is None:
        return None
    meta = getattr(ds, "file_meta", None)
    ts = str(getattr(meta, "TransferSyntaxUID", "") or "") if meta is not None else ""
    if ts in ("1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.8.1"):
        return "deflate"
    implicit, little = ds.original_encoding
    if implicit is None or little is None:
        return None
    return bool(implicit), bool(little)


def _read_prefix(fp: BinaryIO, end: int) -> Dataset | None:
    """Read the first ``end`` bytes (complete elements only) as a dataset."""
    import io

    import pydicom

    fp.seek(0)
    data = fp.read(end)
    try:
        return _quiet(lambda: pydicom.dcmread(io.BytesIO(data), force=True, stop_before_pixels=True))
    except (*_READ_ERRORS, RecursionError):
        return None


def _read_trailing(fp: BinaryIO, ds: Dataset, pixel: PixelDataInfo, size: int,
                   implicit: bool, little: bool) -> None:
    """Elements after the pixel data (padding, signatures) are part of the header."""
    end = pixel.offset + pixel.length + (8 if pixel.encapsulated else 0)
    if end >= size:
        return
    from pydicom.filereader import read_dataset

    fp.seek(end)
    try:
        rest = _quiet(lambda: read_dataset(fp, implicit, little))
    except (*_READ_ERRORS, RecursionError):
        return
    for elem in rest.values():
        ds.add(elem)


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
