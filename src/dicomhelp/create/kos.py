"""Key Object Selection documents (KOS, PS3.3 A.35.4; TID 2010) built by highdicom.

A KOS flags instances of the study for a reader: the key images (the slices
with findings) and the result objects (SR, SEG, GSPS, SC, PDF of an AI result
set). Its title comes from CID 7010 ("Of Interest", "For Referring Provider",
...), its observer context is the device that made the selection (the AI), and
every referenced instance is listed in the Current Requested Procedure
Evidence Sequence. References name instances of the source by Instance Number
(images), SOP Instance UID or file name; one that is not in the source is a
:class:`~dicomhelp.errors.SpecError` naming the spec path, and nothing is written.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dicomhelp.create.base import Builder, Equipment, Study
from dicomhelp.create.sources import SourceInstance, read_source
from dicomhelp.create.spec import fail, join, load_spec
from dicomhelp.create.sr.spec import Code, Device
from dicomhelp.errors import InputError
from dicomhelp.uids import UIDPolicy

if TYPE_CHECKING:
    from pydicom import Dataset

KOS_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.88.59"
TITLE_CID = 7010
OF_INTEREST = ("113000", "DCM", "Of Interest")


@dataclass
class KosSpec:
    """A Key Object Selection: its title, the key images and result objects, the selecting device."""

    title: Code = field(default_factory=lambda: Code(*OF_INTEREST),
                        metadata={"doc": "Document title from CID 7010, e.g. 'DCM: 113000' (Of Interest)"})
    description: str | None = field(default=None, metadata={"doc": "Key Object Description (free text)"})
    images: list[int | str] = field(default_factory=list, metadata={
        "doc": "key images: Instance Number, SOP Instance UID or file name"})
    objects: list[str] = field(default_factory=list, metadata={
        "doc": "result objects (SR, SEG, GSPS, ...): SOP Instance UID or file name"})
    device: Device = field(default_factory=lambda: Device(name="dicomhelp"), metadata={
        "doc": "the observer: the device (AI) that selected them"})
    series_number: int = 920
    series_description: str = "Key objects"
    instance_number: int = 1

    def _spec_check(self, path: str) -> None:
        from dicomhelp.standard import knowledge

        group = knowledge().cid(TITLE_CID)
        titles = {(m.scheme, m.value) for m in (group.members if group else ())}
        if titles and (self.title.scheme, self.title.value) not in titles:
            fail(join(path, "title"), f"({self.title.value}, {self.title.scheme}, \"{self.title.meaning}\") is not a "
                 f"document title of CID {TITLE_CID}", "e.g. 'DCM: 113000' (Of Interest), 'DCM: 113007' "
                 "(For Referring Provider)")


def load_kos_spec(source: str | Path | Mapping[str, Any]) -> KosSpec:
    return load_spec(KosSpec, source)


def _find(ref: int | str, instances: Sequence[SourceInstance], path: str, images_only: bool) -> SourceInstance:
    if isinstance(ref, int) and not isinstance(ref, bool):
        found = [i for i in instances if i.is_image and str(i.dataset.get("InstanceNumber", "")) == str(ref)]
        what = f"Instance Number {ref}"
    else:
        found = [i for i in instances if i.uid == ref or (i.path is not None and i.path.name == ref)]
        what = f"'{ref}'"
    if images_only:
        found = [i for i in found if i.is_image and str(i.dataset.get("Modality", "")) != "SEG"]
    if not found:
        fail(path, f"no {'image' if images_only else 'instance'} {what} in the source",
             "name it by Instance Number, SOP Instance UID or file name")
    if len(found) > 1:
        fail(path, f"{len(found)} instances have {what}", "name it by SOP Instance UID")
    return found[0]


def resolve(spec: KosSpec, instances: Sequence[SourceInstance]) -> list[Dataset]:
    """The datasets the KOS references, images first, each once."""
    if not spec.images and not spec.objects:
        fail("images", "a Key Object Selection references at least one image or object")
    chosen: dict[str, Dataset] = {}
    for key, refs, images_only in (("images", spec.images, True), ("objects", spec.objects, False)):
        for i, ref in enumerate(refs):
            found = _find(ref, instances, join(key, i), images_only)
            chosen.setdefault(found.uid, found.dataset)
    return list(chosen.values())


def build_kos(spec: KosSpec, source: Sequence[SourceInstance], builder: Builder, *,
              series_kind: str = "kos") -> Dataset:
    """Check ``spec`` against ``source`` and build the KOS (nothing written)."""
    import highdicom as hd
    from highdicom.sr import CodedConcept
    from pydicom.sr.codedict import codes

    referenced = resolve(spec, source)
    d = spec.device
    device = hd.sr.ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid=d.uid or builder.new_uid("device-observer", d.name, d.manufacturer, d.model, d.serial_number),
            name=d.name, manufacturer_name=d.manufacturer, model_name=d.model, serial_number=d.serial_number,
            physical_location=d.physical_location))
    title = CodedConcept(spec.title.value, spec.title.scheme, spec.title.meaning)
    series = builder.series(series_kind, modality="KO", number=spec.series_number,
                            description=spec.series_description)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            content = hd.ko.KeyObjectSelection(document_title=title, referenced_objects=referenced,
                                               observer_device_context=device, description=spec.description)
            kos = hd.ko.KeyObjectSelectionDocument(
                evidence=referenced, content=content,
                **builder.highdicom_kwargs(series, instance_number=spec.instance_number))
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError(f"highdicom refused the key object selection: {exc}", source="kos spec") from None
    kos.SeriesDescription = spec.series_description
    _unnamed_references(kos)
    builder.restamp(kos)
    builder.finish(kos)
    return kos


def _unnamed_references(kos: Dataset) -> None:
    """TID 2010 rows 6-8: the selected IMAGE/COMPOSITE/WAVEFORM items have no concept name.

    highdicom names them "Source" (a purpose of reference), which PixelMed rightly reports as forbidden.
    """
    for item in kos.get("ContentSequence", []):
        if item.get("ValueType") in ("IMAGE", "COMPOSITE", "WAVEFORM") and "ConceptNameCodeSequence" in item:
            del item.ConceptNameCodeSequence


def create_kos(spec: str | Path | Mapping[str, Any] | KosSpec, source: str | os.PathLike[str] | Sequence[Any],
               out: str | os.PathLike[str], *, uid_policy: UIDPolicy | None = None,
               equipment: Equipment | None = None) -> Path:
    """Load, check, build and write a KOS; on any error nothing is written."""
    from dicomhelp.io import write_atomic

    loaded = spec if isinstance(spec, KosSpec) else load_kos_spec(spec)
    paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    instances = read_source(paths)
    builder = Builder(Study.from_source(*(i.dataset for i in instances)), equipment=equipment or Equipment(),
                      uid_policy=uid_policy or UIDPolicy.from_env())
    return write_atomic(build_kos(loaded, instances, builder), out)


def kos_schema() -> dict[str, Any]:
    """The JSON Schema of a KOS spec (``dicomhelp schema kos``)."""
    from dicomhelp.create.spec import json_schema

    return json_schema(KosSpec, title="dicomhelp create kos spec")
