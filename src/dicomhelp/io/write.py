"""Writing atomically.

Every command writes through :func:`write_atomic` / :func:`write_bytes_atomic`:
a temporary file renamed into place, so an output is complete or absent even
when the process is killed. fsync policy: a file that replaces an existing one
(``edit --in-place``) is fsynced before the rename, so the old content survives
a power loss too; a brand-new output is not (the rename already protects it
against a killed process, and fsync would cost ~0.1 s per 100 MB).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from pydicom import Dataset


def write_atomic(ds: Dataset, path: str | os.PathLike[str], *, enforce_file_format: bool = True,
                 pixel_data: Callable[[BinaryIO], object] | None = None, durable: bool | None = None) -> Path:
    """Write ``ds`` to ``path`` through a temporary file in the same folder.

    The file appears complete or not at all, even if the process is killed
    mid-write, so an input edited in place is never half-written.

    ``pixel_data``, when given, writes the whole Pixel Data element itself, in
    explicit VR little endian, between the elements before (7FE0,0010) and
    those after it (trailing padding, signatures), which ``ds`` must not hold
    Pixel Data itself: encoded frames are streamed into the file as they
    arrive instead of being assembled in memory first. ``durable``: see
    :func:`_write_atomically`.
    """
    if pixel_data is None:
        direct = _direct_pixel_data(ds, enforce_file_format)
        if direct is None:
            return _write_atomically(path, lambda fh: ds.save_as(fh, enforce_file_format=enforce_file_format),
                                     durable=durable)
        # Big Pixel Data: written from its own bytes (pydicom's writer copies the value twice).
        elem = ds["PixelData"]
        del ds["PixelData"]
        try:
            return write_atomic(ds, path, enforce_file_format=enforce_file_format, pixel_data=direct,
                                durable=durable)
        finally:
            ds["PixelData"] = elem
    if 0x7FE00010 in ds:
        raise ValueError("write_atomic(pixel_data=...) needs a dataset without Pixel Data")
    tail = [ds[tag] for tag in list(ds.keys()) if tag > 0x7FE00010]

    def write(fh: BinaryIO) -> None:
        for elem in tail:
            del ds[elem.tag]
        try:
            ds.save_as(fh, enforce_file_format=enforce_file_format)
        finally:
            for elem in tail:
                ds[elem.tag] = elem
        pixel_data(fh)
        if tail:
            _write_elements(fh, tail, ds.get("SpecificCharacterSet"))

    return _write_atomically(path, write, durable=durable)


# Below this, pydicom's two copies of Pixel Data cost nothing worth a second code path.
DIRECT_PIXEL_DATA_BYTES = 1 << 20


def _direct_pixel_data(ds: Dataset, enforce_file_format: bool) -> Callable[[BinaryIO], None] | None:
    """A writer for a big Pixel Data value, producing the bytes pydicom would, or None to let pydicom write it.

    Only the plain case: explicit VR little endian (every syntax dicomhelp
    writes), VR OB or OW, a bytes value, encapsulated exactly when it must be.
    """
    if 0x7FE00010 not in ds:
        return None
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    try:
        plain = (syntax is not None and syntax.is_transfer_syntax and not syntax.is_private
                 and syntax.is_little_endian and not syntax.is_implicit_VR and not syntax.is_deflated)
    except (AttributeError, ValueError):
        return None
    elem = ds["PixelData"]
    value = elem.value
    if not plain or elem.VR not in ("OB", "OW") or not isinstance(value, bytes) \
            or len(value) < DIRECT_PIXEL_DATA_BYTES:
        return None
    undefined = syntax.is_compressed if enforce_file_format else elem.is_undefined_length
    if undefined and not value.startswith(b"\xfe\xff\x00\xe0"):
        return None  # not encapsulated: pydicom's writer says what is wrong
    if enforce_file_format:
        elem.is_undefined_length = undefined  # what dcmwrite does to the element it writes

    def write(fh: BinaryIO) -> None:
        pad = len(value) % 2
        length = 0xFFFFFFFF if undefined else len(value) + pad
        fh.write(struct.pack("<HH2sHL", 0x7FE0, 0x0010, elem.VR.encode(), 0, length))
        fh.write(value)
        if pad:
            fh.write(b"\x00")
        if undefined:
            fh.write(struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))  # Sequence Delimitation Item

    return write


def _write_elements(fh: BinaryIO, elements: list, character_set: object) -> None:  # type: ignore[type-arg]
    """Append top-level elements in explicit VR little endian (what follows a streamed Pixel Data)."""
    from pydicom import Dataset as _Dataset
    from pydicom.charset import default_encoding
    from pydicom.filebase import DicomFileLike
    from pydicom.filewriter import write_dataset

    part = _Dataset()
    for elem in elements:
        part[elem.tag] = elem
    fp = DicomFileLike(fh)
    fp.is_little_endian, fp.is_implicit_VR = True, False
    write_dataset(fp, part, parent_encoding=character_set or default_encoding)  # type: ignore[arg-type]


def write_bytes_atomic(data: bytes, path: str | os.PathLike[str], *, durable: bool | None = None) -> Path:
    """Write raw bytes atomically (extracted documents, previews, reports)."""
    return _write_atomically(path, lambda fh: fh.write(data), durable=durable)


def _write_atomically(path: str | os.PathLike[str], write: Callable[[BinaryIO], object], *,
                      durable: bool | None = None) -> Path:
    """Write through a temporary file renamed over ``path``; the fsync policy is here.

    Against a killed process (Ctrl-C, SIGKILL, a crash) the rename alone
    guarantees "complete or absent": the temporary file is never visible
    under the final name. fsync only matters against an OS crash or power
    loss, and it costs about 0.1 s per 100 MB, so:

    - replacing an existing file (``edit --in-place``, an output written
      again) is fsynced before the rename (``durable=None``, the default): the
      previous content is the user's data and must survive, as the old
      file or the new one, never an empty one;
    - a brand-new file is not fsynced: after a power loss it may be missing
      or short like any file the OS had not flushed yet, but nothing that
      existed before is lost and the command can simply run again.

    ``durable=True`` / ``False`` forces the choice either way.
    """
    import tempfile  # only writers need it; readers start faster without

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sync = durable if durable is not None else target.exists()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target
