"""Secondary Capture images: single frame, or the four multi-frame SC IODs.

The SOP class follows from the data (PS3.3 A.8):

==============================  ============================================  ======================
data                            SOP class                                     pixels
==============================  ============================================  ======================
one frame (any kind)            Secondary Capture Image Storage               as below
several frames, bool (mask)     Multi-frame Single Bit SC                     1 bit, MONOCHROME2
several frames, 8-bit gray      Multi-frame Grayscale Byte SC                 8 bit, MONOCHROME2
several frames, >8-bit gray     Multi-frame Grayscale Word SC                 9-16 bit, MONOCHROME2
several frames, 8-bit RGB       Multi-frame True Color SC                     3 x 8 bit, RGB
==============================  ============================================  ======================

Grayscale is always stored unsigned (Pixel Representation 0, as the
multi-frame grayscale IODs demand): signed data such as Hounsfield units is
shifted up by its minimum and a VOI window keeps its appearance; the shift is
written into Derivation Description. A one-frame mask is stored as 8-bit 0/255.

>>> ds = create_sc(np.zeros((3, 64, 64), np.uint8), source=[ct_dataset])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import TYPE_CHECKING, Any

from dicomhelp.codecs import (Compression, CompressionReport, PendingPixels, compress_frames,
                              compress_frames_later, mark_lossy)
from dicomhelp.create.base import Builder, Series
from dicomhelp.create.images import as_frames
from dicomhelp.create.sources import builder_from, is_image, reference_items
from dicomhelp.create.spec import options_from_dict
from dicomhelp.errors import InputError, SpecError, UsageError

if TYPE_CHECKING:
    import numpy as np
    from pydicom import Dataset

SC_IMAGE = "1.2.840.10008.5.1.4.1.1.7"
SC_SINGLE_BIT = "1.2.840.10008.5.1.4.1.1.7.1"
SC_GRAYSCALE_BYTE = "1.2.840.10008.5.1.4.1.1.7.2"
SC_GRAYSCALE_WORD = "1.2.840.10008.5.1.4.1.1.7.3"
SC_TRUE_COLOR = "1.2.840.10008.5.1.4.1.1.7.4"
SOP_CLASS_NAMES = {
    SC_IMAGE: "Secondary Capture Image Storage",
    SC_SINGLE_BIT: "Multi-frame Single Bit Secondary Capture Image Storage",
    SC_GRAYSCALE_BYTE: "Multi-frame Grayscale Byte Secondary Capture Image Storage",
    SC_GRAYSCALE_WORD: "Multi-frame Grayscale Word Secondary Capture Image Storage",
    SC_TRUE_COLOR: "Multi-frame True Color Secondary Capture Image Storage",
}
CONVERSION_TYPES = ("DV", "DI", "DF", "WSD", "SD", "SI", "DRW", "SYN")
# Body parts that come in pairs: the series then needs Laterality (General Series, Type 2C).
PAIRED_BODY_PARTS = {
    "BREAST", "EYE", "EAR", "KIDNEY", "LUNG", "OVARY", "TESTIS", "ADRENAL", "HAND", "FOOT", "KNEE", "HIP",
    "SHOULDER", "ELBOW", "WRIST", "ANKLE", "ARM", "LEG", "CLAVICLE", "FEMUR", "HUMERUS", "TIBIA", "FIBULA",
    "RADIUS", "ULNA", "SCAPULA", "FOREARM", "THIGH", "FINGER", "TOE", "HEEL", "PAROTID", "EXTREMITY",
    "UPRLIMB", "LOWRLIMB", "ORBIT", "TMJ", "SIJOINT", "SCJOINT", "ACJOINT",
}
# (121322, DCM, "Source image for image processing operation"): why a derived SC points at its source.
SOURCE_IMAGE_PURPOSE = ("121322", "DCM", "Source image for image processing operation")


@dataclass
class SCOptions:
    """Everything about a Secondary Capture besides its pixels; every field has a working default."""

    series_description: str = "Secondary Capture"
    series_number: int = 900
    instance_number: int = 1
    conversion_type: str = "WSD"  # workstation; "SYN" for synthetic images
    burned_in_annotation: str = "NO"
    derivation_description: str | None = None
    window: tuple[float, float] | None = None  # (center, width) in input units
    frame_time: float | None = None  # ms between frames: adds the Cine module
    frame_labels: list[str] | None = None  # one per frame: Frame Label Vector
    pixel_spacing: tuple[float, float] | None = None  # (row, column) mm, only when known
    body_part: str | None = None  # default: the source image's Body Part Examined
    laterality: str | None = None  # R, L or empty; default: the source's
    compression: Compression = field(default_factory=Compression)

    def __post_init__(self) -> None:
        if self.conversion_type not in CONVERSION_TYPES:
            raise UsageError(f"conversion type '{self.conversion_type}' is not one of {', '.join(CONVERSION_TYPES)}")
        if self.burned_in_annotation not in ("YES", "NO"):
            raise UsageError("burned-in annotation must be YES or NO")
        if self.laterality not in (None, "", "R", "L"):
            raise UsageError(f"laterality '{self.laterality}' must be R, L or empty")
        if self.frame_time is not None and not self.frame_time > 0:
            raise UsageError("frame time must be positive (milliseconds)")
        if self.window is not None and not (len(self.window) == 2 and self.window[1] >= 1):
            raise UsageError("window is (center, width) with width >= 1")
        if self.pixel_spacing is not None and not (len(self.pixel_spacing) == 2 and min(self.pixel_spacing) > 0):
            raise UsageError("pixel spacing is (row, column) in mm, both positive")
        if not 1 <= int(self.series_number) <= 2**31 - 1 or not 1 <= int(self.instance_number) <= 2**31 - 1:
            raise UsageError("series and instance numbers are positive integers")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, key: str = "sc") -> SCOptions:
        """From a spec section; an error names the spec key, e.g. ``sc.compression.ratio``."""
        return options_from_dict(cls, data, key, _spec_value)


def _spec_value(name: str, value: Any, path: str) -> Any:
    if name == "compression":
        return Compression.from_dict(value, key=path)
    if name in ("window", "pixel_spacing") and value is not None:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise SpecError("must be a list of two numbers", source=path)
        return (float(value[0]), float(value[1]))
    if name in ("series_number", "instance_number", "frame_time") and not isinstance(value, (int, float)):
        raise SpecError("must be a number", source=path)
    return value


@dataclass
class StoredPixels:
    """Frames as they will be stored, and how they relate to the input."""

    frames: np.ndarray
    sop_class_uid: str
    bits_stored: int
    shift: int  # added to the input values to make them unsigned
    window: tuple[float, float] | None  # (center, width) in stored units


def choose_storage(frames: np.ndarray, window: tuple[float, float] | None = None) -> StoredPixels:
    """Pick the SOP class and the stored form of ``frames`` (frames, rows, columns[, 3])."""
    import numpy as np

    multi = len(frames) > 1
    if frames.size == 0:
        raise InputError("the image has no pixels")
    if frames.ndim == 4:
        if frames.shape[-1] != 3:
            raise InputError(f"colour frames need 3 samples per pixel, not {frames.shape[-1]}")
        if frames.dtype != np.uint8:
            raise InputError(f"{frames.dtype.itemsize * 8}-bit RGB is not allowed in Secondary Capture "
                             "(true colour is 8 bits per sample)", hint="convert the image to 8-bit RGB")
        return StoredPixels(frames, SC_TRUE_COLOR if multi else SC_IMAGE, 8, 0, None)
    if frames.dtype == np.bool_:
        if multi:
            return StoredPixels(frames.astype(np.uint8), SC_SINGLE_BIT, 1, 0, None)
        return StoredPixels(frames.astype(np.uint8) * 255, SC_IMAGE, 8, 0, None)
    if not np.issubdtype(frames.dtype, np.integer):
        raise InputError(f"{frames.dtype} pixels cannot be stored in Secondary Capture",
                         hint="convert the data to integers first (e.g. numpy .astype)")
    low, high = int(frames.min()), int(frames.max())
    shift = -low if low < 0 else 0
    top = high + shift
    if top > 0xFFFF:
        raise InputError(f"pixel values span {low}..{high}: more than 16 bits",
                         hint="rescale the data into 0..65535")
    narrow = frames.dtype.itemsize == 1 and top <= 0xFF
    dtype = np.uint8 if narrow else np.uint16
    stored = (frames.astype(np.int64) + shift).astype(dtype) if shift else frames.astype(dtype, copy=False)
    bits = 8 if narrow else max(9, int(top).bit_length())
    if window is not None:
        stored_window: tuple[float, float] | None = (window[0] + shift, window[1])
    elif shift or not narrow:
        lo, hi = low + shift, top
        stored_window = ((lo + hi + 1) / 2, max(1.0, float(hi - lo + 1)))
    else:
        stored_window = None
    sop = SC_IMAGE if not multi else (SC_GRAYSCALE_BYTE if narrow else SC_GRAYSCALE_WORD)
    return StoredPixels(stored, sop, bits, shift, stored_window)


def create_sc(frames: Any, *, builder: Builder | None = None, source: Sequence[Dataset | str | PathLike] | None = None,
              options: SCOptions | None = None, source_images: Sequence[Dataset] | None = None,
              series: Series | None = None) -> Dataset:
    """A Secondary Capture object of ``frames``: a numpy array or a list of images.

    ``builder`` places it in a study (see :mod:`dicomhelp.create.base`); without
    one it derives from ``source`` (datasets, headers suffice, or file/folder
    paths) or starts a new study. ``source_images`` are the images the frames
    came from (default: every image of the builder's source). ``series`` puts
    several objects into one series (default: the builder's "sc" series).
    """
    return build_sc(frames, builder=builder, source=source, options=options, source_images=source_images,
                    series=series)[0]


def build_sc(frames: Any, *, builder: Builder | None = None, source: Sequence[Dataset | str | PathLike] | None = None,
             options: SCOptions | None = None, source_images: Sequence[Dataset] | None = None,
             series: Series | None = None) -> tuple[Dataset, CompressionReport]:
    """:func:`create_sc` that also returns what compression did (sizes, PSNR, max error)."""
    ds, report, _ = build_sc_streamed(frames, builder=builder, source=source, options=options,
                                      source_images=source_images, series=series, stream=False)
    return ds, report


def build_sc_streamed(frames: Any, *, builder: Builder | None = None,
                      source: Sequence[Dataset | str | PathLike] | None = None, options: SCOptions | None = None,
                      source_images: Sequence[Dataset] | None = None, series: Series | None = None,
                      stream: bool = True) -> tuple[Dataset, CompressionReport, PendingPixels | None]:
    """:func:`build_sc` whose lossless encoded frames can be written straight into the file.

    With ``stream`` and a lossless encapsulated target the frames are encoded
    only when ``codecs.write_with_pixels(ds, pending, out)`` writes them (same
    bytes, the compressed output never held in memory; the report's compressed
    size is known once written). Otherwise ``pending`` is None and ``ds`` holds
    its Pixel Data, as from :func:`build_sc`.
    """
    opts = options or SCOptions()
    if builder is None:
        builder = builder_from(source)
    refs = list(source_images) if source_images is not None else [d for d in builder.study.source if is_image(d)]
    if builder.study.source and not refs:
        raise InputError("the source has no images to derive a Secondary Capture from",
                         hint="give image files (CT, MR, ...) as --source, not SR or PDF objects")
    pixels = choose_storage(as_frames(frames), opts.window)
    if series is None:
        series = builder.series("sc", modality="OT", number=opts.series_number,
                                description=opts.series_description)
    ds = builder.new_dataset(pixels.sop_class_uid, series, instance_number=opts.instance_number)
    _general_series(ds, opts, refs)
    _general_image(ds, opts, refs, pixels)
    _sc_equipment(ds, builder, opts)
    _image_pixel(ds, pixels)
    if pixels.sop_class_uid != SC_IMAGE:
        _multi_frame(ds, opts, pixels)
    if pixels.window is not None:
        ds.WindowCenter = _ds(pixels.window[0])
        ds.WindowWidth = _ds(pixels.window[1])
    if opts.pixel_spacing is not None:
        ds.PixelSpacing = [_ds(v) for v in opts.pixel_spacing]
    pending = compress_frames_later(ds, pixels.frames, opts.compression) if stream else None
    report = pending.report if pending is not None else compress_frames(ds, pixels.frames, opts.compression)
    if report.lossy:
        mark_lossy(ds, report)
    builder.finish(ds)
    return ds, report, pending


def _ds(value: float) -> str:
    """A Decimal String value without float noise."""
    text = f"{value:.6g}"
    return text


def _general_series(ds: Dataset, opts: SCOptions, refs: Sequence[Dataset]) -> None:
    first = refs[0] if refs else None
    body_part = opts.body_part if opts.body_part is not None else (first.get("BodyPartExamined") if first else None)
    if body_part:
        ds.BodyPartExamined = str(body_part).upper()
    laterality = opts.laterality
    if laterality is None and first is not None:
        laterality = first.get("Laterality")
    if laterality:
        ds.Laterality = laterality
    elif not body_part or str(body_part).upper() in PAIRED_BODY_PARTS:
        # Type 2C: unknown side of a paired (or unnamed) part is sent empty.
        ds.Laterality = ""


def _general_image(ds: Dataset, opts: SCOptions, refs: Sequence[Dataset], pixels: StoredPixels) -> None:
    ds.ImageType = ["DERIVED", "SECONDARY"] if refs else ["ORIGINAL", "SECONDARY"]
    ds.PatientOrientation = ""  # Type 2C: no Image Orientation (Patient) in SC
    ds.BurnedInAnnotation = opts.burned_in_annotation
    notes = []
    if opts.derivation_description:
        notes.append(opts.derivation_description)
    elif refs:
        notes.append(f"Derived by dicomhelp from {len(refs)} image(s)")
    if pixels.shift:
        notes.append(f"pixel values shifted by +{pixels.shift} to be stored unsigned")
    if notes:
        ds.DerivationDescription = "; ".join(notes)[:1024]
    if refs:
        ds.SourceImageSequence = reference_items(refs, SOURCE_IMAGE_PURPOSE)


def _sc_equipment(ds: Dataset, builder: Builder, opts: SCOptions) -> None:
    ds.ConversionType = opts.conversion_type
    ds.SecondaryCaptureDeviceManufacturer = builder.equipment.manufacturer
    ds.SecondaryCaptureDeviceManufacturerModelName = builder.equipment.model_name
    ds.SecondaryCaptureDeviceSoftwareVersions = builder.equipment.software_versions
    ds.DateOfSecondaryCapture = builder.content_date
    ds.TimeOfSecondaryCapture = builder.content_time


def _image_pixel(ds: Dataset, pixels: StoredPixels) -> None:
    frames = pixels.frames
    colour = frames.ndim == 4
    ds.SamplesPerPixel = 3 if colour else 1
    ds.PhotometricInterpretation = "RGB" if colour else "MONOCHROME2"
    if colour:
        ds.PlanarConfiguration = 0
    ds.Rows, ds.Columns = int(frames.shape[1]), int(frames.shape[2])
    ds.BitsAllocated = 1 if pixels.bits_stored == 1 else (8 if frames.dtype.itemsize == 1 else 16)
    ds.BitsStored = pixels.bits_stored
    ds.HighBit = pixels.bits_stored - 1
    ds.PixelRepresentation = 0


def _multi_frame(ds: Dataset, opts: SCOptions, pixels: StoredPixels) -> None:
    n = len(pixels.frames)
    ds.NumberOfFrames = n
    if pixels.sop_class_uid in (SC_GRAYSCALE_BYTE, SC_GRAYSCALE_WORD):
        # SC Multi-frame Image module: identity rescale and presentation LUT for grayscale byte/word.
        ds.RescaleIntercept = "0"
        ds.RescaleSlope = "1"
        ds.RescaleType = "US"
        ds.PresentationLUTShape = "IDENTITY"
    if opts.frame_time is not None:
        ds.FrameTime = _ds(opts.frame_time)  # Cine module, required when the pointer names it
        ds.FrameIncrementPointer = 0x00181063
    elif opts.frame_labels is not None:
        if len(opts.frame_labels) != n:
            raise UsageError(f"{len(opts.frame_labels)} frame labels given for {n} frames")
        ds.FrameLabelVector = [str(v)[:64] for v in opts.frame_labels]
        ds.FrameIncrementPointer = 0x00182002
    else:
        ds.PageNumberVector = list(range(1, n + 1))  # SC Multi-frame Vector module
        ds.FrameIncrementPointer = 0x00182001
