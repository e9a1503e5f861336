"""The compression policy: which transfer syntaxes, how frames are encoded, what lossy objects must say.

pydicom's encoders (pylibjpeg-rle, pyjpegls, pylibjpeg-openjpeg) turn one frame
into a codestream; everything around that is done here:

- frames are encoded on every core, by this process and *forked* ones that
  inherit the frame array (threads do not help: openjpeg crashes with two
  encoding threads and pyjpegls holds the GIL), and streamed back in order
  through shared memory, so memory stays at the input plus the compressed
  output (:mod:`dicomhelp.parallel`);
- the fragments are itemized into one buffer as they arrive (Basic Offset
  Table, or the Extended Offset Table when 32-bit offsets no longer fit);
- colour JPEG 2000 is written YBR_RCT (lossless) / YBR_ICT (lossy), never RGB;
- lossy output gets what PS3.3 C.7.6.1.1.5 demands: Lossy Image Compression
  "01" (never reset), Lossy Image Compression Ratio and Method appended per
  step, Image Type value 1 DERIVED, Derivation Code 113040 and a new SOP
  Instance UID (the caller passes it), plus a Source Image Sequence item with
  purpose 121320 pointing at the uncompressed predecessor when there is one.
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, BinaryIO

from dicomhelp.errors import InputError, SpecError, UsageError

if TYPE_CHECKING:
    import numpy as np
    from pydicom import Dataset

    from dicomhelp.io import DicomFile, ScanResult
    from dicomhelp.parallel import InOrder

EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
RLE_LOSSLESS = "1.2.840.10008.1.2.5"
JPEG_LS_LOSSLESS = "1.2.840.10008.1.2.4.80"
JPEG_LS_NEAR_LOSSLESS = "1.2.840.10008.1.2.4.81"
JPEG_2000_LOSSLESS = "1.2.840.10008.1.2.4.90"
JPEG_2000 = "1.2.840.10008.1.2.4.91"
# Basic Offset Table entries are 32-bit: beyond this the Extended Offset Table is needed.
MAX_BOT_OFFSET = 0xFFFFFFFF
# Source syntaxes whose pixels have already lost information (JPEG baseline/extended, JPEG-LS
# near-lossless, JPEG 2000 and HTJ2K that may be lossy).
LOSSY_SOURCE_SYNTAXES = {
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81",
    "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.93", "1.2.840.10008.1.2.4.203",
}


@dataclass(frozen=True)
class Syntax:
    name: str
    uid: str
    lossy: bool
    method: str | None  # Lossy Image Compression Method (0028,2114) when lossy
    description: str


SYNTAXES: dict[str, Syntax] = {
    s.name: s
    for s in (
        Syntax("none", EXPLICIT_VR_LITTLE_ENDIAN, False, None, "uncompressed, explicit VR little endian"),
        Syntax("rle-lossless", RLE_LOSSLESS, False, None, "RLE lossless: fast, modest gain, any viewer"),
        Syntax("jpeg-ls-lossless", JPEG_LS_LOSSLESS, False, None, "JPEG-LS lossless: best speed/size balance"),
        Syntax("jpeg-ls-near-lossless", JPEG_LS_NEAR_LOSSLESS, True, "ISO_14495_1",
               "JPEG-LS near-lossless: every pixel within --max-error of the original"),
        Syntax("jpeg2000-lossless", JPEG_2000_LOSSLESS, False, None, "JPEG 2000 lossless: small, slow"),
        Syntax("jpeg2000", JPEG_2000, True, "ISO_15444_1", "JPEG 2000 lossy at --ratio or --psnr"),
    )
}
ALIASES = {"explicit-vr-little-endian": "none", "explicit": "none", "uncompressed": "none", "rle": "rle-lossless",
           "jpeg-ls": "jpeg-ls-lossless", "jpeg2000-lossy": "jpeg2000"}
BY_UID = {s.uid: s for s in SYNTAXES.values()}


def syntax_by_name(name: str) -> Syntax:
    """A syntax by its dicomhelp name, an alias or its UID."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key in SYNTAXES:
        return SYNTAXES[key]
    if name.strip() in BY_UID:
        return BY_UID[name.strip()]
    raise UsageError(f"unsupported transfer syntax '{name}'", hint="choose one of " + ", ".join(SYNTAXES))


@dataclass(frozen=True)
class Compression:
    """How to compress: a syntax name and its parameters (``--compression``, ``--ratio``, ...)."""

    name: str = "none"
    ratio: float | None = None  # JPEG 2000 lossy: target compression ratio (>= 1)
    psnr: float | None = None  # JPEG 2000 lossy: target PSNR in dB
    max_error: int | None = None  # JPEG-LS near-lossless: NEAR parameter (>= 1)
    workers: int | None = None  # encoding processes; None: all cores when it pays off

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", syntax_by_name(self.name).name)
        s = self.syntax
        if self.ratio is not None and self.psnr is not None:
            raise UsageError("give either --ratio or --psnr, not both")
        if (self.ratio is not None or self.psnr is not None) and s.name != "jpeg2000":
            raise UsageError("--ratio and --psnr apply to --compression jpeg2000 only")
        if self.max_error is not None and s.name != "jpeg-ls-near-lossless":
            raise UsageError("--max-error applies to --compression jpeg-ls-near-lossless only")
        if self.ratio is not None and not self.ratio >= 1:
            raise UsageError(f"--ratio {self.ratio} is below 1", hint="a compression ratio is >= 1, e.g. 10")
        if self.psnr is not None and not self.psnr > 0:
            raise UsageError(f"--psnr {self.psnr} must be positive (dB)")
        if self.max_error is not None and not 1 <= self.max_error <= 255:
            raise UsageError(f"--max-error {self.max_error} must be between 1 and 255")
        if self.workers is not None and self.workers < 1:
            raise UsageError("--workers must be at least 1")

    @property
    def syntax(self) -> Syntax:
        return SYNTAXES[self.name]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | str | None, *, key: str = "compression") -> Compression:
        """From a spec value: a name (``"jpeg2000-lossless"``) or ``{name, ratio, psnr, max_error}``."""
        if data is None:
            return cls()
        if isinstance(data, str):
            data = {"name": data}
        if not isinstance(data, Mapping):
            raise SpecError("must be a syntax name or a mapping", source=key)
        known = {"name", "ratio", "psnr", "max_error", "workers"}
        for k in data:
            if k not in known:
                raise SpecError(f"unknown key (known: {', '.join(sorted(known))})", source=f"{key}.{k}")
        try:
            return cls(**dict(data))
        except UsageError as exc:
            raise SpecError(exc.message, source=key, hint=exc.hint) from None
        except TypeError as exc:
            raise SpecError(str(exc), source=key) from None


@dataclass(frozen=True)
class PixelFormat:
    """The Image Pixel description the encoders need."""

    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    photometric_interpretation: str

    @classmethod
    def of(cls, ds: Dataset) -> PixelFormat:
        return cls(int(ds.Rows), int(ds.Columns), int(ds.SamplesPerPixel), int(ds.BitsAllocated),
                   int(ds.BitsStored), int(ds.PixelRepresentation), str(ds.PhotometricInterpretation))


@dataclass
class CompressionReport:
    """What compressing did: sizes, and for lossy syntaxes how far the pixels moved."""

    syntax: str
    transfer_syntax_uid: str
    frames: int
    uncompressed_bytes: int
    compressed_bytes: int
    lossy: bool
    psnr_db: float | None = None  # over all frames; None when lossless or identical
    max_error: int | None = None

    @property
    def ratio(self) -> float:
        return self.uncompressed_bytes / self.compressed_bytes if self.compressed_bytes else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"syntax": self.syntax, "transfer_syntax_uid": self.transfer_syntax_uid, "frames": self.frames,
                "uncompressed_bytes": self.uncompressed_bytes, "compressed_bytes": self.compressed_bytes,
                "ratio": round(self.ratio, 2), "lossy": self.lossy, "psnr_db": self.psnr_db,
                "max_error": self.max_error}

    def summary(self) -> str:
        text = f"{self.syntax}: {self.frames} frame(s), {self.uncompressed_bytes} -> {self.compressed_bytes} bytes " \
               f"(ratio {self.ratio:.2f})"
        if self.lossy:
            psnr = "inf" if self.psnr_db is None else f"{self.psnr_db:.2f}"
            text += f", lossy: PSNR {psnr} dB, max error {self.max_error}"
        return text


# --- encoding frames ---------------------------------------------------------------------------

def _encoder_kwargs(fmt: PixelFormat, compression: Compression) -> dict[str, Any]:
    photometric = fmt.photometric_interpretation
    if compression.syntax.uid in (JPEG_2000_LOSSLESS, JPEG_2000) and fmt.samples_per_pixel == 3:
        # The codestream's multiple-component transform is what YBR_RCT/YBR_ICT declare.
        photometric = "YBR_RCT" if compression.syntax.uid == JPEG_2000_LOSSLESS else "YBR_ICT"
    kwargs: dict[str, Any] = {
        "rows": fmt.rows, "columns": fmt.columns, "samples_per_pixel": fmt.samples_per_pixel,
        "bits_allocated": fmt.bits_allocated, "bits_stored": fmt.bits_stored,
        "pixel_representation": fmt.pixel_representation, "photometric_interpretation": photometric,
        "number_of_frames": 1, "planar_configuration": 0,
    }
    if compression.name == "jpeg2000":
        if compression.psnr is not None:
            kwargs["j2k_psnr"] = [compression.psnr]
        else:
            kwargs["j2k_cr"] = [compression.ratio if compression.ratio is not None else 10.0]
    if compression.name == "jpeg-ls-near-lossless":
        kwargs["jls_error"] = compression.max_error if compression.max_error is not None else 2
    return kwargs


def output_photometric(fmt: PixelFormat, compression: Compression) -> str:
    """The Photometric Interpretation the encoded object must declare."""
    return str(_encoder_kwargs(fmt, compression)["photometric_interpretation"])


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

        frame = _clear_high_bits(np.ascontiguousarray(self.frames[index]), self.fmt.bits_stored)
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
        kwargs = _encoder_kwargs(self.fmt, self.compression)
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

    from dicomhelp.io import scan_file

    if compression.name == "none" or compression.syntax.lossy:
        return None
    try:
        scan = scan_file(path, capture=_LAYOUT_ATTRIBUTES)
    except OSError:
        return None  # reported by the reading that follows
    info, layout = scan.pixel, _scanned_layout(scan)
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


def check_encodable(fmt: PixelFormat, compression: Compression) -> None:
    """Refuse combinations the encoders cannot write, with a message saying what to do."""
    name = compression.name
    if name == "none":
        return
    if fmt.bits_allocated == 1:
        raise UsageError(f"1-bit (Single Bit) pixel data cannot be written as {name}",
                         hint="leave it uncompressed (none): single-bit data is already 8 pixels per byte")
    if fmt.bits_allocated not in (8, 16) and name != "rle-lossless":
        raise UsageError(f"{fmt.bits_allocated}-bit pixel data cannot be written as {name}",
                         hint="use rle-lossless or none")
    if name.startswith("jpeg2000") and min(fmt.rows, fmt.columns) < 32:
        # openjpeg's encoder uses 6 resolution levels, which need 32 pixels on each side.
        raise UsageError(f"{fmt.columns}x{fmt.rows} pixels is too small for the JPEG 2000 encoder "
                         "(at least 32 on each side)", hint="use jpeg-ls-lossless or rle-lossless")
    if fmt.samples_per_pixel == 3 and fmt.bits_allocated != 8 and name.startswith("jpeg2000"):
        raise UsageError("JPEG 2000 here encodes 8-bit colour only", hint="use jpeg-ls-lossless or none")


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

    with _encoder_errors(syntax.name):
        compressed = _set_encapsulated(ds, codestreams(), len(frames))
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


@contextmanager
def _encoder_errors(name: str) -> Iterator[None]:
    """An encoder's exception becomes one plain InputError."""
    try:
        yield
    except (ValueError, RuntimeError, TypeError) as exc:
        detail = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        raise InputError(f"the {name} encoder refused the pixels: {detail[:300]}",
                         hint="try another --compression") from None


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
        with _encoder_errors(self.compression.name):
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
        with _encoder_errors(self.compression.name):
            self.report.compressed_bytes = _set_encapsulated(
                ds, (data for data, _, _ in encode_frames(self.frames, self.fmt, self.compression)),
                len(self.frames))


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


def write_with_pixels(ds: Dataset, pending: PendingPixels | None, path: str | os.PathLike[str]) -> None:
    """Write ``ds`` atomically, streaming ``pending`` frames into it when given."""
    from dicomhelp.io import write_atomic

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


def _uncompressed_size(fmt: PixelFormat, n_frames: int) -> int:
    pixels = fmt.rows * fmt.columns * fmt.samples_per_pixel * n_frames
    return (pixels + 7) // 8 if fmt.bits_allocated == 1 else pixels * (fmt.bits_allocated // 8)


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
        arr = _clear_high_bits(np.ascontiguousarray(frames, dtype=np.dtype(dtype).newbyteorder("<")), fmt.bits_stored)
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


def _set_encapsulated(ds: Dataset, fragments: Iterable[bytes], count: int) -> int:
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


# --- what lossy objects must say ------------------------------------------------------------------

LOSSY_COMPRESSION_CODE = ("113040", "DCM", "Lossy Compression")
UNCOMPRESSED_PREDECESSOR_CODE = ("121320", "DCM", "Uncompressed predecessor")


def code_item(value: str, scheme: str, meaning: str) -> Dataset:
    from pydicom import Dataset as _Dataset

    item = _Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def mark_lossy(ds: Dataset, report: CompressionReport, *, predecessor: Dataset | None = None) -> None:
    """Record one lossy compression step (PS3.3 C.7.6.1.1.5) on ``ds``.

    ``predecessor`` is the instance the pixels came from, referenced with
    purpose 121320 when it was not lossy itself. The caller gives ``ds`` a
    new SOP Instance UID.
    """
    from pydicom import Dataset as _Dataset

    method = SYNTAXES[report.syntax].method
    was_lossy = predecessor is not None and str(predecessor.get("LossyImageCompression", "")) == "01"
    ds.LossyImageCompression = "01"
    ratios = _as_list(ds.get("LossyImageCompressionRatio"))
    methods = _as_list(ds.get("LossyImageCompressionMethod"))
    # Each step appends its own ratio and method (the values are parallel lists).
    while len(methods) < len(ratios):
        methods.append("")
    ratios.append(f"{report.ratio:.4g}")
    methods.append(method or "")
    ds.LossyImageCompressionRatio = ratios
    ds.LossyImageCompressionMethod = methods
    image_type = [str(v) for v in _as_list(ds.get("ImageType"))] or ["DERIVED", "SECONDARY"]
    image_type[0] = "DERIVED"
    if len(image_type) == 1:
        image_type.append("SECONDARY")
    ds.ImageType = image_type
    codes = list(ds.get("DerivationCodeSequence", []))
    if not any(getattr(c, "CodeValue", None) == LOSSY_COMPRESSION_CODE[0] for c in codes):
        codes.append(code_item(*LOSSY_COMPRESSION_CODE))
    ds.DerivationCodeSequence = codes
    if predecessor is not None and not was_lossy:
        ref = _Dataset()
        ref.ReferencedSOPClassUID = predecessor.SOPClassUID
        ref.ReferencedSOPInstanceUID = predecessor.SOPInstanceUID
        ref.PurposeOfReferenceCodeSequence = [code_item(*UNCOMPRESSED_PREDECESSOR_CODE)]
        items = [i for i in ds.get("SourceImageSequence", [])
                 if i.get("ReferencedSOPInstanceUID") != predecessor.SOPInstanceUID]
        ds.SourceImageSequence = [*items, ref]


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    from pydicom.multival import MultiValue

    if isinstance(value, (list, tuple, MultiValue)):
        return list(value)
    return [value]


# --- transcoding existing files -------------------------------------------------------------------


@dataclass
class TranscodeResult:
    dataset: Dataset
    report: CompressionReport
    new_instance: bool  # lossy output is a new instance with a new SOP Instance UID
    notes: list[str] = field(default_factory=list)
    # With stream=True and a lossless encapsulated target: the frames, encoded while
    # write() writes them (``dataset`` has no Pixel Data, the report's compressed size
    # is known once written).
    pending: PendingPixels | None = None

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the result atomically, streaming pending frames into the file."""
        write_with_pixels(self.dataset, self.pending, path)


def decode_frames(ds: Dataset, source: str = "input") -> np.ndarray:
    """All frames as (frames, rows, columns[, samples]); colour converted to RGB when it was YCbCr."""
    import numpy as np

    if "PixelData" not in ds:
        raise InputError("has no Pixel Data: it is not an image", source=source)
    native = _native_view(ds)
    if native is not None:
        return native
    try:
        arr = ds.pixel_array
    except (NotImplementedError, RuntimeError, ValueError, AttributeError, KeyError, TypeError) as exc:
        detail = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        raise InputError(f"pixel data cannot be decoded: {detail[:300]}", source=source) from None
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    samples = int(ds.SamplesPerPixel)
    shape = (frames, int(ds.Rows), int(ds.Columns)) + ((samples,) if samples > 1 else ())
    return np.ascontiguousarray(arr.reshape(shape))


# The Image Pixel attributes that say how uncompressed pixels lie: tag -> (keyword, VR).
_LAYOUT_ATTRIBUTES = {
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


def _dataset_layout(ds: Dataset) -> NativeLayout | None:
    meta = getattr(ds, "file_meta", None)
    syntax = str(getattr(meta, "TransferSyntaxUID", "")) if meta is not None else ""
    return _native_layout({keyword: ds.get(keyword) for keyword, _vr in _LAYOUT_ATTRIBUTES.values()}, syntax)


def _scanned_layout(scan: ScanResult) -> NativeLayout | None:
    """The layout from the raw values the header scan kept (little endian only)."""
    if not scan.little or scan.problem:
        return None
    values: dict[str, Any] = {}
    for tag, (keyword, vr) in _LAYOUT_ATTRIBUTES.items():
        raw = scan.values.get(tag)
        if raw is not None:
            text = raw.decode("ascii", "replace").strip("\0 ")
            values[keyword] = struct.unpack_from("<H", raw)[0] if vr == "US" and len(raw) >= 2 else text
    return _native_layout(values, scan.transfer_syntax)


def _high_bits_clear(arr: np.ndarray, stored: int) -> bool:
    return stored >= arr.dtype.itemsize * 8 or not arr.size or int(arr.max()) < (1 << stored)


def _clear_high_bits(frame: np.ndarray, stored: int) -> np.ndarray:
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

    layout = _dataset_layout(ds)
    if layout is None or not isinstance(ds.PixelData, bytes) or len(ds.PixelData) < layout.nbytes:
        return None
    arr = np.frombuffer(ds.PixelData, dtype=layout.dtype, count=math.prod(layout.shape)).reshape(layout.shape)
    return arr if _high_bits_clear(arr, layout.fmt.bits_stored) else None


def transcode_file(path: str | os.PathLike[str], compression: Compression, *,
                   new_uid: Callable[[], str], header: DicomFile | None = None,
                   stream: bool = False, started: StartedEncoding | None = None) -> TranscodeResult:
    """:func:`transcode` a file; uncompressed input is memory-mapped instead of read.

    The forked encoders then read the pages they need straight from the page
    cache: the parent holds no copy of the input and spends no time reading it.
    ``header``: the file as already read by ``read_file(path)`` (saves a second
    read). ``stream``: see :func:`transcode`; write with ``result.write(out)``.
    ``started``: from :func:`start_transcoding` on the same file, used when
    the header pydicom reads describes the frames it encodes.
    """
    import numpy as np

    from dicomhelp.io import read_file

    name = str(path)
    header = header if header is not None else read_file(path)
    if header.damaged:  # re-encoding what could be read would make a damaged copy look whole
        raise InputError(header.problems[0] if header.problems else "the file is damaged", source=name,
                         hint="transcode a complete copy of the file")
    info = header.pixel
    layout = _dataset_layout(header.dataset) if info is not None and info.tag == 0x7FE00010 else None
    if info is not None and layout is not None and not info.encapsulated and info.length >= layout.nbytes:
        if started is not None and _maps(started.frames, path, info.offset, layout):
            frames = started.frames
        else:
            # Bits above Bits Stored are cleared frame by frame by the encoding processes.
            frames = np.memmap(path, dtype=layout.dtype, mode="r", offset=info.offset, shape=layout.shape)
        return transcode(header.dataset, compression, new_uid=new_uid, source=name, frames=frames,
                         stream=stream, started=started)
    if started is not None:
        started.close()  # pydicom decodes these pixels: the scan's guess was wrong
    return transcode(read_file(path, pixels=True).dataset, compression, new_uid=new_uid, source=name,
                     stream=stream)


def _maps(frames: np.ndarray, path: str | os.PathLike[str], offset: int, layout: NativeLayout) -> bool:
    """Is ``frames`` a mapping of ``path`` at ``offset`` with ``layout``'s dtype and shape?"""
    import numpy as np

    return (isinstance(frames, np.memmap) and frames.filename is not None
            and os.path.realpath(frames.filename) == os.path.realpath(path) and frames.offset == offset
            and frames.dtype == layout.dtype and frames.shape == layout.shape)


_WORD_SIZES = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}


def _to_little_endian(ds: Dataset) -> None:
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


def transcode(ds: Dataset, compression: Compression, *, new_uid: Callable[[], str],
              source: str = "input", frames: np.ndarray | None = None, stream: bool = False,
              started: StartedEncoding | None = None) -> TranscodeResult:
    """Re-encode ``ds`` (read with its pixels, or ``frames`` given) into ``compression``'s syntax.

    Lossless targets keep the SOP Instance UID (the pixels are unchanged);
    a lossy target makes a new instance with ``new_uid()`` and the lossy
    attributes, referencing its predecessor. With ``stream`` a lossless
    encapsulated target is encoded only when ``result.write(out)`` writes the
    file (:class:`PendingPixels`): same bytes, less time and memory.
    ``started``: see :func:`encode_frames`.
    """
    import copy

    if "FloatPixelData" in ds or "DoubleFloatPixelData" in ds:
        raise InputError("float pixel data cannot be transcoded", source=source)
    source_syntax = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", ""))
    if source_syntax in LOSSY_SOURCE_SYNTAXES and "LossyImageCompression" not in ds:
        # Once lossy, always lossy: a lossless re-encoding must not hide it.
        ds.LossyImageCompression = "01"
    predecessor = copy.copy(ds) if compression.syntax.lossy else None
    if frames is None:
        frames = decode_frames(ds, source)
    notes: list[str] = []
    old_pi = str(ds.PhotometricInterpretation)
    if int(ds.SamplesPerPixel) == 3 and old_pi != "RGB":
        notes.append(f"colour decoded from {old_pi} to RGB")
        ds.PhotometricInterpretation = "RGB"
    elif old_pi.startswith("YBR"):
        ds.PhotometricInterpretation = "MONOCHROME2"
    if "PixelData" in ds:
        del ds["PixelData"]  # the decoded frames replace it: keeps memory at one copy
    for _elem in ds.iterall():
        pass  # decode every raw element now: pydicom cannot write some raw ones as read (SC_rgb_jpeg.dcm)
    _to_little_endian(ds)
    pending = None
    try:
        pending = compress_frames_later(ds, frames, compression, started=started) if stream else None
        report = pending.report if pending is not None else compress_frames(ds, frames, compression,
                                                                            started=started)
    except UsageError as exc:
        raise UsageError(exc.message, source=source, hint=exc.hint) from None
    if ds.get("NumberOfFrames") is not None:
        ds.NumberOfFrames = len(frames)
    new_instance = compression.syntax.lossy
    if new_instance:
        uid = new_uid()
        mark_lossy(ds, report, predecessor=predecessor)
        ds.SOPInstanceUID = uid
        ds.file_meta.MediaStorageSOPInstanceUID = uid
    return TranscodeResult(ds, report, new_instance, notes, pending)
