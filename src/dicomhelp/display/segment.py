"""A Segmentation (SEG) segment drawn where it lies on a source image frame.

Shared by ``render`` (composited into the preview) and the explorer (one
transparent PNG per segment, toggled on the page): the mask comes from
highdicom by source instance or source frame and goes through the same
displayed area, rotation and flip as the image itself.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from dicomhelp.display.pipeline import displayed, geometry
from dicomhelp.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image
    from pydicom import Dataset

SEG_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"
SEGMENT_ALPHA = 140
SEGMENT_PALETTE = ((255, 64, 64), (64, 160, 255), (64, 220, 64), (255, 160, 0), (200, 64, 255), (0, 220, 220))


def segment_colour(item: Dataset, number: int) -> tuple[int, int, int]:
    """The segment's recommended display colour (CIELab), else one of a palette by number."""
    from dicomhelp.display.draw import lab_to_rgb

    if "RecommendedDisplayCIELabValue" in item:
        return lab_to_rgb([int(v) for v in item.RecommendedDisplayCIELabValue])
    return SEGMENT_PALETTE[(number - 1) % len(SEGMENT_PALETTE)]


def read_segmentation(path: str | os.PathLike[str]) -> Any:
    """The SEG at ``path`` as a highdicom Segmentation; a file it cannot read is a one-line InputError."""
    import highdicom as hd

    from dicomhelp.io import quiet_pydicom

    try:
        with quiet_pydicom():
            return hd.seg.segread(path)
    except Exception as exc:  # noqa: BLE001 - a SEG highdicom cannot read: one line, no overlay
        reason = _damage(path) or str(exc).splitlines()[0][:160]
        raise InputError(f"highdicom cannot read this segmentation: {reason}", source=os.fspath(path),
                         hint="`dicomhelp validate` on it says what is wrong; re-export it") from None


def _damage(path: str | os.PathLike[str]) -> str | None:
    """What the lenient reader finds wrong with the file (truncation, bad lengths), said in plain words.

    highdicom's own message for a damaged file names whatever attribute it missed first.
    """
    from dicomhelp.errors import DicomHelpError
    from dicomhelp.io import read_file

    try:
        problems = read_file(path).problems
    except DicomHelpError as exc:
        return exc.message
    return problems[0] if problems else None


def segment_numbers(segmentation: Any) -> list[int]:
    return [int(s.SegmentNumber) for s in segmentation.get("SegmentSequence", [])]


def segment_mask(segmentation: Any, image: Dataset, number: int, frame: int = 1) -> np.ndarray | None:
    """Segment ``number``'s mask on ``image`` frame ``frame`` (rows x columns), None where the SEG has none."""
    uid = str(image.get("SOPInstanceUID", ""))
    try:
        if int(image.get("NumberOfFrames", 1) or 1) > 1:
            pixels = segmentation.get_pixels_by_source_frame(
                source_sop_instance_uid=uid, source_frame_numbers=[frame], segment_numbers=[number],
                skip_overlap_checks=True)
        else:
            pixels = segmentation.get_pixels_by_source_instance(
                source_sop_instance_uids=[uid], segment_numbers=[number], skip_overlap_checks=True)
    except (ValueError, KeyError, IndexError, RuntimeError):
        return None  # the SEG has no frame for this image (or frame)
    return pixels[0, ..., 0] > 0


def segment_overlay(segmentation: Any, image: Dataset, number: int, *, frame: int = 1, ps: Dataset | None = None,
                    scale: int = 1) -> Image.Image:
    """Segment ``number`` on a transparent RGBA canvas the size of the displayed image, in its colour."""
    import numpy as np
    from PIL import Image

    geo = geometry(image, ps, scale)
    rgba = np.zeros((*geo.display_size[::-1], 4), dtype=np.uint8)
    mask = segment_mask(segmentation, image, number, frame)
    if mask is not None:
        shown = displayed(mask.astype(np.uint8), geo) > 0
        item = next((s for s in segmentation.get("SegmentSequence", []) if int(s.SegmentNumber) == number), None)
        colour = segment_colour(item, number) if item is not None else SEGMENT_PALETTE[0]
        rgba[shown] = (*colour, SEGMENT_ALPHA)
    return Image.fromarray(rgba, "RGBA")


def has_segment_on(segmentation: Any, image: Dataset, frame: int = 1) -> bool:
    """Whether any segment of the SEG has pixels on that image frame (empty frames are often left out)."""
    for number in segment_numbers(segmentation):
        mask = segment_mask(segmentation, image, number, frame)
        if mask is not None and mask.any():
            return True
    return False
