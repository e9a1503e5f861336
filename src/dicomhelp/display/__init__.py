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

__all__ = ["Rendering", "render", "render_file", "PRESENTATION_STATE_CLASSES"]

# Grayscale Softcopy Presentation State; the others need colour pipelines.
PRESENTATION_STATE_CLASSES = {"1.2.840.10008.5.1.4.1.1.11.1"}


def _referenced_uids(ps: object) -> set[str]:
    return {str(i.ReferencedSOPInstanceUID)
            for s in getattr(ps, "ReferencedSeriesSequence", [])
            for i in s.get("ReferencedImageSequence", [])}


def render_file(gsps: str | os.PathLike[str], image: str | os.PathLike[str], out: str | os.PathLike[str],
                *, frame: int = 1, scale: int = 1) -> Rendering:
    """Render ``image`` through the presentation state ``gsps`` into a PNG at ``out``."""
    from pydicom import dcmread

    from dicomhelp.io import read_file, write_bytes_atomic

    ps = read_file(gsps).dataset
    if str(ps.get("SOPClassUID", "")) not in PRESENTATION_STATE_CLASSES:
        raise InputError("not a Grayscale Softcopy Presentation State", source=str(gsps),
                         hint="render takes a GSPS file and the image it annotates")
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
    buffer = io.BytesIO()
    rendering.image.save(buffer, format="PNG")
    write_bytes_atomic(buffer.getvalue(), Path(out))
    return rendering
