"""How uncompressed pixels lie: zero-copy views of native Pixel Data, writing it, byte order.

One native-layout rule serves a dataset read by pydicom and the raw values
of a header scan (:func:`dicomhelp.io.scan_file`), so the early-started
encoders and the transcode that follows agree on the frames.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dicomhelp.codecs.policy import PixelFormat
from dicomhelp.codecs.syntaxes import EXPLICIT_VR_LITTLE_ENDIAN
from dicomhelp.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    from pydicom import Dataset

    from dicomhelp.io.scan import ScanResult


def require_description(ds: Dataset, source: str) -> None:
    """The attributes that say what the pixels are; a damaged header lacking one is one line."""
    for keyword in ("Rows", "Columns", "BitsAllocated", "SamplesPerPixel", "PhotometricInterpretation"):
        if ds.get(keyword) in (None, ""):
            raise InputError(f"has Pixel Data but no {keyword}: the pixels cannot be decoded", source=source,
                             hint="repair or re-export the file first")


def decode_frames(ds: Dataset, source: str = "input") -> np.ndarray:
    """All frames as (frames, rows, columns[, samples]); colour converted to RGB when it was YCbCr."""
    import numpy as np

    if "PixelData" not in ds:
        raise InputError("has no Pixel Data: it is not an image", source=source)
    require_description(ds, source)
    native = _native_view(ds)
    if native is not None:
        return native
    from dicomhelp.io.read import PYDICOM_REFUSALS

    try:
        arr = ds.pixel_array
    except (RuntimeError, *PYDICOM_REFUSALS) as exc:  # pixel handlers raise RuntimeError on bad data
        detail = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        raise InputError(f"pixel data cannot be decoded: {detail[:300]}", source=source) from None
    try:
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        samples = int(ds.SamplesPerPixel)
        shape = (frames, int(ds.Rows), int(ds.Columns)) + ((samples,) if samples > 1 else ())
        return np.ascontiguousarray(arr.reshape(shape))
    except (ValueError, TypeError) as exc:  # Number of Frames or the sizes disagree with the decoded pixels
        raise InputError(f"pixel data does not match its description: {str(exc)[:200]}", source=source,
                         hint="repair or re-export the file first") from None


# The Image Pixel attributes that say how uncompressed pixels lie: tag -> (keyword, VR).
LAYOUT_ATTRIBUTES = {
    0x00280002: ("SamplesPerPixel", "US"), 0x00280004: ("PhotometricInterpretation", "CS"),
    0x00280006: ("PlanarConfiguration", "US"), 0x00280008: ("NumberOfFrames", "IS"),
    0x00280010: ("Rows", "US"), 0x00280011: ("Columns", "US"), 0x00280100: ("BitsAllocated", "US"),
    0x00280101: ("BitsStored", "US"), 0x00280103: ("PixelRepresentation", "US"),
}


@dataclass(frozen=True)
class NativeLayout:
    """How uncompressed little-endian 8/16-bit pixels lie in Pixel Data: a numpy view needs nothing else."""

    dtype: np.dtype
    shape: tuple[int, ...]  # (frames, rows, columns[, samples])
    fmt: PixelFormat

    @property
    def nbytes(self) -> int:
        return int(self.dtype.itemsize) * math.prod(self.shape)


def _native_layout(values: Mapping[str, Any], syntax: str) -> NativeLayout | None:
    """The layout the Image Pixel ``values`` (by keyword) describe, or None when pixels need decoding."""
    import numpy as np

    if syntax not in (EXPLICIT_VR_LITTLE_ENDIAN, "1.2.840.10008.1.2"):
        return None
    try:
        allocated, stored = int(values["BitsAllocated"]), int(values["BitsStored"])
        signed, samples = int(values["PixelRepresentation"]), int(values["SamplesPerPixel"])
        rows, columns = int(values["Rows"]), int(values["Columns"])
        frames = int(values.get("NumberOfFrames") or 1)
        planar = int(values.get("PlanarConfiguration") or 0)
        photometric = str(values["PhotometricInterpretation"])
    except (TypeError, ValueError, KeyError):
        return None
    if allocated not in (8, 16) or (samples > 1 and planar) or photometric.startswith("YBR"):
        return None
    if stored < allocated and signed:
        return None  # sign extension needed: let pydicom do it
    dtype = np.dtype(("i" if signed else "u") + str(allocated // 8)).newbyteorder("<")
    fmt = PixelFormat(rows, columns, samples, allocated, stored, signed, photometric)
    return NativeLayout(dtype, (frames, rows, columns) + ((samples,) if samples > 1 else ()), fmt)


def dataset_layout(ds: Dataset) -> NativeLayout | None:
    meta = getattr(ds, "file_meta", None)
    syntax = str(getattr(meta, "TransferSyntaxUID", "")) if meta is not None else ""
    return _native_layout({keyword: ds.get(keyword) for keyword, _vr in LAYOUT_ATTRIBUTES.values()}, syntax)


def scanned_layout(scan: ScanResult) -> NativeLayout | None:
    """The layout from the raw values the header scan kept (little endian only)."""
    if not scan.little or scan.problem:
        return None
    values: dict[str, Any] = {}
    for tag, (keyword, vr) in LAYOUT_ATTRIBUTES.items():
        raw = scan.values.get(tag)
        if raw is not None:
            text = raw.decode("ascii", "replace").strip("\0 ")
            values[keyword] = struct.unpack_from("<H", raw)[0] if vr == "US" and len(raw) >= 2 else text
    return _native_layout(values, scan.transfer_syntax)


def _high_bits_clear(arr: np.ndarray, stored: int) -> bool:
    return stored >= arr.dtype.itemsize * 8 or not arr.size or int(arr.max()) < (1 << stored)


def clear_high_bits(frame: np.ndarray, stored: int) -> np.ndarray:
    """Unsigned values without the bits above Bits Stored (not part of the value, PS3.5 8.1.1).

    Done per frame, in the process encoding it, so the parent never has to
    touch every page of a memory-mapped input.
    """
    if frame.dtype.kind != "u" or stored >= frame.dtype.itemsize * 8 or _high_bits_clear(frame, stored):
        return frame
    return frame & frame.dtype.type((1 << stored) - 1)


def _native_view(ds: Dataset) -> np.ndarray | None:
    """Uncompressed pixels as a zero-copy view of Pixel Data, when no unpacking or masking is needed.

    pydicom's ``pixel_array`` copies; a view keeps a transcode at one copy of the input.
    """
    import numpy as np

    layout = dataset_layout(ds)
    if layout is None or not isinstance(ds.PixelData, bytes) or len(ds.PixelData) < layout.nbytes:
        return None
    arr = np.frombuffer(ds.PixelData, dtype=layout.dtype, count=math.prod(layout.shape)).reshape(layout.shape)
    return arr if _high_bits_clear(arr, layout.fmt.bits_stored) else None


def set_native_pixels(ds: Dataset, frames: np.ndarray, fmt: PixelFormat | None = None) -> None:
    """Uncompressed Pixel Data (OB for 8-bit and 1-bit, OW otherwise), padded to even length."""
    import numpy as np

    fmt = fmt or PixelFormat.of(ds)
    if fmt.bits_allocated == 1:
        from pydicom.pixels import pack_bits

        # Frames are packed back to back, without padding between them (PS3.5 8.1.1).
        data = pack_bits(np.ascontiguousarray(frames).astype(np.uint8).ravel(), pad=True)
        vr = "OB"
    else:
        dtype = {8: "u1", 16: "u2", 32: "u4"}[fmt.bits_allocated]
        if fmt.pixel_representation:
            dtype = dtype.replace("u", "i")
        arr = clear_high_bits(np.ascontiguousarray(frames, dtype=np.dtype(dtype).newbyteorder("<")), fmt.bits_stored)
        data = arr.tobytes()
        if len(data) % 2:
            data += b"\x00"
        vr = "OB" if fmt.bits_allocated == 8 else "OW"
    ds.PixelData = data
    ds["PixelData"].VR = vr
    if fmt.samples_per_pixel > 1:
        ds.PlanarConfiguration = 0
    for keyword in ("ExtendedOffsetTable", "ExtendedOffsetTableLengths"):
        if keyword in ds:
            del ds[keyword]


_WORD_SIZES = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}


def to_little_endian(ds: Dataset) -> None:
    """Make a big-endian dataset writable as little endian (every output syntax here is).

    Values are decoded into Python objects, so only the binary words of other
    bulk elements (LUTs, overlays) need their bytes swapped.
    """
    import numpy as np

    encoding = getattr(ds, "original_encoding", (None, None))
    if encoding[1] is not False:
        return
    for elem in ds.iterall():  # decodes every raw element in the source's byte order
        size = _WORD_SIZES.get(elem.VR)
        if size and isinstance(elem.value, bytes) and len(elem.value) % size == 0:
            elem.value = np.frombuffer(elem.value, dtype=f">u{size}").astype(f"<u{size}").tobytes()
    ds.set_original_encoding(False, True, getattr(ds, "original_character_set", None))
