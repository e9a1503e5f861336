"""How to compress and what the encoders are told: the options, the pixel format, the report.

Also what the target syntax cannot hold (:func:`check_encodable`) and the
Photometric Interpretation it must declare (colour JPEG 2000 is YBR_RCT /
YBR_ICT, never RGB).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dicomhelp.codecs.syntaxes import JPEG_2000, JPEG_2000_LOSSLESS, SYNTAXES, Syntax, syntax_by_name
from dicomhelp.errors import SpecError, UsageError

if TYPE_CHECKING:
    from pydicom import Dataset


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


def encoder_kwargs(fmt: PixelFormat, compression: Compression) -> dict[str, Any]:
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
    return str(encoder_kwargs(fmt, compression)["photometric_interpretation"])


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
