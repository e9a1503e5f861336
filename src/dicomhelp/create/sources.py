"""Reading the source study a created object derives from (``--source FILE|DIR``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from dicomhelp.errors import InputError
from dicomhelp.io import iter_files, read_file

if TYPE_CHECKING:
    from pydicom import Dataset

    from dicomhelp.create.base import Builder


def load_sources(paths: Iterable[str | os.PathLike[str]]) -> list[Dataset]:
    """Headers of every DICOM file under ``paths`` (pixels not loaded), sorted by series and instance.

    A file given by name must be DICOM; in a folder, non-DICOM files (and
    DICOMDIR indexes) are skipped so a folder straight from a CD works.
    """
    datasets: list[Dataset] = []
    for raw in paths:
        explicit = not os.path.isdir(raw)
        for path in iter_files([raw]):
            try:
                ds = read_file(path).dataset
            except InputError:
                if explicit:
                    raise
                continue
            if str(ds.get("MediaStorageSOPClassUID", "")) == "1.2.840.10008.1.3.10" or "SOPInstanceUID" not in ds:
                if explicit:
                    raise InputError("is not a composite instance (no SOP Instance UID)", source=str(path))
                continue
            datasets.append(ds)
    if not datasets:
        raise InputError("no DICOM files found in the source", source=", ".join(map(str, paths)))
    datasets.sort(key=lambda d: (str(d.get("SeriesInstanceUID", "")), int(d.get("InstanceNumber") or 0)))
    return datasets


def as_datasets(source: Iterable[Dataset | str | os.PathLike[str]]) -> list[Dataset]:
    """Datasets as given, and paths (files or folders) read with :func:`load_sources`."""
    from pydicom import Dataset as _Dataset

    items = list(source)
    datasets = [d for d in items if isinstance(d, _Dataset)]
    paths = [p for p in items if not isinstance(p, _Dataset)]
    return datasets + (load_sources(paths) if paths else [])


def is_image(ds: Dataset) -> bool:
    """An image instance: it has rows and columns (its pixels need not be loaded)."""
    return "Rows" in ds and "Columns" in ds and "SOPClassUID" in ds


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
