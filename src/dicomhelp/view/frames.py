"""Pictures for the pages: one frame at a time through the display pipeline, overlays on their own.

A frame is decoded alone (:func:`dicomhelp.display.pipeline.decode_frame`), so the
first frame of a 1 GB multi-frame costs one frame. Annotations come as
transparent PNGs the size of the displayed image, drawn by the code ``render``
uses (:mod:`dicomhelp.display.draw`): a GSPS layer each, an SR region, a SEG
segment. The page stacks them over the frame and toggles them.
"""

from __future__ import annotations

import io
import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from dicomhelp.errors import InputError
from dicomhelp.view.index import Entry, FolderIndex

if TYPE_CHECKING:
    from PIL import Image
    from pydicom import Dataset

def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # fast: frames are made on each request
    return buffer.getvalue()


def header(path: os.PathLike[str] | str) -> Dataset:
    """The header of ``path`` (pixel data not loaded), cached while the file is unchanged."""
    stat = os.stat(path)
    return _header(os.fspath(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _header(path: str, _mtime: int, _size: int) -> Dataset:
    from dicomhelp.io import quiet_pydicom, read_file

    with quiet_pydicom():
        return read_file(path).dataset


def frame_image(index: FolderIndex, entry: Entry, frame: int = 1, *, window: tuple[float, float] | None = None,
                ps: Entry | None = None) -> Image.Image:
    """Frame ``frame`` of the image ``entry`` as shown (window, or the state ``ps``'s VOI and geometry)."""
    from PIL import Image

    from dicomhelp.display.draw import render
    from dicomhelp.display.pipeline import colour_frame

    path = index.path_of(entry)
    image = header(path)
    if entry.colour:
        return Image.fromarray(colour_frame(image, frame, source=path)).convert("RGB")
    ps_ds = header(index.path_of(ps)) if ps is not None else None
    # layers=(): the page stacks each layer's overlay on top, so the frame itself stays bare.
    return render(image, ps_ds, frame=frame, source=path, window=window, layers=()).image


def frame_png(index: FolderIndex, entry: Entry, frame: int = 1, **options: Any) -> bytes:
    return png(frame_image(index, entry, frame, **options))


def layer_png(index: FolderIndex, ps: Entry, image: Entry, layer: str, frame: int = 1) -> bytes:
    from dicomhelp.display.draw import layer_overlay

    return png(layer_overlay(header(index.path_of(image)), header(index.path_of(ps)), layer, frame=frame))


def region_png(index: FolderIndex, sr: Entry, position: str, image: Entry, ps: Entry | None = None) -> bytes:
    from dicomhelp.display.draw import region_overlay
    from dicomhelp.view.pages import scoord

    found = scoord(index, sr, position)
    if found is None:
        raise InputError(f"content item {position} is not a spatial coordinate (SCOORD)", source=sr.rel)
    item, _label = found
    ps_ds = header(index.path_of(ps)) if ps is not None else None
    return png(region_overlay(header(index.path_of(image)), str(item.get("GraphicType", "")),
                              list(item.get("GraphicData") or []), colour=REGION_COLOUR, ps=ps_ds))


REGION_COLOUR = (0, 255, 255)  # cyan: unlike the GSPS's default yellow, so both can be seen at once


def segment_png(index: FolderIndex, seg: Entry, image: Entry, number: int, frame: int = 1,
                ps: Entry | None = None) -> bytes:
    """Segment ``number`` of ``seg`` where it lies on ``image`` (frame ``frame``), in its colour."""
    from dicomhelp.display.segment import segment_overlay

    ps_ds = header(index.path_of(ps)) if ps is not None else None
    # highdicom keeps its frame index in an SQLite connection that only its own thread may use,
    # and the server draws in a thread pool: one cached object per (file, thread).
    segmentation = _segmentation(os.fspath(index.path_of(seg)), threading.get_ident())
    return png(segment_overlay(segmentation, header(index.path_of(image)), number, frame=frame, ps=ps_ds))


@lru_cache(maxsize=16)
def _segmentation(path: str, thread: int) -> Any:
    from dicomhelp.display.segment import read_segmentation

    return read_segmentation(path)
