"""Drawing a presentation state's graphic annotations on the displayed image (Pillow).

Annotations are drawn layer by layer in Graphic Layer Order, in the layer's
recommended colour (CIELab) or grayscale, yellow when it recommends none.
PIXEL coordinates follow the image through the displayed area, rotation and
flip; DISPLAY coordinates are fractions of the displayed area as shown.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dicomhelp.display.pipeline import Geometry, geometry, grayscale

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image, ImageDraw
    from pydicom import Dataset

DEFAULT_COLOUR = (255, 255, 0)
Point = tuple[float, float]


@dataclass
class Rendering:
    """The preview and what went into it."""

    gray: np.ndarray  # the displayed grayscale, without graphics
    image: Image.Image  # RGB, with graphics
    annotations: int  # graphic and text objects drawn
    path: Path | None = None  # the image file, when rendered from one
    segments: int | None = None  # SEG segments with pixels on this frame (None: no SEG rendered)


def lab_to_rgb(value: Sequence[int]) -> tuple[int, int, int]:
    """A DICOM CIELab value (three 16-bit numbers, PS3.3 C.10.7.1.1) as sRGB, D65 white.

    Written out rather than taken from highdicom so that ``render`` does not
    pay for importing it.
    """
    l_star = value[0] * 100.0 / 0xFFFF
    a_star = value[1] * 255.0 / 0xFFFF - 128.0
    b_star = value[2] * 255.0 / 0xFFFF - 128.0
    fy = (l_star + 16.0) / 116.0
    fx, fz = fy + a_star / 500.0, fy - b_star / 200.0

    def inverse(t: float) -> float:
        return t ** 3 if t > 6.0 / 29.0 else 3.0 * (6.0 / 29.0) ** 2 * (t - 4.0 / 29.0)

    x, y, z = 0.95047 * inverse(fx), inverse(fy), 1.08883 * inverse(fz)
    linear = (3.2406 * x - 1.5372 * y - 0.4986 * z,
              -0.9689 * x + 1.8758 * y + 0.0415 * z,
              0.0557 * x - 0.2040 * y + 1.0570 * z)

    def encode(c: float) -> int:
        c = min(max(c, 0.0), 1.0)
        c = 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055
        return int(round(255 * c))

    r, g, b = (encode(c) for c in linear)
    return r, g, b


def layer_colours(ps: Dataset) -> dict[str, tuple[int, int, int]]:
    out: dict[str, tuple[int, int, int]] = {}
    for item in ps.get("GraphicLayerSequence", []):
        name = str(item.GraphicLayer)
        if "GraphicLayerRecommendedDisplayCIELabValue" in item:
            out[name] = lab_to_rgb([int(v) for v in item.GraphicLayerRecommendedDisplayCIELabValue])
        elif "GraphicLayerRecommendedDisplayGrayscaleValue" in item:
            g = round(int(item.GraphicLayerRecommendedDisplayGrayscaleValue) / 257)
            out[name] = (g, g, g)
        else:
            out[name] = DEFAULT_COLOUR
    return out


def _layer_order(ps: Dataset) -> dict[str, int]:
    return {str(item.GraphicLayer): int(item.get("GraphicLayerOrder", 0) or 0)
            for item in ps.get("GraphicLayerSequence", [])}


def _frames(ref: Dataset) -> list[int] | None:
    value = ref.get("ReferencedFrameNumber")
    if value is None:
        return None
    try:
        return [int(v) for v in value]
    except TypeError:
        return [int(value)]


def annotations_for(ps: Dataset, image: Dataset, frame: int = 1) -> Iterator[Dataset]:
    """Graphic Annotation items that apply to ``image`` (and ``frame``), lowest layer first."""
    order = _layer_order(ps)
    items = []
    for item in ps.get("GraphicAnnotationSequence", []):
        for ref in item.get("ReferencedImageSequence", []):
            frames = _frames(ref)
            if ref.ReferencedSOPInstanceUID == image.SOPInstanceUID and (frames is None or frame in frames):
                items.append(item)
                break
    yield from sorted(items, key=lambda it: order.get(str(it.GraphicLayer), 0))


def _points(data: Sequence[float]) -> list[Point]:
    values = [float(v) for v in data]
    return list(zip(values[0::2], values[1::2]))


def _spline(points: list[Point], steps: int = 16) -> list[Point]:
    """A Catmull-Rom curve through the points: what INTERPOLATED asks a viewer to draw."""
    if len(points) < 3:
        return points
    closed = points[0] == points[-1]
    pts = points[:-1] if closed else points
    n = len(pts)
    out: list[Point] = []
    segments = n if closed else n - 1
    for i in range(segments):
        p0 = pts[(i - 1) % n] if closed or i > 0 else pts[0]
        p1, p2 = pts[i], pts[(i + 1) % n]
        p3 = pts[(i + 2) % n] if closed or i + 2 < n else pts[-1]
        for s in range(steps):
            t = s / steps
            out.append(tuple(  # type: ignore[arg-type]
                0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t * t + (-a + 3 * b - 3 * c + d) * t ** 3)
                for a, b, c, d in zip(p0, p1, p2, p3)))
    out.append(pts[0] if closed else pts[-1])
    return out


def _ellipse(centre: Point, major: Point, minor: Point, steps: int = 96) -> list[Point]:
    """Points around the ellipse with semi-axis vectors ``major`` and ``minor`` from ``centre``."""
    cx, cy = centre
    return [(cx + major[0] * math.cos(a) + minor[0] * math.sin(a), cy + major[1] * math.cos(a) + minor[1] * math.sin(a))
            for a in (2 * math.pi * i / steps for i in range(steps + 1))]


def outline(graphic_type: str, points: list[Point]) -> list[Point]:
    """The polyline a graphic object is drawn as, in the coordinates of ``points``."""
    if graphic_type == "CIRCLE":
        (cx, cy), (px, py) = points[:2]
        r = math.hypot(px - cx, py - cy)
        return _ellipse((cx, cy), (r, 0.0), (0.0, r))
    if graphic_type == "ELLIPSE":
        (ax, ay), (bx, by), (cx2, cy2), (dx, dy) = points[:4]
        centre = ((ax + bx) / 2, (ay + by) / 2)
        return _ellipse(centre, ((bx - ax) / 2, (by - ay) / 2), ((dx - cx2) / 2, (dy - cy2) / 2))
    if graphic_type == "INTERPOLATED":
        return _spline(points)
    return points


def _mapper(units: str, geo: Geometry) -> Callable[[float, float], Point]:
    return geo.from_display if units == "DISPLAY" else geo.from_image


def _pillow(p: Point) -> Point:
    # Pillow addresses pixel centres at integers; DICOM pixel centres lie at .5.
    return (p[0] - 0.5, p[1] - 0.5)


def _draw_graphic(draw: ImageDraw.ImageDraw, obj: Dataset, geo: Geometry, colour: tuple[int, int, int]) -> None:
    to_display = _mapper(str(obj.GraphicAnnotationUnits), geo)
    kind = str(obj.GraphicType)
    # Shapes are traced in their own units, then mapped, so rotation keeps them exact.
    traced = [_pillow(to_display(x, y)) for x, y in outline(kind, _points(obj.GraphicData))]
    width = max(1, geo.scale)
    if kind == "POINT":
        x, y = traced[0]
        r = 1.5 * width
        draw.line([(x - r, y), (x + r, y)], fill=colour, width=1)
        draw.line([(x, y - r), (x, y + r)], fill=colour, width=1)
        draw.point([(x, y)], fill=colour)
        return
    if str(obj.get("GraphicFilled", "N")) == "Y":
        draw.polygon(traced, fill=colour, outline=colour)
    else:
        draw.line(traced, fill=colour, width=width)


def _font(scale: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=10 * max(1, scale))
    except TypeError:  # Pillow without FreeType sizes
        return ImageFont.load_default()


def _draw_text(draw: ImageDraw.ImageDraw, obj: Dataset, geo: Geometry, colour: tuple[int, int, int]) -> None:
    text = str(obj.UnformattedTextValue)
    font = _font(geo.scale)
    justification = str(obj.get("BoundingBoxTextHorizontalJustification", "LEFT"))
    if "BoundingBoxTopLeftHandCorner" in obj:
        units = str(obj.BoundingBoxAnnotationUnits)
        to_display = _mapper(units, geo)
        corners = [to_display(*map(float, obj.BoundingBoxTopLeftHandCorner)),
                   to_display(*map(float, obj.BoundingBoxBottomRightHandCorner))]
        left, right = sorted(c[0] for c in corners)
        top = min(c[1] for c in corners)
        box_w = draw.textlength(text, font=font)
        x = {"RIGHT": right - box_w, "CENTER": (left + right - box_w) / 2}.get(justification, left)
        draw.text((x, top), text, fill=colour, font=font)
        anchor_to = (left, top)
    else:
        anchor_to = None
    if "AnchorPoint" in obj:
        to_display = _mapper(str(obj.AnchorPointAnnotationUnits), geo)
        ax, ay = _pillow(to_display(*map(float, obj.AnchorPoint)))
        if anchor_to is None:
            # No box: the text goes just below and right of what it points at.
            gap = 4 * geo.scale
            width = draw.textlength(text, font=font)
            # Below and right of the anchor, or left of it when the text would leave the picture.
            right = ax + gap + width <= geo.display_size[0]
            x = ax + gap if right else max(0.0, ax - gap - width)
            draw.text((x, ay + gap), text, fill=colour, font=font)
            # The line ends at the corner of the text nearest the anchor.
            anchor_to = (x if right else x + width, ay + gap)
        if str(obj.get("AnchorPointVisibility", "N")) == "Y":
            draw.line([(ax, ay), anchor_to], fill=colour, width=max(1, geo.scale // 2))


def render(image: Dataset, ps: Dataset | None = None, *, frame: int = 1, scale: int = 1,
           source: str | os.PathLike[str] | None = None, window: tuple[float, float] | None = None,
           layers: Collection[str] | None = None, below: Sequence[Image.Image] = ()) -> Rendering:
    """The image as the presentation state shows it, with its annotations drawn.

    ``source`` and ``window`` as for :func:`~dicomhelp.display.pipeline.grayscale`;
    ``layers``: draw only these graphic layers (all when None); ``below``: RGBA
    overlays the size of the displayed image (SEG segments) blended in under the annotations.
    """
    from PIL import Image, ImageDraw

    gray = grayscale(image, ps, frame=frame, scale=scale, source=source, window=window)
    canvas = Image.fromarray(gray).convert("RGBA")
    for overlay in below:
        canvas.alpha_composite(overlay)
    canvas = canvas.convert("RGB")
    drawn = 0
    if ps is not None:
        drawn = _draw_annotations(ImageDraw.Draw(canvas), image, ps, frame, geometry(image, ps, scale), layers)
    return Rendering(gray=gray, image=canvas, annotations=drawn)


def _draw_annotations(draw: ImageDraw.ImageDraw, image: Dataset, ps: Dataset, frame: int, geo: Geometry,
                      layers: Collection[str] | None) -> int:
    colours = layer_colours(ps)
    drawn = 0
    for item in annotations_for(ps, image, frame):
        layer = str(item.GraphicLayer)
        if layers is not None and layer not in layers:
            continue
        colour = colours.get(layer, DEFAULT_COLOUR)
        for obj in item.get("GraphicObjectSequence", []):
            _draw_graphic(draw, obj, geo, colour)
            drawn += 1
        for obj in item.get("TextObjectSequence", []):
            _draw_text(draw, obj, geo, colour)
            drawn += 1
    return drawn


def layer_overlay(image: Dataset, ps: Dataset, layer: str, *, frame: int = 1, scale: int = 1) -> Image.Image:
    """One graphic layer alone on a transparent canvas the size of the displayed image.

    Drawn by the same code and geometry as :func:`render`, so stacking the
    overlays of every layer over the bare image gives :func:`render`'s picture;
    a viewer toggles layers by showing or hiding their overlays.
    """
    from PIL import Image, ImageDraw

    canvas = Image.new("RGBA", geometry(image, ps, scale).display_size, (0, 0, 0, 0))
    _draw_annotations(ImageDraw.Draw(canvas), image, ps, frame, geometry(image, ps, scale), {layer})
    return canvas


def region_overlay(image: Dataset, graphic_type: str, data: Sequence[float], *, colour: tuple[int, int, int] =
                   DEFAULT_COLOUR, ps: Dataset | None = None, scale: int = 1) -> Image.Image:
    """An SR region (SCOORD: POINT, MULTIPOINT, POLYLINE, CIRCLE, ELLIPSE in image pixel coordinates)
    on a transparent canvas the size of the displayed image, drawn as a presentation state's graphic."""
    from PIL import Image, ImageDraw
    from pydicom import Dataset as _Dataset

    geo = geometry(image, ps, scale)
    canvas = Image.new("RGBA", geo.display_size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    values = [float(v) for v in data]
    kinds = [("POINT", values[i:i + 2]) for i in range(0, len(values) - 1, 2)] if graphic_type == "MULTIPOINT" \
        else [(graphic_type, values)]
    for kind, points in kinds:
        obj = _Dataset()
        obj.GraphicAnnotationUnits = "PIXEL"
        obj.GraphicType = kind
        obj.GraphicData = points
        _draw_graphic(draw, obj, geo, colour)
    return canvas
