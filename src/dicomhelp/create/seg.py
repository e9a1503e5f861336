"""Segmentations (SEG, PS3.3 A.51) derived from a source series, built by highdicom.

The spec (YAML or JSON) lists the segments: a label, what the segment is as
codes (category from CID 7150, type from CID 7151), the algorithm that made it
and its tracking id/UID, and where its mask is. Masks are

- one ``.npy`` per segment, (frames, rows, columns) — one frame per source frame,
  in the order of the source series (instance number; the frames of a
  multi-frame source) — or (rows, columns) for a one-frame source;
- one PNG per source frame per segment (a list of files, in the same order);
- one label map ``.npy`` for all segments (``label_map``; each segment's
  ``value`` in it, default its number);
- arrays through the API (:func:`build_seg`'s ``masks``).

BINARY masks are 0/1 (PNG: non-zero is inside); FRACTIONAL masks are
probabilities or occupancies in 0..1 (PNG: the value over its maximum), stored
in steps of 1/``max_fractional_value``. The frames are aligned with the source:
highdicom writes the plane positions, the derivation and source image
references per frame, the source's Frame of Reference and the dimension index
(segment, position); empty frames are left out by default.

Everything that can be checked is checked before highdicom runs — codes in their
context groups, mask shapes against the source, empty masks, overlapping binary
segments, the compression allowed for the type — and each problem is one
:class:`~dicomhelp.errors.SpecError` or :class:`~dicomhelp.errors.InputError`
naming the spec path or the file. Nothing is written on error. UIDs come from
the builder's UID policy (the dimension organisation UID highdicom draws at
random included), so a seeded re-run gives the same bytes.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dicomhelp.create.base import Builder, Equipment, Study
from dicomhelp.create.sources import SourceInstance, read_source, series_body_part
from dicomhelp.create.spec import fail, join, load_spec
from dicomhelp.create.sr.spec import Code
from dicomhelp.errors import InputError
from dicomhelp.uids import UIDPolicy

if TYPE_CHECKING:
    import numpy as np
    from pydicom import Dataset

SEG_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"
# The transfer syntaxes a SEG may be written in, by the names `transcode` and `create sc` use.
SEG_COMPRESSIONS = {
    "none": "1.2.840.10008.1.2.1",
    "rle-lossless": "1.2.840.10008.1.2.5",
    "jpeg-ls-lossless": "1.2.840.10008.1.2.4.80",
    "jpeg2000-lossless": "1.2.840.10008.1.2.4.90",
}
# 1-bit BINARY frames may be encapsulated only as JPEG 2000 (RLE and JPEG-LS have no 1-bit form).
BINARY_COMPRESSIONS = ("none", "jpeg2000-lossless")
CATEGORY_CID = 7150
TYPE_CIDS = (7151, 7152)
DEFAULT_FAMILY = ("129465004", "DCM", "Artificial Intelligence")  # CID 7162 Artificial Intelligence


@dataclass
class Algorithm:
    """Who made the segment (Segment Algorithm Type AUTOMATIC, Algorithm Identification)."""

    name: str = field(metadata={"doc": "Segment Algorithm Name, e.g. LungNoduleAI"})
    version: str = field(metadata={"doc": "Algorithm Version"})
    family: Code = field(default_factory=lambda: Code(*DEFAULT_FAMILY),
                         metadata={"doc": "Algorithm Family (CID 7162), default DCM: Artificial Intelligence"})
    parameters: str | None = field(default=None, metadata={"doc": "Algorithm Parameters (free text)"})


@dataclass
class Segment:
    """One segment: what it is, who made it, and its mask."""

    label: str = field(metadata={"doc": "Segment Label, e.g. Nodule 1"})
    category: Code = field(metadata={"doc": "Segmented Property Category (CID 7150), e.g. 'SCT: Morphologically"
                                            "AbnormalStructure'"})
    type: Code = field(metadata={"doc": "Segmented Property Type (CID 7151), e.g. 'SCT: Nodule', 'SCT: Lung'"})
    mask: str | list[str] | None = field(default=None, metadata={
        "doc": "a .npy (frames x rows x columns) or one PNG per source frame; not with label_map"})
    value: int | None = field(default=None, metadata={"doc": "its value in label_map; default its number"})
    algorithm: Algorithm | None = field(default=None, metadata={
        "doc": "default: the spec's algorithm; none at all: MANUAL"})
    tracking_id: str | None = field(default=None, metadata={"doc": "Tracking ID, e.g. the finding's name"})
    tracking_uid: str | None = field(default=None, metadata={"doc": "Tracking UID; default from the UID policy"})
    anatomic_region: Code | None = field(default=None, metadata={"doc": "where it is, e.g. 'SCT: Lung'"})


@dataclass
class SegSpec:
    """A Segmentation: its segments, their masks, type and compression."""

    segments: list[Segment]
    type: Literal["BINARY", "FRACTIONAL"] = "BINARY"
    fractional_type: Literal["PROBABILITY", "OCCUPANCY"] = "PROBABILITY"
    max_fractional_value: int = field(default=255, metadata={"doc": "FRACTIONAL: steps of 1/this, 1..255"})
    label_map: str | None = field(default=None, metadata={
        "doc": "one .npy for every segment, each segment's value in it (BINARY only)"})
    algorithm: Algorithm | None = field(default=None, metadata={"doc": "the algorithm of every segment"})
    compression: Literal["none", "rle-lossless", "jpeg-ls-lossless", "jpeg2000-lossless"] = field(
        default="none", metadata={"doc": "BINARY: none or jpeg2000-lossless only"})
    series: str | None = field(default=None, metadata={
        "doc": "the source series (Series Instance UID or number) when the source has several"})
    allow_overlap: bool = field(default=False, metadata={"doc": "BINARY segments may share pixels"})
    omit_empty_frames: bool = True
    content_label: str = field(default="SEGMENTATION", metadata={"doc": "Content Label (CS)"})
    content_description: str | None = None
    series_number: int = 910
    series_description: str = "Segmentation"
    instance_number: int = 1

    def _spec_check(self, path: str) -> None:
        if not self.segments:
            fail(join(path, "segments"), "a segmentation needs at least one segment")
        if self.type == "BINARY" and self.compression not in BINARY_COMPRESSIONS:
            fail(join(path, "compression"), f"{self.compression} is not allowed for a BINARY segmentation: the "
                 "standard allows its 1-bit frames uncompressed or in JPEG 2000 only",
                 "use none or jpeg2000-lossless, or type FRACTIONAL")
        if not 1 <= self.max_fractional_value <= 255:
            fail(join(path, "max_fractional_value"), "must be 1..255 (8-bit fractional frames)")
        if self.label_map is not None and self.type != "BINARY":
            fail(join(path, "label_map"), "a label map gives BINARY segments", "give one mask per segment")
        values: dict[int, int] = {}
        for i, seg in enumerate(self.segments):
            where = join(join(path, "segments"), i)
            _check_codes(seg, where)
            if self.label_map is not None:
                if seg.mask is not None:
                    fail(join(where, "mask"), "give either label_map or each segment's mask, not both")
                value = seg.value if seg.value is not None else i + 1
                if value <= 0:
                    fail(join(where, "value"), "a label map value is a positive integer (0 is background)")
                if value in values:
                    fail(join(where, "value"), f"value {value} is segment {values[value] + 1}'s too")
                values[value] = i
            elif seg.value is not None:
                fail(join(where, "value"), "value names the segment in label_map, which is not given")


def _check_codes(seg: Segment, where: str) -> None:
    """Category and type must come from their context groups (CID 7150, CID 7151)."""
    from dicomhelp.standard import knowledge

    k = knowledge()
    checks = ((seg.category, (CATEGORY_CID,), "category", "e.g. 'SCT: MorphologicallyAbnormalStructure'"),
              (seg.type, TYPE_CIDS, "type", "e.g. 'SCT: Nodule', 'SCT: Lung', 'SCT: Neoplasm'"))
    for code, cids, key, hint in checks:
        members = {(m.scheme, m.value) for n in cids for m in ((k.cid(n).members if k.cid(n) else ()))}
        if members and (code.scheme, code.value) not in members:
            fail(join(where, key), f"({code.value}, {code.scheme}, \"{code.meaning}\") is not a code of CID {cids[0]} "
                 f"({k.cid_name(cids[0]) or 'its context group'})", hint)


def load_seg_spec(source: str | Path | Mapping[str, Any]) -> SegSpec:
    return load_spec(SegSpec, source)


# ------------------------------------------------------------------ the source series


def source_series(instances: Sequence[SourceInstance], series: str | None = None,
                  path: str = "series") -> list[SourceInstance]:
    """The images of the one source series a SEG is derived from (SEG objects never count)."""
    images = [i for i in instances if i.is_image and str(i.dataset.get("SOPClassUID", "")) != SEG_SOP_CLASS]
    if not images:
        raise InputError("the source has no images to segment", hint="--source names the image series (CT, MR...)")
    by_series: dict[str, list[SourceInstance]] = {}
    for image in images:
        by_series.setdefault(str(image.dataset.get("SeriesInstanceUID", "")), []).append(image)
    if series is not None:
        chosen = [s for uid, s in by_series.items()
                  if series in (uid, str(s[0].dataset.get("SeriesNumber", "")))]
        if len(chosen) != 1:
            known = ", ".join(f"{s[0].dataset.get('SeriesNumber', '?')} ({uid})" for uid, s in by_series.items())
            fail(path, f"{'no' if not chosen else 'more than one'} source series is '{series}'", f"series: {known}")
        return chosen[0]
    if len(by_series) > 1:
        known = ", ".join(str(s[0].dataset.get("SeriesNumber", "?")) for s in by_series.values())
        fail(path, f"the source has {len(by_series)} image series (numbers {known})",
             "say which with series: NUMBER or UID")
    images = next(iter(by_series.values()))
    if len(images) > 1 and any(i.frames > 1 for i in images):
        raise InputError("a SEG derives from one multi-frame image or from single-frame images, not several "
                         "multi-frame images", hint="give one multi-frame image as --source")
    return images


def _frame_count(images: Sequence[SourceInstance]) -> int:
    return images[0].frames if len(images) == 1 else len(images)


# ------------------------------------------------------------------ the masks


def _read_mask(raw: str | list[str], base: Path, where: str) -> np.ndarray:
    from dicomhelp.create.images import load_frames

    names = [raw] if isinstance(raw, str) else list(raw)
    if not names:
        fail(where, "no mask file given")
    paths = [Path(n) if Path(n).is_absolute() else base / n for n in names]
    for p in paths:
        if not p.is_file():
            fail(where, f"no such mask file: {p}", "paths are relative to the spec file")
    if len(paths) > 1 and any(p.suffix.lower() == ".npy" for p in paths):
        fail(where, "give one .npy per segment, or one PNG per source frame")
    frames = load_frames(paths)
    if frames.ndim != 3:
        raise InputError("a mask is grayscale (frames, rows, columns), not colour", source=str(paths[0]))
    return frames


def _as_unit(mask: np.ndarray, fractional: bool, origin: str) -> np.ndarray:
    """A BINARY mask as bool, a FRACTIONAL one as float32 in 0..1."""
    import numpy as np

    if mask.dtype == np.bool_:
        return mask.astype(np.float32) if fractional else mask
    if np.issubdtype(mask.dtype, np.floating):
        if not np.isfinite(mask).all() or mask.min() < 0 or mask.max() > 1:
            raise InputError("float masks hold values in 0..1", source=origin)
        if fractional:
            return mask.astype(np.float32)
        if not np.isin(mask, (0.0, 1.0)).all():
            raise InputError("a BINARY mask holds only 0 and 1 (this one has fractions)", source=origin,
                             hint="threshold it, or use type FRACTIONAL")
        return mask.astype(bool)
    if not np.issubdtype(mask.dtype, np.integer):
        raise InputError(f"{mask.dtype} is not a mask type", source=origin, hint="bool, integers or floats in 0..1")
    if fractional:
        # An 8/16-bit image of probabilities: its full range is 0..1.
        top = 255 if mask.dtype.itemsize == 1 else 65535
        return (mask.astype(np.float32) / top).astype(np.float32)
    return mask != 0


def _masks(spec: SegSpec, base: Path, arrays: Any, shape: tuple[int, int, int]) -> list[np.ndarray]:
    """One mask per segment, checked against the source's frames, rows and columns."""
    import numpy as np

    fractional = spec.type == "FRACTIONAL"
    if arrays is not None:
        if isinstance(arrays, np.ndarray):
            origins = ["masks (label map)"]
            raw = [np.asarray(arrays)]
        else:
            raw = [np.asarray(a) for a in arrays]
            origins = [f"masks[{i}]" for i in range(len(raw))]
    elif spec.label_map is not None:
        raw = [_read_mask(spec.label_map, base, "label_map")]
        origins = [str(base / spec.label_map)]
    else:
        raw, origins = [], []
        for i, seg in enumerate(spec.segments):
            where = join(join("segments", i), "mask")
            if seg.mask is None:
                fail(where, "each segment needs a mask (or give label_map)")
            raw.append(_read_mask(seg.mask, base, where))
            names = [seg.mask] if isinstance(seg.mask, str) else seg.mask
            origins.append(str(base / names[0]) + (f" (and {len(names) - 1} more)" if len(names) > 1 else ""))
    raw = [a[np.newaxis] if a.ndim == 2 else a for a in raw]
    for array, origin in zip(raw, origins):
        if array.shape != shape:
            raise InputError(f"mask shape {array.shape} does not match the source: {shape[0]} frame(s) of "
                             f"{shape[1]} rows x {shape[2]} columns", source=origin,
                             hint="one mask frame per source frame, in the source's order")
    if len(raw) == 1 and (arrays is not None and isinstance(arrays, np.ndarray) or spec.label_map is not None):
        return _split_label_map(spec, raw[0], origins[0])
    if len(raw) != len(spec.segments):
        raise InputError(f"{len(raw)} masks given for {len(spec.segments)} segments", source="masks")
    return [_as_unit(a, fractional, o) for a, o in zip(raw, origins)]


def _split_label_map(spec: SegSpec, labels: np.ndarray, origin: str) -> list[np.ndarray]:
    import numpy as np

    if not np.issubdtype(labels.dtype, np.integer):
        raise InputError(f"a label map holds integers, not {labels.dtype}", source=origin)
    values = [s.value if s.value is not None else i + 1 for i, s in enumerate(spec.segments)]
    unknown = sorted(set(np.unique(labels).tolist()) - {0, *values})
    if unknown:
        raise InputError(f"label map values {unknown[:5]} name no segment", source=origin,
                         hint="give each segment its value, or set those pixels to 0")
    return [labels == v for v in values]


def _check_masks(spec: SegSpec, masks: Sequence[np.ndarray]) -> np.ndarray | None:
    """Refuse empty masks and, unless allowed, overlapping BINARY ones; give those as one label map.

    The label map (frames, rows, columns; 0 = background, n = segment n) is what
    highdicom takes non-overlapping BINARY segments in: it then knows they cannot
    overlap and skips its own check, a sum over the 4-D stack that costs more than
    the rest of the build. None when the masks go as a stack (FRACTIONAL, overlap allowed).
    """
    import numpy as np

    for i, mask in enumerate(masks):
        if not mask.any():
            fail(join(join("segments", i), "mask"), f"segment {i + 1} ('{spec.segments[i].label}') is empty: "
                 "no pixel inside", "leave the segment out")
    if spec.type != "BINARY" or spec.allow_overlap:
        return None
    dtype = np.uint8 if len(masks) < 255 else np.uint16
    labels = np.zeros(masks[0].shape, dtype=dtype)
    count = np.zeros(masks[0].shape, dtype=dtype)
    for number, mask in enumerate(masks, 1):
        np.add(count, mask, out=count, casting="unsafe")
        np.copyto(labels, number, where=mask)
    if len(masks) > 1 and (count > 1).any():
        both = [i + 1 for i, m in enumerate(masks) if (m & (count > 1)).any()]
        fail("segments", f"segments {', '.join(map(str, both))} overlap ({int((count > 1).sum())} pixels)",
             "set allow_overlap: true if they may")
    return labels


# ------------------------------------------------------------------ building


def _coded(code: Code) -> Any:
    from highdicom.sr import CodedConcept

    return CodedConcept(code.value, code.scheme, code.meaning, code.scheme_version)


def _descriptions(spec: SegSpec, builder: Builder, series_uid: str) -> list[Any]:
    import highdicom as hd

    out = []
    for i, seg in enumerate(spec.segments):
        algorithm = seg.algorithm or spec.algorithm
        identification = None
        if algorithm is not None:
            identification = hd.AlgorithmIdentificationSequence(
                algorithm.name, _coded(algorithm.family), algorithm.version, parameters=None)
            if algorithm.parameters:
                identification[0].AlgorithmParameters = algorithm.parameters
        out.append(hd.seg.SegmentDescription(
            segment_number=i + 1, segment_label=seg.label,
            segmented_property_category=_coded(seg.category), segmented_property_type=_coded(seg.type),
            algorithm_type="AUTOMATIC" if algorithm is not None else "MANUAL",
            algorithm_identification=identification,
            tracking_uid=seg.tracking_uid or builder.new_uid("seg-tracking", series_uid, i + 1),
            tracking_id=seg.tracking_id or seg.label,
            anatomic_regions=[_coded(seg.anatomic_region)] if seg.anatomic_region else None,
        ))
    return out


def _stack(spec: SegSpec, masks: Sequence[np.ndarray]) -> np.ndarray:
    """(frames, rows, columns, segments): the form highdicom takes every segment in."""
    import numpy as np

    dtype = np.float32 if spec.type == "FRACTIONAL" else np.bool_
    return np.stack([np.asarray(m, dtype=dtype) for m in masks], axis=-1)


def _fix_dimension_uid(ds: Dataset, uid: str) -> None:
    """highdicom draws the dimension organisation UID at random: take the policy's."""
    for keyword in ("DimensionOrganizationSequence", "DimensionIndexSequence"):
        for item in ds.get(keyword, []):
            if "DimensionOrganizationUID" in item:
                item.DimensionOrganizationUID = uid


def build_seg(spec: SegSpec, source: Sequence[SourceInstance], builder: Builder, *,
              masks: Any = None, base: str | os.PathLike[str] = ".", series_kind: str = "seg") -> Dataset:
    """Check ``spec`` and its masks against ``source`` and build the SEG (nothing written).

    ``masks``: a list of arrays (one per segment) or one integer label map; default the spec's files,
    relative to ``base``.
    """
    import highdicom as hd

    images = source_series(source, spec.series)
    first = images[0].dataset
    shape = (_frame_count(images), int(first.Rows), int(first.Columns))
    arrays = _masks(spec, Path(base), masks, shape)
    labels = _check_masks(spec, arrays)
    series = builder.series(series_kind, modality="SEG", number=spec.series_number,
                            description=spec.series_description)
    kwargs = builder.highdicom_kwargs(series, instance_number=spec.instance_number)
    eq = builder.equipment
    fractional = spec.type == "FRACTIONAL"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            seg = hd.seg.Segmentation(
                source_images=[i.dataset for i in images],
                pixel_array=_stack(spec, arrays) if labels is None else labels,
                segmentation_type=spec.type,
                segment_descriptions=_descriptions(spec, builder, series.uid),
                manufacturer_model_name=eq.model_name,
                software_versions=eq.software_versions,
                device_serial_number=eq.device_serial_number or "1",
                fractional_type=spec.fractional_type if fractional else None,
                max_fractional_value=spec.max_fractional_value,
                content_label=spec.content_label,
                content_description=spec.content_description,
                transfer_syntax_uid=SEG_COMPRESSIONS[spec.compression],
                omit_empty_frames=spec.omit_empty_frames,
                **kwargs,
            )
    except (ValueError, TypeError, AttributeError) as exc:
        # What is checked above cannot get here; a remaining refusal is still about this input.
        raise InputError(f"highdicom refused the segmentation: {exc}", source="seg spec") from None
    seg.SeriesDescription = spec.series_description
    # highdicom leaves it out; Laterality's 2C condition reads it (dciodvfy: no Laterality when unknown).
    series_body_part(seg, images, when_unknown=False)
    _fix_dimension_uid(seg, builder.new_uid("seg-dimension-organization", str(seg.SOPInstanceUID)))
    builder.restamp(seg)
    if "SeriesDate" in seg:
        seg.SeriesDate, seg.SeriesTime = builder.content_date, builder.content_time
    builder.finish(seg)
    return seg


def create_seg(spec: str | Path | Mapping[str, Any] | SegSpec, source: str | os.PathLike[str] | Sequence[Any],
               out: str | os.PathLike[str], *, masks: Any = None, uid_policy: UIDPolicy | None = None,
               equipment: Equipment | None = None, builder: Builder | None = None) -> Path:
    """Load, check, build and write a SEG; on any error nothing is written."""
    from dicomhelp.io import write_atomic

    base = Path(spec).parent if isinstance(spec, (str, Path)) else Path(".")
    loaded = spec if isinstance(spec, SegSpec) else load_seg_spec(spec)
    paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    instances = read_source(paths)
    if builder is None:
        images = source_series(instances, loaded.series)
        builder = Builder(Study.from_source(*(i.dataset for i in images)), equipment=equipment or Equipment(),
                          uid_policy=uid_policy or UIDPolicy.from_env())
    seg = build_seg(loaded, instances, builder, masks=masks, base=base)
    return write_atomic(seg, out)


def seg_schema() -> dict[str, Any]:
    """The JSON Schema of a SEG spec (``dicomhelp schema seg``)."""
    from dicomhelp.create.spec import json_schema

    return json_schema(SegSpec, title="dicomhelp create seg spec")
