"""The DICOM JSON model (PS3.18 Annex F) of a file, without loading its pixel data.

Pixel Data and binary values larger than ``bulk_threshold`` bytes become
``BulkDataURI`` references into the file (``file:///...?offset=N&length=M``
for the pixel data, whose place the header scan knows; ``file:///...#path`` for
other bulk values). ``Dataset.from_json`` of the result gives back every other
element. The file meta group is not part of the model (PS3.18 F.2) and is left
out. Elements whose value cannot be encoded are left out and reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from dicomhelp.paths import element_step

if TYPE_CHECKING:
    from pydicom import Dataset

    from dicomhelp.io import DicomFile

BULK_THRESHOLD = 1024


def to_dicom_json(source: DicomFile | Dataset, *, bulk_threshold: int = BULK_THRESHOLD,
                  private: bool = True, problems: list[str] | None = None) -> dict[str, Any]:
    """The DICOM JSON object of a file read by :func:`dicomhelp.io.read_file` (or a dataset)."""
    from pydicom import Dataset

    if isinstance(source, Dataset):
        ds, pixel, uri = source, None, "urn:dicomhelp:dataset"
    else:
        ds, pixel, uri = source.dataset, source.pixel, Path(source.path).resolve().as_uri()
    out = _dataset_json(ds, "", uri, bulk_threshold, private, problems if problems is not None else [])
    if pixel is not None:
        out[f"{pixel.tag:08X}"] = {
            "vr": pixel.vr if pixel.vr in ("OB", "OW", "OF", "OD") else "OB",
            "BulkDataURI": (f"{uri}?offset={pixel.offset}&length={pixel.length}" if pixel.offset >= 0
                            else f"{uri}#{keyword_for(pixel.tag)}"),  # deflated: no offset in the file
        }
        out = dict(sorted(out.items()))
    return out


def keyword_for(tag: int) -> str:
    return {0x7FE00008: "FloatPixelData", 0x7FE00009: "DoubleFloatPixelData"}.get(tag, "PixelData")


def _dataset_json(ds: Dataset, prefix: str, uri: str, threshold: int, private: bool,
                  problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tag in list(ds.keys()):
        tag = int(tag)
        if tag >> 16 == 0x0002 or (not private and (tag >> 16) % 2):
            continue
        step = element_step(ds, tag).text()
        path = f"{prefix}.{step}" if prefix else step
        try:
            elem = ds[tag]
            if elem.VR == "SQ":
                items = elem.value or []
                value = [_dataset_json(item, f"{path}[{i}]", uri, threshold, private, problems)
                         for i, item in enumerate(items)]
                out[f"{tag:08X}"] = {"vr": "SQ", "Value": value} if value else {"vr": "SQ"}
                continue
            out[f"{tag:08X}"] = elem.to_json_dict(lambda _e, p=path: f"{uri}#{p}", threshold)
        except Exception as exc:
            text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
            problems.append(f"{path}: left out of the JSON, its value cannot be encoded ({text})")
    return out
