"""Presentation states: layers that annotations use are defined; referenced images are in the referenced series.

PS3.3 C.10.5 (Graphic Annotation: Graphic Layer (0070,0002) "shall be the
Graphic Layer of an Item of the Graphic Layer Sequence"), C.10.7 (Graphic
Layer), C.11.11 (Presentation State Relationship: the images the state applies
to, by series).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dicomhelp.validate.findings import Finding, error

if TYPE_CHECKING:
    from dicomhelp.validate.context import Context

PS_CLASSES_PREFIX = "1.2.840.10008.5.1.4.1.1.11."
# Sequences whose items name the images they apply to (PS3.3 C.10.4, C.10.5, C.11.8, C.11.1).
IMAGE_REF_SEQUENCES = ("GraphicAnnotationSequence", "DisplayedAreaSelectionSequence", "SoftcopyVOILUTSequence")


def check(ctx: Context) -> Iterator[Finding]:
    sop = ctx.sop_class_uid or ""
    if not sop.startswith(PS_CLASSES_PREFIX):
        return
    ds = ctx.ds
    yield from _layers(ds)
    yield from _images(ds)


def _items(ds: Any, keyword: str) -> list[Any]:
    seq = ds.get(keyword)
    return list(seq) if seq else []


def _layers(ds: Any) -> Iterator[Finding]:
    defined = {str(item.get("GraphicLayer", "")).strip() for item in _items(ds, "GraphicLayerSequence")}
    for i, ann in enumerate(_items(ds, "GraphicAnnotationSequence")):
        layer = ann.get("GraphicLayer")
        if layer is None:
            continue
        name = str(layer).strip()
        if name not in defined:
            known = ", ".join(sorted(d for d in defined if d)) or "none"
            yield error("pstate.layer-undefined",
                        f"the annotation is on layer <{name}>, which the Graphic Layer Sequence does not define",
                        tag=0x00700002, keyword="GraphicLayer", path=f"GraphicAnnotationSequence[{i}].GraphicLayer",
                        reference="PS3.3 C.10.5.1.1 and C.10.7",
                        fix=f"add an item with GraphicLayer '{name}' and a GraphicLayerOrder to GraphicLayerSequence "
                        f"(defined layers: {known})")


def _images(ds: Any) -> Iterator[Finding]:
    referenced: set[str] = set()
    for series in _items(ds, "ReferencedSeriesSequence"):
        for image in series.get("ReferencedImageSequence") or []:
            uid = image.get("ReferencedSOPInstanceUID")
            if uid:
                referenced.add(str(uid))
    if not referenced:
        return
    for seq_kw in IMAGE_REF_SEQUENCES:
        for i, item in enumerate(_items(ds, seq_kw)):
            for j, image in enumerate(item.get("ReferencedImageSequence") or []):
                uid = image.get("ReferencedSOPInstanceUID")
                if uid and str(uid) not in referenced:
                    yield error("pstate.image-not-in-series",
                                f"refers to image <{uid}>, which is not among the images of the Referenced Series "
                                "Sequence", tag=0x00081155, keyword="ReferencedSOPInstanceUID",
                                path=f"{seq_kw}[{i}].ReferencedImageSequence[{j}].ReferencedSOPInstanceUID",
                                reference="PS3.3 C.11.11 (the presentation state applies only to those images)",
                                fix="add the image to ReferencedSeriesSequence or correct the UID")
