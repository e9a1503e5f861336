"""Spec → TID 1500 SR dataset, through highdicom's templates and the base builder.

>>> source = load_source(["study/"])
>>> result = build_sr(load_sr_spec("sr.yaml"), source)
>>> result.dataset.save_as("sr.dcm")   # or io.write_atomic

Everything that can be wrong in the spec is checked before highdicom is
called, with the spec path in the error: images not in the source, regions
outside the image, unit expressions, IOD choices that the content forbids.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dicomhelp.create.base import Builder, Equipment, Study
from dicomhelp.create.seg import SEG_SOP_CLASS
from dicomhelp.create.sources import SourceInstance, read_source
from dicomhelp.create.spec import fail, join
from dicomhelp.create.sr import spec as S
from dicomhelp.create.sr import ucum
from dicomhelp.uids import UIDPolicy
from dicomhelp.validate.findings import Finding, info, warning

if TYPE_CHECKING:
    from pydicom import Dataset

IOD_UIDS = {
    "enhanced": "1.2.840.10008.5.1.4.1.1.88.22",
    "comprehensive": "1.2.840.10008.5.1.4.1.1.88.33",
    "comprehensive-3d": "1.2.840.10008.5.1.4.1.1.88.34",
}
_UID_RE = re.compile(r"^[0-9]+(\.[0-9]+)+$")
_SERIES_INSTANCE = re.compile(r"^(\d+)/(\d+)$")


# ------------------------------------------------------------------ the source images


# The source instances (every creator reads its source the same way): path, header, uid.
SourceImage = SourceInstance


@dataclass
class Source:
    """The images a report may reference: the study reported on and any priors."""

    images: list[SourceImage]
    root: Path | None = None

    @classmethod
    def from_datasets(cls, datasets: Iterable[Dataset]) -> Source:
        return cls([SourceImage(None, ds) for ds in datasets])

    def by_uid(self, uid: str) -> SourceImage | None:
        for image in self.images:
            if image.uid == uid:
                return image
        return None

    def study_uids(self) -> list[str]:
        counts: dict[str, int] = {}
        for image in self.images:
            uid = str(image.dataset.get("StudyInstanceUID", ""))
            counts[uid] = counts.get(uid, 0) + 1
        return sorted(counts, key=lambda u: -counts[u])


def load_source(paths: Sequence[str | os.PathLike[str]]) -> Source:
    """Headers of every DICOM instance under ``paths`` (pixels not read), with their file names.

    Each path is one study: the study reported on first, then any priors.
    """
    root = Path(paths[0]) if len(paths) == 1 and os.path.isdir(paths[0]) else None
    return Source(read_source(paths, priors=True), root)


def resolve_image(ref: S.ImageRef, source: Source, study_uid: str, path: str) -> SourceImage:
    """An image reference of the spec → the source image, or a SpecError naming ``path``."""
    if isinstance(ref, int):
        # Images only: an earlier SR, GSPS or SEG in the same folder also has instance number 1.
        hits = [i for i in source.images if _instance_number(i) == ref and "Rows" in i.dataset
                and str(i.dataset.get("StudyInstanceUID")) == study_uid
                and str(i.dataset.get("SOPClassUID", "")) != SEG_SOP_CLASS]  # a SEG is no image to measure on
        series = sorted({int(i.dataset.get("SeriesNumber") or 0) for i in hits})
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            fail(path, f"instance number {ref} is in {len(hits)} images (series {', '.join(map(str, series))})",
                 f"write 'SERIES/{ref}', e.g. '{series[0]}/{ref}', or the SOP Instance UID")
        fail(path, f"no image with instance number {ref} in the source study", _source_hint(source))
    text = ref.strip()
    if _UID_RE.match(text):
        found = source.by_uid(text)
        if found is None:
            fail(path, f"image {text} is not in the source", _source_hint(source))
        return found
    match = _SERIES_INSTANCE.match(text)
    if match:
        sn, inn = int(match.group(1)), int(match.group(2))
        hits = [i for i in source.images if _instance_number(i) == inn and "Rows" in i.dataset
                and int(i.dataset.get("SeriesNumber") or 0) == sn]
        if len(hits) != 1:
            fail(path, f"no single image with series number {sn} and instance number {inn} in the source",
                 _source_hint(source))
        return hits[0]
    for image in source.images:
        if image.path is None:
            continue
        rel = str(image.path.relative_to(source.root)) if source.root and image.path.is_relative_to(source.root) else None
        if text in (image.path.name, rel, str(image.path)):
            return image
    fail(path, f"image '{text}' is not in the source", _source_hint(source))


def _instance_number(image: SourceImage) -> int | None:
    value = image.dataset.get("InstanceNumber")
    return int(value) if value not in (None, "") else None


def _source_hint(source: Source) -> str:
    first = source.images[0]
    name = first.path.name if first.path else first.uid
    count = len(source.images)
    return (f"the source has {count} instance{'' if count == 1 else 's'}; refer to one by SOP Instance UID, file name "
            f"(e.g. {name}) or instance number")


# ------------------------------------------------------------------ result


@dataclass
class BuildResult:
    dataset: Dataset
    iod: str
    notes: list[Finding] = field(default_factory=list)


@dataclass
class _Context:
    spec: S.SRSpec
    source: Source
    study_uid: str
    builder: Builder
    notes: list[Finding] = field(default_factory=list)
    referenced: dict[str, SourceImage] = field(default_factory=dict)  # SOP Instance UID → image, in order
    schemes: set[str] = field(default_factory=set)

    def image(self, ref: S.ImageRef, path: str) -> SourceImage:
        found = resolve_image(ref, self.source, self.study_uid, path)
        self.referenced.setdefault(found.uid, found)
        return found

    def cc(self, code: S.Code | None, path: str) -> Any:
        """A spec code → highdicom CodedConcept (SRT → SCT with a warning)."""
        if code is None:
            return None
        from highdicom.sr import CodedConcept

        if code.scheme == "SRT":
            code = _srt_to_sct(code, path, self.notes)
        self.schemes.add(code.scheme)
        return CodedConcept(code.value, code.scheme, code.meaning, code.scheme_version)

    def unit(self, unit: str | S.Code, path: str) -> Any:
        from highdicom.sr import CodedConcept

        if isinstance(unit, S.Code):
            if unit.scheme != "UCUM":
                fail(path, f"units are UCUM codes, not {unit.scheme}", "write the UCUM expression, e.g. mm")
            value, meaning = unit.value, unit.meaning
        else:
            value, meaning = unit, ""
        known = ucum.short_list()
        if value not in known:
            try:
                ucum.check(value)
            except ucum.UCUMError as exc:
                text = str(exc) if "is not a UCUM unit" in str(exc) else f"'{value}' is not a UCUM unit: {exc}"
                fail(path, text, "e.g. mm, mm2, cm3, [hnsf'U], {ratio}, 1")
            self.notes.append(info("sr.spec.ucum-not-listed", f"unit '{value}' is valid UCUM but not in pydicom's "
                                   "short list: check the meaning", path=path))
        meaning = meaning or known.get(value, value)
        self.schemes.add("UCUM")
        return CodedConcept(value, "UCUM", meaning)


def _srt_to_sct(code: S.Code, path: str, notes: list[Finding]) -> S.Code:
    from pydicom.sr._snomed_dict import mapping

    sct = mapping["SRT"].get(code.value)
    new = S.Code(sct or code.value, "SCT", code.meaning)
    notes.append(warning("sr.spec.srt-scheme", f"coding scheme SRT is retired: ({code.value}, SRT) written as "
                         f"({new.value}, SCT)" + ("" if sct else " (no SNOMED CT id known: check the value)"),
                         path=path))
    return new


# ------------------------------------------------------------------ building


def choose_iod(spec: S.SRSpec) -> str:
    """Enhanced SR when it suffices; Comprehensive SR when a measurement has its own tracking
    identifier (a NUM cannot have HAS OBS CONTEXT children in Enhanced SR); Comprehensive 3D SR
    for SCOORD3D."""
    has_3d = any(g.region3d is not None for g in spec.groups)
    num_tracking = [(i, j) for i, g in enumerate(spec.groups) for j, m in enumerate(g.measurements)
                    if m.tracking_id or m.tracking_uid]
    wanted = spec.document.iod
    if has_3d:
        if wanted in ("enhanced", "comprehensive"):
            i = next(i for i, g in enumerate(spec.groups) if g.region3d is not None)
            fail(f"groups[{i}].region3d", f"3D coordinates need Comprehensive 3D SR, not {wanted}",
                 "set document.iod to auto or comprehensive-3d")
        return "comprehensive-3d"
    if num_tracking and wanted == "enhanced":
        i, j = num_tracking[0]
        fail(f"groups[{i}].measurements[{j}].tracking_id",
             "Enhanced SR does not allow tracking identifiers under a measurement (NUM)",
             "remove them or set document.iod to comprehensive")
    if wanted != "auto":
        return wanted
    return "comprehensive" if num_tracking else "enhanced"


def build_sr(spec: S.SRSpec, source: Source, *, uid_policy: UIDPolicy | None = None,
             equipment: Equipment | None = None) -> BuildResult:
    """Build the SR dataset (not written) the spec describes, derived from ``source``.

    highdicom's Python warnings (e.g. a one-component person name) become notes.
    """
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _build(spec, source, uid_policy, equipment)
    for w in caught:
        result.notes.append(warning("sr.spec.highdicom", str(w.message).split(". ")[0]))
    return result


def _build(spec: S.SRSpec, source: Source, uid_policy: UIDPolicy | None, equipment: Equipment | None) -> BuildResult:
    import highdicom as hd

    study_uid = _main_study(spec, source)
    main = [i.dataset for i in source.images if str(i.dataset.get("StudyInstanceUID")) == study_uid]
    builder = Builder(Study.from_source(*main), equipment=equipment or Equipment(),
                      uid_policy=uid_policy or UIDPolicy.from_env())
    ctx = _Context(spec, source, study_uid, builder)
    iod = choose_iod(spec)

    observation = _observation_context(spec.observer, ctx)
    groups = [_group(g, i, ctx) for i, g in enumerate(spec.groups)]
    doc = spec.document
    language = hd.sr.LanguageOfContentItemAndDescendants(ctx.cc(doc.language.code, "document.language"))
    images = [i.dataset for i in ctx.referenced.values()]
    # A SEG has Rows too, but it is evidence, not an image of the library.
    library = [ds for ds in images if str(ds.get("StudyInstanceUID")) == study_uid and "Rows" in ds
               and str(ds.get("SOPClassUID", "")) != SEG_SOP_CLASS]
    evidence = images
    report = hd.sr.MeasurementReport(
        observation_context=observation,
        procedure_reported=[ctx.cc(c, f"document.procedure_reported[{i}]") for i, c in enumerate(doc.procedure_reported)],
        imaging_measurements=groups,
        title=ctx.cc(doc.title, "document.title"),
        language_of_content_item_and_descendants=language,
        referenced_images=library or None,
    )
    root = report[0]
    _add_title_modifiers(root, doc, ctx)
    _add_language_country(root, doc, ctx)

    series = builder.series("sr", modality="SR", number=doc.series_number, description=doc.series_description)
    cls = {"enhanced": hd.sr.EnhancedSR, "comprehensive": hd.sr.ComprehensiveSR,
           "comprehensive-3d": hd.sr.Comprehensive3DSR}[iod]
    verifier = doc.verifying_observer
    ds = cls(
        evidence=evidence,
        content=report,
        is_complete=doc.completion == "COMPLETE",
        is_final=doc.preliminary == "FINAL",
        is_verified=doc.verification == "VERIFIED",
        verifying_observer_name=verifier.name if verifier else None,
        verifying_organization=verifier.organization if verifier else None,
        previous_versions=[_predecessor(p) for p in doc.predecessors] or None,
        institution_name=builder.equipment.institution_name,
        **builder.highdicom_kwargs(series, instance_number=doc.instance_number),
    )
    ds.SeriesDescription = doc.series_description
    _mapping_resource_uids(ds)
    _coding_schemes(ds, ctx)
    builder.finish(ds)
    return BuildResult(ds, iod, ctx.notes)


def _main_study(spec: S.SRSpec, source: Source) -> str:
    studies = source.study_uids()
    if spec.study_uid is not None:
        if spec.study_uid not in studies:
            fail("study_uid", f"study {spec.study_uid} is not in the source", f"the source has {', '.join(studies)}")
        return spec.study_uid
    return studies[0]


def _observation_context(observer: S.Observer, ctx: _Context) -> Any:
    import highdicom as hd
    from pydicom.sr.codedict import codes

    person = device = None
    if observer.person is not None:
        p = observer.person
        person = hd.sr.ObserverContext(
            observer_type=codes.DCM.Person,
            observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(
                name=p.name, login_name=p.login_name, organization_name=p.organization,
                role_in_organization=ctx.cc(p.role_in_organization, "observer.person.role_in_organization"),
                role_in_procedure=ctx.cc(p.role_in_procedure, "observer.person.role_in_procedure")))
    if observer.device is not None:
        d = observer.device
        uid = d.uid or ctx.builder.new_uid("device-observer", d.name, d.manufacturer, d.model, d.serial_number)
        if not _UID_RE.match(uid) or len(uid) > 64:
            fail("observer.device.uid", f"'{uid}' is not a valid UID")
        device = hd.sr.ObserverContext(
            observer_type=codes.DCM.Device,
            observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
                uid=uid, name=d.name, manufacturer_name=d.manufacturer, model_name=d.model,
                serial_number=d.serial_number, physical_location=d.physical_location,
                role_in_procedure=ctx.cc(d.role_in_procedure, "observer.device.role_in_procedure")))
    return hd.sr.ObservationContext(observer_person_context=person, observer_device_context=device)


def _algorithm(a: S.Algorithm | None) -> Any:
    import highdicom as hd

    if a is None:
        return None
    return hd.sr.AlgorithmIdentification(name=a.name, version=a.version, parameters=a.parameters or None)


def _sites(sites: list[S.FindingSite], ctx: _Context, path: str) -> list[Any] | None:
    import highdicom as hd

    out = [hd.sr.FindingSite(ctx.cc(s.site, join(join(path, i), "site") if s.laterality or s.modifier else join(path, i)),
                             laterality=ctx.cc(s.laterality, join(join(path, i), "laterality")),
                             topographical_modifier=ctx.cc(s.modifier, join(join(path, i), "modifier")))
           for i, s in enumerate(sites)]
    return out or None


def _tracking(tid: str | None, uid: str | None, ctx: _Context, *inputs: object) -> Any:
    import highdicom as hd

    if tid is None and uid is None:
        return None
    return hd.sr.TrackingIdentifier(uid=uid or ctx.builder.new_uid("tracking", tid, *inputs), identifier=tid)


def _measurement(m: S.Measurement, ctx: _Context, path: str) -> Any:
    import highdicom as hd

    refs = [ctx.image(r, join(join(path, "images"), i)) for i, r in enumerate(m.images)]
    return hd.sr.Measurement(
        name=ctx.cc(m.concept, join(path, "concept")),
        value=m.value,
        unit=ctx.unit(m.unit, join(path, "unit")),
        qualifier=ctx.cc(m.qualifier, join(path, "qualifier")),
        tracking_identifier=_tracking(m.tracking_id, m.tracking_uid, ctx, path),
        algorithm_id=_algorithm(m.algorithm),
        derivation=ctx.cc(m.derivation, join(path, "derivation")),
        finding_sites=_sites(m.finding_sites, ctx, join(path, "finding_sites")),
        method=ctx.cc(m.method, join(path, "method")),
        referenced_images=[hd.sr.SourceImageForMeasurement(str(i.dataset.SOPClassUID), i.uid) for i in refs] or None,
    )


def _qualitative(q: S.Qualitative, ctx: _Context, path: str) -> Any:
    import highdicom as hd

    name = ctx.cc(q.concept, join(path, "concept"))
    if q.value is not None:
        return hd.sr.CodeContentItem(name=name, value=ctx.cc(q.value, join(path, "value")),
                                     relationship_type=hd.sr.RelationshipTypeValues.CONTAINS)
    return hd.sr.TextContentItem(name=name, value=q.text, relationship_type=hd.sr.RelationshipTypeValues.CONTAINS)


def _time_point(t: S.TimePoint | None, ctx: _Context, path: str) -> Any:
    import highdicom as hd

    if t is None:
        return None
    return hd.sr.TimePointContext(time_point=t.time_point, time_point_type=ctx.cc(t.type, join(path, "type")),
                                  time_point_order=t.order, subject_time_point_identifier=t.subject_time_point_id,
                                  protocol_time_point_identifier=t.protocol_time_point_id)


def _region(r: S.Region, ctx: _Context, path: str) -> Any:
    import highdicom as hd
    import numpy as np

    image = ctx.image(r.image, join(path, "image"))
    ds = image.dataset
    if "Rows" not in ds or "Columns" not in ds:
        fail(join(path, "image"), f"{image.uid} is not an image (no rows and columns): a region needs one")
    frames = int(ds.get("NumberOfFrames") or 1)
    if r.frame is not None and not 1 <= r.frame <= frames:
        fail(join(path, "frame"), f"frame {r.frame} does not exist: the image has {frames} frame(s)")
    if r.frame is None and frames > 1:
        fail(join(path, "frame"), f"the image has {frames} frames: say which one the region is on")
    points = [list(p) for p in r.points]
    if r.type == "POLYLINE" and points[0] != points[-1]:
        points.append(list(points[0]))  # TID 1410: the polyline is closed
    for i, (x, y) in enumerate(points[: len(r.points)]):
        if not (0 <= x <= ds.Columns and 0 <= y <= ds.Rows):
            fail(join(join(path, "points"), i), f"({x}, {y}) is outside the {ds.Columns}×{ds.Rows} image")
    source = hd.sr.SourceImageForRegion(str(ds.SOPClassUID), image.uid,
                                        referenced_frame_numbers=[r.frame] if r.frame else None)
    return hd.sr.ImageRegion(r.type, np.array(points, dtype=float), source)


def _surface(r: S.Region3D, ctx: _Context, path: str) -> Any:
    import highdicom as hd
    import numpy as np

    in_study = [i for i in ctx.source.images if str(i.dataset.get("StudyInstanceUID")) == ctx.study_uid]
    frame = r.frame_of_reference
    if frame is None:
        frames = {str(i.dataset.FrameOfReferenceUID) for i in in_study if "FrameOfReferenceUID" in i.dataset}
        if len(frames) != 1:
            fail(join(path, "frame_of_reference"), f"the source study has {len(frames)} frames of reference: name one")
        frame = frames.pop()
    if r.images:
        images = [ctx.image(ref, join(join(path, "images"), i)) for i, ref in enumerate(r.images)]
    else:
        images = [i for i in in_study if str(i.dataset.get("FrameOfReferenceUID", "")) == frame and "Rows" in i.dataset]
        if not images:
            fail(join(path, "frame_of_reference"), f"no source image is in frame of reference {frame}")
        for image in images:
            ctx.referenced.setdefault(image.uid, image)
    # PS3.3 C.18.9.1.2: a POLYGON's first and last points are equal; close it if the spec did not.
    contours = [np.array(c + [c[0]] if r.type == "POLYGON" and c[0] != c[-1] else c, dtype=float) for c in r.contours]
    sources = [hd.sr.SourceImageForSegmentation(str(i.dataset.SOPClassUID), i.uid) for i in images]
    return hd.sr.VolumeSurface(r.type, contours if r.type != "POINT" else contours[0], frame, source_images=sources)


def _segment(ref: S.SegmentRef, ctx: _Context, path: str) -> Any:
    """The segment of a SEG in the source, checked: the object is a SEG and has that segment."""
    import highdicom as hd

    found = resolve_image(ref.seg, ctx.source, ctx.study_uid, join(path, "seg"))
    seg = found.dataset
    if str(seg.get("SOPClassUID", "")) != SEG_SOP_CLASS:
        fail(join(path, "seg"), f"'{ref.seg}' is not a Segmentation ({seg.get('Modality', '?')} object)")
    numbers = [int(s.SegmentNumber) for s in seg.get("SegmentSequence", [])]
    if ref.number not in numbers:
        fail(join(path, "number"), f"the SEG has no segment {ref.number}",
             f"its segments: {', '.join(map(str, numbers)) or 'none'}")
    series = seg.get("ReferencedSeriesSequence")
    if not series:
        fail(join(path, "seg"), "the SEG names no source series (Referenced Series Sequence)")
    ctx.referenced.setdefault(found.uid, found)
    return hd.sr.ReferencedSegment(
        sop_class_uid=SEG_SOP_CLASS, sop_instance_uid=found.uid, segment_number=ref.number,
        source_series=hd.sr.SourceSeriesForSegmentation(str(series[0].SeriesInstanceUID)))


def _group(g: S.Group, index: int, ctx: _Context) -> Any:
    group = _hd_group(g, index, ctx)
    container = group[0]
    # Qualitative evaluations in spec order, CODE or TEXT (highdicom's class takes codes only).
    for j, q in enumerate(g.qualitative):
        container.ContentSequence.append(_qualitative(q, ctx, f"groups[{index}].qualitative[{j}]"))
    return group


def _hd_group(g: S.Group, index: int, ctx: _Context) -> Any:
    import highdicom as hd

    path = f"groups[{index}]"
    common: dict[str, Any] = {
        "tracking_identifier": _tracking(g.tracking_id, g.tracking_uid, ctx, index),
        "time_point_context": _time_point(g.time_point, ctx, join(path, "time_point")),
        "finding_type": ctx.cc(g.finding, join(path, "finding")),
        "method": ctx.cc(g.method, join(path, "method")),
        "algorithm_id": _algorithm(g.algorithm),
        "finding_sites": _sites(g.finding_sites, ctx, join(path, "finding_sites")),
        "session": g.session,
        "measurements": [_measurement(m, ctx, join(join(path, "measurements"), j))
                         for j, m in enumerate(g.measurements)] or None,
        "finding_category": ctx.cc(g.finding_category, join(path, "finding_category")),
    }
    if g.kind == "planar":
        assert g.region is not None
        return hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
            referenced_region=_region(g.region, ctx, join(path, "region")), **common)
    if g.kind == "volumetric":
        if g.region3d is not None:
            return hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations(
                referenced_volume_surface=_surface(g.region3d, ctx, join(path, "region3d")), **common)
        if g.segment is not None:
            return hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations(
                referenced_segment=_segment(g.segment, ctx, join(path, "segment")), **common)
        regions = [_region(r, ctx, join(join(path, "regions"), j)) for j, r in enumerate(g.regions)]
        return hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations(referenced_regions=regions, **common)
    refs = [ctx.image(r, join(join(path, "images"), j)) for j, r in enumerate(g.images)]
    sources = [hd.sr.SourceImageForMeasurementGroup(str(i.dataset.SOPClassUID), i.uid) for i in refs]
    return hd.sr.MeasurementsAndQualitativeEvaluations(source_images=sources or None, **common)


# ------------------------------------------------------------------ what highdicom does not do


def _item_code(value: str, scheme: str, meaning: str) -> Any:
    from highdicom.sr import CodedConcept

    return CodedConcept(value, scheme, meaning)


def _add_title_modifiers(root: Dataset, doc: S.Document, ctx: _Context) -> None:
    """Document Title Modifier items first, as vendors write them (an extension of TID 1500)."""
    import highdicom as hd

    items = [hd.sr.CodeContentItem(name=_item_code("113011", "DCM", "Document Title Modifier"),
                                   value=ctx.cc(m, f"document.title_modifiers[{i}]"),
                                   relationship_type=hd.sr.RelationshipTypeValues.HAS_CONCEPT_MOD)
             for i, m in enumerate(doc.title_modifiers)]
    for offset, item in enumerate(items):
        root.ContentSequence.insert(offset, item)


def _add_language_country(root: Dataset, doc: S.Document, ctx: _Context) -> None:
    """TID 1204 row 2: Country of Language, under the Language item."""
    import highdicom as hd
    from pydicom.sequence import Sequence as _Seq

    if doc.language.country is None:
        return
    for item in root.ContentSequence:
        concept = item.ConceptNameCodeSequence[0]
        if concept.CodeValue == "121049" and concept.CodingSchemeDesignator == "DCM":
            country = hd.sr.CodeContentItem(name=_item_code("121046", "DCM", "Country of Language"),
                                            value=ctx.cc(doc.language.country, "document.language.country"),
                                            relationship_type=hd.sr.RelationshipTypeValues.HAS_CONCEPT_MOD)
            item.ContentSequence = _Seq([country])
            return


def _predecessor(ref: S.DocumentRef) -> Dataset:
    from pydicom import Dataset as _Dataset

    ds = _Dataset()
    ds.StudyInstanceUID = ref.study_uid
    ds.SeriesInstanceUID = ref.series_uid
    ds.SOPClassUID = ref.sop_class_uid
    ds.SOPInstanceUID = ref.sop_instance_uid
    return ds


def _coding_schemes(ds: Dataset, ctx: _Context) -> None:
    """Private schemes (99...) must be declared in the Coding Scheme Identification Sequence."""
    from pydicom import Dataset as _Dataset
    from pydicom.sequence import Sequence as _Seq

    private = sorted(s for s in ctx.schemes if s.startswith("99"))
    if not private:
        return
    items = []
    for scheme in private:
        item = _Dataset()
        item.CodingSchemeDesignator = scheme
        item.CodingSchemeName = ctx.spec.document.coding_schemes.get(scheme) or f"private coding scheme {scheme}"
        if ctx.spec.observer.device is not None and ctx.spec.observer.device.manufacturer:
            item.CodingSchemeResponsibleOrganization = ctx.spec.observer.device.manufacturer
        items.append(item)
    ds.CodingSchemeIdentificationSequence = _Seq(items)


DCMR_UID = "1.2.840.10008.8.1.1"  # PS3.16 Mapping Resource UID of DCMR


def _mapping_resource_uids(ds: Dataset) -> None:
    """Mapping Resource UID next to every DCMR template identifier (as vendors write it)."""
    stack = [ds]
    while stack:
        item = stack.pop()
        for template in item.get("ContentTemplateSequence") or []:
            if template.get("MappingResource") == "DCMR" and "MappingResourceUID" not in template:
                template.MappingResourceUID = DCMR_UID
        stack.extend(item.get("ContentSequence") or [])
