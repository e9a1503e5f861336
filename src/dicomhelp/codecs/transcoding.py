"""Re-encoding existing objects and files into another transfer syntax."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dicomhelp.codecs.compress import compress_frames, compress_frames_later
from dicomhelp.codecs.encapsulate import PendingPixels, write_with_pixels
from dicomhelp.codecs.encode import StartedEncoding
from dicomhelp.codecs.layout import NativeLayout, dataset_layout, decode_frames, require_description, to_little_endian
from dicomhelp.codecs.lossy import mark_lossy
from dicomhelp.codecs.policy import Compression, CompressionReport
from dicomhelp.codecs.syntaxes import LOSSY_SOURCE_SYNTAXES
from dicomhelp.errors import InputError, UsageError

if TYPE_CHECKING:
    import numpy as np
    from pydicom import Dataset

    from dicomhelp.io.read import DicomFile
    from dicomhelp.uids import UIDPolicy


@dataclass
class TranscodeResult:
    dataset: Dataset
    report: CompressionReport
    new_instance: bool  # lossy output is a new instance with a new SOP Instance UID
    notes: list[str] = field(default_factory=list)
    # With stream=True and a lossless encapsulated target: the frames, encoded while
    # write() writes them (``dataset`` has no Pixel Data, the report's compressed size
    # is known once written).
    pending: PendingPixels | None = None

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the result atomically, streaming pending frames into the file."""
        write_with_pixels(self.dataset, self.pending, path)


def transcode_file(path: str | os.PathLike[str], compression: Compression, *,
                   new_uid: Callable[[], str], header: DicomFile | None = None,
                   stream: bool = False, started: StartedEncoding | None = None) -> TranscodeResult:
    """:func:`transcode` a file; uncompressed input is memory-mapped instead of read.

    The forked encoders then read the pages they need straight from the page
    cache: the parent holds no copy of the input and spends no time reading it.
    ``header``: the file as already read by ``read_file(path)`` (saves a second
    read). ``stream``: see :func:`transcode`; write with ``result.write(out)``.
    ``started``: from :func:`start_transcoding` on the same file, used when
    the header pydicom reads describes the frames it encodes.
    """
    import numpy as np

    from dicomhelp.io.read import decode_all, read_file

    name = str(path)
    header = header if header is not None else read_file(path)
    if header.damaged:  # re-encoding what could be read would make a damaged copy look whole
        raise InputError(header.problems[0] if header.problems else "the file is damaged", source=name,
                         hint="transcode a complete copy of the file")
    decode_all(header.dataset, name)  # a value pydicom cannot convert: one line now, not a traceback later
    info = header.pixel
    layout = dataset_layout(header.dataset) if info is not None and info.tag == 0x7FE00010 else None
    if info is not None and layout is not None and not info.encapsulated and info.length >= layout.nbytes:
        if started is not None and _maps(started.frames, path, info.offset, layout):
            frames = started.frames
        else:
            # Bits above Bits Stored are cleared frame by frame by the encoding processes.
            frames = np.memmap(path, dtype=layout.dtype, mode="r", offset=info.offset, shape=layout.shape)
        return transcode(header.dataset, compression, new_uid=new_uid, source=name, frames=frames,
                         stream=stream, started=started)
    if started is not None:
        started.close()  # pydicom decodes these pixels: the scan's guess was wrong
    return transcode(read_file(path, pixels=True).dataset, compression, new_uid=new_uid, source=name,
                     stream=stream)


def _maps(frames: np.ndarray, path: str | os.PathLike[str], offset: int, layout: NativeLayout) -> bool:
    """Is ``frames`` a mapping of ``path`` at ``offset`` with ``layout``'s dtype and shape?"""
    import numpy as np

    return (isinstance(frames, np.memmap) and frames.filename is not None
            and os.path.realpath(frames.filename) == os.path.realpath(path) and frames.offset == offset
            and frames.dtype == layout.dtype and frames.shape == layout.shape)


def transcode_into(compression: Compression, policy: UIDPolicy, job: tuple[str, str]) -> str | None:
    """Transcode ``job`` = (input file, staged output) for a folder: None when written, else its error line.

    One file of ``transcode IN_FOLDER OUT_FOLDER``, the same on the local loop and
    on a cluster worker (:mod:`dicomhelp.cluster`); a lossy target's new UID comes
    from ``policy`` (with a seed, the same on every worker).
    """
    from dicomhelp.errors import DicomHelpError
    from dicomhelp.io.read import decode_all, quiet_pydicom, read_file

    path, staged = job
    try:
        with quiet_pydicom():
            header = read_file(path)
            decode_all(header.dataset, path)
            old_uid = str(header.dataset.get("SOPInstanceUID", ""))
            result = transcode_file(path, compression, header=header, new_uid=lambda: policy.new(
                "lossy", old_uid, compression.name, compression.ratio, compression.psnr, compression.max_error))
            result.write(staged)
    except DicomHelpError as exc:
        return exc.one_line() if exc.source else f"{path}: {exc.one_line()}"
    return None


def transcode(ds: Dataset, compression: Compression, *, new_uid: Callable[[], str],
              source: str = "input", frames: np.ndarray | None = None, stream: bool = False,
              started: StartedEncoding | None = None) -> TranscodeResult:
    """Re-encode ``ds`` (read with its pixels, or ``frames`` given) into ``compression``'s syntax.

    Lossless targets keep the SOP Instance UID (the pixels are unchanged);
    a lossy target makes a new instance with ``new_uid()`` and the lossy
    attributes, referencing its predecessor. With ``stream`` a lossless
    encapsulated target is encoded only when ``result.write(out)`` writes the
    file (:class:`PendingPixels`): same bytes, less time and memory.
    ``started``: see :func:`encode_frames`.
    """
    import copy

    if "FloatPixelData" in ds or "DoubleFloatPixelData" in ds:
        raise InputError("float pixel data cannot be transcoded", source=source)
    source_syntax = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", ""))
    if source_syntax in LOSSY_SOURCE_SYNTAXES and "LossyImageCompression" not in ds:
        # Once lossy, always lossy: a lossless re-encoding must not hide it.
        ds.LossyImageCompression = "01"
    predecessor = copy.copy(ds) if compression.syntax.lossy else None
    if frames is None:
        frames = decode_frames(ds, source)
    require_description(ds, source)
    notes: list[str] = []
    old_pi = str(ds.PhotometricInterpretation)
    if int(ds.SamplesPerPixel) == 3 and old_pi != "RGB":
        notes.append(f"colour decoded from {old_pi} to RGB")
        ds.PhotometricInterpretation = "RGB"
    elif old_pi.startswith("YBR"):
        ds.PhotometricInterpretation = "MONOCHROME2"
    if "PixelData" in ds:
        del ds["PixelData"]  # the decoded frames replace it: keeps memory at one copy
    for _elem in ds.iterall():
        pass  # decode every raw element now: pydicom cannot write some raw ones as read (SC_rgb_jpeg.dcm)
    to_little_endian(ds)
    pending = None
    try:
        pending = compress_frames_later(ds, frames, compression, started=started) if stream else None
        report = pending.report if pending is not None else compress_frames(ds, frames, compression,
                                                                            started=started)
    except UsageError as exc:
        raise UsageError(exc.message, source=source, hint=exc.hint) from None
    if ds.get("NumberOfFrames") is not None:
        ds.NumberOfFrames = len(frames)
    new_instance = compression.syntax.lossy
    if new_instance:
        uid = new_uid()
        mark_lossy(ds, report, predecessor=predecessor)
        ds.SOPInstanceUID = uid
        ds.file_meta.MediaStorageSOPInstanceUID = uid
    return TranscodeResult(ds, report, new_instance, notes, pending)
