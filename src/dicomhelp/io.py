"""Reading any file safely, walking folders, writing atomically.

Every command reads through :func:`read_file` so that a broken file becomes a
list of plain-language problems (or one :class:`~dicomhelp.errors.InputError`),
never a traceback, and so that pixel data is never loaded unless asked for.

Every command writes through :func:`write_atomic` / :func:`write_bytes_atomic`:
a temporary file renamed into place, so an output is complete or absent even
when the process is killed. fsync policy: a file that replaces an existing one
(``edit --in-place``) is fsynced before the rename, so the old content survives
a power loss too; a brand-new output is not (the rename already protects it
against a killed process, and fsync would cost ~0.1 s per 100 MB).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
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
    offset: int  # file offset of the element's value (after its header); -1 in a deflated file
    length: int  # value length in bytes; for encapsulated data the sum of all items
    encapsulated: bool
    fragments: int = 0  # items after the Basic Offset Table
    offset_table_length: int = 0  # length of the Basic Offset Table item


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


# Sequences nested deeper than this are not read: pydicom and every tree walker
# recurse per level, and no real object comes close (SR trees stay under ~20).
MAX_NESTING = 100

# pydicom raises almost anything on malformed bytes (struct.error, zlib.error,
# BytesLengthException, NotImplementedError for unknown VRs...): reading is lenient,
# so every one of them becomes a problem line.
_READ_ERRORS = (Exception,)


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


# --------------------------------------------------------------------------
# The structural scan: element headers only, values skipped with seek().

_LONG_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT", "SV", "UV"})
_VALID_VRS = _LONG_VRS | frozenset({
    "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "PN", "SH", "SL",
    "SS", "ST", "TM", "UI", "UL", "US",
})
ITEM_DELIM_TAG = 0xFFFEE00D


@dataclass
class ScanResult:
    """What the header scan found; ``problem`` is None for a sound file."""

    good_end: int = 0  # file offset after the last complete top-level element
    problem: str | None = None
    bad_top_tag: int | None = None  # top-level element where the damage starts
    pixel: PixelDataInfo | None = None
    implicit: bool = False
    little: bool = True
    max_nesting: int = 0
    remarks: list[str] = field(default_factory=list)  # oddities that lose nothing
    transfer_syntax: str = ""  # as the file meta gives it
    values: dict[int, bytes] = field(default_factory=dict)  # raw values of the top-level elements asked for


@dataclass(frozen=True)
class _Structs:
    tag: struct.Struct
    long: struct.Struct
    short: struct.Struct


_STRUCTS = {e: _Structs(struct.Struct(e + "HH"), struct.Struct(e + "L"), struct.Struct(e + "H")) for e in "<>"}


@dataclass
class _Frame:
    kind: str  # "seq" | "item" | "frags"
    end: int | None  # file offset where a defined-length value ends
    tag: int
    implicit: bool = False  # encoding of the elements inside (UN sequences are implicit VR)


def _tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def scan_structure(fp: BinaryIO, size: int, *, hint: tuple[bool, bool] | str | None = None,
                   capture: Collection[int] = ()) -> ScanResult:
    """Walk every element header of the file at ``fp`` without reading values.

    Iterative (no recursion, so any nesting is safe) and cheap: its cost grows
    with the number of elements and fragments, not with their size. ``hint``
    is the dataset encoding pydicom found, ``(implicit, little)``. The raw
    values of the top-level elements in ``capture`` (short ones) are kept in
    :attr:`ScanResult.values`. Needs no pydicom, but for an implicit VR file
    (the VRs come from its dictionary).
    """

    res = ScanResult()
    fp.seek(0)
    head = fp.read(132)
    pos = 132 if len(head) == 132 and head[128:132] == b"DICM" else 0
    fp.seek(pos)
    # File meta (group 0002) is always explicit VR little endian.
    ts = ""
    in_meta = True
    implicit, little = (hint if isinstance(hint, tuple) else (False, True))
    if pos == 0:
        first = fp.read(8)
        fp.seek(0)
        in_meta = len(first) >= 6 and first[:2] == b"\x02\x00" and first[4:6].isalpha()
        if not isinstance(hint, tuple) and len(first) == 8:
            implicit = not first[4:6].isalpha()
            little = struct.unpack("<H", first[:2])[0] < 0x0100 or first[:2] == b"\x02\x00"
    stack: list[_Frame] = []
    first_element = True
    top_start = pos
    res.good_end = pos

    def fail(message: str) -> ScanResult:
        res.problem = message
        res.good_end = top_start if stack else res.good_end
        res.implicit, res.little = implicit, little
        return res

    while True:
        # Leave every defined-length frame whose end we reached.
        while stack and stack[-1].end is not None and pos >= stack[-1].end:
            frame = stack.pop()
            if pos > frame.end:  # type: ignore[operator]
                return fail(f"{_tag_text(frame.tag)}: an item overruns its declared length (malformed file)")
        if not stack:
            res.good_end = pos
            top_start = pos
            res.bad_top_tag = None  # set again once the next element's header is read
            if pos >= size:
                break
        header = fp.read(8)
        if len(header) < 8:
            if not stack and not header.strip(b"\0"):
                break  # trailing zero padding after the last element
            where = f"inside {_tag_text(stack[0].tag)}" if stack else f"at byte {pos}"
            return _truncated(res, fail, where, size, stack)
        if in_meta and header[:2] != b"\x02\x00":
            in_meta = False
            ts = ts.strip("\0 ")
            if ts:
                implicit = ts == "1.2.840.10008.1.2"
                little = ts != "1.2.840.10008.1.2.2"
            if isinstance(hint, tuple):
                implicit, little = hint
        if not in_meta and first_element and not implicit:
            # Like pydicom, trust the first element over the transfer syntax: some files
            # announce explicit VR and are written implicit.
            implicit = header[4:6].decode("latin-1") not in _VALID_VRS
        if not in_meta:
            first_element = False
        frame = stack[-1] if stack else None
        if in_meta:
            e_implicit, e_little = False, True
        else:
            e_implicit, e_little = (frame.implicit if frame is not None else implicit), little
        endian = "<" if e_little else ">"
        fmt = _STRUCTS[endian]
        group, elem = fmt.tag.unpack_from(header)
        tag = (group << 16) | elem
        if not stack:
            top_start = pos
            res.bad_top_tag = tag

        if group == 0xFFFE:  # item, item delimiter, sequence delimiter: always 4-byte length
            (length,) = fmt.long.unpack_from(header, 4)
            pos += 8
            if frame is None:
                return fail(f"stray item tag {_tag_text(tag)} at byte {pos - 8} (malformed file)")
            if tag == SEQ_DELIM_TAG and frame.kind in ("seq", "frags") and frame.end is None:
                stack.pop()
                if frame.kind == "frags" and not stack and res.pixel is not None:
                    res.pixel.length = pos - 8 - res.pixel.offset
            elif tag == ITEM_DELIM_TAG and frame.kind == "item" and frame.end is None:
                stack.pop()
            elif tag == ITEM_TAG and frame.kind == "frags":
                if pos + length > size:
                    return _truncated(res, fail, "inside a fragment of the encapsulated pixel data", size, stack)
                if res.pixel is not None and not stack[:-1]:
                    if res.pixel.fragments < 0:
                        res.pixel.offset_table_length = length
                    res.pixel.fragments += 1
                pos += length
                fp.seek(pos)
            elif tag == ITEM_TAG and frame.kind == "seq":
                end = None if length == UNDEFINED_LENGTH else pos + length
                if end is not None and end > size:
                    # Lengths left stale by an editor (DCMTK reads on): judge by what follows.
                    res.remarks.append(f"the declared length of an item in {_tag_text(stack[0].tag)} "
                                       "runs past the end of the file")
                    end = size
                stack.append(_Frame("item", end, tag, frame.implicit))
            elif tag in (ITEM_DELIM_TAG, SEQ_DELIM_TAG) and frame.end is not None and length == 0:
                pass  # a delimiter inside a defined-length item or sequence: tolerated
            else:
                return fail(f"unexpected {_tag_text(tag)} inside {_tag_text(stack[0].tag)} at byte {pos - 8} "
                            "(malformed sequence)")
            continue

        explicit = not e_implicit
        if explicit:
            vr = header[4:6].decode("latin-1")
            if vr not in _VALID_VRS:
                # An unknown VR: read on as DCMTK and pydicom do (pydicom shows it as undecodable).
                res.remarks.append(f"{_tag_text(tag)} has an unknown VR {vr!r}")
            if vr in _LONG_VRS or vr not in _VALID_VRS and header[6:8] == b"\0\0":
                more = fp.read(4)
                if len(more) < 4:
                    return _truncated(res, fail, f"in the header of {_tag_text(tag)}", size, stack)
                (length,) = fmt.long.unpack(more)
                pos += 12
            else:
                (length,) = fmt.short.unpack_from(header, 6)
                pos += 8
        else:
            vr = _implicit_vr(tag)
            (length,) = fmt.long.unpack_from(header, 4)
            pos += 8

        if length == UNDEFINED_LENGTH:
            if tag in PIXEL_TAGS:  # encapsulated: fragments, not items of elements
                if not stack:
                    res.pixel = PixelDataInfo(tag, vr if explicit else "OB", pos, 0, encapsulated=True,
                                              fragments=-1)
                stack.append(_Frame("frags", None, tag))
            else:
                stack.append(_Frame("seq", None, tag, e_implicit or vr == "UN"))
        elif vr == "SQ" and pos + length > size and length != UNDEFINED_LENGTH:
            res.remarks.append(f"the declared length of {_tag_text(tag if not stack else stack[0].tag)} "
                               "runs past the end of the file")
            stack.append(_Frame("seq", size, tag, e_implicit))
        elif pos + length > (frame.end if frame and frame.end is not None else size):
            if frame is None or frame.end is None or pos + length > size:
                return _truncated(res, fail, f"in the value of {_tag_text(tag if not stack else stack[0].tag)} "
                                  f"({length} bytes declared, {max(size - pos, 0)} present)", size, stack)
            return fail(f"{_tag_text(tag)} overruns the item it is in (malformed lengths in "
                        f"{_tag_text(stack[0].tag)})")
        elif vr == "SQ" and length:
            stack.append(_Frame("seq", pos + length, tag, e_implicit))
        elif vr == "SQ" and length == 0:
            pass
        else:
            if tag in PIXEL_TAGS and not stack:
                res.pixel = PixelDataInfo(tag, vr if explicit else "OW", pos, length, encapsulated=False)
            elif in_meta and tag == 0x00020010:
                ts = fp.read(length).decode("ascii", "replace")
            elif not stack and tag in capture and length <= 64:
                res.values[tag] = fp.read(length)
            pos += length
            fp.seek(pos)
        nesting = sum(1 for f in stack if f.kind == "seq")
        if nesting > res.max_nesting:
            res.max_nesting = nesting
            if nesting > MAX_NESTING:
                return fail(f"sequences are nested more than {MAX_NESTING} levels deep in "
                            f"{_tag_text(stack[0].tag)}: that element and what follows are not shown")

    if res.pixel is not None and res.pixel.fragments < 0:
        res.pixel.fragments = 0
    res.bad_top_tag = None
    res.implicit, res.little = implicit, little
    res.transfer_syntax = ts.strip("\0 ")
    return res


def scan_file(path: str | os.PathLike[str], *, capture: Collection[int] = ()) -> ScanResult:
    """:func:`scan_structure` of the file at ``path`` (raises OSError when it cannot be opened)."""
    with open(path, "rb") as fp:
        return scan_structure(fp, os.fstat(fp.fileno()).st_size, capture=capture)


def _truncated(res: ScanResult, fail, where: str, size: int, stack: list[_Frame]) -> ScanResult:  # type: ignore[no-untyped-def]
    if stack and stack[0].kind == "frags":
        if res.pixel is not None:
            res.pixel.fragments = max(res.pixel.fragments, 0)
        return fail(f"the file is cut short ({size} bytes): encapsulated pixel data ends {where}")
    return fail(f"the file is cut short ({size} bytes) {where}: that element and what follows are missing")


def _implicit_vr(tag: int) -> str:
    from pydicom.datadict import dictionary_VR

    if (tag >> 16) % 2:
        return "UN"
    try:
        return str(dictionary_VR(tag))
    except KeyError:
        return "UN"


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


def write_atomic(ds: Dataset, path: str | os.PathLike[str], *, enforce_file_format: bool = True,
                 pixel_data: Callable[[BinaryIO], object] | None = None, durable: bool | None = None) -> Path:
    """Write ``ds`` to ``path`` through a temporary file in the same folder.

    The file appears complete or not at all, even if the process is killed
    mid-write, so an input edited in place is never half-written.

    ``pixel_data``, when given, writes the whole Pixel Data element itself, in
    explicit VR little endian, between the elements before (7FE0,0010) and
    those after it (trailing padding, signatures), which ``ds`` must not hold
    Pixel Data itself: encoded frames are streamed into the file as they
    arrive instead of being assembled in memory first. ``durable``: see
    :func:`_write_atomically`.
    """
    if pixel_data is None:
        direct = _direct_pixel_data(ds, enforce_file_format)
        if direct is None:
            return _write_atomically(path, lambda fh: ds.save_as(fh, enforce_file_format=enforce_file_format),
                                     durable=durable)
        # Big Pixel Data: written from its own bytes (pydicom's writer copies the value twice).
        elem = ds["PixelData"]
        del ds["PixelData"]
        try:
            return write_atomic(ds, path, enforce_file_format=enforce_file_format, pixel_data=direct,
                                durable=durable)
        finally:
            ds["PixelData"] = elem
    if 0x7FE00010 in ds:
        raise ValueError("write_atomic(pixel_data=...) needs a dataset without Pixel Data")
    tail = [ds[tag] for tag in list(ds.keys()) if tag > 0x7FE00010]

    def write(fh: BinaryIO) -> None:
        for elem in tail:
            del ds[elem.tag]
        try:
            ds.save_as(fh, enforce_file_format=enforce_file_format)
        finally:
            for elem in tail:
                ds[elem.tag] = elem
        pixel_data(fh)
        if tail:
            _write_elements(fh, tail, ds.get("SpecificCharacterSet"))

    return _write_atomically(path, write, durable=durable)


# Below this, pydicom's two copies of Pixel Data cost nothing worth a second code path.
DIRECT_PIXEL_DATA_BYTES = 1 << 20


def _direct_pixel_data(ds: Dataset, enforce_file_format: bool) -> Callable[[BinaryIO], None] | None:
    """A writer for a big Pixel Data value, producing the bytes pydicom would, or None to let pydicom write it.

    Only the plain case: explicit VR little endian (every syntax dicomhelp
    writes), VR OB or OW, a bytes value, encapsulated exactly when it must be.
    """
    if 0x7FE00010 not in ds:
        return None
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    try:
        plain = (syntax is not None and syntax.is_transfer_syntax and not syntax.is_private
                 and syntax.is_little_endian and not syntax.is_implicit_VR and not syntax.is_deflated)
    except (AttributeError, ValueError):
        return None
    elem = ds["PixelData"]
    value = elem.value
    if not plain or elem.VR not in ("OB", "OW") or not isinstance(value, bytes) \
            or len(value) < DIRECT_PIXEL_DATA_BYTES:
        return None
    undefined = syntax.is_compressed if enforce_file_format else elem.is_undefined_length
    if undefined and not value.startswith(b"\xfe\xff\x00\xe0"):
        return None  # not encapsulated: pydicom's writer says what is wrong
    if enforce_file_format:
        elem.is_undefined_length = undefined  # what dcmwrite does to the element it writes

    def write(fh: BinaryIO) -> None:
        pad = len(value) % 2
        length = 0xFFFFFFFF if undefined else len(value) + pad
        fh.write(struct.pack("<HH2sHL", 0x7FE0, 0x0010, elem.VR.encode(), 0, length))
        fh.write(value)
        if pad:
            fh.write(b"\x00")
        if undefined:
            fh.write(struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))  # Sequence Delimitation Item

    return write


def _write_elements(fh: BinaryIO, elements: list, character_set: object) -> None:  # type: ignore[type-arg]
    """Append top-level elements in explicit VR little endian (what follows a streamed Pixel Data)."""
    from pydicom import Dataset as _Dataset
    from pydicom.charset import default_encoding
    from pydicom.filebase import DicomFileLike
    from pydicom.filewriter import write_dataset

    part = _Dataset()
    for elem in elements:
        part[elem.tag] = elem
    fp = DicomFileLike(fh)
    fp.is_little_endian, fp.is_implicit_VR = True, False
    write_dataset(fp, part, parent_encoding=character_set or default_encoding)  # type: ignore[arg-type]


def write_bytes_atomic(data: bytes, path: str | os.PathLike[str], *, durable: bool | None = None) -> Path:
    """Write raw bytes atomically (extracted documents, previews, reports)."""
    return _write_atomically(path, lambda fh: fh.write(data), durable=durable)


def _write_atomically(path: str | os.PathLike[str], write: Callable[[BinaryIO], object], *,
                      durable: bool | None = None) -> Path:
    """Write through a temporary file renamed over ``path``; the fsync policy is here.

    Against a killed process (Ctrl-C, SIGKILL, a crash) the rename alone
    guarantees "complete or absent": the temporary file is never visible
    under the final name. fsync only matters against an OS crash or power
    loss, and it costs about 0.1 s per 100 MB, so:

    - replacing an existing file (``edit --in-place``, an output written
      again) is fsynced before the rename (``durable=None``, the default): the
      previous content is the user's data and must survive, as the old
      file or the new one, never an empty one;
    - a brand-new file is not fsynced: after a power loss it may be missing
      or short like any file the OS had not flushed yet, but nothing that
      existed before is lost and the command can simply run again.

    ``durable=True`` / ``False`` forces the choice either way.
    """
    import tempfile  # only writers need it; readers start faster without

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sync = durable if durable is not None else target.exists()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            if sync:
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
