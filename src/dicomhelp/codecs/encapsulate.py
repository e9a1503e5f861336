"""Encapsulated Pixel Data (PS3.5 A.4): items, offset tables, frames streamed into the file.

The fragments are itemized into one buffer as they arrive (Basic Offset
Table, or the Extended Offset Table when 32-bit offsets no longer fit), or
written straight into the output file as they are encoded (:class:`PendingPixels`).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from dicomhelp.codecs.encode import StartedEncoding, encode_frames, encoder_errors
from dicomhelp.errors import InputError
from dicomhelp.codecs.policy import Compression, CompressionReport, PixelFormat

if TYPE_CHECKING:
    import numpy as np
    from pydicom import Dataset


# Basic Offset Table entries are 32-bit: beyond this the Extended Offset Table is needed.
MAX_BOT_OFFSET = 0xFFFFFFFF


class OffsetOverflow(Exception):
    """Streamed frames passed 4 GiB: the Basic Offset Table cannot hold their offsets."""


@dataclass
class PendingPixels:
    """Lossless encapsulated Pixel Data still to be encoded, straight into the file being written.

    Made by :func:`compress_frames_later`; pass :meth:`write` to
    :func:`dicomhelp.io.write_atomic` as ``pixel_data``. Frames are encoded by
    the worker processes while the parent writes the ones already done, so
    encoding and writing overlap and the compressed output is never held in
    memory. The bytes are those :func:`compress_frames` and pydicom would write.
    ``report.compressed_bytes`` is known once written.
    """

    frames: np.ndarray
    fmt: PixelFormat
    compression: Compression
    report: CompressionReport
    started: StartedEncoding | None = None

    def write(self, fh: BinaryIO) -> None:
        """Write the whole Pixel Data element (explicit VR little endian, undefined length) at ``fh``."""
        count = len(self.frames)
        bot_length = 4 * count if count > 1 else 0
        # (7FE0,0010) OB, undefined length; Basic Offset Table item filled in at the end.
        fh.write(struct.pack("<HH2sHL", 0x7FE0, 0x0010, b"OB", 0, 0xFFFFFFFF))
        fh.write(struct.pack("<HHL", 0xFFFE, 0xE000, bot_length))
        table_at = fh.tell()
        fh.write(bytes(bot_length))
        position, offsets, total = 0, [], 0
        with encoder_errors(self.compression.name):
            for data, _sse, _max in encode_frames(self.frames, self.fmt, self.compression, started=self.started):
                offsets.append(position)
                pad = len(data) % 2
                fh.write(struct.pack("<HHL", 0xFFFE, 0xE000, len(data) + pad))
                fh.write(data)
                if pad:
                    fh.write(b"\x00")
                position += 8 + len(data) + pad
                total += len(data)
        if bot_length and offsets[-1] > MAX_BOT_OFFSET:
            raise OffsetOverflow(f"frame offsets reach {offsets[-1]} bytes")
        fh.write(struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))  # Sequence Delimitation Item
        if bot_length:
            end = fh.tell()
            fh.seek(table_at)
            fh.write(struct.pack(f"<{count}L", *offsets))
            fh.seek(end)
        self.report.compressed_bytes = total

    def encode_into(self, ds: Dataset) -> None:
        """Encode in memory into ``ds`` instead (with an Extended Offset Table past 4 GiB)."""
        with encoder_errors(self.compression.name):
            self.report.compressed_bytes = set_encapsulated(
                ds, (data for data, _, _ in encode_frames(self.frames, self.fmt, self.compression)),
                len(self.frames))


def write_with_pixels(ds: Dataset, pending: PendingPixels | None, path: str | os.PathLike[str]) -> None:
    """Write ``ds`` atomically, streaming ``pending`` frames into it when given.

    An element pydicom refuses to write (a Command Set element in a damaged
    file, a value that does not fit its VR) is one line, and nothing is written.
    """
    from dicomhelp.io.read import PYDICOM_REFUSALS

    try:
        _write_with_pixels(ds, pending, path)
    except PYDICOM_REFUSALS as exc:
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot be written: {text}", source=str(path),
                         hint="repair or re-export the input first") from None


def _write_with_pixels(ds: Dataset, pending: PendingPixels | None, path: str | os.PathLike[str]) -> None:
    from dicomhelp.io.write import write_atomic

    if pending is None:
        write_atomic(ds, path)
        return
    try:
        write_atomic(ds, path, pixel_data=pending.write)
    except OffsetOverflow:
        # Past 4 GiB the offsets go into an Extended Offset Table, which precedes Pixel Data:
        # encode again, in memory (rare: only objects of several GiB).
        pending.encode_into(ds)
        write_atomic(ds, path)


def encapsulate_fragments(fragments: Iterable[bytes], count: int) -> tuple[bytes, list[int], list[int]]:
    """Itemize one fragment per frame into one buffer, with a Basic Offset Table.

    Each fragment is appended as it arrives and can be freed at once, and
    ``BytesIO.getvalue()`` hands over its buffer without a copy, so the peak is
    the compressed output itself (pydicom's ``encapsulate`` joins a second
    copy; its ``EncapsulatedBuffer`` recomputes offsets on every read, which is
    quadratic in the number of frames). Returns the items, and the frames'
    offsets and lengths for an Extended Offset Table.
    """
    import io

    bot_length = 4 * count if count > 1 else 0
    out = io.BytesIO()
    out.write(struct.pack("<HHL", 0xFFFE, 0xE000, bot_length))
    out.write(bytes(bot_length))
    first = out.tell()
    offsets: list[int] = []
    lengths: list[int] = []
    for data in fragments:
        offsets.append(out.tell() - first)
        lengths.append(len(data))
        out.write(struct.pack("<HHL", 0xFFFE, 0xE000, len(data) + len(data) % 2))
        out.write(data)
        if len(data) % 2:
            out.write(b"\x00")
    end = out.tell()
    if bot_length and offsets and offsets[-1] <= MAX_BOT_OFFSET:
        out.seek(8)
        out.write(struct.pack(f"<{len(offsets)}L", *offsets))
        out.seek(end)
    value = out.getvalue()
    del out
    if bot_length and offsets and offsets[-1] > MAX_BOT_OFFSET:
        # 32-bit offsets overflow: an empty Basic Offset Table, the Extended one carries them.
        value = struct.pack("<HHL", 0xFFFE, 0xE000, 0) + value[8 + bot_length:]
    return value, offsets, lengths


def set_encapsulated(ds: Dataset, fragments: Iterable[bytes], count: int) -> int:
    """Set encapsulated Pixel Data from per-frame codestreams; return their total length."""
    value, offsets, lengths = encapsulate_fragments(fragments, count)
    for keyword in ("ExtendedOffsetTable", "ExtendedOffsetTableLengths"):
        if keyword in ds:
            del ds[keyword]
    if offsets and offsets[-1] > MAX_BOT_OFFSET:
        ds.ExtendedOffsetTable = struct.pack(f"<{len(offsets)}Q", *offsets)
        ds.ExtendedOffsetTableLengths = struct.pack(f"<{len(lengths)}Q", *lengths)
    ds.PixelData = value
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    return sum(lengths)
