"""Segmentations and the objects that point into them: segment numbers, per-frame segments and sources.

One file: a SEG's Segment Numbers are 1..n in order (PS3.3 C.8.20.2: "shall
start at a value of 1, and increase monotonically by 1"), each frame's
Referenced Segment Number names one of them (C.8.20.3.1), and each frame's
source image is among the instances the SEG lists in its Referenced Series
Sequence (C.8.20.3.1.1, C.12.2).

A set (``--as-set``): a frame's source frame exists in the source image, an
SR's Referenced Segment (TID 1411) names a segment the SEG has, and a Key
Object Selection's references (TID 2010) are instances of the set.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dicomhelp.validate.findings import Finding, error

if TYPE_CHECKING:
    from dicomhelp.validate.context import Context

SEG_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"
KOS_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.88.59"
SEG_REF = "PS3.3 C.8.20.2 and C.8.20.3"


def _items(ds: Any, keyword: str) -> list[Any]:
    seq = ds.get(keyword)
    return list(seq) if seq else []


def _frame_segment(shared: Any, group: Any) -> tuple[str, Any] | None:
    for where, holder in (("", group), ("shared", shared)):
        ident = _items(holder, "SegmentIdentificationSequence") if holder is not None else []
        if ident:
            return where, ident[0].get("ReferencedSegmentNumber")
    return None


def _source_refs(group: Any) -> Iterator[tuple[str, Any]]:
    """(path below the group, Source Image item) of a frame's Derivation Image Sequence."""
    for i, derivation in enumerate(_items(group, "DerivationImageSequence")):
        for j, source in enumerate(_items(derivation, "SourceImageSequence")):
            yield f"DerivationImageSequence[{i}].SourceImageSequence[{j}]", source


def check(ctx: Context) -> Iterator[Finding]:
    if (ctx.sop_class_uid or "") != SEG_SOP_CLASS:
        return
    ds = ctx.ds
    numbers = [item.get("SegmentNumber") for item in _items(ds, "SegmentSequence")]
    for i, number in enumerate(numbers):
        if number != i + 1:
            yield error("seg.segment-numbering", f"Segment Number is <{number}> in item {i + 1}: segments are "
                        f"numbered 1, 2, ... in order", tag=0x00620004, keyword="SegmentNumber",
                        path=f"SegmentSequence[{i}].SegmentNumber", reference=SEG_REF,
                        fix=f"renumber the segments 1..{len(numbers)} (and the frames' Referenced Segment Numbers)")
    listed = {str(ref.get("ReferencedSOPInstanceUID")) for series in _items(ds, "ReferencedSeriesSequence")
              for ref in _items(series, "ReferencedInstanceSequence")}
    shared = (_items(ds, "SharedFunctionalGroupsSequence") or [None])[0]
    for f, group in enumerate(_items(ds, "PerFrameFunctionalGroupsSequence")):
        here = f"PerFrameFunctionalGroupsSequence[{f}]"
        found = _frame_segment(shared, group)
        if found is not None and found[1] not in numbers:
            where = ("SharedFunctionalGroupsSequence[0]" if found[0] else here)
            yield error("seg.unknown-segment", f"frame {f + 1} belongs to segment <{found[1]}>, which the Segment "
                        "Sequence does not define", tag=0x0062000B, keyword="ReferencedSegmentNumber",
                        path=f"{where}.SegmentIdentificationSequence[0].ReferencedSegmentNumber", reference=SEG_REF,
                        fix=f"use one of the segment numbers {', '.join(map(str, numbers)) or '(none defined)'}")
        for path, source in _source_refs(group):
            uid = str(source.get("ReferencedSOPInstanceUID", ""))
            if listed and uid not in listed:
                yield error("seg.source-not-listed", f"frame {f + 1} is derived from <{uid}>, which the Referenced "
                            "Series Sequence does not list", tag=0x00081155, keyword="ReferencedSOPInstanceUID",
                            path=f"{here}.{path}.ReferencedSOPInstanceUID",
                            reference="PS3.3 C.8.20.3.1.1 and C.12.2 (Common Instance Reference)",
                            fix="add the source image to ReferencedSeriesSequence or correct the UID")


# ------------------------------------------------------------------ across a set


def set_info(ds: Any, sop_class_uid: str) -> dict[str, Any]:
    """What the set checks need of one instance (small and picklable)."""
    info: dict[str, Any] = {"frames": _int(ds.get("NumberOfFrames")) or 1}
    if sop_class_uid == SEG_SOP_CLASS:
        info["segments"] = [_int(item.get("SegmentNumber")) for item in _items(ds, "SegmentSequence")]
        frames = []
        for f, group in enumerate(_items(ds, "PerFrameFunctionalGroupsSequence")):
            for path, source in _source_refs(group):
                for number in _numbers(source.get("ReferencedFrameNumber")):
                    frames.append((f"PerFrameFunctionalGroupsSequence[{f}].{path}.ReferencedFrameNumber",
                                   str(source.get("ReferencedSOPInstanceUID", "")), number))
        info["source_frames"] = frames
    segment_refs: list[tuple[str, str, list[int]]] = []
    kos_refs: list[tuple[str, str]] = []
    _content_refs(ds, "", segment_refs, kos_refs, sop_class_uid == KOS_SOP_CLASS, 0)
    info["segment_refs"] = segment_refs
    info["kos_refs"] = kos_refs
    return info


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _numbers(value: Any) -> list[int]:
    if value is None or value == "":
        return []
    values = value if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue" else [value]
    return [n for n in (_int(v) for v in values) if n is not None]


def _content_refs(ds: Any, prefix: str, segments: list[tuple[str, str, list[int]]], kos: list[tuple[str, str]],
                  is_kos: bool, depth: int) -> None:
    """Referenced Segment numbers of SR content items, and the instances a KOS selects."""
    if depth > 32:
        return
    for i, item in enumerate(_items(ds, "ContentSequence")):
        here = f"{prefix}ContentSequence[{i}]"
        for j, ref in enumerate(_items(item, "ReferencedSOPSequence")):
            uid = str(ref.get("ReferencedSOPInstanceUID", ""))
            numbers = _numbers(ref.get("ReferencedSegmentNumber"))
            if numbers:
                segments.append((f"{here}.ReferencedSOPSequence[{j}].ReferencedSegmentNumber", uid, numbers))
            if is_kos and depth == 0:
                kos.append((f"{here}.ReferencedSOPSequence[{j}].ReferencedSOPInstanceUID", uid))
        _content_refs(item, here + ".", segments, kos, is_kos, depth + 1)


def check_set(infos: list[tuple[str, dict[str, Any]]]) -> Iterator[Finding]:
    by_uid = {info["SOPInstanceUID"]: info for _path, info in infos}
    for path, info in infos:
        seg_info = info.get("seg") or {}
        for where, uid, frame in seg_info.get("source_frames", []):
            source = by_uid.get(uid)
            frames = (source.get("seg") or {}).get("frames", 1) if source else None
            if frames is not None and not 1 <= frame <= frames:
                yield error("seg.source-frame-missing", f"refers to frame {frame} of <{uid}>, which has {frames} "
                            f"frame{'s' if frames != 1 else ''}", path=where, keyword="ReferencedFrameNumber",
                            tag=0x00081160, file=path, reference="PS3.3 C.8.20.3.1.1",
                            fix="derive the frame from a frame the source has")
        for where, uid, numbers in seg_info.get("segment_refs", []):
            target = by_uid.get(uid)
            defined = (target.get("seg") or {}).get("segments") if target else None
            if defined is None:
                continue  # not in the set, or not a SEG: set.unresolved-reference says so
            for number in numbers:
                if number not in defined:
                    yield error("sr.segment-missing", f"refers to segment {number} of SEG <{uid}>, which has "
                                f"segments {', '.join(map(str, defined)) or '(none)'}", path=where, file=path,
                                keyword="ReferencedSegmentNumber", tag=0x0062000B,
                                reference="PS3.16 TID 1411 (Referenced Segment)",
                                fix="name a segment the SEG defines")
        for where, uid in seg_info.get("kos_refs", []):
            if uid not in by_uid:
                yield error("kos.reference-missing", f"selects instance <{uid}>, which is not in this set",
                            path=where, file=path, keyword="ReferencedSOPInstanceUID", tag=0x00081155,
                            reference="PS3.16 TID 2010 (Key Object Selection)",
                            fix="add the selected instance to the set, or correct the UID")
