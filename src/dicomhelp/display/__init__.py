"""The display pipeline: how a viewer turns stored pixels and a presentation state into a picture.

>>> rendering = render_file("findings-pr.dcm", "ct/CT0001.dcm", "preview.png")

:mod:`~dicomhelp.display.pipeline` applies modality, VOI and presentation LUTs,
the displayed area and the spatial transformation; :mod:`~dicomhelp.display.draw`
draws the graphic and text annotations on top.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from dicomhelp.display.draw import Rendering, render
from dicomhelp.errors import InputError

__all__ = ["Rendering", "render", "render_file", "pick_image", "PRESENTATION_STATE_CLASSES"]

# Grayscale Softcopy Presentation State; the others need colour pipelines.
PRESENTATION_STATE_CLASSES = {"1.2.840.10008.5.1.4.1.1.11.1"}


def _referenced_uids(ps: object) -> set[str]:
    return {str(i.ReferencedSOPInstanceUID)
            for s in getattr(ps, "ReferencedSeriesSequence", [])
            for i in s.get("ReferencedImageSequence", [])}


def pick_image(ps: object, folder: str | os.PathLike[str]) -> Path:
    """In ``folder``, the first image the state annotates in particular, else the first it references."""
    from dicomhelp.io import iter_files, read_file

    referenced = _referenced_uids(ps)
    particular = {str(r.ReferencedSOPInstanceUID)
                  for item in getattr(ps, "GraphicAnnotationSequence", [])
                  if len(item.get("ReferencedImageSequence", [])) < len(referenced)
                  for r in item.get("ReferencedImageSequence", [])}
    found: list[tuple[bool, Path]] = []
    for path in iter_files([folder]):
        try:
            uid = str(read_file(path).dataset.get("SOPInstanceUID", ""))
        except InputError:
            continue
        if uid in referenced:
            found.append((uid not in particular, path))
    if not found:
        raise InputError("no image the presentation state references is in this folder", source=str(folder))
    return min(found, key=lambda f: (f[0], str(f[1])))[1]


def _seg_referenced_uids(seg: object) -> set[str]:
    """The source instances a SEG names: its Referenced Series and per-frame Source Image references."""
    uids = {str(i.ReferencedSOPInstanceUID)
            for s in getattr(seg, "ReferencedSeriesSequence", [])
            for i in s.get("ReferencedInstanceSequence", [])}
    for frame in getattr(seg, "PerFrameFunctionalGroupsSequence", []):
        for derivation in frame.get("DerivationImageSequence", []):
            uids.update(str(s.ReferencedSOPInstanceUID) for s in derivation.get("SourceImageSequence", []))
    return uids


def _pick_seg_image(segmentation: object, folder: str | os.PathLike[str], frame: int) -> Path:
    """In ``folder``, the first image (by name) the SEG has a segment on."""
    from dicomhelp.display.segment import has_segment_on
    from dicomhelp.io import iter_files, read_file

    referenced = _seg_referenced_uids(segmentation)
    for path in sorted(iter_files([folder]), key=str):
        try:
            ds = read_file(path).dataset
        except InputError:
            continue
        if str(ds.get("SOPInstanceUID", "")) in referenced and has_segment_on(segmentation, ds, frame):
            return path
    raise InputError("no image the segmentation has a segment on is in this folder", source=str(folder))


def render_file(gsps: str | os.PathLike[str], image: str | os.PathLike[str], out: str | os.PathLike[str],
                *, frame: int = 1, scale: int = 1, seg: str | os.PathLike[str] | None = None) -> Rendering:
    """Render ``image`` through the presentation state ``gsps`` into a PNG at ``out``.

    ``gsps`` may instead be a Segmentation (SEG): the image in its own window with
    every segment blended in; ``seg``: a SEG to blend in under the state's annotations.
    """
    from pydicom import dcmread

    from dicomhelp.display.segment import SEG_SOP_CLASS, read_segmentation, segment_numbers, segment_overlay
    from dicomhelp.io import read_file, write_bytes_atomic

    from dicomhelp.errors import UsageError

    first = read_file(gsps).dataset
    if str(first.get("SOPClassUID", "")) == SEG_SOP_CLASS and seg is not None:
        raise UsageError("--seg goes with a presentation state; a SEG given first is already drawn", source=str(seg))
    seg_path = gsps if str(first.get("SOPClassUID", "")) == SEG_SOP_CLASS else seg
    ps = None if seg_path is gsps else first
    if ps is not None and str(ps.get("SOPClassUID", "")) not in PRESENTATION_STATE_CLASSES:
        raise InputError("not a Grayscale Softcopy Presentation State or a Segmentation", source=str(gsps),
                         hint="render takes a GSPS or SEG file and the image it annotates")
    segmentation = None
    if seg_path is not None:
        if seg_path is not gsps and str(read_file(seg_path).dataset.get("SOPClassUID", "")) != SEG_SOP_CLASS:
            raise InputError("not a Segmentation (SEG)", source=str(seg_path), hint="--seg takes a SEG file")
        segmentation = read_segmentation(seg_path)
    if Path(image).is_dir():
        image = pick_image(ps, image) if ps is not None else _pick_seg_image(segmentation, image, frame)
    read_file(image)  # the lenient reader's one-line errors for a bad image file
    img = dcmread(image, force=True)
    uid = str(img.get("SOPInstanceUID", ""))
    if ps is not None and uid not in _referenced_uids(ps):
        raise InputError("the presentation state does not reference this image", source=str(image),
                         hint="give one of the images listed in its Referenced Series Sequence")
    if segmentation is not None and uid not in _seg_referenced_uids(segmentation):
        raise InputError("the segmentation does not reference this image", source=str(image),
                         hint="give one of the source images listed in its Referenced Series Sequence")
    if int(img.get("SamplesPerPixel", 1)) != 1:
        raise InputError("not a grayscale image", source=str(image))
    overlays = [] if segmentation is None else \
        [segment_overlay(segmentation, img, n, frame=frame, ps=ps, scale=scale) for n in segment_numbers(segmentation)]
    try:
        rendering = render(img, ps, frame=frame, scale=scale, below=overlays)
    except InputError as exc:
        raise InputError(exc.message, source=str(image), hint=exc.hint) from None
    rendering.path = Path(image)
    if segmentation is not None:
        rendering.segments = sum(1 for o in overlays if o.getextrema()[3][1] > 0)
    buffer = io.BytesIO()
    rendering.image.save(buffer, format="PNG")
    write_bytes_atomic(buffer.getvalue(), Path(out))
    return rendering
