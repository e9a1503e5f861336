"""A set of files (``validate DIR --as-set``): one patient/study/series story, references that resolve.

Each worker extracts :func:`instance_info` (small, picklable); the parent
compares them. PS3.3 C.7.1-C.7.3: the Patient, Study and Series attributes
describe the entity, so every instance of one study (series) must agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from dicomhelp.validate.findings import Finding, error, warning
from dicomhelp.validate.rules import seg

if TYPE_CHECKING:
    from dicomhelp.validate.context import Context
    from dicomhelp.validate.report import FileReport

PATIENT_KEYS = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex")
STUDY_KEYS = ("StudyDate", "StudyTime", "AccessionNumber", "StudyID", "ReferringPhysicianName")
SERIES_KEYS = ("Modality", "SeriesNumber", "StudyInstanceUID")
# References to things that are not instances of the set (procedure steps, patients, studies).
NOT_INSTANCE_REFS = {"ReferencedPerformedProcedureStepSequence", "ReferencedPatientSequence",
                     "ReferencedStudySequence", "ReferencedVisitSequence", "ReferencedPatientPhotoSequence"}
SET_REF = "PS3.3 C.7.1.1, C.7.2.1, C.7.3.1"


def instance_info(ctx: Context) -> dict[str, Any]:
    ds = ctx.ds

    def text(keyword: str) -> str | None:
        try:
            v = ds.get(keyword)
        except Exception:  # noqa: BLE001
            return None
        return None if v is None else str(v).strip()

    keys = ("SOPInstanceUID", "SOPClassUID", "StudyInstanceUID", "SeriesInstanceUID",
            *PATIENT_KEYS, *STUDY_KEYS, "Modality", "SeriesNumber")
    info: dict[str, Any] = {k: text(k) for k in keys}
    refs: list[tuple[str, str]] = []
    try:
        _collect_refs(ds, "", refs, 0)
    except Exception:  # noqa: BLE001 - a damaged sequence: the values rule reports it
        pass
    info["references"] = refs
    try:
        info["seg"] = seg.set_info(ds, info.get("SOPClassUID") or "")
    except Exception:  # noqa: BLE001 - a damaged sequence: the values rule reports it
        info["seg"] = {}
    return info


def _collect_refs(ds: Any, prefix: str, out: list[tuple[str, str]], depth: int) -> None:
    if depth > 16:
        return
    for elem in ds:
        if elem.VR != "SQ" or not elem.value or elem.keyword in NOT_INSTANCE_REFS:
            continue
        for i, item in enumerate(elem.value):
            here = f"{prefix}{elem.keyword or elem.tag}[{i}]"
            uid = item.get("ReferencedSOPInstanceUID")
            if uid:
                out.append((f"{here}.ReferencedSOPInstanceUID", str(uid)))
            _collect_refs(item, here + ".", out, depth + 1)


def check_set(reports: Iterable[FileReport]) -> Iterator[Finding]:
    infos = [(r.path, r.set_info) for r in reports if r.set_info and r.set_info.get("SOPInstanceUID")]
    by_uid: dict[str, list[str]] = defaultdict(list)
    for path, info in infos:
        by_uid[info["SOPInstanceUID"]].append(path)
    for uid, paths in by_uid.items():
        if len(paths) > 1:
            yield error("set.duplicate-instance", f"SOP Instance UID <{uid}> is used by {len(paths)} files: "
                        f"{', '.join(paths[:4])}", keyword="SOPInstanceUID", tag=0x00080018, path="SOPInstanceUID",
                        file=paths[1], reference="PS3.3 C.12.1.1.1", fix="give every instance its own UID")
    yield from seg.check_set(infos)
    yield from _consistent(infos, "StudyInstanceUID", PATIENT_KEYS + STUDY_KEYS, "study")
    yield from _consistent(infos, "SeriesInstanceUID", SERIES_KEYS, "series")
    for path, info in infos:
        for where, uid in info.get("references", []):
            if uid not in by_uid:
                yield warning("set.unresolved-reference", f"refers to instance <{uid}>, which is not in this set",
                              path=where, keyword="ReferencedSOPInstanceUID", tag=0x00081155, file=path,
                              reference="PS3.3 C.17.2 (references within a result set)",
                              fix="add the referenced file to the set, or correct the UID")


def _consistent(infos: list[tuple[str, dict[str, Any]]], group_key: str, keys: tuple[str, ...],
                what: str) -> Iterator[Finding]:
    groups: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for path, info in infos:
        if info.get(group_key):
            groups[info[group_key]].append((path, info))
    for uid, members in groups.items():
        for key in keys:
            values: dict[str, list[str]] = defaultdict(list)
            for path, info in members:
                values[info.get(key) or ""].append(path)
            if len(values) > 1:
                first, *rest = sorted(values.items(), key=lambda kv: -len(kv[1]))
                for value, paths in rest:
                    yield error(f"set.inconsistent-{what}",
                                f"{key} is <{value}> here but <{first[0]}> in {first[1][0]} (same {what} "
                                f"{uid})", keyword=key, path=key, file=paths[0], reference=SET_REF,
                                fix=f"make {key} the same in every file of the {what}")
