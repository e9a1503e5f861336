"""What lossy objects must say (PS3.3 C.7.6.1.1.5).

Lossy Image Compression "01" (never reset), Lossy Image Compression Ratio
and Method appended per step, Image Type value 1 DERIVED, Derivation Code
113040 and a new SOP Instance UID (the caller passes it), plus a Source
Image Sequence item with purpose 121320 pointing at the uncompressed
predecessor when there is one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dicomhelp.codecs.syntaxes import SYNTAXES

if TYPE_CHECKING:
    from pydicom import Dataset

    from dicomhelp.codecs.policy import CompressionReport


LOSSY_COMPRESSION_CODE = ("113040", "DCM", "Lossy Compression")
UNCOMPRESSED_PREDECESSOR_CODE = ("121320", "DCM", "Uncompressed predecessor")


def code_item(value: str, scheme: str, meaning: str) -> Dataset:
    from pydicom import Dataset as _Dataset

    item = _Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def mark_lossy(ds: Dataset, report: CompressionReport, *, predecessor: Dataset | None = None) -> None:
    """Record one lossy compression step (PS3.3 C.7.6.1.1.5) on ``ds``.

    ``predecessor`` is the instance the pixels came from, referenced with
    purpose 121320 when it was not lossy itself. The caller gives ``ds`` a
    new SOP Instance UID.
    """
    from pydicom import Dataset as _Dataset

    method = SYNTAXES[report.syntax].method
    was_lossy = predecessor is not None and str(predecessor.get("LossyImageCompression", "")) == "01"
    ds.LossyImageCompression = "01"
    ratios = _as_list(ds.get("LossyImageCompressionRatio"))
    methods = _as_list(ds.get("LossyImageCompressionMethod"))
    # Each step appends its own ratio and method (the values are parallel lists).
    while len(methods) < len(ratios):
        methods.append("")
    ratios.append(f"{report.ratio:.4g}")
    methods.append(method or "")
    ds.LossyImageCompressionRatio = ratios
    ds.LossyImageCompressionMethod = methods
    image_type = [str(v) for v in _as_list(ds.get("ImageType"))] or ["DERIVED", "SECONDARY"]
    image_type[0] = "DERIVED"
    if len(image_type) == 1:
        image_type.append("SECONDARY")
    ds.ImageType = image_type
    codes = list(ds.get("DerivationCodeSequence", []))
    if not any(getattr(c, "CodeValue", None) == LOSSY_COMPRESSION_CODE[0] for c in codes):
        codes.append(code_item(*LOSSY_COMPRESSION_CODE))
    ds.DerivationCodeSequence = codes
    if predecessor is not None and not was_lossy:
        ref = _Dataset()
        ref.ReferencedSOPClassUID = predecessor.SOPClassUID
        ref.ReferencedSOPInstanceUID = predecessor.SOPInstanceUID
        ref.PurposeOfReferenceCodeSequence = [code_item(*UNCOMPRESSED_PREDECESSOR_CODE)]
        items = [i for i in ds.get("SourceImageSequence", [])
                 if i.get("ReferencedSOPInstanceUID") != predecessor.SOPInstanceUID]
        ds.SourceImageSequence = [*items, ref]


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    from pydicom.multival import MultiValue

    if isinstance(value, (list, tuple, MultiValue)):
        return list(value)
    return [value]
