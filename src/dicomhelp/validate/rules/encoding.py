"""Part 10 encoding: preamble and DICM, the file meta group, the transfer syntax.

PS3.10 7.1 (the Part 10 file format), PS3.5 10 (transfer syntaxes), PS3.5 7.1
(even value lengths are checked element by element in the values rule).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dicomhelp.validate.findings import Finding, error, warning

if TYPE_CHECKING:
    from dicomhelp.validate.context import Context

META_REF = "PS3.10 7.1"
TS_REF = "PS3.5 10 and Annex A"
REQUIRED_META = (
    (0x00020001, "FileMetaInformationVersion", "b'\\x00\\x01'"),
    (0x00020002, "MediaStorageSOPClassUID", "the SOP Class UID (0008,0016)"),
    (0x00020003, "MediaStorageSOPInstanceUID", "the SOP Instance UID (0008,0018)"),
    (0x00020010, "TransferSyntaxUID", "the encoding used, e.g. 1.2.840.10008.1.2.1 (Explicit VR Little Endian)"),
    (0x00020012, "ImplementationClassUID", "a UID naming the software that wrote the file"),
)
LONG_LENGTH_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}


def check(ctx: Context) -> Iterator[Finding]:
    dfile = ctx.file
    for problem in dfile.problems:
        if "preamble" in problem:
            yield error("encoding.no-preamble", "the file has no 128-byte preamble followed by 'DICM'",
                        reference=META_REF, fix="write it as a Part 10 file (pydicom: save_as(..., enforce_file_format=True))")
        elif "file meta" in problem and "missing" in problem:
            yield error("encoding.no-meta", "the file meta information (group 0002) is missing",
                        reference=META_REF, fix="add the file meta group (pydicom: save_as(..., enforce_file_format=True))")
        elif "Transfer Syntax" in problem:
            pass  # reported below from the meta itself
        elif "cut short" in problem or "truncated" in problem:
            yield error("file.truncated", problem, reference=META_REF,
                        fix="the file was not completely written or copied: get it again from its source")
        else:
            yield warning("encoding.read", problem, reference=META_REF)
    meta = getattr(ctx.ds, "file_meta", None)
    has_meta = meta is not None and len(meta) > 0
    if has_meta:
        yield from _meta_elements(ctx)
        yield from _group_length(ctx)
    yield from _transfer_syntax(ctx, has_meta)


def _meta_elements(ctx: Context) -> Iterator[Finding]:
    meta = ctx.ds.file_meta
    for tag, keyword, what in REQUIRED_META:
        elem = meta.get(tag)
        if elem is None or elem.value in (None, "", b""):
            state = "missing" if elem is None else "empty"
            yield error("encoding.meta-missing", f"the file meta element is {state}", tag=tag, keyword=keyword,
                        path=keyword, reference=f"{META_REF} (Type 1 in the File Meta Information)",
                        fix=f"set {keyword} to {what}")
    for meta_tag, meta_kw, ds_tag, ds_kw in (
        (0x00020002, "MediaStorageSOPClassUID", 0x00080016, "SOPClassUID"),
        (0x00020003, "MediaStorageSOPInstanceUID", 0x00080018, "SOPInstanceUID"),
    ):
        a, b = _uid(meta, meta_tag), _uid(ctx.ds, ds_tag)
        if a and b and a != b:
            yield error("encoding.meta-mismatch", f"{meta_kw} <{a}> differs from {ds_kw} <{b}>", tag=meta_tag,
                        keyword=meta_kw, path=meta_kw, reference=META_REF,
                        fix=f"set {meta_kw} to {b} (the value of {ds_kw})")


def _uid(ds: object, tag: int) -> str:
    try:
        elem = ds.get(tag)  # type: ignore[attr-defined]
        return str(elem.value).strip("\0 ") if elem is not None and elem.value else ""
    except Exception:  # noqa: BLE001 - a broken value is reported by the values rule
        return ""


def _group_length(ctx: Context) -> Iterator[Finding]:
    """Re-read group 0002's raw bytes: the declared length must equal what follows it."""
    try:
        with open(ctx.file.path, "rb") as fp:
            head = fp.read(132 + 65536)
    except OSError:
        return
    if len(head) < 132 or head[128:132] != b"DICM":
        return
    pos = 132
    declared: int | None = None
    start_after_length: int | None = None
    end = pos
    while pos + 8 <= len(head):
        group, _elem = struct.unpack("<HH", head[pos : pos + 4])
        if group != 0x0002:
            break
        vr = head[pos + 4 : pos + 6]
        if not vr.isalpha() or not vr.isupper():
            yield error("encoding.meta-not-explicit", "the file meta group is not in Explicit VR Little Endian",
                        reference=META_REF, fix="rewrite the file meta group as Explicit VR Little Endian")
            return
        if vr in LONG_LENGTH_VRS:
            if pos + 12 > len(head):
                break
            (length,) = struct.unpack("<L", head[pos + 8 : pos + 12])
            header = 12
        else:
            (length,) = struct.unpack("<H", head[pos + 6 : pos + 8])
            header = 8
        if _elem == 0x0000 and length == 4 and pos + 12 <= len(head):
            (declared,) = struct.unpack("<L", head[pos + 8 : pos + 12])
            start_after_length = pos + header + length
        pos += header + length
        end = pos
    yield from _first_element(ctx, head, end)
    if declared is None:
        yield error("encoding.meta-group-length", "File Meta Information Group Length (0002,0000) is missing",
                    tag=0x00020000, keyword="FileMetaInformationGroupLength", path="FileMetaInformationGroupLength",
                    reference=META_REF, fix="add it: the number of bytes of the meta elements that follow it")
        return
    actual = end - (start_after_length or end)
    if actual != declared:
        yield error("encoding.meta-group-length",
                    f"File Meta Information Group Length says {declared} bytes but the meta elements after it take {actual}",
                    tag=0x00020000, keyword="FileMetaInformationGroupLength", path="FileMetaInformationGroupLength",
                    reference=META_REF, fix=f"set it to {actual}")


VALID_VRS = {b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT", b"OB", b"OD",
             b"OF", b"OL", b"OV", b"OW", b"PN", b"SH", b"SL", b"SQ", b"SS", b"ST", b"SV", b"TM", b"UC", b"UI",
             b"UL", b"UN", b"UR", b"US", b"UT", b"UV"}


def _first_element(ctx: Context, head: bytes, start: int) -> Iterator[Finding]:
    """Look at the data set's first element header: is it encoded as the transfer syntax says?

    pydicom silently reads a mislabelled data set, so the raw bytes are checked here.
    """
    from pydicom.uid import UID

    ts_text = ctx.file.transfer_syntax
    if not ts_text or start + 8 > len(head):
        return
    ts = UID(ts_text)
    if not ts.is_transfer_syntax or ts.is_deflated:
        return
    vr_bytes = head[start + 4 : start + 6]
    group_le = struct.unpack("<H", head[start : start + 2])[0]
    group_be = struct.unpack(">H", head[start : start + 2])[0]
    actual_explicit = vr_bytes in VALID_VRS
    actual_little = not (group_le > 0x00FF and group_be <= 0x00FF)
    if actual_explicit == (not ts.is_implicit_VR) and actual_little == ts.is_little_endian:
        return
    actual = f"{'Explicit' if actual_explicit else 'Implicit'} VR {'Little' if actual_little else 'Big'} Endian"
    yield error("encoding.ts-mismatch", f"the data set is encoded as {actual}, not as {ts.name} says",
                tag=0x00020010, keyword="TransferSyntaxUID", path="TransferSyntaxUID", reference=TS_REF,
                fix="set TransferSyntaxUID to the encoding actually used, or re-encode the data set")


def _transfer_syntax(ctx: Context, has_meta: bool) -> Iterator[Finding]:
    from pydicom.uid import UID

    ts_text = ctx.file.transfer_syntax
    implicit, little = ctx.ds.original_encoding
    if not ts_text:
        return  # a missing Transfer Syntax UID is reported with the other meta elements
    ts = UID(ts_text)
    if not ts.is_transfer_syntax:
        yield error("encoding.ts-unknown", f"transfer syntax <{ts_text}> is not a standard transfer syntax",
                    tag=0x00020010, keyword="TransferSyntaxUID", path="TransferSyntaxUID", reference=TS_REF,
                    fix="re-encode in a standard transfer syntax, e.g. Explicit VR Little Endian 1.2.840.10008.1.2.1")
        return
    if ts.is_retired:
        yield warning("encoding.ts-retired", f"transfer syntax {ts.name} is retired", tag=0x00020010,
                      keyword="TransferSyntaxUID", path="TransferSyntaxUID", reference=TS_REF,
                      fix="re-encode in Explicit VR Little Endian or a current compressed syntax")
    if implicit is not None and (bool(implicit) != ts.is_implicit_VR or bool(little) != ts.is_little_endian):
        actual = f"{'Implicit' if implicit else 'Explicit'} VR {'Little' if little else 'Big'} Endian"
        yield error("encoding.ts-mismatch", f"the data set is encoded as {actual}, not as {ts.name} says",
                    tag=0x00020010, keyword="TransferSyntaxUID", path="TransferSyntaxUID", reference=TS_REF,
                    fix="set TransferSyntaxUID to the encoding actually used, or re-encode the data set")
    pixel = ctx.file.pixel
    if pixel is not None and pixel.tag == 0x7FE00010:
        if ts.is_encapsulated and not pixel.encapsulated:
            yield error("encoding.pixel-not-encapsulated",
                        f"{ts.name} needs encapsulated (fragmented) Pixel Data, but it is stored native",
                        tag=0x7FE00010, keyword="PixelData", path="PixelData", reference="PS3.5 A.4",
                        fix="compress the pixel data, or set a native transfer syntax (Explicit VR Little Endian)")
        elif ts.is_encapsulated and pixel.vr != "OB":
            yield error("encoding.pixel-vr", f"encapsulated Pixel Data has VR {pixel.vr}; it must be OB",
                        tag=0x7FE00010, keyword="PixelData", path="PixelData", reference="PS3.5 A.4",
                        fix="re-encode the Pixel Data element with VR OB")
        elif not ts.is_encapsulated and pixel.encapsulated:
            yield error("encoding.pixel-encapsulated",
                        f"Pixel Data is encapsulated but {ts.name} is a native (uncompressed) syntax",
                        tag=0x7FE00010, keyword="PixelData", path="PixelData", reference="PS3.5 A.4",
                        fix="set TransferSyntaxUID to the compression actually used")
        elif not ts.is_encapsulated and not pixel.encapsulated and pixel.offset >= 0:
            yield from _native_pixel_vr(ctx, pixel.vr, bool(implicit))
            yield from _native_pixel_length(ctx, pixel.length)


def _native_pixel_vr(ctx: Context, vr: str, implicit: bool) -> Iterator[Finding]:
    """PS3.5 A.2: native Pixel Data of more than 8 bits per cell is OW (OB is for 8 bits or fewer)."""
    try:
        bits = int(ctx.ds.BitsAllocated)
    except (AttributeError, TypeError, ValueError):
        return
    if not implicit and vr == "OB" and bits > 8:
        yield error("encoding.pixel-vr", f"native Pixel Data of Bits Allocated {bits} has VR OB; it must be OW",
                    tag=0x7FE00010, keyword="PixelData", path="PixelData", reference="PS3.5 A.2",
                    fix="re-encode the Pixel Data element with VR OW")


def _native_pixel_length(ctx: Context, length: int) -> Iterator[Finding]:
    """Native Pixel Data holds exactly Rows × Columns × Samples × Frames pixels of Bits Allocated each.

    PS3.5 8.1.1: the pixel cells are packed one after the other, the value padded to
    an even length; fewer bytes lose pixels, more bytes are frames nobody described.
    """
    try:
        rows, cols = int(ctx.ds.Rows), int(ctx.ds.Columns)
        samples, bits = int(ctx.ds.get("SamplesPerPixel", 1) or 1), int(ctx.ds.BitsAllocated)
        frames = int(ctx.ds.get("NumberOfFrames", 1) or 1)
    except (AttributeError, TypeError, ValueError):
        return  # a missing or broken image attribute is the IOD and values rules' finding
    expected = (rows * cols * samples * frames * bits + 7) // 8
    padded = expected + expected % 2
    if length in (expected, padded):
        return
    what = "short of" if length < expected else "more than"
    yield error("encoding.pixel-length", f"Pixel Data has {length} bytes, {what} the {expected} that Rows {rows} × "
                f"Columns {cols} × Samples per Pixel {samples} × Bits Allocated {bits} × Number of Frames {frames} "
                "need", tag=0x7FE00010, keyword="PixelData", path="PixelData", reference="PS3.5 8.1.1",
                fix="the image attributes do not describe the pixels: correct Rows, Columns, Bits Allocated or "
                "Number of Frames, or the pixel data")
