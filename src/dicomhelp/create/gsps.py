"""Grayscale Softcopy Presentation State (GSPS, PS3.3 A.33.1) from a spec.

A GSPS does not hold pixels: it points at images of the source study and says
how to show them — which window (VOI), which part of the image (displayed
area), whether to rotate or flip it — and which annotations to draw on top, in
named graphic layers.

The spec (YAML or JSON) names images by Instance Number, SOP Instance UID or
file name; graphics are in PIXEL units (0,0 is the top left corner of the top
left pixel, Columns,Rows the bottom right corner of the last pixel) or DISPLAY
units (0..1 across the displayed area). Everything that can be checked before
writing is checked against the source — layer names, image references,
frame numbers, single-sample images, coordinates inside the image — and each
problem is one :class:`~dicomhelp.errors.SpecError` naming the spec path, e.g.
``annotations[2].graphics[0].points[1]``. Nothing is written on error.

The dataset is built by highdicom's ``GrayscaleSoftcopyPresentationState``
and finished by the base builder, like every other created object.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dicomhelp.create.base import Builder, Equipment, Study
from dicomhelp.create.seg import SEG_SOP_CLASS
from dicomhelp.create.sources import SourceInstance, read_source, series_body_part
from dicomhelp.create.spec import did_you_mean, fail, join, load_spec
from dicomhelp.errors import InputError, SpecError
from dicomhelp.uids import UIDPolicy

if TYPE_CHECKING:
    from pydicom import Dataset

GSPS_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.11.1"
GRAPHIC_TYPES = ("POINT", "POLYLINE", "INTERPOLATED", "CIRCLE", "ELLIPSE")
_CS_RE = re.compile(r"^[A-Z0-9_ ]+$")


# ------------------------------------------------------------------ the spec


@dataclass
class ImageRef:
    """A source image: by Instance Number, SOP Instance UID or file name; frames of a multi-frame image.

    Short forms: a number is an Instance Number, text is a SOP Instance UID or a file name.
    """

    instance: int | None = field(default=None, metadata={"doc": "Instance Number (0020,0013)"})
    uid: str | None = field(default=None, metadata={"doc": "SOP Instance UID (0008,0018)"})
    file: str | None = field(default=None, metadata={"doc": "file name (or path relative to --source)"})
    frames: list[int] | None = field(default=None, metadata={"doc": "1-based frame numbers; default: all"})

    @classmethod
    def _spec_parse(cls, value: Any, path: str) -> ImageRef:
        from dicomhelp.create.spec import _dataclass_from

        if isinstance(value, bool):
            fail(path, "expected an Instance Number, a UID, a file name or a mapping")
        if isinstance(value, int):
            return cls(instance=value)
        if isinstance(value, str):
            return cls(uid=value) if re.fullmatch(r"[0-9.]+", value) and "." in value else cls(file=value)
        ref: ImageRef = _dataclass_from(cls, value, path)
        return ref

    @classmethod
    def _spec_schema(cls) -> dict[str, Any]:
        return {
            "description": "A source image: Instance Number, SOP Instance UID, file name, or a mapping.",
            "anyOf": [
                {"type": "integer", "description": "Instance Number"},
                {"type": "string", "description": "SOP Instance UID or file name"},
                {
                    "type": "object",
                    "properties": {
                        "instance": {"type": "integer"}, "uid": {"type": "string"},
                        "file": {"type": "string"},
                        "frames": {"type": "array", "items": {"type": "integer", "minimum": 1}},
                    },
                    "additionalProperties": False,
                },
            ],
        }

    def _spec_check(self, path: str) -> None:
        given = [k for k in ("instance", "uid", "file") if getattr(self, k) is not None]
        if len(given) != 1:
            fail(path, "give exactly one of instance, uid, file")
        for i, f in enumerate(self.frames or []):
            if f < 1:
                fail(join(join(path, "frames"), i), f"frame numbers start at 1, got {f}")

    def describe(self) -> str:
        if self.instance is not None:
            return f"instance {self.instance}"
        return f"UID {self.uid}" if self.uid else f"file {self.file}"


@dataclass
class Layer:
    """A graphic layer: annotations are drawn in layers, lowest order first."""

    name: str = field(metadata={"doc": "Graphic Layer (CS, up to 16 characters: A-Z 0-9 _ space)"})
    order: int | None = field(default=None, metadata={"doc": "drawing order; default: position in the list"})
    description: str | None = None
    grayscale: int | None = field(default=None, metadata={"doc": "recommended display grayscale, 0 (black) to 65535"})
    color: list[int] | None = field(default=None, metadata={"doc": "recommended display colour [R, G, B], 0-255"})

    def _spec_check(self, path: str) -> None:
        _check_cs(self.name, 16, join(path, "name"), "e.g. FINDINGS")
        if self.grayscale is not None and not 0 <= self.grayscale <= 65535:
            fail(join(path, "grayscale"), f"{self.grayscale} is outside 0..65535")
        if self.color is not None:
            if len(self.color) != 3 or any(not 0 <= c <= 255 for c in self.color):
                fail(join(path, "color"), "expected [R, G, B] with values 0-255")


@dataclass
class Graphic:
    """One graphic object. POINT: 1 point; POLYLINE, INTERPOLATED: 2+ points (closed if last = first);
    CIRCLE: center + radius (or 2 points: center, a point on the circle); ELLIPSE: center + radii
    [horizontal, vertical] (or 4 points: major axis ends, minor axis ends)."""

    type: Literal["POINT", "POLYLINE", "INTERPOLATED", "CIRCLE", "ELLIPSE"]
    points: list[list[float]] | None = field(default=None, metadata={"doc": "[[column, row], ...]"})
    center: list[float] | None = field(default=None, metadata={"doc": "[column, row] of a CIRCLE or ELLIPSE"})
    radius: float | None = field(default=None, metadata={"doc": "CIRCLE radius"})
    radii: list[float] | None = field(default=None, metadata={"doc": "ELLIPSE [horizontal, vertical] semi-axes"})
    filled: bool = field(default=False, metadata={"doc": "fill a closed shape"})

    def _spec_check(self, path: str) -> None:
        if self.points is not None:
            for i, p in enumerate(self.points):
                if len(p) != 2:
                    fail(join(join(path, "points"), i), f"a point is [column, row], got {len(p)} values")
        shaped = self.center is not None or self.radius is not None or self.radii is not None
        if self.points is not None and shaped:
            fail(path, "give either points or center/radius/radii, not both")
        want = {"POINT": (1, 1), "POLYLINE": (2, None), "INTERPOLATED": (2, None), "CIRCLE": (2, 2), "ELLIPSE": (4, 4)}
        lo, hi = want[self.type]
        if self.points is not None:
            n = len(self.points)
            if n < lo or (hi is not None and n > hi):
                count = f"{lo}" if lo == hi else f"at least {lo}"
                fail(join(path, "points"), f"a {self.type} has {count} points, got {n}")
        elif self.type == "CIRCLE":
            if self.center is None or self.radius is None or self.radii is not None:
                fail(path, "a CIRCLE needs center and radius (or 2 points)")
            if self.radius <= 0:
                fail(join(path, "radius"), "the radius must be positive")
        elif self.type == "ELLIPSE":
            if self.center is None or self.radii is None or self.radius is not None:
                fail(path, "an ELLIPSE needs center and radii (or 4 points)")
            if len(self.radii) != 2 or min(self.radii) <= 0:
                fail(join(path, "radii"), "expected [horizontal, vertical], both positive")
        else:
            fail(join(path, "points"), f"a {self.type} needs points")
        if self.center is not None and len(self.center) != 2:
            fail(join(path, "center"), "expected [column, row]")
        if self.filled and not self.closed:
            fail(join(path, "filled"), f"only closed shapes can be filled; close the {self.type} (last point = first)")

    @property
    def closed(self) -> bool:
        if self.type in ("CIRCLE", "ELLIPSE"):
            return True
        pts = self.points or []
        return self.type != "POINT" and len(pts) > 2 and list(pts[0]) == list(pts[-1])

    def graphic_data(self) -> list[list[float]]:
        """The points as stored in Graphic Data (0070,0022)."""
        if self.points is not None:
            return [[float(x), float(y)] for x, y in self.points]
        cx, cy = (float(v) for v in self.center or (0.0, 0.0))
        if self.type == "CIRCLE":
            return [[cx, cy], [cx + float(self.radius or 0), cy]]
        rx, ry = (float(v) for v in self.radii or (0.0, 0.0))
        horizontal = [[cx - rx, cy], [cx + rx, cy]]
        vertical = [[cx, cy - ry], [cx, cy + ry]]
        # The major axis comes first (PS3.3 C.10.5.1.2).
        return horizontal + vertical if rx >= ry else vertical + horizontal

    def extent(self) -> list[list[float]]:
        """Points whose being inside the image means the whole graphic is."""
        data = self.graphic_data()
        if self.type == "CIRCLE":
            (cx, cy), (px, py) = data
            r = ((px - cx) ** 2 + (py - cy) ** 2) ** 0.5
            return [[cx - r, cy - r], [cx + r, cy + r]]
        return data


@dataclass
class Text:
    """A text annotation, placed at an anchor point, in a bounding box, or both."""

    text: str
    anchor: list[float] | None = field(default=None, metadata={"doc": "[column, row] the text points at"})
    box: list[float] | None = field(default=None, metadata={"doc": "[left, top, right, bottom] of the text"})
    justification: Literal["LEFT", "RIGHT", "CENTER"] = "LEFT"
    anchor_visible: bool = field(default=True, metadata={"doc": "draw a line from the text to the anchor"})

    def _spec_check(self, path: str) -> None:
        if not self.text.strip():
            fail(join(path, "text"), "the text is empty")
        if len(self.text) > 1024:
            fail(join(path, "text"), f"{len(self.text)} characters; Unformatted Text Value holds at most 1024")
        if self.anchor is None and self.box is None:
            fail(path, "give an anchor point, a bounding box, or both")
        if self.anchor is not None and len(self.anchor) != 2:
            fail(join(path, "anchor"), "expected [column, row]")
        if self.box is not None:
            if len(self.box) != 4:
                fail(join(path, "box"), "expected [left, top, right, bottom]")
            if self.box[0] >= self.box[2] or self.box[1] >= self.box[3]:
                fail(join(path, "box"), "left must be less than right and top less than bottom")

    def points(self) -> list[tuple[str, list[float]]]:
        out: list[tuple[str, list[float]]] = []
        if self.anchor is not None:
            out.append(("anchor", list(self.anchor)))
        if self.box is not None:
            out += [("box", self.box[:2]), ("box", self.box[2:])]
        return out


@dataclass
class Annotation:
    """Graphics and text drawn in one layer on one image (or on every referenced image)."""

    layer: str = field(metadata={"doc": "name of a layer defined under layers"})
    image: ImageRef | None = field(default=None, metadata={"doc": "the image annotated; default: every referenced image"})
    units: Literal["PIXEL", "DISPLAY"] = field(
        default="PIXEL", metadata={"doc": "PIXEL: image columns/rows; DISPLAY: 0..1 across the displayed area"})
    graphics: list[Graphic] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)

    def _spec_check(self, path: str) -> None:
        if not self.graphics and not self.texts:
            fail(path, "an annotation needs graphics or texts")


@dataclass
class Window:
    """The VOI window applied before display (PS3.3 C.11.2.1.2)."""

    center: float
    width: float
    explanation: str | None = None

    def _spec_check(self, path: str) -> None:
        if self.width < 1:
            fail(join(path, "width"), f"the window width must be at least 1, got {self.width}")


@dataclass
class DisplayedArea:
    """The part of the image shown (1-based pixel columns/rows, inclusive)."""

    top_left: list[int] = field(metadata={"doc": "[column, row] of the first pixel shown, from 1"})
    bottom_right: list[int] = field(metadata={"doc": "[column, row] of the last pixel shown"})
    size_mode: Literal["SCALE TO FIT", "TRUE SIZE", "MAGNIFY"] = "SCALE TO FIT"
    magnification: float | None = field(default=None, metadata={"doc": "for MAGNIFY: screen pixels per image pixel"})

    def _spec_check(self, path: str) -> None:
        for key in ("top_left", "bottom_right"):
            if len(getattr(self, key)) != 2:
                fail(join(path, key), "expected [column, row]")
        if self.size_mode == "MAGNIFY" and not self.magnification:
            fail(join(path, "magnification"), "MAGNIFY needs a magnification")


@dataclass
class Spatial:
    """Rotate and flip the image for display (Spatial Transformation, PS3.3 C.10.6)."""

    rotation: Literal[0, 90, 180, 270] = field(default=0, metadata={"doc": "clockwise degrees"})
    flip: bool = field(default=False, metadata={"doc": "flip horizontally (after rotation)"})


@dataclass
class GspsSpec:
    """A Grayscale Softcopy Presentation State: images, window, layers and annotations."""

    label: str = field(default="ANNOTATIONS", metadata={"doc": "Content Label (CS: A-Z 0-9 _ space, up to 64)"})
    description: str | None = field(default=None, metadata={"doc": "Content Description"})
    creator: str | None = field(default=None, metadata={"doc": "Content Creator's Name, e.g. AI^Lung"})
    images: list[ImageRef] | None = field(
        default=None, metadata={"doc": "images the state applies to; default: every source image"})
    layers: list[Layer] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    window: Window | None = field(
        default=None, metadata={"doc": "VOI window; default: the source's, or the pixel value range"})
    displayed_area: DisplayedArea | None = None
    spatial: Spatial | None = field(default=None, metadata={"doc": "only if asked: rotation and flip"})
    series_number: int = 902
    series_description: str = "Presentation state"

    def _spec_check(self, path: str) -> None:
        _check_cs(self.label, 64, join(path, "label"), "e.g. AI_FINDINGS")
        names = [layer.name for layer in self.layers]
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                fail(join(join(join(path, "layers"), i), "name"), f"layer '{name}' is defined twice")
            seen.add(name)
        for i, ann in enumerate(self.annotations):
            if ann.layer not in seen:
                where = join(join(join(path, "annotations"), i), "layer")
                hint = did_you_mean(ann.layer, names) or (
                    f"defined layers: {', '.join(names)}" if names else "define it under layers")
                fail(where, f"layer '{ann.layer}' is not defined", hint)


def _check_cs(value: str, size: int, path: str, hint: str) -> None:
    if not value or len(value) > size or not _CS_RE.match(value):
        fail(path, f"'{value}' is not a valid code string: up to {size} of A-Z 0-9 _ space", hint)


def load_gsps_spec(source: str | Path | dict[str, Any]) -> GspsSpec:
    return load_spec(GspsSpec, source)


# ------------------------------------------------------------------ the source


# The source instances (every creator reads its source the same way): path, header, frames, uid.
SourceImage = SourceInstance


@dataclass
class SourceImages:
    """The images of the source study, read header only, in a stable order."""

    root: Path
    images: list[SourceImage]
    others: list[Any] = field(default_factory=list)  # non-image instances of the study

    @classmethod
    def read(cls, source: str | os.PathLike[str]) -> SourceImages:
        instances = read_source([source])
        # A SEG has rows and columns but is no image to present or to annotate.
        images = [i for i in instances if i.is_image and str(i.dataset.get("SOPClassUID", "")) != SEG_SOP_CLASS]
        if not images:
            raise InputError("no DICOM images found", source=str(source), hint="--source names the study folder")
        chosen = {id(i) for i in images}
        return cls(root=Path(source), images=images, others=[i for i in instances if id(i) not in chosen])

    def study(self) -> Study:
        return Study.from_source(*(im.dataset for im in self.images))

    def find(self, ref: ImageRef, path: str) -> SourceImage:
        """The one image ``ref`` names, or a SpecError at ``path``."""
        if ref.uid is not None:
            found = [im for im in self.images if im.uid == ref.uid]
        elif ref.instance is not None:
            found = [im for im in self.images if int(im.dataset.get("InstanceNumber", -1) or -1) == ref.instance]
        else:
            target = (self.root / str(ref.file)).resolve()
            found = [im for im in self.images if im.path.resolve() == target or im.path.name == ref.file]
        if not found:
            fail(path, f"no image with {ref.describe()} in the source", f"--source {self.root}")
        if len(found) > 1:
            series = {str(im.dataset.get("SeriesInstanceUID")) for im in found}
            fail(path, f"{len(found)} images have {ref.describe()} ({len(series)} series)",
                 "name the image by uid or file")
        image = found[0]
        for i, frame in enumerate(ref.frames or []):
            if frame > image.frames:
                fail(join(join(path, "frames"), i), f"frame {frame} does not exist: the image has {image.frames}")
        return image


# ------------------------------------------------------------------ checks against the source


def _check_inside(points: Sequence[Sequence[float]], units: str, image: Dataset | None, path: str,
                  subject: str = "") -> None:
    """Coordinates must lie on the image (PIXEL) or the displayed area (DISPLAY)."""
    if units == "DISPLAY":
        limits, what = (1.0, 1.0), "the displayed area (0..1)"
    else:
        assert image is not None
        limits = (float(image.Columns), float(image.Rows))
        what = f"the image ({int(image.Columns)} columns × {int(image.Rows)} rows)"
    for x, y in points:
        if not (0.0 <= x <= limits[0] and 0.0 <= y <= limits[1]):
            fail(path, f"{subject}[{x:g}, {y:g}]{', which' if subject else ''} is outside {what}",
                 "PIXEL coordinates run from 0,0 (top left corner) to Columns,Rows")


def _referenced(spec: GspsSpec, source: SourceImages) -> list[SourceImage]:
    if spec.images is None:
        # Every image, or with annotations on named images every image of their series
        # (a study often holds series of other sizes: scouts, reformats).
        named = [source.find(a.image, join(join("annotations", i), "image"))
                 for i, a in enumerate(spec.annotations) if a.image is not None]
        series = {str(im.dataset.get("SeriesInstanceUID", "")) for im in named}
        chosen = [im for im in source.images
                  if not series or str(im.dataset.get("SeriesInstanceUID", "")) in series]
        # Colour images (an earlier result's screenshots) cannot be presented in grayscale: skip them.
        grayscale = [im for im in chosen if int(im.dataset.get("SamplesPerPixel", 1)) == 1]
        chosen = grayscale or chosen
    else:
        chosen = []
        for i, ref in enumerate(spec.images):
            image = source.find(ref, join("images", i))
            if image not in chosen:
                chosen.append(image)
    first = chosen[0].dataset
    for i, image in enumerate(chosen):
        ds = image.dataset
        where = join("images", i) if spec.images is not None else f"images (source file {image.path.name})"
        if int(ds.get("SamplesPerPixel", 1)) != 1:
            fail(where, f"{image.path.name} has {ds.SamplesPerPixel} samples per pixel; a grayscale "
                 "presentation state applies to single-sample (grayscale) images only")
        if (ds.Rows, ds.Columns) != (first.Rows, first.Columns):
            fail(where, f"{image.path.name} is {ds.Columns}×{ds.Rows}, the first image {first.Columns}×{first.Rows}; "
                 "one presentation state applies to images of one size", "list the images of one size under images")
    return chosen


def check_against_source(spec: GspsSpec, source: SourceImages) -> list[SourceImage]:
    """Every check that needs the source; returns the referenced images."""
    refs = _referenced(spec, source)
    ref_uids = {im.uid for im in refs}
    size = refs[0].dataset
    for i, ann in enumerate(spec.annotations):
        apath = join("annotations", i)
        image = size
        if ann.image is not None:
            found = source.find(ann.image, join(apath, "image"))
            if found.uid not in ref_uids:
                fail(join(apath, "image"), f"{ann.image.describe()} is not among the referenced images",
                     "add it under images")
            image = found.dataset
        for j, g in enumerate(ann.graphics):
            gpath = join(join(apath, "graphics"), j)
            for k, point in enumerate(g.extent() if g.points is None else g.graphic_data()):
                where = join(join(gpath, "points"), k) if g.points is not None else gpath
                subject = f"the {g.type} reaches " if g.points is None else ""
                _check_inside([point], ann.units, image, where, subject)
        for j, t in enumerate(ann.texts):
            tpath = join(join(apath, "texts"), j)
            for key, point in t.points():
                _check_inside([point], ann.units, image, join(tpath, key))
    if spec.displayed_area is not None:
        da = spec.displayed_area
        for key in ("top_left", "bottom_right"):
            col, row = getattr(da, key)
            # The displayed area may extend beyond the image (padding), but must not be empty.
            if key == "bottom_right" and (col < da.top_left[0] or row < da.top_left[1]):
                fail(join("displayed_area", key), "the bottom right corner is above or left of the top left one")
        if da.size_mode == "TRUE SIZE" and "PixelSpacing" not in size:
            fail(join("displayed_area", "size_mode"), "TRUE SIZE needs Pixel Spacing, which the images lack")
    return refs


# ------------------------------------------------------------------ building


def _voi(spec: GspsSpec, refs: list[SourceImage]) -> list[Any] | None:
    """The window: the spec's, else None (highdicom copies the source's), else the pixel range."""
    import highdicom.pr as pr

    if spec.window is not None:
        w = spec.window
        return [pr.SoftcopyVOILUTTransformation(
            window_center=w.center, window_width=w.width, window_explanation=w.explanation)]
    if any("WindowCenter" in im.dataset or "VOILUTSequence" in im.dataset for im in refs):
        return None
    low, high = _pixel_range(refs)
    return [pr.SoftcopyVOILUTTransformation(
        window_center=(low + high + 1) / 2.0, window_width=max(high - low + 1.0, 2.0),
        window_explanation="FULL RANGE")]


def _pixel_range(refs: list[SourceImage]) -> tuple[float, float]:
    """Smallest and largest modality value (after rescale) over the referenced images."""
    from pydicom import dcmread

    low, high = float("inf"), float("-inf")
    for im in refs:
        ds = dcmread(im.path, force=True)
        try:
            arr = ds.pixel_array
        except Exception as exc:  # a decoder missing or damaged data: say which file
            raise InputError(f"cannot decode the pixel data to find a window: {exc}", source=str(im.path),
                             hint="give a window in the spec") from None
        slope = float(ds.get("RescaleSlope", 1) or 1)
        intercept = float(ds.get("RescaleIntercept", 0) or 0)
        lo, hi = float(arr.min()) * slope + intercept, float(arr.max()) * slope + intercept
        low, high = min(low, lo, hi), max(high, lo, hi)
    return low, high


def _layers(spec: GspsSpec) -> dict[str, Any]:
    import highdicom.pr as pr
    from highdicom.color import CIELabColor

    out = {}
    for i, layer in enumerate(spec.layers):
        color = CIELabColor.from_rgb(*layer.color) if layer.color else None
        item = pr.GraphicLayer(layer.name, layer.order if layer.order is not None else i + 1,
                               description=layer.description, display_color=color)
        if layer.grayscale is not None:
            item.GraphicLayerRecommendedDisplayGrayscaleValue = layer.grayscale
        out[layer.name] = item
    return out


def _annotations(spec: GspsSpec, source: SourceImages, refs: list[SourceImage], layers: dict[str, Any]) -> list[Any]:
    import numpy as np
    import highdicom.pr as pr

    out = []
    for i, ann in enumerate(spec.annotations):
        if ann.image is not None:
            image = source.find(ann.image, join(join("annotations", i), "image"))
            # Frame numbers only mean something on a multi-frame image.
            targets, frames = [image.dataset], (ann.image.frames if image.frames > 1 else None)
        else:
            targets, frames = [im.dataset for im in refs], None
        graphics = [pr.GraphicObject(g.type, np.array(g.graphic_data(), dtype=float), ann.units, is_filled=g.filled)
                    for g in ann.graphics]
        texts = []
        for t in ann.texts:
            texts.append(pr.TextObject(
                t.text, ann.units,
                bounding_box=tuple(t.box) if t.box is not None else None,  # type: ignore[arg-type]
                anchor_point=tuple(t.anchor) if t.anchor is not None else None,  # type: ignore[arg-type]
                text_justification=t.justification, anchor_point_visible=t.anchor_visible))
        out.append(pr.GraphicAnnotation(
            targets, layers[ann.layer], referenced_frame_number=frames,
            graphic_objects=graphics or None, text_objects=texts or None))
    return out


def _displayed_area(ps: Dataset, spec: GspsSpec, first: Dataset) -> None:
    da = spec.displayed_area
    if da is None:
        return
    item = ps.DisplayedAreaSelectionSequence[0]
    item.DisplayedAreaTopLeftHandCorner = [int(v) for v in da.top_left]
    item.DisplayedAreaBottomRightHandCorner = [int(v) for v in da.bottom_right]
    item.PresentationSizeMode = da.size_mode
    if da.size_mode == "TRUE SIZE":
        # Presentation Pixel Spacing replaces the aspect ratio (one of the two, PS3.3 C.10.4).
        del item.PresentationPixelAspectRatio
        item.PresentationPixelSpacing = list(first.PixelSpacing)
    if da.size_mode == "MAGNIFY":
        item.PresentationPixelMagnificationRatio = float(da.magnification or 1.0)


def _for_highdicom(ds: Dataset) -> Dataset:
    """A classic multi-frame image (SC, US, ...) as highdicom expects multi-frame images.

    highdicom reads rescale and window of any multi-frame image from the Shared
    Functional Groups of enhanced images; a classic multi-frame image has them
    at the top level, so a copy gets them moved there (only highdicom sees it).
    """
    from pydicom import Dataset as _Dataset

    if int(ds.get("NumberOfFrames", 1) or 1) <= 1 or "SharedFunctionalGroupsSequence" in ds:
        return ds
    copy = _Dataset()
    copy.update(ds)
    shared = _Dataset()
    if "RescaleSlope" in ds or "RescaleIntercept" in ds:
        pixel_value = _Dataset()
        pixel_value.RescaleSlope = ds.get("RescaleSlope", 1)
        pixel_value.RescaleIntercept = ds.get("RescaleIntercept", 0)
        pixel_value.RescaleType = ds.get("RescaleType", "US")
        shared.PixelValueTransformationSequence = [pixel_value]
    if "WindowCenter" in ds and "WindowWidth" in ds:
        voi = _Dataset()
        voi.WindowCenter = ds.WindowCenter
        voi.WindowWidth = ds.WindowWidth
        shared.FrameVOILUTSequence = [voi]
    copy.SharedFunctionalGroupsSequence = [shared]
    copy.PerFrameFunctionalGroupsSequence = [_Dataset() for _ in range(int(ds.NumberOfFrames))]
    return copy


def build_gsps(spec: GspsSpec, source: SourceImages, builder: Builder, *, instance_number: int = 1,
               series_kind: str = "gsps") -> Dataset:
    """Check ``spec`` against ``source`` and build the presentation state (nothing written)."""
    import highdicom.pr as pr

    refs = check_against_source(spec, source)
    layers = _layers(spec)
    annotations = _annotations(spec, source, refs, layers)
    series = builder.series(series_kind, modality="PR", number=spec.series_number,
                            description=spec.series_description)
    eq = builder.equipment
    try:
        with warnings.catch_warnings():
            # highdicom warns about one-component person names ("LungAI"): legal PN values.
            warnings.simplefilter("ignore", UserWarning)
            ps = pr.GrayscaleSoftcopyPresentationState(
                referenced_images=[_for_highdicom(im.dataset) for im in refs],
                **builder.highdicom_kwargs(series, instance_number=instance_number),
                manufacturer_model_name=eq.model_name,
                software_versions=eq.software_versions,
                device_serial_number=eq.device_serial_number or "",
                content_label=spec.label,
                content_description=spec.description,
                content_creator_name=spec.creator,
                graphic_annotations=annotations or None,
                graphic_layers=list(layers.values()) or None,
                voi_lut_transformations=_voi(spec, refs),
                institution_name=eq.institution_name,
            )
    except (ValueError, TypeError) as exc:
        # Checked above already; a remaining refusal by highdicom is still the spec's fault.
        raise SpecError(f"highdicom refused the presentation state: {exc}", source="spec") from None
    ps.SeriesDescription = spec.series_description
    _displayed_area(ps, spec, refs[0].dataset)
    if spec.spatial is not None:
        ps.ImageRotation = spec.spatial.rotation
        ps.ImageHorizontalFlip = "Y" if spec.spatial.flip else "N"
    series_body_part(ps, refs)
    builder.finish(ps)
    # A presentation state has Presentation Creation Date/Time, not Content Date/Time.
    for keyword in ("ContentDate", "ContentTime"):
        if keyword in ps:
            delattr(ps, keyword)
    return ps


def create_gsps(spec: str | Path | dict[str, Any] | GspsSpec, source_dir: str | os.PathLike[str],
                out: str | os.PathLike[str], *, uid_policy: UIDPolicy | None = None,
                equipment: Equipment | None = None) -> Path:
    """Load, check, build and write a GSPS; on any error nothing is written."""
    from dicomhelp.io import write_atomic

    loaded = spec if isinstance(spec, GspsSpec) else load_gsps_spec(spec)
    source = SourceImages.read(source_dir)
    builder = Builder(source.study(), equipment=equipment or Equipment(),
                      uid_policy=uid_policy or UIDPolicy.from_env())
    ps = build_gsps(loaded, source, builder)
    return write_atomic(ps, out)


def gsps_schema() -> dict[str, Any]:
    """The JSON Schema of a GSPS spec (``dicomhelp schema gsps``)."""
    from dicomhelp.create.spec import json_schema

    return json_schema(GspsSpec, title="dicomhelp create gsps spec")
