"""Reading the frames of a Secondary Capture from image files or arrays.

PNG, JPEG and TIFF (one file per frame, or a multi-page TIFF) through Pillow;
``.npy`` arrays of shape (frames, rows, columns[, 3]) or (rows, columns).
The result is one array of shape (frames, rows, columns[, 3]).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dicomhelp.errors import InputError, UsageError

if TYPE_CHECKING:
    import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}


def load_frames(paths: Sequence[str | os.PathLike[str]]) -> np.ndarray:
    """Read every path in order and stack the frames; sizes and kinds must agree."""
    import numpy as np

    if not paths:
        raise UsageError("no input image given", hint="give PNG/JPEG/TIFF files or a .npy array")
    if len(paths) == 1 and Path(paths[0]).suffix.lower() == ".npy" and Path(paths[0]).is_file():
        # One array: memory-mapped, not copied, so a large series costs no memory to hold.
        return _map_npy(Path(paths[0]))
    frames: list[np.ndarray] = []
    first: tuple[str, tuple[int, ...], str] | None = None
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError("no such image file", source=str(path), hint="check the path")
        if path.is_dir():
            raise UsageError("is a folder; give the image files", source=str(path))
        for frame in _read_one(path):
            kind = _kind(frame)
            if first is None:
                first = (str(path), frame.shape, kind)
            elif frame.shape != first[1]:
                raise InputError(
                    f"frame size {_size(frame.shape)} differs from {_size(first[1])} of {first[0]}",
                    source=str(path), hint="all frames of one object must have the same size",
                )
            elif kind != first[2]:
                raise InputError(f"is {kind} but {first[0]} is {first[2]}", source=str(path),
                                 hint="all frames of one object must be of one kind")
            frames.append(frame)
    return np.stack(frames)


def as_frames(data: Any) -> np.ndarray:
    """An array or a list of 2-D/RGB images as (frames, rows, columns[, 3])."""
    import numpy as np

    if isinstance(data, (list, tuple)):
        if not data:
            raise UsageError("no frames given")
        arrays = [np.asarray(f) for f in data]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise InputError(f"frames differ in size: {', '.join(_size(s) for s in sorted(shapes))}",
                             hint="all frames of one object must have the same size")
        if any(a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[-1] != 3) for a in arrays):
            raise InputError("each frame must be (rows, columns) or (rows, columns, 3)")
        return np.stack(arrays)
    arr = np.asarray(data)
    if arr.ndim == 2:
        return arr[np.newaxis]
    if arr.ndim == 3 or (arr.ndim == 4 and arr.shape[-1] in (3,)):
        return arr
    raise InputError(f"array of shape {arr.shape} is not (frames, rows, columns[, 3]) or (rows, columns)")


def _size(shape: tuple[int, ...]) -> str:
    text = f"{shape[1]}x{shape[0]}"  # width x height, as image tools print it
    return text + (f"x{shape[2]}" if len(shape) > 2 else "")


def _kind(frame: np.ndarray) -> str:
    colour = "RGB" if frame.ndim == 3 else "grayscale"
    return f"{frame.dtype.name} {colour}"


def _check_npy_magic(path: Path) -> None:
    with open(path, "rb") as fh:
        if fh.read(6) != b"\x93NUMPY":
            raise InputError("is not a .npy array (no NumPy header)", source=str(path),
                             hint="save arrays with numpy.save")


def _map_npy(path: Path) -> np.ndarray:
    import numpy as np

    _check_npy_magic(path)
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise InputError(f"not a readable .npy array: {exc}", source=str(path)) from None
    if arr.ndim == 2:
        return arr[np.newaxis]
    if arr.ndim == 3 or (arr.ndim == 4 and arr.shape[-1] == 3):
        return arr
    raise InputError(f"array of shape {arr.shape} is not (frames, rows, columns[, 3]) or (rows, columns)",
                     source=str(path))


def _read_one(path: Path) -> list[np.ndarray]:
    import numpy as np

    if path.suffix.lower() == ".npy":
        _check_npy_magic(path)
        try:
            arr = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise InputError(f"not a readable .npy array: {exc}", source=str(path)) from None
        if arr.ndim == 2:
            return [arr]
        if arr.ndim == 3 or (arr.ndim == 4 and arr.shape[-1] == 3):
            return list(arr)
        raise InputError(f"array of shape {arr.shape} is not (frames, rows, columns[, 3]) or (rows, columns)",
                         source=str(path))
    return _read_pillow(path)


def _read_pillow(path: Path) -> list[np.ndarray]:
    import numpy as np
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        image = Image.open(path)
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"not a readable image ({type(exc).__name__})", source=str(path),
                         hint="PNG, JPEG, TIFF or .npy") from None
    frames = []
    with image:
        for page in ImageSequence.Iterator(image):
            frames.append(_page_array(page, path))
    if not frames:
        raise InputError("image has no frames", source=str(path))
    return frames


def _page_array(page: Any, path: Path) -> np.ndarray:
    import numpy as np

    mode = page.mode
    raw_modes = " ".join(str(t[3][0] if isinstance(t[3], tuple) else t[3]) for t in (page.tile or []))
    if mode in ("RGB", "RGBA") and ";16" in raw_modes:
        # Pillow silently reduces 48/64-bit PNG to 8 bits: refuse instead of losing data.
        raise InputError("16-bit RGB is not allowed in Secondary Capture (true colour is 8 bits per sample)",
                         source=str(path), hint="save the image with 8 bits per channel")
    if mode == "1":
        return np.asarray(page, dtype=bool)
    if mode == "L":
        return np.asarray(page, dtype=np.uint8)
    if mode.startswith("I;16"):
        return np.asarray(page).astype(np.uint16)
    if mode == "I":
        return np.asarray(page).astype(np.int32)
    if mode in ("RGB", "RGBA", "P", "PA", "CMYK", "YCbCr", "LA"):
        if mode == "LA":
            return np.asarray(page.convert("L"), dtype=np.uint8)
        return np.asarray(page.convert("RGB"), dtype=np.uint8)
    raise InputError(f"image mode {mode} is not supported", source=str(path),
                     hint="use 8/16-bit grayscale, 8-bit RGB or 1-bit images")
