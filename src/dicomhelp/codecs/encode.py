"""Frames into codestreams, on every core: the codec-library calls and their scheduling.

- frames are encoded on every core, by this process and *forked* ones that
  inherit the frame array (threads do not help: openjpeg crashes with two
  encoding threads and pyjpegls holds the GIL), and streamed back in order
  through shared memory, so memory stays at the input plus the compressed
  output (:mod:`dicomhelp.parallel`);
- lossless frames go to the codec libraries directly, with the options
  pydicom would pass (same bytes), so helpers forked before pydicom is
  imported never import it; Ctrl-C is held while a codec runs;
- :func:`start_transcoding` starts the helpers from a header scan, before
  pydicom is imported; :func:`frame_progress` hears of every frame.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from dicomhelp.codecs.layout import LAYOUT_ATTRIBUTES, clear_high_bits, scanned_layout
from dicomhelp.codecs.policy import Compression, PixelFormat, check_encodable, encoder_kwargs
from dicomhelp.codecs.syntaxes import (JPEG_2000, JPEG_2000_LOSSLESS, JPEG_LS_LOSSLESS, JPEG_LS_NEAR_LOSSLESS,
                                       RLE_LOSSLESS)
from dicomhelp.errors import InputError, UsageError

if TYPE_CHECKING:
    import numpy as np

    from dicomhelp.parallel import InOrder


def _plugin(uid: str) -> str:
    # pylibjpeg-rle is several times faster than pydicom's numpy RLE encoder.
    if uid == RLE_LOSSLESS:
        from pydicom.pixels.encoders import RLELosslessEncoder

        return "pylibjpeg" if "pylibjpeg" in RLELosslessEncoder.available_plugins else ""
    return ""


def _decode_frame(uid: str, data: bytes) -> np.ndarray:
    import numpy as np

    if uid in (JPEG_2000, JPEG_2000_LOSSLESS):
        import openjpeg

        return openjpeg.decode(data)
    import jpeg_ls

    return jpeg_ls.decode(np.frombuffer(data, dtype=np.uint8))


def _rle_segment_encoder() -> Callable[[bytes, int], bytes] | None:
    try:
        from rle.rle import encode_segment  # pylibjpeg-rle's PackBits encoder, in Rust
    except ImportError:
        return None
    return encode_segment  # type: ignore[no-any-return]


def rle_encode_frame(frame: np.ndarray) -> bytes:
    """One frame in DICOM RLE (PS3.5 Annex G): a 64-byte header, then one segment per byte plane.

    The byte planes (most significant first, sample by sample) are split with
    numpy and each is PackBits-encoded row by row by pylibjpeg-rle. The result
    is byte-identical to pylibjpeg-rle's ``encode_frame``, which spends most of
    its time splitting planes: this is about 4x faster.
    """
    import numpy as np

    encode_segment = _rle_segment_encoder()
    if encode_segment is None:
        raise RuntimeError("pylibjpeg-rle is not installed")
    rows, columns = frame.shape[0], frame.shape[1]
    samples = frame.shape[2] if frame.ndim == 3 else 1
    width = frame.dtype.itemsize
    if samples * width > 15:
        raise ValueError(f"RLE holds at most 15 byte planes; {samples} x {width * 8}-bit samples need "
                         f"{samples * width}")
    planes = np.ascontiguousarray(frame, dtype=frame.dtype.newbyteorder("<")).view(np.uint8)
    planes = planes.reshape(rows, columns, samples, width)
    segments = [encode_segment(np.ascontiguousarray(planes[:, :, sample, byte]).tobytes(), columns)
                for sample in range(samples) for byte in reversed(range(width))]
    offsets, position = [], 64
    for segment in segments:
        offsets.append(position)
        position += len(segment)  # segments come back padded to even length
    header = struct.pack("<16L", len(segments), *offsets, *([0] * (15 - len(segments))))
    return b"".join([header, *segments])


@dataclass(frozen=True)
class _FrameEncoder:
    """Encodes frame ``index`` of ``frames``; for lossy syntaxes also measures the error.

    Handed to :class:`dicomhelp.parallel.InOrder`: forked processes inherit
    it, frames included, without pickling.
    """

    frames: np.ndarray
    fmt: PixelFormat
    compression: Compression

    def __call__(self, index: int) -> tuple[bytes, tuple[float, int]]:
        import numpy as np

        frame = clear_high_bits(np.ascontiguousarray(self.frames[index]), self.fmt.bits_stored)
        with _interrupts_held():
            data = self.codec(frame)
            if not self.compression.syntax.lossy:
                return data, (0.0, 0)
            decoded = _decode_frame(self.compression.syntax.uid, data)
        decoded = decoded.reshape(frame.shape).astype(np.int64)
        diff = decoded - frame.astype(np.int64)
        max_err = int(np.abs(diff).max()) if diff.size else 0
        return data, (float(np.square(diff, dtype=np.float64).sum()), max_err)

    @cached_property
    def codec(self) -> Callable[[np.ndarray], bytes]:
        """A call that gives the bytes pydicom's encoder gives, without pydicom where it can.

        For lossless frames that is the codec library itself, called with the
        options pydicom would pass: helpers forked before pydicom is imported
        (:func:`start_transcoding`) would each spend ~0.1 s importing it, and
        its per-frame set-up and checks cannot fail on these frames (bits above
        Bits Stored are cleared; signed values are checked against Bits Stored
        here). Lossy frames, a frame out of range and a missing library go
        through pydicom, which also words the errors.
        """
        uid = self.compression.syntax.uid
        kwargs = encoder_kwargs(self.fmt, self.compression)
        if uid == RLE_LOSSLESS and self.fmt.bits_allocated in (8, 16, 32, 64) and _rle_segment_encoder() is not None:
            return rle_encode_frame
        through_pydicom = _pydicom_encoder(uid, kwargs)
        library = None if self.compression.syntax.lossy else _codec_library(uid, kwargs)
        if library is None:
            return through_pydicom
        stored, signed = self.fmt.bits_stored, bool(self.fmt.pixel_representation)

        def encode(frame: np.ndarray) -> bytes:
            if signed and not _fits_signed(frame, stored):
                return through_pydicom(frame)  # refuses it, saying why
            return bytes(library(_sized_for_precision(frame, stored).tobytes()))

        return encode


def _pydicom_encoder(uid: str, kwargs: dict[str, Any]) -> Callable[[np.ndarray], bytes]:
    """pydicom's encoder for ``uid``, imported on first use."""

    def encode(frame: np.ndarray) -> bytes:
        from pydicom.pixels.encoders.base import get_encoder

        return bytes(get_encoder(uid).encode(frame, encoding_plugin=_plugin(uid), **kwargs))

    return encode


def _fits_signed(frame: np.ndarray, bits_stored: int) -> bool:
    limit = 1 << (bits_stored - 1)
    return not frame.size or (int(frame.min()) >= -limit and int(frame.max()) < limit)


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM) back while a codec runs; they take effect once the frame is done.

    openjpeg reads and writes through Python callbacks, and an exception
    raised inside one by a signal handler crashes the process (segmentation
    fault): no clean-up, the temporary output file left behind.
    """
    import signal
    import threading

    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _codec_library(uid: str, kwargs: dict[str, Any]) -> Callable[[bytes], bytes] | None:
    """pyjpegls or pylibjpeg-openjpeg called with the options pydicom's plugins pass them; None if missing."""
    from functools import partial

    if uid in (JPEG_LS_LOSSLESS, JPEG_LS_NEAR_LOSSLESS):
        try:
            import jpeg_ls
        except ImportError:
            return None
        options = {key: kwargs[key] for key in ("rows", "columns", "samples_per_pixel", "bits_stored")}
        if kwargs["samples_per_pixel"] > 1:
            options["planar_configuration"] = kwargs["planar_configuration"]
        return partial(jpeg_ls.encode_pixel_data, lossy_error=kwargs.get("jls_error", 0), **options)
    if uid in (JPEG_2000_LOSSLESS, JPEG_2000):
        try:
            import openjpeg
        except ImportError:
            return None
        options = {"transfer_syntax_uid": uid, "byteorder": "<", "pixel_keyword": "PixelData", **kwargs}
        if kwargs["photometric_interpretation"] == "RGB":
            options["use_mct"] = False
        if uid == JPEG_2000:
            options["compression_ratios"] = options.get("j2k_cr")
            options["signal_noise_ratios"] = options.get("j2k_psnr")
        return partial(openjpeg.encode_pixel_data, **options)
    return None


def _sized_for_precision(frame: np.ndarray, bits_stored: int) -> np.ndarray:
    """Little endian, in the smallest container that holds Bits Stored: what the codecs expect."""
    itemsize = 1 if bits_stored <= 8 else 2 if bits_stored <= 16 else 4 if bits_stored <= 32 else 8
    return frame.astype(f"<{frame.dtype.kind}{itemsize}", copy=False)


def _processes(compression: Compression, frames: np.ndarray) -> int:
    """How many processes encode, this one included."""
    from dicomhelp.parallel import cores

    if compression.workers is not None:
        return min(compression.workers, len(frames))
    if len(frames) < 2 or frames.nbytes < 4 * 1024 * 1024:
        return 1  # forking costs more than it saves on small objects
    return max(1, min(cores(), len(frames)))


def frame_bound(fmt: PixelFormat) -> int:
    """Room for one frame's codestream: its uncompressed size and a quarter, plus a header.

    Noisy data can grow a little under RLE or JPEG-LS; a codestream that is
    larger still is passed back through a pipe instead of shared memory.
    """
    size = fmt.rows * fmt.columns * fmt.samples_per_pixel * max(1, fmt.bits_allocated // 8)
    return 64 + size + size // 4


def encode_frames(frames: np.ndarray, fmt: PixelFormat, compression: Compression, *,
                  started: StartedEncoding | None = None) -> Iterator[tuple[bytes, float, int]]:
    """Yield ``(codestream, squared error sum, max error)`` per frame, in order.

    ``frames`` has shape (frames, rows, columns[, samples]). On several cores
    the frames are encoded by this process and forked ones that inherit the
    array (:mod:`dicomhelp.parallel`). ``started``: the same frames already
    being encoded (:func:`start_encoding`); used when it is for these frames.
    """
    from dicomhelp.parallel import HelperCrashed, InOrder

    if started is not None and started.serves(frames, fmt, compression):
        run = started.run
    else:
        if started is not None:
            started.close()  # encoding other frames: its helpers would only take cores from this one
        run = InOrder(_FrameEncoder(frames, fmt, compression), len(frames),
                      processes=_processes(compression, frames), slot=frame_bound(fmt))
    progress = _PROGRESS.get()
    try:
        for done, (data, (sse, max_err)) in enumerate(run, 1):
            if progress is not None:
                progress(done, len(frames))
            yield data, sse, max_err
    except HelperCrashed as exc:
        raise RuntimeError(f"an encoder process crashed ({exc})") from None


# Who hears of every frame encoded (a progress bar): set around a whole command rather than
# passed down through every function between it and the encoder.
_PROGRESS: ContextVar[Callable[[int, int], None] | None] = ContextVar("dicomhelp_frame_progress", default=None)


@contextmanager
def frame_progress(report: Callable[[int, int], None] | None) -> Iterator[None]:
    """Call ``report(frames done, frames in all)`` for every frame encoded inside the block."""
    token = _PROGRESS.set(report)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


@dataclass
class StartedEncoding:
    """Frames being encoded on every core already, while the caller gets the rest ready.

    Pass it on as ``started`` (:func:`transcode_file`, :func:`encode_frames`):
    it serves the first encoding of the very same frames, format and
    compression; anything else encodes anew. :meth:`close` it in any case
    (a ``finally``): it stops the helper processes if nobody read the frames.
    """

    frames: np.ndarray
    fmt: PixelFormat
    compression: Compression
    run: InOrder

    def serves(self, frames: np.ndarray, fmt: PixelFormat, compression: Compression) -> bool:
        return (frames is self.frames and fmt == self.fmt and compression == self.compression
                and not self.run.iterated)

    def close(self) -> None:
        self.run.close()


def start_encoding(frames: np.ndarray, fmt: PixelFormat, compression: Compression) -> StartedEncoding:
    """Fork the encoding helpers now: they start on the first frames at once."""
    from dicomhelp.parallel import InOrder

    encoder = _FrameEncoder(frames, fmt, compression)
    encoder.codec  # noqa: B018 - loaded here once, so the forked helpers inherit it
    run = InOrder(encoder, len(frames), processes=_processes(compression, frames), slot=frame_bound(fmt))
    return StartedEncoding(frames, fmt, compression, run.start())


def start_transcoding(path: str | os.PathLike[str], compression: Compression) -> StartedEncoding | None:
    """Start encoding the frames of an uncompressed file before its header is read with pydicom.

    A header scan (no pydicom: importing it takes ~0.1 s of one core) finds
    the pixels and their layout, and the helpers start encoding the mapped file
    while the caller imports pydicom, reads the header and builds the output.
    None when that does not apply (compressed, big endian, colour to convert,
    one process, anything odd) or gains nothing (nothing to encode; a lossy
    target, which pydicom's encoder writes: each helper would import it):
    :func:`transcode_file` then encodes as usual.
    """
    import numpy as np

    from dicomhelp.io.scan import scan_file

    if compression.name == "none" or compression.syntax.lossy:
        return None
    try:
        scan = scan_file(path, capture=LAYOUT_ATTRIBUTES)
    except OSError:
        return None  # reported by the reading that follows
    info, layout = scan.pixel, scanned_layout(scan)
    if info is None or info.tag != 0x7FE00010 or info.encapsulated or layout is None or info.length < layout.nbytes:
        return None
    try:
        check_encodable(layout.fmt, compression)
    except UsageError:
        return None  # reported by the transcoding that follows
    frames = np.memmap(path, dtype=layout.dtype, mode="r", offset=info.offset, shape=layout.shape)
    if _processes(compression, frames) <= 1:
        return None
    return start_encoding(frames, layout.fmt, compression)


@contextmanager
def encoder_errors(name: str) -> Iterator[None]:
    """An encoder's exception becomes one plain InputError."""
    try:
        yield
    except (ValueError, RuntimeError, TypeError) as exc:
        detail = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        raise InputError(f"the {name} encoder refused the pixels: {detail[:300]}",
                         hint="try another --compression") from None
