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


def render_file(gsps: str | os.PathLike[str], image: str | os.PathLike[str], out: str | os.PathLike[str],
                *, frame: int = 1, scale: int = 1) -> Rendering:
    """Render ``image`` through the presentation state ``gsps`` into a PNG at ``out``."""
    from pydicom import dcmread

    from dicomhelp.io import read_file, write_bytes_atomic

    ps = read_file(gsps).dataset
    if str(ps.get("SOPClassUID", "")) not in PRESENTATION_STATE_CLASSES:
        raise InputError("not a Grayscale Softcopy Presentation State", source=str(gsps),
                         hint="render takes a GSPS file and the image it annotates")
    if Path(image).is_dir():
        image = pick_image(ps, image)
    read_file(image)  # the lenient reader's one-line errors for a bad image file
    img = dcmread(image, force=True)
    if str(img.get("SOPInstanceUID", "")) not in _referenced_uids(ps):
        raise InputError("the presentation state does not reference this image", source=str(image),
                         hint="give one of the images listed in its Referenced Series Sequence")
    if int(img.get("SamplesPerPixel", 1)) != 1:
        raise InputError("not a grayscale image", source=str(image))
    try:
        rendering = render(img, ps, frame=frame, scale=scale)
    except InputError as exc:
        raise InputError(exc.message, source=str(image), hint=exc.hint) from None
    rendering.path = Path(image)
    buffer = io.BytesIO()
    rendering.image.save(buffer, format="PNG")
    write_bytes_atomic(buffer.getvalue(), Path(out))
    return rendering
