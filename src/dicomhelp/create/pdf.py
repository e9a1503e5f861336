"""Encapsulated PDF (PS3.3 A.45.1) and getting encapsulated documents back out.

The PDF is stored byte for byte in Encapsulated Document (0042,0011), padded
with one NUL byte to an even length; Encapsulated Document Length (0042,0015)
records the true length so the document comes back identical.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dicomhelp.create.base import Builder, Series
from dicomhelp.create.spec import options_from_dict
from dicomhelp.errors import InputError, SpecError, UsageError

if TYPE_CHECKING:
    from pydicom import Dataset

ENCAPSULATED_PDF = "1.2.840.10008.5.1.4.1.1.104.1"
# Encapsulated Document storage classes: PDF, CDA, STL, OBJ, MTL (PS3.4 B.5).
ENCAPSULATED_CLASSES = {
    ENCAPSULATED_PDF: "application/pdf",
    "1.2.840.10008.5.1.4.1.1.104.2": "text/XML",
    "1.2.840.10008.5.1.4.1.1.104.3": "model/stl",
    "1.2.840.10008.5.1.4.1.1.104.4": "model/obj",
    "1.2.840.10008.5.1.4.1.1.104.5": "model/mtl",
}
# An OB value with an explicit length holds at most 2^32 - 2 bytes (even, below the undefined length).
MAX_DOCUMENT_BYTES = 0xFFFFFFFE
_ENCRYPT = re.compile(rb"/Encrypt\s*(\d+\s+\d+\s+R|<<)")


@dataclass
class PDFOptions:
    """Everything about an Encapsulated PDF besides the document; every field has a working default."""

    title: str | None = None  # Document Title; default: the file name without extension
    series_description: str = "Reports"
    series_number: int = 950
    instance_number: int = 1
    burned_in_annotation: str = "YES"  # a report names the patient in its text
    concept_name: tuple[str, str, str] | None = None  # (code value, scheme, meaning), e.g. LOINC 18748-4
    conversion_type: str = "WSD"

    def __post_init__(self) -> None:
        if self.burned_in_annotation not in ("YES", "NO"):
            raise UsageError("burned-in annotation must be YES or NO")
        if self.concept_name is not None and (len(self.concept_name) != 3 or not all(self.concept_name)):
            raise UsageError("concept name is (code value, coding scheme, code meaning)")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, key: str = "pdf") -> PDFOptions:
        """From a spec section; an error names the spec key."""
        return options_from_dict(cls, data, key, _spec_value)


def _spec_value(name: str, value: Any, path: str) -> Any:
    if name == "concept_name" and value is not None:
        if isinstance(value, Mapping):
            value = (value.get("value"), value.get("scheme"), value.get("meaning"))
        if not isinstance(value, (list, tuple)) or len(value) != 3:
            raise SpecError("must be [value, scheme, meaning] or {value, scheme, meaning}", source=path)
        value = tuple(str(x) if x is not None else "" for x in value)
    return value


def read_pdf(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a PDF file, refused when it is missing, empty, not a PDF, encrypted or too large."""
    p = Path(path)
    if not p.exists():
        raise UsageError("no such file", source=str(p), hint="check the path")
    if p.is_dir():
        raise UsageError("is a folder, not a PDF file", source=str(p))
    size = p.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise InputError(f"is {size} bytes: more than the {MAX_DOCUMENT_BYTES} a DICOM document can hold",
                         source=str(p))
    data = p.read_bytes()
    check_pdf(data, source=str(p))
    return data


def check_pdf(data: bytes, *, source: str = "document") -> None:
    if not data:
        raise InputError("is empty (0 bytes)", source=source)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(f"is {len(data)} bytes: more than the {MAX_DOCUMENT_BYTES} a DICOM document can hold",
                         source=source)
    if not data.startswith(b"%PDF-"):
        raise InputError("is not a PDF (it does not start with %PDF-)", source=source,
                         hint="Encapsulated PDF holds PDF documents only")
    if _ENCRYPT.search(data):
        # A PACS viewer cannot open it and archives must be able to read what they keep.
        raise InputError("is an encrypted PDF", source=source, hint="save it without a password first")


def create_pdf(document: bytes | str | os.PathLike[str], *, builder: Builder | None = None,
               source: Sequence[Dataset | str | os.PathLike[str]] | None = None,
               options: PDFOptions | None = None, source_instances: Sequence[Dataset] | None = None,
               series: Series | None = None) -> Dataset:
    """An Encapsulated PDF object holding ``document`` (bytes or a path).

    ``builder`` places it in a study; without one it derives from ``source``
    (datasets or file/folder paths) or starts a new study. ``source_instances``
    are referenced in Source Instance Sequence (default: every source instance
    of the builder). ``series`` puts several documents into one series.
    """
    from dicomhelp.codecs import code_item
    from dicomhelp.create.sources import builder_from, reference_items

    opts = options or PDFOptions()
    if isinstance(document, (bytes, bytearray)):
        data = bytes(document)
        check_pdf(data)
        default_title = "Report"
    else:
        data = read_pdf(document)
        default_title = Path(document).stem
    if builder is None:
        builder = builder_from(source)
    refs = list(source_instances) if source_instances is not None else list(builder.study.source)
    if series is None:
        series = builder.series("pdf", modality="DOC", number=opts.series_number,
                                description=opts.series_description)
    ds = builder.new_dataset(ENCAPSULATED_PDF, series, instance_number=opts.instance_number)
    # SC Equipment module
    ds.ConversionType = opts.conversion_type
    # Encapsulated Document module
    ds.AcquisitionDateTime = builder.now.strftime("%Y%m%d%H%M%S")
    ds.BurnedInAnnotation = opts.burned_in_annotation
    ds.DocumentTitle = (opts.title if opts.title is not None else default_title)[:1024]
    ds.ConceptNameCodeSequence = [code_item(*opts.concept_name)] if opts.concept_name else []
    if refs:
        ds.SourceInstanceSequence = reference_items(refs)
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.EncapsulatedDocument = data + (b"\x00" if len(data) % 2 else b"")
    ds.EncapsulatedDocumentLength = len(data)
    builder.finish(ds)
    return ds


def extract_document(ds: Dataset, *, source: str = "input") -> tuple[bytes, str]:
    """The encapsulated document of ``ds``, byte-identical to what was stored, and its MIME type."""
    sop = str(ds.get("SOPClassUID", ""))
    if "EncapsulatedDocument" not in ds:
        name = getattr(ds.get("SOPClassUID"), "name", sop) or "unknown SOP class"
        raise InputError(f"is not an encapsulated document ({name}): there is nothing to extract",
                         source=source, hint="extract works on Encapsulated PDF/CDA/STL/OBJ/MTL objects")
    data = bytes(ds.EncapsulatedDocument)
    mime = str(ds.get("MIMETypeOfEncapsulatedDocument", "") or ENCAPSULATED_CLASSES.get(sop, ""))
    length = ds.get("EncapsulatedDocumentLength")
    if length is not None and length != "" and 0 <= int(length) <= len(data):
        return data[: int(length)], mime
    if data.endswith(b"\x00") and mime == "application/pdf":
        # Older writers pad without recording the length; PDF never ends in NUL.
        data = data[:-1]
    return data, mime


def extension_for(mime: str) -> str:
    return {"application/pdf": ".pdf", "text/xml": ".xml", "model/stl": ".stl", "model/obj": ".obj",
            "model/mtl": ".mtl"}.get(mime.lower(), ".bin")
