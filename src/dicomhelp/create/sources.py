"""Reading the source study a created object derives from (``--source FILE|DIR``).

Every creator (SC, PDF, SR, GSPS, result sets) reads its source through
:func:`read_source`: headers only (pixel data located, not loaded), file names
kept, DICOMDIR indexes and non-DICOM files skipped in folders, a file named
explicitly refused unless it is a DICOM instance, and one study enforced.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dicomhelp.errors import InputError
from dicomhelp.io import iter_files, read_header

if TYPE_CHECKING:
    from pydicom import Dataset

    from dicomhelp.create.base import Builder

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"  # the SOP class of a DICOMDIR
SOURCE_HINT = "--source names the study folder or its DICOM files"


@dataclass
class SourceInstance:
    """One source instance: its header (pixels not read) and the file it came from."""

    path: Path | None
    dataset: Dataset
    has_pixels: bool = True

    @property
    def uid(self) -> str:
        return str(self.dataset.SOPInstanceUID)

    @property
    def frames(self) -> int:
        return int(self.dataset.get("NumberOfFrames", 1) or 1)

    @property
    def is_image(self) -> bool:
        return is_image(self.dataset) and self.has_pixels


def read_source(paths: Sequence[str | os.PathLike[str]], *, priors: bool = False) -> list[SourceInstance]:
    """Every DICOM instance under ``paths``, sorted by series and instance number.

    A file given by name must be a DICOM instance; in a folder, non-DICOM files
    and DICOMDIR indexes are skipped so a folder straight from a CD works. The
    instances must belong to one study; with ``priors`` each path is one study
    (the study reported on, then earlier studies to compare with).
    """
    instances: list[SourceInstance] = []
    seen: dict[str, SourceInstance] = {}
    for raw in paths:
        found = []
        for instance in _read_path(raw):
            first = seen.get(instance.uid)
            if first is None:
                seen[instance.uid] = instance
                found.append(instance)
            else:
                _same_instance(first, instance)
        if priors:
            _one_study(found, str(raw))
        instances += found
    if not instances:
        raise InputError("no DICOM files found in the source", source=", ".join(map(str, paths)), hint=SOURCE_HINT)
    if not priors:
        _one_study(instances, ", ".join(map(str, paths)))
    instances.sort(key=lambda i: (str(i.dataset.get("SeriesInstanceUID", "")), _instance_number(i.dataset)))
    return instances


def _same_instance(first: SourceInstance, again: SourceInstance) -> None:
    """A SOP Instance UID met twice: the same file named twice is silent, a copy is reported, other content stops.

    Two different objects under one UID (the same image in two transfer syntaxes,
    an edited copy) would make every reference to it ambiguous: which one is meant?
    """
    import filecmp
    import sys

    if first.path is None or again.path is None or first.path.resolve() == again.path.resolve():
        return  # a file and its folder, or a folder named twice
    if filecmp.cmp(first.path, again.path, shallow=False):
        # Through stderr, as every dicomhelp diagnostic: a creator has no other channel back to its command.
        sys.stderr.write(f"dicomhelp: warning: {again.path}: a copy of {first.path} (same SOP Instance UID "
                         f"{first.uid}, same bytes); referenced once\n")
        return
    raise InputError(f"and {again.path} hold different objects with the same SOP Instance UID {first.uid}; "
                     "a reference to it would be ambiguous", source=str(first.path),
                     hint="keep one of them in the source")


def _read_path(raw: str | os.PathLike[str]) -> Iterable[SourceInstance]:
    explicit = not os.path.isdir(raw)
    for path in iter_files([raw]):
        if not explicit and path.name.upper() == "DICOMDIR":
            continue
        try:
            ds, has_pixels = read_header(path)
        except InputError as exc:
            if explicit:
                raise InputError(exc.message, source=exc.source, hint=exc.hint or SOURCE_HINT) from None
            continue  # a stray non-DICOM file next to the study
        if _is_dicomdir(ds):
            if explicit:
                raise InputError("is a DICOMDIR (an index, not an instance)", source=str(path),
                                 hint=f"give the folder it is in: --source {path.parent}")
            continue
        if "SOPInstanceUID" not in ds:
            if explicit:
                raise InputError("is not a composite instance (no SOP Instance UID)", source=str(path),
                                 hint=SOURCE_HINT)
            continue
        if "StudyInstanceUID" not in ds:
            if explicit:
                raise InputError("has no Study Instance UID: it is not part of a study", source=str(path))
            continue
        yield SourceInstance(Path(path), ds, has_pixels)


def _is_dicomdir(ds: Dataset) -> bool:
    meta = getattr(ds, "file_meta", None)
    sop_class = (meta.get("MediaStorageSOPClassUID") if meta is not None else None) or ds.get("SOPClassUID")
    return str(sop_class or "") == MEDIA_STORAGE_DIRECTORY or "DirectoryRecordSequence" in ds


def _one_study(instances: list[SourceInstance], where: str) -> None:
    """Derived objects must not mix patients or studies (a PACS would file them under the wrong one)."""
    studies = sorted({str(i.dataset.StudyInstanceUID) for i in instances})
    if len(studies) > 1:
        shown = ", ".join(studies[:3]) + (", ..." if len(studies) > 3 else "")
        raise InputError(f"the source files belong to {len(studies)} different studies ({shown})", source=where,
                         hint="give the folder or files of one study")


def _instance_number(ds: Dataset) -> int:
    try:
        return int(ds.get("InstanceNumber") or 0)
    except (TypeError, ValueError):
        return 0


def load_sources(paths: Iterable[str | os.PathLike[str]]) -> list[Dataset]:
    """Headers of every DICOM file under ``paths`` (see :func:`read_source`), sorted by series and instance."""
    return [i.dataset for i in read_source(list(paths))]


def as_datasets(source: Iterable[Dataset | str | os.PathLike[str]]) -> list[Dataset]:
    """Datasets as given, and paths (files or folders) read with :func:`load_sources`."""
    from pydicom import Dataset as _Dataset

    items = list(source)
    datasets = [d for d in items if isinstance(d, _Dataset)]
    paths = [p for p in items if not isinstance(p, _Dataset)]
    return datasets + (load_sources(paths) if paths else [])


def builder_from(source: Iterable[Dataset | str | os.PathLike[str]] | None) -> Builder:
    """The builder of an API call: derived from ``source`` (datasets or paths), else a new study."""
    from dicomhelp.create.base import Builder, Study

    datasets = as_datasets(source or [])
    return Builder(Study.from_source(*datasets)) if datasets else Builder(Study.new())


def is_image(ds: Dataset) -> bool:
    """An image instance: it has rows and columns (its pixels need not be loaded)."""
    return "Rows" in ds and "Columns" in ds and "SOPClassUID" in ds


def reference_items(refs: Iterable[Dataset], purpose: tuple[str, str, str] | None = None) -> list[Dataset]:
    """Items of a Source Image / Source Instance Sequence for ``refs`` (class and instance UID, purpose)."""
    from pydicom import Dataset as _Dataset

    from dicomhelp.codecs import code_item

    items = []
    for ref in refs:
        item = _Dataset()
        item.ReferencedSOPClassUID = ref.SOPClassUID
        item.ReferencedSOPInstanceUID = ref.SOPInstanceUID
        if purpose is not None:
            item.PurposeOfReferenceCodeSequence = [code_item(*purpose)]
        items.append(item)
    return items


def builder_for(source_paths: Iterable[str | os.PathLike[str]] | None, *, uid_root: str | None = None,
                uid_seed: str | None = None, patient_name: str | None = None,
                patient_id: str | None = None) -> Builder:
    """The base builder a ``create`` command works with: derived from ``--source`` or a new study."""
    from dicomhelp.create.base import Builder, Study
    from dicomhelp.errors import UsageError
    from dicomhelp.uids import UIDPolicy

    policy = UIDPolicy.from_env(root=uid_root, seed=uid_seed)
    paths = list(source_paths or [])
    if paths:
        if patient_name or patient_id:
            raise UsageError("--patient-name/--patient-id apply without --source only",
                             hint="a derived object keeps the source's patient")
        return Builder(Study.from_source(*load_sources(paths)), uid_policy=policy)
    kwargs = {k: v for k, v in (("patient_name", patient_name), ("patient_id", patient_id)) if v}
    return Builder(Study.new(uid_policy=policy, **kwargs), uid_policy=policy)


# Body parts that come in pairs: the series then needs a Laterality (PS3.3 C.7.3.1).
PAIRED_BODY_PARTS = {
    "BREAST", "EYE", "EAR", "KIDNEY", "LUNG", "HAND", "FOOT", "KNEE", "HIP", "SHOULDER", "ELBOW",
    "WRIST", "ANKLE", "ARM", "LEG", "FEMUR", "TIBIA", "HUMERUS", "CLAVICLE", "OVARY", "TESTIS",
    "ADRENAL", "FINGER", "TOE", "THIGH", "FOREARM", "HEEL",
}


def series_body_part(ds: Dataset, refs: Sequence[SourceInstance], *, when_unknown: bool = True) -> None:
    """Carry Body Part Examined over to a series derived from ``refs`` (presentation state,
    segmentation); Laterality when the part is paired, or unknown if ``when_unknown`` (C.7.3.1)."""
    parts = {str(im.dataset.get("BodyPartExamined", "") or "") for im in refs}
    part = parts.pop() if len(parts) == 1 else ""
    if part:
        ds.BodyPartExamined = part
    if (when_unknown and not part) or part in PAIRED_BODY_PARTS:
        sides = {str(im.dataset.get("Laterality", "") or "") for im in refs}
        ds.Laterality = sides.pop() if len(sides) == 1 else ""
