"""The validator's own SEG, SR-segment and KOS checks, on a result set made by the project and then broken."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydicom import dcmread

from dicomhelp.create.results import copy_example, create_results
from dicomhelp.samples import make_sample_study
from dicomhelp.uids import UIDPolicy
from dicomhelp.validate import Severity, validate_file, validate_paths


@pytest.fixture(scope="module")
def result_set(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("seg-rules")
    make_sample_study(root / "study", uid_policy=UIDPolicy(seed="seg-rules"))
    spec = copy_example(root)
    _, written = create_results(spec, root / "study", root / "set", uid_policy=UIDPolicy(seed="seg-rules"))
    assert written is not None
    files = {f["kind"]: root / "set" / f["file"] for f in written.files if f["kind"] != "source"}
    return {"folder": root / "set", **files}


def rules(findings: list) -> set[str]:
    return {f.rule for f in findings}


def broken_copy(result_set: dict[str, Path], tmp_path: Path, kind: str) -> tuple[Path, Path, object]:
    folder = tmp_path / "set"
    shutil.copytree(result_set["folder"], folder)
    path = folder / result_set[kind].relative_to(result_set["folder"])
    return folder, path, dcmread(path)


def test_the_set_as_made_has_no_findings(result_set: dict[str, Path]) -> None:
    run = validate_paths([result_set["folder"]], as_set=True, jobs=1)
    # Infos ("condition not checked") say what could not be decided: not a fault of the set.
    faults = [f for f in run.all_findings if f.severity is not Severity.INFO]
    assert not faults, [str(f) for f in faults]


def test_segment_numbering_and_frame_segments(result_set: dict[str, Path], tmp_path: Path) -> None:
    ds = dcmread(result_set["seg"])
    ds.SegmentSequence[0].SegmentNumber = 2
    ds.save_as(tmp_path / "seg.dcm")
    found = rules(validate_file(tmp_path / "seg.dcm").findings)
    assert {"seg.segment-numbering", "seg.unknown-segment"} <= found


def test_frame_sources_are_listed(result_set: dict[str, Path], tmp_path: Path) -> None:
    ds = dcmread(result_set["seg"])
    source = ds.PerFrameFunctionalGroupsSequence[0].DerivationImageSequence[0].SourceImageSequence[0]
    source.ReferencedSOPInstanceUID = "2.25.1"
    ds.save_as(tmp_path / "seg.dcm")
    assert "seg.source-not-listed" in rules(validate_file(tmp_path / "seg.dcm").findings)


def test_source_frame_exists_in_the_set(result_set: dict[str, Path], tmp_path: Path) -> None:
    folder, path, ds = broken_copy(result_set, tmp_path, "seg")
    ds.PerFrameFunctionalGroupsSequence[0].DerivationImageSequence[0].SourceImageSequence[0].ReferencedFrameNumber = 3
    ds.save_as(path)
    run = validate_paths([folder], as_set=True, jobs=1)
    assert "seg.source-frame-missing" in rules(run.set_findings)


def test_sr_referenced_segment_exists(result_set: dict[str, Path], tmp_path: Path) -> None:
    folder, path, ds = broken_copy(result_set, tmp_path, "sr")
    changed = 0
    for elem in ds.iterall():
        if elem.keyword == "ReferencedSegmentNumber":
            elem.value = 4
            changed += 1
    assert changed == 1
    ds.save_as(path)
    run = validate_paths([folder], as_set=True, jobs=1)
    assert [f.rule for f in run.set_findings] == ["sr.segment-missing"]


def test_kos_references_exist_in_the_set(result_set: dict[str, Path], tmp_path: Path) -> None:
    folder, path, _ = broken_copy(result_set, tmp_path, "kos")
    (folder / result_set["pdf"].relative_to(result_set["folder"])).unlink()
    run = validate_paths([folder], as_set=True, jobs=1)
    assert "kos.reference-missing" in rules(run.set_findings)
