"""The structure scan: every element header of a file walked, values skipped with seek().

It finds what pydicom passes over silently (truncation, lengths that
overrun, encapsulated pixel data cut short, sequences nested too deeply) and
where the pixel data lies, without reading it; it needs no pydicom but for
an implicit VR file.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import BinaryIO


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


# Sequences nested deeper than this are not read: pydicom and every tree walker
# recurse per level, and no real object comes close (SR trees stay under ~20).
MAX_NESTING = 100


_LONG_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT", "SV", "UV"})
_VALID_VRS = _LONG_VRS | frozenset({
    "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "PN", "SH", "SL",
    "SS", "ST", "TM", "UI", "UL", "US",
})
ITEM_DELIM_TAG = 0xFFFEE00D
_DELIMITER_KINDS = {ITEM_TAG: "item", ITEM_DELIM_TAG: "item-end", SEQ_DELIM_TAG: "sequence-end"}


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
                   capture: Collection[int] = (), boundaries: list[tuple[int, str]] | None = None) -> ScanResult:
    """Walk every element header of the file at ``fp`` without reading values.

    Iterative (no recursion, so any nesting is safe) and cheap: its cost grows
    with the number of elements and fragments, not with their size. ``hint``
    is the dataset encoding pydicom found, ``(implicit, little)``. The raw
    values of the top-level elements in ``capture`` (short ones) are kept in
    :attr:`ScanResult.values`. Needs no pydicom, but for an implicit VR file
    (the VRs come from its dictionary). ``boundaries``, when given, receives
    ``(offset, kind)`` for every header met (kind ``element``, ``sequence``,
    ``item``, ``item-end``, ``sequence-end``, ``fragment``) and ``value`` where
    a value starts: the structural cut points the test suite's fuzzer uses.
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
            if boundaries is not None:
                boundaries.append((pos, _DELIMITER_KINDS.get(tag, "item") if not (frame and frame.kind == "frags")
                                   or tag != ITEM_TAG else "fragment"))
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

        header_start = pos
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

        if boundaries is not None:
            boundaries.append((header_start, "sequence" if vr == "SQ" or length == UNDEFINED_LENGTH else "element"))
            boundaries.append((pos, "value"))
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
