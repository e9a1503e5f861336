"""The output-naming rule (io.OutputFolder): nothing written into a folder is lost without a word.

The case of issue 17: two inputs with the same SOP Instance UID in two transfer
syntaxes, the same bytes twice, and an output folder that already holds a file
of the same name.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pydicom
import pytest
from support import run_cli

from dicomhelp.io import OutputFolder, sample_file

SECRET = "outputs-test"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(folder: Path) -> dict[str, str]:
    """Every file in the folder, hidden ones included (a staging file left behind would show)."""
    return {str(p.relative_to(folder)): _sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """a.dcm; b.dcm the same instance transcoded (same SOP Instance UID); c.dcm a byte copy of a.dcm."""
    root = tmp_path_factory.mktemp("study")
    shutil.copy(sample_file("CT_small.dcm"), root / "a.dcm")
    proc = run_cli("transcode", str(root / "a.dcm"), str(root / "b.dcm"), "--to", "jpeg-ls-lossless")
    assert proc.returncode == 0, proc.stderr
    shutil.copy(root / "a.dcm", root / "c.dcm")
    a, b = pydicom.dcmread(root / "a.dcm"), pydicom.dcmread(root / "b.dcm")
    assert a.SOPInstanceUID == b.SOPInstanceUID
    assert a.file_meta.TransferSyntaxUID != b.file_meta.TransferSyntaxUID
    return root


def _anonymize(study: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    before = _tree(study)
    proc = run_cli("anonymize", str(study), str(out), "--secret", SECRET, *extra)
    assert "Traceback" not in proc.stderr
    assert _tree(study) == before  # inputs untouched
    return proc


def test_same_uid_in_two_syntaxes_both_arrive_and_the_same_bytes_are_written_once(study: Path,
                                                                                 tmp_path: Path) -> None:
    out = tmp_path / "anon"
    proc = _anonymize(study, out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"de-identified into {out}: 3 in, 2 written, 0 failed, 1 duplicate(s)"
    names = sorted(_tree(out))
    assert len(names) == 2 and names[1] == names[0].replace(".dcm", "_2.dcm"), names
    first, second = (pydicom.dcmread(out / n) for n in names)
    assert first.SOPInstanceUID == second.SOPInstanceUID  # names stay content-derived
    assert {first.file_meta.TransferSyntaxUID, second.file_meta.TransferSyntaxUID} == {
        pydicom.dcmread(study / "a.dcm").file_meta.TransferSyntaxUID,
        pydicom.dcmread(study / "b.dcm").file_meta.TransferSyntaxUID}
    assert f"duplicate: {study / 'c.dcm'} has the same content as {study / 'a.dcm'}" in proc.stderr
    assert f"{study / 'b.dcm'} written as {out / names[1]}" in proc.stderr

    # Rerun into the same folder with the same secret: nothing new, nothing replaced, all duplicates.
    before = _tree(out)
    again = _anonymize(study, out)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith("3 in, 0 written, 0 failed, 3 duplicate(s)")
    assert _tree(out) == before


def test_an_existing_file_of_the_same_name_is_never_overwritten(study: Path, tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    assert _anonymize(study, probe).returncode == 0
    name = sorted(_tree(probe))[0]
    out = tmp_path / "anon"
    out.mkdir()
    (out / name).write_bytes(b"someone else's file")
    proc = _anonymize(study, out, "--json")
    assert proc.returncode == 0, proc.stderr
    assert (out / name).read_bytes() == b"someone else's file"
    report = json.loads(proc.stdout)
    assert [r["status"] for r in report] == ["written", "written", "duplicate"]
    assert [Path(r["output"]).name for r in report] == [name.replace(".dcm", "_2.dcm"),
                                                         name.replace(".dcm", "_3.dcm"),
                                                         name.replace(".dcm", "_2.dcm")]
    assert f"name taken: {out / name} already holds other content" in proc.stderr

    # --overwrite replaces the file that was there before, never one written by this run.
    shutil.rmtree(out)
    out.mkdir()
    (out / name).write_bytes(b"someone else's file")
    proc = _anonymize(study, out, "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("3 in, 2 written, 0 failed, 1 duplicate(s)")
    assert pydicom.dcmread(out / name).SOPInstanceUID and f"replaced: {out / name}" in proc.stderr
    assert sorted(_tree(out)) == [name, name.replace(".dcm", "_2.dcm")]


def test_an_input_not_written_makes_exit_1_and_the_summary_counts_it(study: Path, tmp_path: Path) -> None:
    src = tmp_path / "study"
    shutil.copytree(study, src)
    shutil.copy(sample_file("MR_truncated.dcm"), src / "d.dcm")
    out = tmp_path / "anon"
    proc = _anonymize(src, out)
    assert proc.returncode == 1
    assert proc.stdout.strip() == f"de-identified into {out}: 4 in, 2 written, 1 failed, 1 duplicate(s)"
    assert f"error: {src / 'd.dcm'}" in proc.stderr
    assert len(_tree(out)) == 2  # no staging file, nothing for the failed input


def test_edit_into_a_folder_follows_the_same_rule(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "edited"
    out.mkdir()
    (out / "a.dcm").write_bytes(b"keep me")
    args = ("edit", str(study), "--set", "InstitutionName=Example", "-o", str(out))
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    assert (out / "a.dcm").read_bytes() == b"keep me"
    assert proc.stdout.strip() == f"edited into {out}: 3 in, 3 written, 0 failed, 0 duplicate(s)"
    assert sorted(_tree(out)) == ["a.dcm", "a_2.dcm", "b.dcm", "c.dcm"]
    assert pydicom.dcmread(out / "a_2.dcm").InstitutionName == "Example"
    before = _tree(out)
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith("3 in, 0 written, 0 failed, 3 duplicate(s)")
    assert _tree(out) == before
    forced = run_cli(*args, "--overwrite")
    assert forced.returncode == 0 and pydicom.dcmread(out / "a.dcm").InstitutionName == "Example"


def test_placing_never_replaces_a_name_taken_meanwhile(tmp_path: Path) -> None:
    """The name is free when the output is planned and taken when it is placed (another process)."""
    folder = OutputFolder(tmp_path)
    staged = folder.stage()
    staged.write_bytes(b"mine")
    (tmp_path / "1.2.3.dcm").write_bytes(b"theirs")
    placed = folder.place(staged, "1.2.3.dcm", "in.dcm")
    assert placed.output == tmp_path / "1.2.3_2.dcm"
    assert (tmp_path / "1.2.3.dcm").read_bytes() == b"theirs" and placed.output.read_bytes() == b"mine"
    assert not staged.exists() and folder.summary() == "1 in, 1 written, 0 failed, 0 duplicate(s)"
    # A UID's dots are not an extension; a name from a file's content cannot leave the folder.
    staged = folder.stage()
    staged.write_bytes(b"x")
    assert folder.place(staged, "../../etc/1.2.3", "x").output == tmp_path / "etc" / "1.2.3"
    staged = folder.stage()
    staged.write_bytes(b"y")
    assert folder.place(staged, "etc/1.2.3", "y").output == tmp_path / "etc" / "1.2.3_2"


def test_transcode_a_folder_into_a_folder_follows_the_same_rule(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "rle"
    out.mkdir()
    (out / "b.dcm").write_bytes(b"keep me")
    before = _tree(study)
    proc = run_cli("transcode", str(study), str(out), "--to", "rle-lossless", "--json")
    assert proc.returncode == 0, proc.stderr
    assert _tree(study) == before and (out / "b.dcm").read_bytes() == b"keep me"
    report = json.loads(proc.stdout)
    assert [(Path(r["source"]).name, r["status"], Path(r["output"]).name) for r in report] == [
        ("a.dcm", "written", "a.dcm"), ("b.dcm", "written", "b_2.dcm"), ("c.dcm", "written", "c.dcm")]
    original = pydicom.dcmread(study / "a.dcm").pixel_array
    for name in ("a.dcm", "b_2.dcm", "c.dcm"):
        ds = pydicom.dcmread(out / name)
        assert ds.file_meta.TransferSyntaxUID == pydicom.uid.RLELossless
        assert (ds.pixel_array == original).all()  # lossless, bit for bit
    again = run_cli("transcode", str(study), str(out), "--to", "rle-lossless")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"transcoded into {out}: 3 in, 0 written, 0 failed, 3 duplicate(s)"
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(sample_file("reportsi.dcm"), bad / "sr.dcm")
    proc = run_cli("transcode", str(bad), str(tmp_path / "bad-out"), "--to", "rle-lossless")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stdout.strip().endswith("1 in, 0 written, 1 failed, 0 duplicate(s)")
    assert not (tmp_path / "bad-out").exists() or not _tree(tmp_path / "bad-out")  # no output, no staging


def _stopped_run(out: Path, key: str, sources: list[Path]) -> None:
    """Place each source's bytes, then stop the way Ctrl-C does (the journal stays)."""
    with pytest.raises(KeyboardInterrupt), OutputFolder(out, journal=key) as folder:
        for src in sources:
            staged = folder.stage()
            shutil.copy(src, staged)
            folder.place(staged, src.name, str(src))
        raise KeyboardInterrupt


def test_the_journal_skips_only_unchanged_outputs_of_the_same_command(tmp_path: Path) -> None:
    sources = [sample_file(n) for n in ("CT_small.dcm", "MR_small.dcm", "rtplan.dcm")]
    out = tmp_path / "out"
    out.mkdir()
    _stopped_run(out, "key-1", sources[:2])
    journal = (out / ".dicomhelp-journal.jsonl").read_text()
    assert str(sources[0]) not in journal  # sources by hash only: a path may name the patient
    (out / "MR_small.dcm").write_bytes(b"changed since")
    with OutputFolder(out, journal="key-2") as other:  # another command: nothing of it is skipped
        assert not other.skip_done(str(sources[0]))
    with OutputFolder(out, journal="key-1") as folder:
        skipped = [s for s in sources if folder.skip_done(str(s))]
        assert skipped == sources[:1]  # the MR output is not what the journal says: done again
        for src in sources[1:]:
            staged = folder.stage()
            shutil.copy(src, staged)
            folder.place(staged, src.name, str(src))
    assert folder.summary() == "3 in, 2 written, 0 failed, 0 duplicate(s), 1 skipped (done by an earlier run)"
    assert sorted(_tree(out)) == ["CT_small.dcm", "MR_small.dcm", "MR_small_2.dcm", "rtplan.dcm"]  # no journal
