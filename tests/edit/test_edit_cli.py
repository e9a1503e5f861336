"""`dicomhelp edit` and `dicomhelp diff` as a user runs them."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pydicom
import pytest
from support import assert_clean_failure, dciodvfy, run_cli

from dicomhelp.io import sample_file
from dicomhelp.samples import make_sample_study


@pytest.fixture()
def ct(tmp_path: Path) -> Path:
    target = tmp_path / "ct.dcm"
    target.write_bytes(sample_file("CT_small.dcm").read_bytes())
    return target


def test_edit_writes_a_new_file_and_keeps_the_input(ct: Path, tmp_path: Path) -> None:
    before = ct.read_bytes()
    proc = run_cli("edit", str(ct), "--set", "PatientName=Doe^Jane", "--set", "StudyDate=2024-03-01",
                   "--delete", "PatientBirthDate", "-o", str(tmp_path / "out.dcm"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"wrote {tmp_path / 'out.dcm'} (3 change(s))"
    assert ct.read_bytes() == before
    out = pydicom.dcmread(tmp_path / "out.dcm")
    assert (out.PatientName, out.StudyDate) == ("Doe^Jane", "20240301") and "PatientBirthDate" not in out
    proc = run_cli("edit", str(ct), "--set", "PatientName=Default^Name")
    assert proc.returncode == 0 and (tmp_path / "ct-edited.dcm").exists(), "default output next to the input"


@pytest.mark.parametrize("args, code, message", [
    (["--set", "PatientNme=x"], 2, "unknown keyword 'PatientNme'"),
    (["--set", "StudyDate=2024-02-30"], 2, "StudyDate: 20240230 is not a calendar date"),
    (["--set", "Rows=-1"], 2, "Rows: -1 is outside 0..65535"),
    (["--set", "PixelSpacing=0.5"], 2, "PixelSpacing: 1 value(s) given, the element takes VM 2"),
    (["--set", "PatientName"], 2, "is not PATH=VALUE"),
    ([], 2, "no edit given"),
    (["--set", "PatientName=x", "--in-place"], 2, "either -o or --in-place"),
])
def test_bad_input_is_one_line_and_writes_nothing(ct: Path, tmp_path: Path, args: list[str], code: int,
                                                  message: str) -> None:
    before = ct.read_bytes()
    extra = ["-o", str(tmp_path / "out.dcm")]
    proc = run_cli("edit", str(ct), *args, *extra)
    assert_clean_failure(proc, code)
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "out.dcm").exists() and ct.read_bytes() == before


def test_missing_and_non_dicom_files(tmp_path: Path) -> None:
    proc = run_cli("edit", str(tmp_path / "missing.dcm"), "--set", "PatientName=x")
    assert_clean_failure(proc, 2)
    assert "missing.dcm: no such file" in proc.stderr
    text = tmp_path / "notes.txt"
    text.write_text("not dicom\n")
    proc = run_cli("edit", str(text), "--set", "PatientName=x", "-o", str(tmp_path / "out.dcm"))
    assert_clean_failure(proc, 1)
    assert not (tmp_path / "out.dcm").exists()
    proc = run_cli("diff", str(text), str(tmp_path / "missing.dcm"))
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr


def test_dry_run_prints_the_differences_and_writes_nothing(ct: Path) -> None:
    before = ct.read_bytes()
    proc = run_cli("edit", str(ct), "--set", "PatientName=Doe^Jane", "--set", "ImageType=DERIVED\\SECONDARY",
                   "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"{ct}:",
        "  ~ ImageType: ORIGINAL\\PRIMARY\\AXIAL -> DERIVED\\SECONDARY",
        "  ~ PatientName: CompressedSamples^CT1 -> Doe^Jane",
    ]
    assert ct.read_bytes() == before and sorted(p.name for p in ct.parent.iterdir()) == ["ct.dcm"]


def test_folder_edit_and_yaml_and_in_place(tmp_path: Path) -> None:
    paths = make_sample_study(tmp_path / "study", slices=3)
    import pydicom.data

    dicomdir = Path(pydicom.data.__file__).parent / "test_files" / "dicomdirtests" / "DICOMDIR"
    (tmp_path / "study" / "DICOMDIR").write_bytes(dicomdir.read_bytes())
    edits = tmp_path / "edits.yaml"
    edits.write_text("- set: InstitutionName\n  value: Example Hospital\n- delete: PatientBirthDate\n")
    proc = run_cli("edit", str(tmp_path / "study"), "--edits", str(edits), "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "DICOMDIR index is not edited" in proc.stderr and not (tmp_path / "out" / "DICOMDIR").exists()
    (tmp_path / "study" / "DICOMDIR").unlink()
    assert proc.stdout.strip() == f"edited into {tmp_path / 'out'}: 3 in, 3 written, 0 failed, 0 duplicate(s)"
    for p in paths:
        out = pydicom.dcmread(tmp_path / "out" / p.name)
        assert out.InstitutionName == "Example Hospital" and "PatientBirthDate" not in out
        assert out.PixelData == pydicom.dcmread(p).PixelData
    before = dciodvfy(paths[0])
    proc = run_cli("edit", str(tmp_path / "study"), "--set", "StudyDescription=Edited", "--in-place", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [r["applied"] for r in report] == [[{"action": "changed", "path": "StudyDescription"}]] * 3
    assert pydicom.dcmread(paths[0]).StudyDescription == "Edited"
    assert set(dciodvfy(paths[0]).errors) <= set(before.errors)
    assert sorted(p.name for p in (tmp_path / "study").iterdir()) == sorted(p.name for p in paths), "no temp files"


def test_diff_text_json_and_exit_code(ct: Path, tmp_path: Path) -> None:
    run_cli("edit", str(ct), "--set", "PatientName=Doe^Jane", "--delete", '(0009,"GEMS_IDEN_01",01)',
            "--insert", "OtherPatientIDsSequence[2].PatientID=X1", "-o", str(tmp_path / "b.dcm"))
    proc = run_cli("diff", str(ct), str(tmp_path / "b.dcm"), "--no-meta")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        '- (0009,"GEMS_IDEN_01",01) = GE_GENESIS_FF',
        "~ PatientName: CompressedSamples^CT1 -> Doe^Jane",
        "+ OtherPatientIDsSequence[2] = item of 1 elements",
    ]
    proc = run_cli("diff", str(ct), str(tmp_path / "b.dcm"), "--json", "--no-meta")
    assert json.loads(proc.stdout)[1] == {"path": "PatientName", "kind": "changed",
                                          "old": "CompressedSamples^CT1", "new": "Doe^Jane"}
    assert run_cli("diff", str(ct), str(ct), "--exit-code").returncode == 0
    assert run_cli("diff", str(ct), str(tmp_path / "b.dcm"), "--exit-code").returncode == 1


def test_killing_in_place_edit_mid_write_leaves_the_original_intact(tmp_path: Path) -> None:
    """A large file, edited in place, killed while the new file is being written."""
    ds = pydicom.dcmread(sample_file("CT_small.dcm"))
    ds.NumberOfFrames = 2000  # 2000 frames of 128x128 16-bit: 65 MB, so the write takes a while
    ds.PixelData = os.urandom(128 * 128 * 2) * 2000
    big = tmp_path / "big.dcm"
    ds.save_as(big)
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "dicomhelp", "edit", str(big), "--set", "PatientName=Killed^Midway",
                             "--in-place"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    killed = False
    while time.monotonic() < deadline and proc.poll() is None:
        temps = [p for p in tmp_path.iterdir() if p.name.startswith(".big.dcm.") and p.name.endswith(".tmp")]
        if temps and temps[0].stat().st_size > 0:
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.001)
    proc.wait(timeout=60)
    assert killed, "the edit finished before it could be killed: make the file larger"
    assert proc.returncode == -signal.SIGKILL
    assert hashlib.sha256(big.read_bytes()).hexdigest() == digest, "the original must be untouched"
    assert pydicom.dcmread(big).PatientName == ds.PatientName


def test_parallel_folder_edit_replaces_uids_consistently(tmp_path: Path) -> None:
    """Ten files go through two processes; a replaced UID is the same new UID in all of them."""
    paths = make_sample_study(tmp_path / "study", slices=10)
    old = pydicom.dcmread(paths[0]).StudyInstanceUID
    proc = run_cli("edit", str(tmp_path / "study"), "--replace-uid", "StudyInstanceUID", "--replace-uid",
                   "SOPInstanceUID", "-j", "2", "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    edited = [pydicom.dcmread(tmp_path / "out" / p.name) for p in paths]
    assert len({str(d.StudyInstanceUID) for d in edited}) == 1 and edited[0].StudyInstanceUID != old
    assert len({str(d.SOPInstanceUID) for d in edited}) == 10
    assert all(d.file_meta.MediaStorageSOPInstanceUID == d.SOPInstanceUID for d in edited)


def test_output_onto_the_input_is_refused_without_in_place(ct: Path, tmp_path: Path) -> None:
    before = ct.read_bytes()
    proc = run_cli("edit", str(ct), "--set", "PatientName=Doe", "-o", str(ct))
    assert_clean_failure(proc, 2)
    assert "the output is the input file (use --in-place" in proc.stderr and ct.read_bytes() == before
    study = tmp_path / "study"
    make_sample_study(study)
    first = (study / "CT0001.dcm").read_bytes()
    proc = run_cli("edit", str(study), "--set", "PatientName=Doe", "-o", str(study))
    assert_clean_failure(proc, 2)
    assert "the output folder is the input folder" in proc.stderr and (study / "CT0001.dcm").read_bytes() == first
    proc = run_cli("edit", str(study), "--set", "PatientName=Doe", "-o", str(study / "edited"))
    assert_clean_failure(proc, 2)
    assert "the output folder is inside the input folder" in proc.stderr and not (study / "edited").exists()
    proc = run_cli("edit", str(study), "--set", "PatientName=Doe", "-o", str(ct))
    assert_clean_failure(proc, 2)
    assert "the output of a folder must be a folder" in proc.stderr and ct.read_bytes() == before


def test_output_that_cannot_be_written_is_one_line_and_a_folder_takes_the_file(ct: Path, tmp_path: Path) -> None:
    proc = run_cli("edit", str(ct), "--set", "PatientName=Doe", "-o", str(ct / "out.dcm"))
    assert_clean_failure(proc, 2)
    assert proc.stderr.strip().splitlines() == [
        f"dicomhelp: error: {ct / 'out.dcm'}: cannot write here: {ct} is a file, not a folder "
        "(choose another output path)"]
    into = tmp_path / "into"
    into.mkdir()
    proc = run_cli("edit", str(ct), "--set", "PatientName=Doe", "-o", str(into))
    assert proc.returncode == 0, proc.stderr
    assert pydicom.dcmread(into / ct.name).PatientName == "Doe"


def test_paths_that_match_nothing_are_said_so(ct: Path, tmp_path: Path) -> None:
    proc = run_cli("edit", str(ct), "--set", "ReferencedStudySequence[*].ReferencedSOPInstanceUID=1.2.3",
                   "-o", str(tmp_path / "out.dcm"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("(0 change(s))")
    assert "no element is on the given path(s), nothing changed" in proc.stderr


def test_diff_of_a_damaged_file_warns_and_exits_1(ct: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(ct.read_bytes()[:3000])
    proc = run_cli("diff", str(ct), str(cut))
    assert_clean_failure(proc, 1)
    assert proc.stderr.startswith(f"dicomhelp: {cut}: the file is cut short (3000 bytes)")
    assert "compared as far as it could be read" in proc.stderr and proc.stdout.startswith("- ")


def test_help_examples_work_as_written(tmp_path: Path) -> None:
    import shlex

    from dicomhelp.cli.edit import EPILOG

    study = tmp_path / "study"
    make_sample_study(study)
    (tmp_path / "CT.dcm").write_bytes((study / "CT0001.dcm").read_bytes())
    (tmp_path / "changes.yaml").write_text("- set: PatientName\n  value: Doe^J\n")
    examples = [ln.strip() for ln in EPILOG.splitlines() if ln.strip().startswith("dicomhelp edit")]
    assert len(examples) == 6
    for example in examples:
        proc = run_cli(*shlex.split(example)[1:], cwd=tmp_path)
        assert proc.returncode == 0 and proc.stderr == "", (example, proc.stderr)
        assert "(no change)" not in proc.stdout and "unchanged" not in proc.stdout, (example, proc.stdout)


def test_diff_of_odd_values_does_not_leak_pydicom_warnings(ct: Path) -> None:
    proc = run_cli("diff", str(ct), str(sample_file("badVR.dcm")), "--no-meta")
    assert proc.returncode == 0 and proc.stdout, proc.stderr
    assert "UserWarning" not in proc.stderr and proc.stderr == "", proc.stderr
