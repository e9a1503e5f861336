"""Pixel Data of a dataset from its frames, in the target syntax: now, or while the file is written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dicomhelp.codecs.encapsulate import PendingPixels, set_encapsulated
from dicomhelp.codecs.encode import StartedEncoding, encode_frames, encoder_errors
from dicomhelp.codecs.layout import set_native_pixels
from dicomhelp.codecs.policy import Compression, CompressionReport, PixelFormat, check_encodable, output_photometric

if TYPE_CHECKING:
    import numpy as np
    from pydicom import Dataset


def compress_frames(ds: Dataset, frames: np.ndarray, compression: Compression, *,
                    started: StartedEncoding | None = None) -> CompressionReport:
    """Set Pixel Data of ``ds`` from ``frames`` in ``compression``'s syntax; return what it did.

    ``ds`` must already describe the pixels (Image Pixel module). Lossy
    attributes are not touched here: see :func:`mark_lossy`. ``started``: see
    :func:`encode_frames`.
    """
    import numpy as np

    fmt = PixelFormat.of(ds)
    check_encodable(fmt, compression)
    syntax = compression.syntax
    uncompressed = _uncompressed_size(fmt, len(frames))
    if syntax.name == "none":
        set_native_pixels(ds, frames, fmt)
        ds.file_meta.TransferSyntaxUID = syntax.uid
        return CompressionReport(syntax.name, syntax.uid, len(frames), uncompressed, uncompressed, False)
    errors = {"sse": 0.0, "max": 0}

    def codestreams() -> Iterator[bytes]:
        for data, frame_sse, frame_max in encode_frames(frames, fmt, compression, started=started):
            errors["sse"] += frame_sse
            errors["max"] = max(errors["max"], frame_max)
            yield data

    with encoder_errors(syntax.name):
        compressed = set_encapsulated(ds, codestreams(), len(frames))
    sse, max_err = float(errors["sse"]), int(errors["max"])
    ds.PhotometricInterpretation = output_photometric(fmt, compression)
    if fmt.samples_per_pixel > 1:
        ds.PlanarConfiguration = 0
    ds.file_meta.TransferSyntaxUID = syntax.uid
    report = CompressionReport(syntax.name, syntax.uid, len(frames), uncompressed, compressed, syntax.lossy)
    if syntax.lossy:
        report.max_error = max_err
        peak = float((1 << fmt.bits_stored) - 1)
        samples = int(np.prod(frames.shape))
        mse = sse / samples if samples else 0.0
        report.psnr_db = None if mse == 0 else round(float(10 * np.log10(peak * peak / mse)), 2)
    return report


def compress_frames_later(ds: Dataset, frames: np.ndarray, compression: Compression, *,
                          started: StartedEncoding | None = None) -> PendingPixels | None:
    """Like :func:`compress_frames`, but the encoding happens while the file is written.

    Returns None, leaving ``ds`` untouched, when that does not apply (lossy
    targets need the ratio before the Pixel Data, uncompressed has nothing to
    encode): then call :func:`compress_frames`. Otherwise ``ds`` is set up for the target syntax,
    without Pixel Data: write it with ``write_atomic(ds, out, pixel_data=pending.write)``.
    """
    syntax = compression.syntax
    if syntax.lossy or syntax.name == "none":
        return None
    fmt = PixelFormat.of(ds)
    check_encodable(fmt, compression)
    uncompressed = _uncompressed_size(fmt, len(frames))
    for keyword in ("PixelData", "ExtendedOffsetTable", "ExtendedOffsetTableLengths"):
        if keyword in ds:
            del ds[keyword]
    ds.PhotometricInterpretation = output_photometric(fmt, compression)
    if fmt.samples_per_pixel > 1:
        ds.PlanarConfiguration = 0
    ds.file_meta.TransferSyntaxUID = syntax.uid
    report = CompressionReport(syntax.name, syntax.uid, len(frames), uncompressed, 0, False)
    return PendingPixels(frames, fmt, compression, report, started)


def _uncompressed_size(fmt: PixelFormat, n_frames: int) -> int:
    pixels = fmt.rows * fmt.columns * fmt.samples_per_pixel * n_frames
    return (pixels + 7) // 8 if fmt.bits_allocated == 1 else pixels * (fmt.bits_allocated // 8)
