"""The grayscale display pipeline of PS3.3 C.11 / PS3.14, as a viewer applies it.

stored values → Modality LUT (rescale) → VOI (window or LUT) → Presentation LUT
(IDENTITY / INVERSE / table) → 8-bit P-values, then the displayed area is cut
out and the image rotated and flipped (Spatial Transformation).

The presentation state's values win over the image's; an image shown without a
presentation state uses its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dicomhelp.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    from pydicom import Dataset

OUT_MAX = 255.0  # 8-bit P-values, like DCMTK's PGM output


@dataclass(frozen=True)
class Geometry:
    """Where the displayed area lies in the image, and how it is turned for display.

    ``left``/``top``: 0-based pixel offset of the area in the image; ``width``/
    ``height``: its size before rotation. Maps image coordinates (PIXEL units:
    0,0 is the top left corner of the top left pixel) onto display coordinates.
    """

    left: int
    top: int
    width: int
    height: int
    rotation: int = 0
    flip: bool = False
    scale: int = 1

    @property
    def display_size(self) -> tuple[int, int]:
        w, h = (self.height, self.width) if self.rotation in (90, 270) else (self.width, self.height)
        return w * self.scale, h * self.scale

    def from_image(self, x: float, y: float) -> tuple[float, float]:
        x, y = x - self.left, y - self.top
        w, h = self.width, self.height
        if self.rotation == 90:
            x, y, w = h - y, x, h
        elif self.rotation == 180:
            x, y = w - x, h - y
        elif self.rotation == 270:
            x, y, w = y, w - x, h
        if self.flip:
            x = w - x
        return x * self.scale, y * self.scale

    def from_display(self, u: float, v: float) -> tuple[float, float]:
        """DISPLAY units: 0..1 across the displayed area as shown."""
        w, h = self.display_size
        return u * w, v * h


def frame_pixels(image: Dataset, frame: int = 1, *, source: str | os.PathLike[str] | None = None) -> np.ndarray:
    """The stored values of one frame (1-based).

    With ``source`` (the file ``image`` was read from, pixel data not loaded),
    only that frame's bytes are read and decoded: a 1 GB multi-frame file costs
    one frame, not the whole pixel data.
    """
    frames = int(image.get("NumberOfFrames", 1) or 1)
    if int(image.get("SamplesPerPixel", 1)) != 1:
        raise InputError("the image is not grayscale (Samples per Pixel is not 1)")
    if not 1 <= frame <= frames:
        raise InputError(f"frame {frame} does not exist: the image has {frames}")
    if source is not None:
        return decode_frame(source, frame)
    try:
        arr = image.pixel_array
    except Exception as exc:  # a missing decoder or damaged data: one line for the user
        raise InputError(f"cannot decode the pixel data: {exc}", hint="is a decoder plugin installed?") from None
    return arr[frame - 1] if frames > 1 else arr


def decode_frame(source: str | os.PathLike[str], frame: int = 1) -> np.ndarray:
    """Frame ``frame`` (1-based) of the file at ``source``, decoded alone.

    pydicom reads the header, then only the bytes of that frame (native data:
    at its offset; encapsulated data: its fragments). Colour frames come as
    RGB (YBR converted), as a viewer shows them.
    """
    from pydicom.pixels import pixel_array

    from dicomhelp.io import quiet_pydicom

    try:
        with quiet_pydicom():
            return pixel_array(os.fspath(source), index=frame - 1)
    except Exception as exc:  # a missing decoder or damaged data: one line for the user
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot decode frame {frame}: {text}", source=os.fspath(source),
                         hint="is the file complete, and a decoder plugin installed?") from None


def colour_frame(image: Dataset, frame: int = 1, *, source: str | os.PathLike[str] | None = None) -> np.ndarray:
    """An 8-bit RGB frame of a colour image (RGB, YBR or PALETTE COLOR), as a viewer shows it.

    No VOI applies to colour images (PS3.3 C.11.2 is for grayscale); wider
    samples are scaled down to 8 bits.
    """
    import numpy as np

    frames = int(image.get("NumberOfFrames", 1) or 1)
    if not 1 <= frame <= frames:
        raise InputError(f"frame {frame} does not exist: the image has {frames}")
    if source is not None:
        arr = decode_frame(source, frame)
    else:
        try:
            arr = image.pixel_array
        except Exception as exc:
            raise InputError(f"cannot decode the pixel data: {exc}", hint="is a decoder plugin installed?") from None
        arr = arr[frame - 1] if frames > 1 else arr
    if str(image.get("PhotometricInterpretation", "")) == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut

        arr = apply_color_lut(arr, image)
    bits = int(image.get("BitsStored", 8) or 8)
    if arr.dtype != np.uint8 or bits > 8:
        arr = np.clip(arr.astype(np.float64) / float((1 << max(bits, 8)) - 1) * OUT_MAX, 0, OUT_MAX).astype(np.uint8)
    return np.ascontiguousarray(arr)


def is_colour(image: Dataset) -> bool:
    return int(image.get("SamplesPerPixel", 1) or 1) != 1 or \
        str(image.get("PhotometricInterpretation", "")) == "PALETTE COLOR"


def modality(values: np.ndarray, image: Dataset, ps: Dataset | None) -> np.ndarray:
    """Modality LUT or rescale, from the presentation state if it has one, else from the image."""
    import numpy as np

    for ds in (ps, image):
        if ds is None:
            continue
        if "ModalityLUTSequence" in ds:
            return _apply_lut(values, ds.ModalityLUTSequence[0])
        if "RescaleSlope" in ds or "RescaleIntercept" in ds:
            slope = float(ds.get("RescaleSlope", 1) or 1)
            intercept = float(ds.get("RescaleIntercept", 0) or 0)
            return values.astype(np.float64) * slope + intercept
    return values.astype(np.float64)


def _apply_lut(values: np.ndarray, item: Dataset) -> np.ndarray:
    import numpy as np

    entries, first, _bits = (int(v) for v in item.LUTDescriptor)
    entries = entries or 65536
    raw = item.LUTData
    table = np.asarray(raw if not isinstance(raw, bytes) else np.frombuffer(raw, "<u2"), dtype=np.float64)[:entries]
    index = np.clip(values.astype(np.int64) - first, 0, len(table) - 1)
    return np.asarray(table[index], dtype=np.float64)


def _voi_item(ps: Dataset | None, image: Dataset, frame: int) -> Dataset | None:
    """The Softcopy VOI LUT item that applies to this image and frame (PS3.3 C.11.8)."""
    if ps is None:
        return image if ("WindowCenter" in image or "VOILUTSequence" in image) else None
    for item in ps.get("SoftcopyVOILUTSequence", []):
        refs = item.get("ReferencedImageSequence")
        if not refs:
            return item
        for ref in refs:
            if ref.ReferencedSOPInstanceUID != image.SOPInstanceUID:
                continue
            frames = ref.get("ReferencedFrameNumber")
            if frames is None or frame in ([int(frames)] if isinstance(frames, (int, str)) else list(map(int, frames))):
                return item
    return None


def _first(value: Any) -> float:
    try:
        return float(value[0])
    except TypeError:
        return float(value)


def voi(values: np.ndarray, item: Dataset | None) -> np.ndarray:
    """VOI to 0..1: linear window (PS3.3 C.11.2.1.2.1), LINEAR_EXACT, SIGMOID, or a VOI LUT."""
    import numpy as np

    if item is not None and "WindowCenter" in item and "WindowWidth" in item:
        c, w = _first(item.WindowCenter), _first(item.WindowWidth)
        function = str(item.get("VOILUTFunction", "LINEAR") or "LINEAR").upper()
        if function == "SIGMOID":
            return np.asarray(1.0 / (1.0 + np.exp(-4.0 * (values - c) / w)))
        if function == "LINEAR_EXACT":
            return np.asarray(np.clip((values - c) / w + 0.5, 0.0, 1.0))
        if w <= 1:
            return np.where(values < c - 0.5, 0.0, 1.0)
        return np.asarray(np.clip((values - (c - 0.5)) / (w - 1) + 0.5, 0.0, 1.0))
    if item is not None and "VOILUTSequence" in item:
        lut = item.VOILUTSequence[0]
        bits = int(lut.LUTDescriptor[2])
        return np.asarray(_apply_lut(values, lut) / float((1 << bits) - 1))
    low, high = float(values.min()), float(values.max())
    return np.zeros_like(values) if high == low else np.asarray((values - low) / (high - low))


def presentation(values: np.ndarray, ps: Dataset | None, image: Dataset) -> np.ndarray:
    """Presentation LUT to 8-bit P-values; MONOCHROME1 without a state means inverse."""
    import numpy as np

    source = ps if ps is not None else None
    shape = "IDENTITY"
    if source is not None and "PresentationLUTSequence" in source:
        lut = source.PresentationLUTSequence[0]
        entries = int(lut.LUTDescriptor[0]) or 65536
        bits = int(lut.LUTDescriptor[2])
        index = np.clip(np.rint(values * (entries - 1)).astype(np.int64), 0, entries - 1)
        table = np.asarray(lut.LUTData, dtype=np.float64)
        return np.asarray(np.rint(table[index] / ((1 << bits) - 1) * OUT_MAX).astype(np.uint8))
    if source is not None and "PresentationLUTShape" in source:
        shape = str(source.PresentationLUTShape)
    elif str(image.get("PhotometricInterpretation", "")) == "MONOCHROME1":
        shape = "INVERSE"
    if shape == "INVERSE":
        values = 1.0 - values
    return np.asarray(np.rint(values * OUT_MAX).astype(np.uint8))


def geometry(image: Dataset, ps: Dataset | None, scale: int = 1) -> Geometry:
    """The displayed area and spatial transformation that apply to ``image``."""
    rows, cols = int(image.Rows), int(image.Columns)
    left, top, width, height = 0, 0, cols, rows
    if ps is not None:
        for item in ps.get("DisplayedAreaSelectionSequence", []):
            refs = item.get("ReferencedImageSequence")
            if refs and all(r.ReferencedSOPInstanceUID != image.SOPInstanceUID for r in refs):
                continue
            (c1, r1), (c2, r2) = item.DisplayedAreaTopLeftHandCorner, item.DisplayedAreaBottomRightHandCorner
            # Corners are given in the image before rotation: the rectangle they span is shown.
            left, top = min(c1, c2) - 1, min(r1, r2) - 1
            width, height = abs(c2 - c1) + 1, abs(r2 - r1) + 1
            break
    rotation = int(ps.get("ImageRotation", 0) or 0) if ps is not None else 0
    flip = ps is not None and str(ps.get("ImageHorizontalFlip", "N")) == "Y"
    return Geometry(int(left), int(top), int(width), int(height), rotation % 360, flip, max(1, int(scale)))


def displayed(pvalues: np.ndarray, geo: Geometry) -> np.ndarray:
    """Cut out the displayed area (black beyond the image), rotate, flip and scale it."""
    import numpy as np

    out = np.zeros((geo.height, geo.width), dtype=pvalues.dtype)
    rows, cols = pvalues.shape
    y0, x0 = max(geo.top, 0), max(geo.left, 0)
    y1, x1 = min(geo.top + geo.height, rows), min(geo.left + geo.width, cols)
    if y1 > y0 and x1 > x0:
        out[y0 - geo.top:y1 - geo.top, x0 - geo.left:x1 - geo.left] = pvalues[y0:y1, x0:x1]
    # Rotation is clockwise; numpy's rot90 turns counter-clockwise for positive k.
    out = np.rot90(out, k=-(geo.rotation // 90))
    if geo.flip:
        out = out[:, ::-1]
    if geo.scale > 1:
        out = np.repeat(np.repeat(out, geo.scale, axis=0), geo.scale, axis=1)
    return np.ascontiguousarray(out)


def grayscale(image: Dataset, ps: Dataset | None = None, *, frame: int = 1, scale: int = 1,
              source: str | os.PathLike[str] | None = None, window: tuple[float, float] | None = None) -> np.ndarray:
    """The 8-bit grayscale a viewer shows for ``image`` under ``ps`` (graphics not drawn).

    ``source``: decode only this frame from the file (see :func:`frame_pixels`);
    ``window``: a (center, width) the viewer chose, instead of the state's or the image's VOI.
    """
    stored = frame_pixels(image, frame, source=source)
    values = modality(stored, image, ps)
    normalised = voi(values, window_item(*window) if window is not None else _voi_item(ps, image, frame))
    pvalues = presentation(normalised, ps, image)
    return displayed(pvalues, geometry(image, ps, scale))


def window_item(center: float, width: float) -> Dataset:
    """A VOI item holding a linear window (what a viewer's window/level control sets)."""
    from pydicom import Dataset

    item = Dataset()
    item.WindowCenter = float(center)
    item.WindowWidth = max(float(width), 1.0)
    return item


def default_window(image: Dataset, values: np.ndarray | None = None) -> tuple[float, float]:
    """The window a viewer opens ``image`` with: its own first window, else the full range of ``values``."""
    if "WindowCenter" in image and "WindowWidth" in image:
        try:
            return _first(image.WindowCenter), max(_first(image.WindowWidth), 1.0)
        except (TypeError, ValueError):
            pass
    if values is None:
        low, high = value_range(image)
    else:
        low, high = float(values.min()), float(values.max())
    return (low + high + 1) / 2, max(high - low + 1, 1.0)


def value_range(image: Dataset) -> tuple[float, float]:
    """The lowest and highest modality value the stored bits allow (for a window slider's ends)."""
    bits = int(image.get("BitsStored", 16) or 16)
    signed = int(image.get("PixelRepresentation", 0) or 0) == 1
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    slope = float(image.get("RescaleSlope", 1) or 1)
    intercept = float(image.get("RescaleIntercept", 0) or 0)
    ends = sorted((low * slope + intercept, high * slope + intercept))
    return ends[0], ends[1]
