"""A whole AI result set from one spec: SR, SEG, GSPS, SC, PDF and KOS for one source study.

One YAML/JSON spec with any of the sections ``sr``, ``seg``, ``gsps``, ``sc``,
``pdf`` and ``kos`` (each one the spec of that creator) and a ``device``: the AI product,
which becomes the same General Equipment and Device UID on every object and
the SR's device observer. Every object is built with one base builder, so they
share the patient, the study, the UID policy (deterministic with a seed: a
re-run replaces, never duplicates) and get one new series per object type.

Everything is built and cross-checked in memory before anything is written:

- each section is checked against the source (errors name the spec path,
  prefixed by the section: ``gsps.annotations[0].layer``);
- every SOP Instance UID a new object references must be a source instance or
  another new object, and the SR's regions must lie on images the GSPS
  presents; an SR group's ``segment: {seg: seg, number: N}`` names the SEG
  of the set, and the KOS lists the key images and (by default) every new object;
- then the output folder appears at once (written next to it and renamed),
  with a DICOMDIR (pydicom's FileSet) indexing the new objects and, unless
  asked not to, a copy of the source study so the folder is importable and
  viewable as is.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dicomhelp import __version__
from dicomhelp.create.base import Builder, Equipment
from dicomhelp.create.gsps import GspsSpec, ImageRef, SourceImages, build_gsps
from dicomhelp.create.kos import KosSpec, build_kos
from dicomhelp.create.seg import SegSpec, build_seg
from dicomhelp.create.sources import SourceInstance
from dicomhelp.create.spec import fail, join, load_data, from_data
from dicomhelp.errors import InputError, SpecError, UsageError
from dicomhelp.uids import UIDPolicy

if TYPE_CHECKING:
    import numpy as np
    from pydicom import Dataset

KINDS = ("sr", "seg", "gsps", "sc", "pdf", "kos")


# ------------------------------------------------------------------ the spec


@dataclass
class DeviceSpec:
    """The AI product: one identity (equipment, Device UID, SR device observer) on every object."""

    name: str = field(default="dicomhelp", metadata={"doc": "Device Observer Name"})
    manufacturer: str = "dicomhelp"
    model: str | None = field(default=None, metadata={"doc": "Manufacturer's Model Name; default: the name"})
    version: str | None = field(default=None, metadata={"doc": "Software Versions"})
    serial_number: str | None = None
    uid: str | None = field(default=None, metadata={"doc": "Device UID; default: derived from the identity"})
    institution: str | None = field(default=None, metadata={"doc": "Institution Name"})

    def _spec_check(self, path: str) -> None:
        from dicomhelp.uids import is_valid_uid

        if self.uid is not None and not is_valid_uid(self.uid):
            fail(join(path, "uid"), f"'{self.uid}' is not a valid UID", "digits and dots, at most 64 characters")

    def equipment(self) -> Equipment:
        return Equipment(manufacturer=self.manufacturer, model_name=self.model or self.name,
                         software_versions=self.version or __version__,
                         device_serial_number=self.serial_number, institution_name=self.institution)


@dataclass
class ScSection:
    """A Secondary Capture: frames from the GSPS (its annotated images, annotations burned in)
    or from image files; the other keys are the SC options (series_description, compression, ...)."""

    frames: str | list[str] = field(default="gsps", metadata={
        "doc": "'gsps': the images the GSPS annotates, rendered with their annotations; "
               "or PNG/JPEG/TIFF/.npy files relative to the spec"})
    scale: int = field(default=1, metadata={"doc": "enlarge rendered frames (whole pixels)"})
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _spec_parse(cls, value: Any, path: str) -> ScSection:
        from dicomhelp.create.sc import SCOptions

        if not isinstance(value, dict):
            fail(path, "expected a mapping (frames, compression, series_description, ...)")
        rest = dict(value)
        frames = from_data(str | list[str], rest.pop("frames", "gsps"), join(path, "frames"))
        scale = from_data(int, rest.pop("scale", 1), join(path, "scale"))
        if not 1 <= scale <= 16:
            fail(join(path, "scale"), "expected 1 to 16")
        if "burned_in_annotation" not in rest and frames == "gsps":
            rest["burned_in_annotation"] = "YES"  # the annotations are in the pixels
        SCOptions.from_dict(rest, key=path)  # errors now, with the spec path
        return cls(frames=frames, scale=scale, options=rest)

    @classmethod
    def _spec_schema(cls) -> dict[str, Any]:
        return {"type": "object", "description": " ".join((cls.__doc__ or "").split()),
                "properties": {"frames": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                               "scale": {"type": "integer", "minimum": 1, "maximum": 16},
                               "compression": {"anyOf": [{"type": "string"}, {"type": "object"}]},
                               "series_description": {"type": "string"}, "series_number": {"type": "integer"}},
                "additionalProperties": True}


@dataclass
class PdfSection:
    """An Encapsulated PDF report: a PDF file (relative to the spec), or text dicomhelp typesets
    on one page; the other keys are the PDF options (title, series_description, ...)."""

    document: str | None = None
    text: list[str] | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _spec_parse(cls, value: Any, path: str) -> PdfSection:
        from dicomhelp.create.pdf import PDFOptions

        if not isinstance(value, dict):
            fail(path, "expected a mapping (document or text, title, ...)")
        rest = dict(value)
        document = from_data(str | None, rest.pop("document", None), join(path, "document"))
        text = rest.pop("text", None)
        if isinstance(text, str):
            text = text.splitlines()
        text = from_data(list[str] | None, text, join(path, "text"))
        if (document is None) == (text is None):
            fail(path, "give exactly one of 'document' (a PDF file) or 'text' (lines to typeset)")
        PDFOptions.from_dict(rest, key=path)
        return cls(document=document, text=text, options=rest)

    @classmethod
    def _spec_schema(cls) -> dict[str, Any]:
        return {"type": "object", "description": " ".join((cls.__doc__ or "").split()),
                "properties": {"document": {"type": "string"},
                               "text": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                               "title": {"type": "string"}, "series_description": {"type": "string"},
                               "series_number": {"type": "integer"}},
                "additionalProperties": True}


@dataclass
class ResultsSpec:
    """A result set: any of sr, seg, gsps, sc, pdf, kos for one source study, made by one device."""

    device: DeviceSpec = field(default_factory=DeviceSpec)
    sr: dict[str, Any] | None = field(default=None, metadata={"doc": "a TID 1500 SR spec (dicomhelp schema sr)"})
    seg: SegSpec | None = field(default=None, metadata={
        "doc": "a Segmentation (dicomhelp schema seg); mask files relative to the spec"})
    gsps: GspsSpec | None = None
    sc: ScSection | None = None
    pdf: PdfSection | None = None
    kos: KosSpec | None = field(default=None, metadata={
        "doc": "a Key Object Selection (dicomhelp schema kos); objects by kind (sr, seg, ...), default all"})

    def _spec_check(self, path: str) -> None:
        if not any(getattr(self, k) is not None for k in KINDS):
            fail(path, "the spec has none of the sections " + ", ".join(KINDS))
        if self.sc is not None and self.sc.frames == "gsps" and self.gsps is None:
            fail(join(path, "sc.frames"), "'gsps' renders the GSPS's images, but the spec has no gsps section",
                 "add a gsps section or list image files")

    def sr_spec(self) -> Any:
        """The SR section as the SR creator's spec, the device filled in as observer."""
        from dicomhelp.create.sr.spec import SRSpec

        data = dict(self.sr or {})
        observer = dict(data.get("observer") or {})
        if "device" not in observer:
            observer["device"] = {"name": self.device.name, "manufacturer": self.device.manufacturer,
                                  **({"model": self.device.model} if self.device.model else {}),
                                  **({"serial_number": self.device.serial_number} if self.device.serial_number else {})}
        data["observer"] = observer
        return from_data(SRSpec, data, "sr")


def load_results_spec(source: str | Path | dict[str, Any]) -> ResultsSpec:
    data = source if isinstance(source, dict) else load_data(source)
    spec: ResultsSpec = from_data(ResultsSpec, data)
    if spec.sr is not None:
        spec.sr_spec()  # the SR section's own checks, at load time
    return spec


def results_schema() -> dict[str, Any]:
    from dicomhelp.create.spec import json_schema

    schema = json_schema(ResultsSpec, title="dicomhelp create results spec")
    try:
        from dicomhelp.create.sr.spec import SRSpec

        sr = json_schema(SRSpec)
        schema["$defs"].update(sr.pop("$defs", {}))
        sr.pop("$schema", None)
        schema["properties"]["sr"] = {"anyOf": [sr, {"type": "null"}]}
    except ImportError:  # the SR creator is optional to the schema
        pass
    return schema


# ------------------------------------------------------------------ building


@dataclass
class Created:
    kind: str
    dataset: Dataset
    note: str = ""


@dataclass
class ResultSet:
    """The new objects, built and checked, not yet written."""

    source: SourceImages
    objects: list[Created]
    device_uid: str
    notes: list[str] = field(default_factory=list)

    def summary(self) -> list[dict[str, Any]]:
        return [{"kind": c.kind, "sop_class_uid": str(c.dataset.SOPClassUID),
                 "sop_instance_uid": str(c.dataset.SOPInstanceUID),
                 "series_instance_uid": str(c.dataset.SeriesInstanceUID),
                 "series_number": int(c.dataset.SeriesNumber), "note": c.note} for c in self.objects]


@contextmanager
def section(name: str) -> Iterator[None]:
    """Prefix spec paths of errors raised by a creator with its section name."""
    try:
        yield
    except SpecError as exc:
        where = exc.source or ""
        own = where == name or where.startswith((f"{name}.", f"{name}["))  # "segments" is not "seg."
        prefixed = name if where in ("", "spec") else (where if own else f"{name}.{where}")
        raise SpecError(exc.message, source=prefixed, hint=exc.hint) from None


def build_results(spec: ResultsSpec, source_dir: str | os.PathLike[str], *, spec_dir: str | os.PathLike[str] = ".",
                  uid_policy: UIDPolicy | None = None) -> ResultSet:
    """Build every object of ``spec`` for the study in ``source_dir`` and check the references."""
    source = SourceImages.read(source_dir)
    policy = uid_policy or UIDPolicy.from_env()
    builder = Builder(source.study(), equipment=spec.device.equipment(), uid_policy=policy)
    device_uid = spec.device.uid or builder.new_uid("device", spec.device.name, spec.device.manufacturer,
                                                    spec.device.model, spec.device.serial_number)
    objects: list[Created] = []
    gsps_ds = seg_ds = None
    if spec.seg is not None:
        with section("seg"):
            seg_ds = build_seg(spec.seg, source.images, builder, base=spec_dir)
        objects.append(Created("seg", seg_ds, f"{len(seg_ds.SegmentSequence)} segment(s), "
                               f"{int(seg_ds.NumberOfFrames)} frame(s)"))
    if spec.gsps is not None:
        with section("gsps"):
            gsps_ds = build_gsps(spec.gsps, source, builder)
        objects.append(Created("gsps", gsps_ds, f"{len(gsps_ds.get('GraphicAnnotationSequence', []))} annotation(s)"))
    if spec.sr is not None:
        objects.append(_build_sr(spec, source, builder, device_uid, seg_ds))
    if spec.sc is not None:
        objects.append(_build_sc(spec.sc, source, builder, gsps_ds, Path(spec_dir)))
    if spec.pdf is not None:
        objects.append(_build_pdf(spec.pdf, source, builder, objects, Path(spec_dir)))
    if spec.kos is not None:
        objects.append(_build_kos(spec.kos, source, builder, objects, spec.device, device_uid))
    for created in objects:
        created.dataset.DeviceUID = device_uid
    objects.sort(key=lambda c: KINDS.index(c.kind))
    result = ResultSet(source, objects, device_uid)
    _check_cross_references(spec, result)
    check_references(result)
    return result


def _build_sr(spec: ResultsSpec, source: SourceImages, builder: Builder, device_uid: str,
              seg_ds: Dataset | None) -> Created:
    from dicomhelp.create.sr import build as sr_build

    with section("sr"):
        sr_spec = spec.sr_spec()
        if sr_spec.observer.device is not None and sr_spec.observer.device.uid is None:
            sr_spec.observer.device.uid = device_uid  # the same device identity as the other objects
        instances = source.images + source.others
        if seg_ds is not None:
            # ``segment: {seg: seg}`` names the set's own SEG, whose UID the spec cannot know.
            instances = [*instances, SourceInstance(None, seg_ds)]
            for group in sr_spec.groups:
                if group.segment is not None and group.segment.seg == "seg":
                    group.segment.seg = str(seg_ds.SOPInstanceUID)
        result = sr_build.build_sr(sr_spec, sr_build.Source(instances, source.root),
                                   uid_policy=builder.uid_policy, equipment=builder.equipment)
    ds = result.dataset
    return Created("sr", ds, f"{result.iod} SR, {len(sr_spec.groups)} measurement group(s)")


def _gsps_frames(gsps_ds: Dataset, source: SourceImages, scale: int) -> tuple[np.ndarray, list[Dataset]]:
    """The images the GSPS annotates (every referenced one if none in particular), rendered."""
    import numpy as np
    from pydicom import dcmread

    from dicomhelp.display import render

    referenced = [str(i.ReferencedSOPInstanceUID) for s in gsps_ds.ReferencedSeriesSequence
                  for i in s.ReferencedImageSequence]
    # Images annotated in particular: an annotation on every image (a disclaimer) does not count.
    annotated: list[str] = []
    for item in gsps_ds.get("GraphicAnnotationSequence", []):
        uids = [str(ref.ReferencedSOPInstanceUID) for ref in item.get("ReferencedImageSequence", [])]
        if len(uids) < len(referenced):
            annotated += [u for u in uids if u not in annotated]
    wanted = annotated or referenced
    by_uid = {im.uid: im for im in source.images}
    frames, used = [], []
    for uid in sorted(wanted, key=lambda u: source.images.index(by_uid[u])):
        image = dcmread(by_uid[uid].path, force=True)
        frames.append(np.asarray(render(image, gsps_ds, scale=scale).image))
        used.append(by_uid[uid].dataset)
    return np.stack(frames), used


def _build_sc(sc: ScSection, source: SourceImages, builder: Builder, gsps_ds: Dataset | None,
              spec_dir: Path) -> Created:
    from dicomhelp.create.images import load_frames
    from dicomhelp.create.sc import SCOptions, build_sc

    with section("sc"):
        options = SCOptions.from_dict(sc.options, key="sc")
        if sc.frames == "gsps":
            assert gsps_ds is not None  # checked at spec time
            frames, used = _gsps_frames(gsps_ds, source, sc.scale)
        else:
            names = [sc.frames] if isinstance(sc.frames, str) else sc.frames
            paths = [spec_dir / n for n in names]
            for i, p in enumerate(paths):
                if not p.exists():
                    fail(join("frames", i) if not isinstance(sc.frames, str) else "frames",
                         f"no such image file: {p}", "paths are relative to the spec file")
            frames, used = load_frames(paths), [im.dataset for im in source.images]
        ds, report = build_sc(frames, builder=builder, options=options, source_images=used)
    return Created("sc", ds, f"{len(frames)} frame(s), {report.summary()}")


def _build_pdf(pdf: PdfSection, source: SourceImages, builder: Builder, made: list[Created],
               spec_dir: Path) -> Created:
    from dicomhelp.create.pdf import PDFOptions, create_pdf, read_pdf

    with section("pdf"):
        options = PDFOptions.from_dict(pdf.options, key="pdf")
        if pdf.document is not None:
            path = spec_dir / pdf.document
            if not path.exists():
                fail("document", f"no such PDF file: {path}", "paths are relative to the spec file")
            data = read_pdf(path)
        else:
            data = text_pdf(pdf.text or [], title=options.title or "Report")
        # The report is derived from the source images and summarises the other new objects.
        refs = [im.dataset for im in source.images] + [c.dataset for c in made]
        ds = create_pdf(data, builder=builder, options=options, source_instances=refs)
    return Created("pdf", ds, f"{len(data)} bytes of PDF")


def _build_kos(kos: KosSpec, source: SourceImages, builder: Builder, made: list[Created],
               device_spec: DeviceSpec, device_uid: str) -> Created:
    """The key images and the set's objects (named by kind, default every one) for the reader."""
    import dataclasses

    from dicomhelp.create.sr.spec import Device

    by_kind = {c.kind: str(c.dataset.SOPInstanceUID) for c in made}
    with section("kos"):
        for i, name in enumerate(kos.objects):
            if name in KINDS and name not in by_kind:
                fail(join("objects", i), f"the spec makes no {name} object", f"made: {', '.join(by_kind)}")
        objects = [by_kind.get(name, name) for name in kos.objects] if kos.objects else list(by_kind.values())
        device = kos.device
        if device == KosSpec().device:  # not given: the set's device selected them
            device = Device(name=device_spec.name, manufacturer=device_spec.manufacturer, model=device_spec.model,
                            serial_number=device_spec.serial_number)
        device = dataclasses.replace(device, uid=device.uid or device_uid)
        resolved = dataclasses.replace(kos, objects=objects, device=device)
        instances = source.images + source.others + [SourceInstance(None, c.dataset) for c in made]
        ds = build_kos(resolved, instances, builder)
    count = sum(1 for item in ds.ContentSequence if item.ValueType in ("IMAGE", "COMPOSITE", "WAVEFORM"))
    return Created("kos", ds, f"{count} reference(s), \"{kos.title.meaning}\"")


# ------------------------------------------------------------------ reference checks


def _check_cross_references(spec: ResultsSpec, result: ResultSet) -> None:
    """The SR's regions lie on images the GSPS presents (a viewer shows both together)."""
    if spec.sr is None or spec.gsps is None:
        return
    gsps = next(c.dataset for c in result.objects if c.kind == "gsps")
    presented = {str(i.ReferencedSOPInstanceUID) for s in gsps.ReferencedSeriesSequence
                 for i in s.ReferencedImageSequence}
    for i, group in enumerate(spec.sr.get("groups") or []):
        regions = ([("region", group["region"])] if group.get("region") else []) + [
            (f"regions[{j}]", r) for j, r in enumerate(group.get("regions") or [])]
        for where, region in regions:
            path = f"sr.groups[{i}].{where}.image"
            ref = from_data(ImageRef, region.get("image"), path)
            image = result.source.find(ref, path)
            if image.uid not in presented:
                fail(path, f"the region is on {ref.describe()}, which the GSPS does not present",
                     "add the image under gsps.images")


def referenced_uids(ds: Dataset) -> set[str]:
    """Every SOP Instance UID ``ds`` references, at any depth."""
    found: set[str] = set()
    for elem in ds.iterall():
        if elem.keyword == "ReferencedSOPInstanceUID":
            values = elem.value if elem.VM > 1 else [elem.value]
            found.update(str(v) for v in values)
    return found


def check_references(result: ResultSet) -> None:
    """Every reference of every new object resolves to a source instance or a new object."""
    study_uid = result.source.study().study_instance_uid
    known = {im.uid for im in result.source.images + result.source.others}
    known |= {str(c.dataset.SOPInstanceUID) for c in result.objects}
    for created in result.objects:
        ds = created.dataset
        if str(ds.StudyInstanceUID) != study_uid:
            raise InputError(f"the {created.kind} object is not in the source study", source=created.kind)
        dangling = sorted(referenced_uids(ds) - known)
        if dangling:
            raise InputError(f"the {created.kind} object references {len(dangling)} instance(s) that are neither "
                             f"in the source nor in the result set, e.g. {dangling[0]}", source=created.kind)


# ------------------------------------------------------------------ writing


@dataclass
class Written:
    folder: Path
    files: list[dict[str, Any]]
    dicomdir: Path


def _keep_concept_modifiers_only(record: Dataset) -> None:
    """An SR DOCUMENT or KEY OBJECT DOC record lists only the root's HAS CONCEPT MOD items (PS3.3 F.5.24 for SR;
    the key object record is alike).

    pydicom copies the whole content tree into the record; dciodvfy then finds
    relationships and references the record may not hold.
    """
    from pydicom.sequence import Sequence

    items = [item for item in record.get("ContentSequence", [])
             if item.get("RelationshipType") == "HAS CONCEPT MOD"]
    if items:
        record.ContentSequence = Sequence(items)
    elif "ContentSequence" in record:
        del record.ContentSequence


def write_results(result: ResultSet, out_dir: str | os.PathLike[str], *, with_source: bool = True,
                  force: bool = False) -> Written:
    """Write the result set (and a copy of the source) as a File-set with a DICOMDIR, all at once."""
    from pydicom.fileset import FileSet

    out = Path(out_dir)
    if out.exists():
        if not out.is_dir():
            raise UsageError("exists and is not a folder", source=str(out))
        if any(out.iterdir()):
            if not (force and (out / "DICOMDIR").exists()):
                raise UsageError("the output folder exists and is not empty", source=str(out),
                                 hint="choose a new folder, or --force to replace an earlier result folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent)).resolve()
    try:
        fs = FileSet()
        fs.ID = "DICOMHELP"
        kinds: dict[str, str] = {}
        if with_source:
            for im in result.source.images + result.source.others:
                try:
                    fs.add(im.path)
                except (ValueError, NotImplementedError) as exc:
                    raise InputError(f"cannot index it in a DICOMDIR: {exc}", source=str(im.path),
                                     hint="--without-source leaves the source instances out") from None
                kinds[im.uid] = "source"
        for created in result.objects:
            instance = fs.add(created.dataset)
            if created.kind in ("sr", "kos"):
                _keep_concept_modifiers_only(instance.node._record)  # pydicom pinned <3.1
            kinds[str(created.dataset.SOPInstanceUID)] = created.kind
        try:
            fs.write(staging)
        except (ValueError, NotImplementedError) as exc:  # e.g. a SOP class media records cannot index
            raise InputError(f"cannot write the DICOMDIR: {exc}", source=str(out),
                             hint="--without-source leaves the source instances out") from None
        files = [{"kind": kinds.get(inst.SOPInstanceUID, "?"), "file": str(Path(inst.path).relative_to(staging)),
                  "sop_instance_uid": inst.SOPInstanceUID} for inst in fs]
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    order = {k: i for i, k in enumerate(("source",) + KINDS)}
    files.sort(key=lambda f: (order.get(f["kind"], 9), f["file"]))
    return Written(out, files, out / "DICOMDIR")


def create_results(spec: str | Path | dict[str, Any] | ResultsSpec, source_dir: str | os.PathLike[str],
                   out_dir: str | os.PathLike[str] | None, *, uid_policy: UIDPolicy | None = None,
                   dry_run: bool = False, with_source: bool = True, force: bool = False,
                   ) -> tuple[ResultSet, Written | None]:
    """Load, build, check and (unless ``dry_run``) write a result set."""
    spec_dir = Path(spec).parent if isinstance(spec, (str, Path)) else Path(".")
    loaded = spec if isinstance(spec, ResultsSpec) else load_results_spec(spec)
    result = build_results(loaded, source_dir, spec_dir=spec_dir, uid_policy=uid_policy)
    if dry_run or out_dir is None:
        return result, None
    return result, write_results(result, out_dir, with_source=with_source, force=force)


def summary_lines(result: ResultSet, written: Written | None, *, dry_run: bool = False,
                  validation: str | None = None) -> list[str]:
    """What ``create results`` prints: one line per object, where it went, the validation."""
    verb = "would create" if dry_run else "created"
    lines = [f"{verb} {o['kind']:<5} series {o['series_number']:<5} {o['note']}" for o in result.summary()]
    if written is not None:
        paths = {f["sop_instance_uid"]: f["file"] for f in written.files}
        lines += [f"  {o['kind']:<5} {written.folder / paths[o['sop_instance_uid']]}" for o in result.summary()]
        lines.append(f"wrote {len(written.files)} file(s) and {written.dicomdir}")
    else:
        lines.append("dry run: spec and references checked, nothing written")
    if validation:
        lines.append(validation)
    return lines


def written_path(written: Written, kind: str) -> Path:
    """The file of the first object of ``kind`` in a written result set."""
    return written.folder / next(f["file"] for f in written.files if f["kind"] == kind)


# ------------------------------------------------------------------ tour steps (dicomhelp.tour lists them)


def tour_create_results(ctx: Any) -> None:
    """Create the example result set for the tour's sample study and validate it as a set."""
    from dicomhelp.validate import short_summary, validate_paths

    out = ctx.out / "results"
    spec = example_spec_path()
    ctx.echo(f"$ dicomhelp create results {spec.name} --source {ctx.out / 'study'} -o {out}")
    result, written = create_results(spec, ctx.out / "study", out, force=True)
    assert written is not None
    run = validate_paths([written.folder], as_set=True, jobs=1)
    for line in summary_lines(result, written, validation=short_summary(run)):
        ctx.echo(line)
    for created in result.objects:
        ctx.made.setdefault(created.kind, []).append(written_path(written, created.kind))


def tour_render_preview(ctx: Any) -> None:
    """Render the result set's GSPS on the image it annotates."""
    from dicomhelp.display import render_file

    gsps = ctx.made["gsps"][0]
    preview = ctx.out / "preview.png"
    ctx.echo(f"$ dicomhelp render {gsps} --image {ctx.out / 'study'} -o {preview} --scale 4")
    rendering = render_file(gsps, ctx.out / "study", preview, scale=4)
    width, height = rendering.image.size
    ctx.echo(f"wrote {preview}: {rendering.path} {width}×{height}, {rendering.annotations} annotation object(s) drawn")


def tour_show_sr(ctx: Any) -> None:
    """Show the content tree of the result set's SR."""
    from dicomhelp.inspect.srview import render_sr
    from dicomhelp.io import read_file

    sr = ctx.made["sr"][0]
    ctx.echo(f"$ dicomhelp sr {sr}")
    for line in render_sr(read_file(sr).dataset):
        ctx.echo(line)


def example_spec_path() -> Path:
    """The shipped example spec for the sample study (dicomhelp.samples.make_sample_study)."""
    from importlib.resources import files

    return Path(str(files("dicomhelp").joinpath("data/examples/results-example.yaml")))


def copy_example(folder: str | os.PathLike[str], name: str = "results.yaml") -> Path:
    """Copy the example spec into ``folder`` as ``name``, with the mask files its ``seg`` section names."""
    spec = example_spec_path()
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(spec, out / name)
    for mask in sorted(spec.parent.glob("nodule-mask-*.png")):
        shutil.copy(mask, out / mask.name)
    return out / name


# ------------------------------------------------------------------ a one-page text PDF


def _pdf_string(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return "(" + safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def text_pdf(lines: list[str], *, title: str = "Report", font_size: int = 11) -> bytes:
    """A minimal one-page PDF 1.4 (A4, Helvetica) with ``title`` and ``lines``; no dependency needed."""
    content = ["BT", f"/F1 {font_size + 5} Tf", "56 780 Td", f"{_pdf_string(title)} Tj",
               f"/F1 {font_size} Tf", f"{font_size + 5} TL", "0 -10 Td"]
    for line in lines[:55]:
        content += ["T*", f"{_pdf_string(line)} Tj"]
    content.append("ET")
    stream = "\n".join(content).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _pdf_string(title).encode("latin-1") + b" /Producer (dicomhelp) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, len(objects), xref)
    return bytes(out)


__all__ = ["ResultsSpec", "DeviceSpec", "ScSection", "PdfSection", "load_results_spec", "results_schema",
           "build_results", "write_results", "create_results", "check_references", "text_pdf", "example_spec_path"]
