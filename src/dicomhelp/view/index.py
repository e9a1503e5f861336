"""The folder index: what ``dicomhelp view`` knows of every file under PATH, from headers only.

Each file is read once with :func:`dicomhelp.io.read_file` (pixel data located,
never loaded) and kept as a small :class:`Entry` of strings and numbers, so the
index costs the same for a 1 GB multi-frame as for a 100 kB slice. Validation
verdicts come from the validate engine (files checked as a set). The hierarchy
patient → study → series → instance is the DICOMDIR's where one lists the file,
else built from the headers.

Only regular files whose real path lies inside PATH are indexed: a symlink
pointing out of the tree is left out, and the web routes serve nothing the
index does not hold.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dicomhelp.errors import DicomHelpError, InputError, UsageError

if TYPE_CHECKING:
    from pydicom import Dataset

    from dicomhelp.io import DicomFile
    from dicomhelp.validate import Finding, RunReport

PDF_CLASS = "1.2.840.10008.5.1.4.1.1.104.1"
GSPS_CLASS = "1.2.840.10008.5.1.4.1.1.11.1"
SEG_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"
DICOMDIR_CLASS = "1.2.840.10008.1.3.10"
ENCAPSULATED_PREFIX = "1.2.840.10008.5.1.4.1.1.104."
SR_PREFIX = "1.2.840.10008.5.1.4.1.1.88."

# What a beginner is told about each kind of object, in one sentence.
KIND_NOTES = {
    "image": "An image: the pixels are shown through the display pipeline (modality LUT, window, presentation LUT).",
    "sr": "A Structured Report: findings and measurements as a tree of coded content items, "
          "each pointing at the images it is about.",
    "gsps": "A Grayscale Softcopy Presentation State: how to show an image (window, area, rotation) and the "
            "annotations to draw on it, in layers; it holds no pixels itself.",
    "seg": "A Segmentation: masks of segments (organs, findings) over the images it was derived from.",
    "pdf": "An Encapsulated PDF: a PDF document inside a DICOM object, filed in the patient's study.",
    "document": "An encapsulated document (CDA, STL, OBJ, MTL): a file of another format inside a DICOM object.",
    "dicomdir": "A DICOMDIR: the index of a set of files on a medium (patient, study, series and image records).",
    "other": "An object without pixel data; its elements below say what it holds.",
}


@dataclass
class Entry:
    """One file under PATH as the browser lists it (strings and numbers only)."""

    id: str  # a stable short name for URLs and export file names: "f0003"
    rel: str  # path relative to the root, with "/"
    kind: str = "other"  # image | sr | gsps | seg | pdf | document | dicomdir | other | unreadable
    sop_class: str = ""
    sop_class_name: str = ""
    sop_instance: str = ""
    modality: str = ""
    patient_name: str = ""
    patient_id: str = ""
    study_uid: str = ""
    study_date: str = ""
    study_description: str = ""
    series_uid: str = ""
    series_number: str = ""
    series_description: str = ""
    instance_number: str = ""
    frames: int = 0
    rows: int = 0
    columns: int = 0
    colour: bool = False
    pixel_bytes: int = 0
    problems: list[str] = field(default_factory=list)
    damaged: bool = False
    error: str = ""  # unreadable: the one-line reason
    errors: int = 0  # validation errors / warnings of this file
    warnings: int = 0
    references: list[str] = field(default_factory=list)  # SOP Instance UIDs this object refers to
    in_dicomdir: bool = False

    @property
    def name(self) -> str:
        return self.rel.rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        """How the browser names the instance: its number, kind and file."""
        number = f"#{self.instance_number} " if self.instance_number else ""
        return f"{number}{self.name}"


@dataclass
class Series:
    uid: str
    number: str = ""
    modality: str = ""
    description: str = ""
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Study:
    uid: str
    date: str = ""
    description: str = ""
    series: list[Series] = field(default_factory=list)

    @property
    def instances(self) -> int:
        return sum(len(s.entries) for s in self.series)


@dataclass
class Patient:
    name: str
    id: str
    studies: list[Study] = field(default_factory=list)


@dataclass
class FolderIndex:
    """Every file under ``root``, its place in the hierarchy and its validation verdict."""

    root: Path  # the folder served (PATH itself, or the folder of a single PATH file)
    entries: list[Entry]
    patients: list[Patient] = field(default_factory=list)
    set_findings: list[Finding] = field(default_factory=list)
    hierarchy_source: str = "headers"  # or "DICOMDIR"
    missing: list[str] = field(default_factory=list)  # files a DICOMDIR lists that are not there
    single_file: bool = False

    def __post_init__(self) -> None:
        self._by_rel = {e.rel: e for e in self.entries}
        self._by_id = {e.id: e for e in self.entries}
        self._by_uid = {e.sop_instance: e for e in self.entries if e.sop_instance}

    def by_rel(self, rel: str) -> Entry | None:
        return self._by_rel.get(rel)

    def by_id(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def by_uid(self, uid: str) -> Entry | None:
        return self._by_uid.get(uid)

    def path_of(self, entry: Entry) -> Path:
        return self.root / entry.rel

    def referring(self, entry: Entry, kind: str) -> list[Entry]:
        """The objects of ``kind`` (gsps, sr, seg) under the root that refer to ``entry``."""
        return [e for e in self.entries if e.kind == kind and entry.sop_instance in e.references]

    @property
    def readable(self) -> list[Entry]:
        return [e for e in self.entries if e.kind != "unreadable"]

    @property
    def unreadable(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "unreadable"]


def build_index(path: str | os.PathLike[str], *, validate: bool = True, jobs: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> FolderIndex:
    """Index the file or folder ``path``.

    Raises :class:`UsageError` when it does not exist and :class:`InputError`
    when it holds no readable DICOM file.
    """
    from dicomhelp.io import iter_files, quiet_pydicom

    given = Path(path)
    if not given.exists():
        raise UsageError("no such file or folder", source=str(given), hint="check the path")
    single = not given.is_dir()
    # A single file named through a symlink is served from where it really is.
    root = given.resolve().parent if single else given.resolve()
    files = [given.resolve()] if single else [p for p in iter_files([given]) if _inside(p, root)]
    entries: list[Entry] = []
    datasets: dict[str, Dataset] = {}
    base = Path(os.path.abspath(given.parent if single else given))  # the walk's spelling of the root
    with quiet_pydicom():
        for number, file in enumerate(files):
            rel = Path(os.path.abspath(file)).relative_to(base) if not single else Path(file.name)
            entry, ds = _entry(root / rel, rel.as_posix(), f"f{number:04d}")
            entries.append(entry)
            if ds is not None and entry.kind == "dicomdir":
                datasets[entry.rel] = ds
    if not any(e.kind != "unreadable" for e in entries):
        reason = entries[0].error if len(entries) == 1 else "no file in it is DICOM"
        raise InputError(reason if single else f"no DICOM files found ({reason})", source=str(given),
                         hint="give a DICOM file or a folder that holds some")
    index = FolderIndex(root=root, entries=entries, single_file=single)
    if validate:
        _add_verdicts(index, jobs, progress)
    _arrange(index, datasets)
    return index


def _inside(path: Path, root: Path) -> bool:
    """A regular file whose real location is under ``root`` (symlinks out of the tree are refused)."""
    try:
        real = path.resolve()
        return real.is_file() and real.is_relative_to(root)
    except OSError:
        return False


def _text(ds: Any, keyword: str) -> str:
    from dicomhelp.inspect.srview import element_text

    return element_text(ds, keyword)


def _int(ds: Any, keyword: str, default: int = 0) -> int:
    try:
        return int(ds.get(keyword) or default)
    except (TypeError, ValueError):
        return default


def _entry(file: Path, rel: str, entry_id: str) -> tuple[Entry, Dataset | None]:
    from dicomhelp.io import read_file

    entry = Entry(id=entry_id, rel=rel)
    try:
        dfile = read_file(file)
    except DicomHelpError as exc:
        entry.kind, entry.error = "unreadable", exc.message
        return entry, None
    describe(entry, dfile)
    return entry, dfile.dataset


def describe(entry: Entry, dfile: DicomFile) -> None:
    """Fill ``entry`` from the header of ``dfile``."""
    ds = dfile.dataset
    meta = getattr(ds, "file_meta", None)
    entry.sop_class = _text(ds, "SOPClassUID") or _text(meta, "MediaStorageSOPClassUID")
    entry.sop_class_name = sop_class_name(entry.sop_class)
    entry.sop_instance = _text(ds, "SOPInstanceUID") or _text(meta, "MediaStorageSOPInstanceUID")
    for attr, keyword in (("modality", "Modality"), ("patient_name", "PatientName"), ("patient_id", "PatientID"),
                          ("study_uid", "StudyInstanceUID"), ("study_date", "StudyDate"),
                          ("study_description", "StudyDescription"), ("series_uid", "SeriesInstanceUID"),
                          ("series_number", "SeriesNumber"), ("series_description", "SeriesDescription"),
                          ("instance_number", "InstanceNumber")):
        setattr(entry, attr, _text(ds, keyword))
    entry.problems, entry.damaged = list(dfile.problems), dfile.damaged
    if dfile.pixel is not None:
        entry.frames = max(_int(ds, "NumberOfFrames", 1), 1)
        entry.rows, entry.columns = _int(ds, "Rows"), _int(ds, "Columns")
        entry.pixel_bytes = dfile.pixel.length
        from dicomhelp.display.pipeline import is_colour

        entry.colour = is_colour(ds)
    if dfile.pixel is None and dfile.damaged:  # cut short inside the pixel data: still an image, not shown
        entry.rows, entry.columns = _int(ds, "Rows"), _int(ds, "Columns")
        entry.frames = max(_int(ds, "NumberOfFrames", 1), 1) if entry.rows else 0
    entry.kind = kind_of(entry.sop_class, has_pixels=(dfile.pixel is not None or dfile.damaged) and entry.rows > 0)
    entry.references = sorted(referenced_instances(ds))


def sop_class_name(uid: str) -> str:
    if not uid:
        return "(no SOP class)"
    from pydicom.uid import UID

    name = UID(uid).name
    return name if name and name != uid else f"SOP class {uid}"


def kind_of(sop_class: str, *, has_pixels: bool) -> str:
    if sop_class == PDF_CLASS:
        return "pdf"
    if sop_class.startswith(ENCAPSULATED_PREFIX):
        return "document"
    if sop_class.startswith(SR_PREFIX):
        return "sr"
    if sop_class == GSPS_CLASS:
        return "gsps"
    if sop_class == SEG_CLASS:
        return "seg"
    if sop_class == DICOMDIR_CLASS:
        return "dicomdir"
    return "image" if has_pixels else "other"


def referenced_instances(ds: Dataset) -> set[str]:
    """Every Referenced SOP Instance UID at any depth (SR content, GSPS and SEG references, evidence)."""
    found: set[str] = set()
    stack = [ds]
    depth_guard = 0
    while stack and depth_guard < 200_000:
        item = stack.pop()
        depth_guard += 1
        for tag in list(item.keys()):
            try:
                elem = item[tag]
            except Exception:  # noqa: BLE001 - an undecodable element holds no reference we can use
                continue
            if elem.VR == "SQ":
                stack.extend(i for i in (elem.value or []) if hasattr(i, "keys"))
            elif elem.keyword == "ReferencedSOPInstanceUID" and elem.value:
                found.add(str(elem.value).strip())
    return found


def _add_verdicts(index: FolderIndex, jobs: int | None, progress: Callable[[int, int], None] | None) -> None:
    from dicomhelp.validate import ValidateOptions, validate_paths

    readable = index.readable
    if not readable:
        return
    run: RunReport = validate_paths([index.path_of(e) for e in readable], as_set=len(readable) > 1, jobs=jobs,
                                    options=ValidateOptions(info=False), progress=progress)
    for entry, report in zip(readable, run.files):
        entry.errors, entry.warnings = report.errors, report.warnings
    index.set_findings = list(run.set_findings)


def _arrange(index: FolderIndex, dicomdirs: dict[str, Dataset]) -> None:
    """Patients → studies → series → instances: the DICOMDIR's records first, then the headers."""
    placed: dict[str, tuple[str, str, str, str, str]] = {}  # rel -> (patient, pid, study, series, ...)
    for rel, ds in dicomdirs.items():
        base = rel.rsplit("/", 1)[0] if "/" in rel else ""
        for file_rel, where in _dicomdir_places(ds):
            full = f"{base}/{file_rel}" if base else file_rel
            entry = index.by_rel(full)
            if entry is None:
                index.missing.append(full)
                continue
            entry.in_dicomdir = True
            placed[full] = where
    if placed:
        index.hierarchy_source = "DICOMDIR"
    patients: dict[tuple[str, str], Patient] = {}
    studies: dict[str, Study] = {}
    series: dict[str, Series] = {}
    for entry in sorted(index.readable, key=_order):
        if entry.kind == "dicomdir":
            continue
        name, pid, study_uid, series_uid = placed.get(entry.rel, (entry.patient_name, entry.patient_id,
                                                                    entry.study_uid, entry.series_uid))[:4]
        patient = patients.setdefault((name, pid), Patient(name or "(no name)", pid))
        study_key = study_uid or f"(no study) {entry.rel}"
        study = studies.get(study_key)
        if study is None:
            study = studies[study_key] = Study(study_uid, entry.study_date, entry.study_description)
            patient.studies.append(study)
        series_key = series_uid or f"(no series) {entry.rel}"
        one = series.get(series_key)
        if one is None:
            one = series[series_key] = Series(series_uid, entry.series_number, entry.modality,
                                              entry.series_description)
            study.series.append(one)
        one.entries.append(entry)
    index.patients = list(patients.values())


def _order(entry: Entry) -> tuple[Any, ...]:
    def number(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return float("inf")

    return (entry.patient_name, entry.study_date, entry.study_uid, number(entry.series_number), entry.series_uid,
            number(entry.instance_number), entry.rel)


def _dicomdir_places(ds: Dataset) -> Iterable[tuple[str, tuple[str, str, str, str, str]]]:
    """(referenced file, (patient name, patient id, study uid, series uid, "")) for each record with a file."""
    records = ds.get("DirectoryRecordSequence") or []
    patient = study = series = None
    # Records come in depth-first order in every DICOMDIR dicomhelp and DCMTK write; the record type
    # says which level a record opens, which is enough to know its parents.
    for record in records:
        kind = _text(record, "DirectoryRecordType")
        if kind == "PATIENT":
            patient, study, series = record, None, None
        elif kind == "STUDY":
            study, series = record, None
        elif kind == "SERIES":
            series = record
        file_id = record.get("ReferencedFileID")
        if not file_id:
            continue
        parts = [file_id] if isinstance(file_id, str) else list(file_id)
        yield "/".join(str(p) for p in parts), (
            _text(patient, "PatientName") if patient is not None else "",
            _text(patient, "PatientID") if patient is not None else "",
            _text(study, "StudyInstanceUID") if study is not None else "",
            _text(series, "SeriesInstanceUID") if series is not None else "", "")
