"""`dicomhelp validate` as a user runs it: lines, JSON, exit codes, batches, sets, dciodvfy merged."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from dicomhelp.io import sample_file
from dicomhelp.validate import validate_paths
from dicomhelp.validate.report import render_summary, short_summary

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import assert_clean_failure, run_cli, tool  # noqa: E402


def test_valid_file_exits_0(sample_study: list[Path]) -> None:
    proc = run_cli("validate", str(sample_study[0]))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{sample_study[0]}: OK (CT Image Storage): 0 error(s)")
    assert "1 file(s) checked: 1 without errors" in proc.stdout
    assert proc.stderr == ""  # no progress bar when stderr is not a terminal


def test_errors_exit_1_one_finding_per_line(mutate) -> None:
    path = mutate("CT_small.dcm", lambda d: (delattr(d, "SeriesInstanceUID"), setattr(d, "StudyDate", "2020-1-1")))
    proc = run_cli("validate", str(path))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    missing = next(ln for ln in lines if "SeriesInstanceUID" in ln)
    assert missing.startswith("  error   SeriesInstanceUID (0020,000E): missing: a Type 1 attribute")
    assert "[iod.type1-missing; Type 1 in the General Series module, PS3.3 Table C.7-5a" in missing
    assert missing.endswith("fix: add SeriesInstanceUID with a value")
    date = next(ln for ln in lines if "StudyDate" in ln)
    assert "values.da" in date and "fix: write the date as YYYYMMDD" in date
    assert any(ln.strip().startswith("iod.type1-missing") for ln in lines)  # the summary by rule
    assert "Traceback" not in proc.stderr


def test_json_one_object_per_file(sample_study: list[Path], mutate) -> None:
    bad = mutate("CT_small.dcm", lambda d: setattr(d, "PatientSex", "X"))
    proc = run_cli("validate", "--json", str(sample_study[0]), str(bad))
    assert proc.returncode == 1
    objects = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o.get("file") for o in objects[:2]] == [str(sample_study[0]), str(bad)]
    assert objects[0]["ok"] is True and objects[1]["ok"] is False
    finding = next(f for f in objects[1]["findings"] if f["rule"] == "iod.enumerated")
    assert finding["severity"] == "error" and finding["tag"] == "(0010,0040)" and finding["path"] == "PatientSex"
    assert objects[2]["summary"]["files"] == 2 and objects[2]["summary"]["errors"] >= 1


def test_folder_batch_bad_files_do_not_stop_the_run(tmp_path: Path, sample_study: list[Path]) -> None:
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    for p in sample_study:
        shutil.copy(p, folder / "sub" / p.name)
    (folder / "notes.txt").write_text("hello\n")
    shutil.copy(sample_file("rtplan_truncated.dcm"), folder / "truncated.dcm")
    for i in range(24):  # enough files for the process pool
        shutil.copy(sample_file("CT_small.dcm"), folder / f"ct{i}.dcm")
    proc = run_cli("validate", "-q", "--jobs", "2", str(folder))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.startswith("28 file(s) checked: 26 without errors, 2 with errors")
    assert "file.unreadable" in proc.stdout


def test_missing_path_or_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    assert_clean_failure(run_cli("validate", str(tmp_path / "nope.dcm")), 2)
    (tmp_path / "empty").mkdir()
    proc = run_cli("validate", str(tmp_path / "empty"))
    assert_clean_failure(proc, 2)
    assert "no files to validate" in proc.stderr


def test_as_set_consistency_and_references(tmp_path: Path, sample_study: list[Path], mutate) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    for p in sample_study:
        shutil.copy(p, folder / p.name)
    from pydicom import Dataset, dcmread
    from pydicom.sequence import Sequence

    inside = str(dcmread(sample_study[0]).SOPInstanceUID)

    def change(d: Dataset) -> None:
        d.PatientName = "Other^Name"
        d.SOPInstanceUID = d.SOPInstanceUID + ".9"
        refs = []
        for uid in (inside, "1.2.3.4.5"):
            ref = Dataset()
            ref.ReferencedSOPClassUID = d.SOPClassUID
            ref.ReferencedSOPInstanceUID = uid
            refs.append(ref)
        d.ReferencedImageSequence = Sequence(refs)

    shutil.copy(mutate(sample_study[1], change), folder / "other.dcm")
    run = validate_paths([folder], as_set=True, jobs=1)
    rules = {f.rule for f in run.set_findings}
    assert "set.inconsistent-study" in rules
    inconsistent = next(f for f in run.set_findings if f.rule == "set.inconsistent-study")
    assert inconsistent.keyword == "PatientName" and "Other^Name" in inconsistent.message
    unresolved = [f for f in run.set_findings if f.rule == "set.unresolved-reference"]
    assert [f.path for f in unresolved] == ["ReferencedImageSequence[1].ReferencedSOPInstanceUID"]
    assert "1.2.3.4.5" in unresolved[0].message and unresolved[0].file.endswith("other.dcm")
    proc = run_cli("validate", "--as-set", str(folder))
    assert proc.returncode == 1 and "set of 3 file(s):" in proc.stdout


def test_with_dciodvfy_merges_its_findings(sample_study: list[Path], tmp_path: Path) -> None:
    from pydicom import dcmread

    tool("dciodvfy")
    ds = dcmread(sample_study[0])
    ds.PatientWeight = 0  # dciodvfy warns "Value is zero"; dicomhelp does not
    weight0 = tmp_path / "weight0.dcm"
    ds.save_as(weight0)
    proc = run_cli("validate", "--with", "dciodvfy", "--json", str(weight0))
    data = json.loads(proc.stdout.splitlines()[0])
    merged = [f for f in data["findings"] if f["source"] == "dciodvfy"]
    assert merged and all(f["rule"].startswith("dciodvfy.") for f in merged)
    assert any(f.get("keyword") == "PatientWeight" for f in merged)  # dciodvfy: "Value is zero"


def test_dciodvfy_is_not_run_on_a_file_that_is_not_dicom(tmp_path: Path) -> None:
    from dicomhelp.validate import ValidateOptions, validate_file

    tool("dciodvfy")
    text = tmp_path / "notes.txt"
    text.write_text("hello world, this is not DICOM\n")
    report = validate_file(text, ValidateOptions(with_dciodvfy=True))
    assert [f.rule for f in report.findings] == ["file.unreadable"], [f.message for f in report.findings]


def test_summary_renderers(sample_study: list[Path]) -> None:
    run = validate_paths(sample_study, jobs=1)
    assert short_summary(run) == "validated 2 file(s): 0 error(s), 0 warning(s)"
    assert render_summary(run)[0].startswith("2 file(s) checked: 2 without errors")


def test_help_has_an_example() -> None:
    proc = run_cli("validate", "--help")
    assert proc.returncode == 0 and "dicomhelp validate CT.dcm" in proc.stdout
