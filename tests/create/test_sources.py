"""The one source loader every creator uses, and how each `create` command reports a bad --source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dicomhelp.create.sources import load_sources, read_source
from dicomhelp.errors import InputError
from dicomhelp.samples import make_sample_study
from dicomhelp.uids import UIDPolicy

from support import assert_clean_failure, dciodvfy, run_cli


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A study folder with a stray text file and a DICOMDIR, a folder of two studies, an empty folder."""
    from pydicom.fileset import FileSet

    root = tmp_path_factory.mktemp("sources")
    make_sample_study(root / "study", uid_policy=UIDPolicy(seed="one"))
    (root / "study" / "README.txt").write_text("burnt from the CD\n")
    fs = FileSet()
    fs.add(root / "study" / "CT0001.dcm")
    fs.write(root / "cd")  # cd/DICOMDIR and cd/PT000000/.../IM000000
    make_sample_study(root / "two" / "a", slices=1, uid_policy=UIDPolicy(seed="one"))
    make_sample_study(root / "two" / "b", slices=1, uid_policy=UIDPolicy(seed="two"))
    (root / "empty").mkdir()
    (root / "notes.txt").write_text("not DICOM\n")
    return root


def test_a_folder_skips_non_dicom_files_and_the_dicomdir(place: Path) -> None:
    found = read_source([place / "study"])
    assert [i.path.name for i in found if i.path] == ["CT0001.dcm", "CT0002.dcm", "CT0003.dcm", "CT0004.dcm"]
    assert all(i.is_image and i.has_pixels and "PixelData" not in i.dataset for i in found)  # headers only
    cd = read_source([place / "cd"])
    assert len(cd) == 1 and cd[0].path is not None and cd[0].path.name == "IM000000"
    assert [int(ds.InstanceNumber) for ds in load_sources([place / "study"])] == [1, 2, 3, 4]


@pytest.mark.parametrize("name, message", [
    ("notes.txt", "not a DICOM file"),
    ("cd/DICOMDIR", "is a DICOMDIR (an index, not an instance)"),
    ("empty", "no DICOM files found in the source"),
    ("two", "belong to 2 different studies"),
])
def test_bad_sources_are_refused_naming_the_path(place: Path, name: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)) as err:
        read_source([place / name])
    assert str(place / name) in err.value.one_line() and err.value.hint


def test_priors_are_one_study_per_path(place: Path) -> None:
    both = read_source([place / "two" / "a", place / "two" / "b"], priors=True)
    assert len({str(i.dataset.StudyInstanceUID) for i in both}) == 2
    with pytest.raises(InputError, match="2 different studies"):
        read_source([place / "two"], priors=True)
    with pytest.raises(InputError, match="2 different studies"):
        read_source([place / "two" / "a", place / "two" / "b"])


def _command(kind: str, place: Path, source: Path, out: Path) -> list[str]:
    """`dicomhelp create KIND` with a valid main input, so that only --source can be wrong."""
    from dicomhelp.create.results import example_spec_path, text_pdf

    (place / "r.pdf").write_bytes(text_pdf(["hello"]))
    (place / "gsps.yaml").write_text("annotations:\n  - layer: L\n    image: 1\n    graphics:\n"
                                     "      - {type: POINT, points: [[1, 1]]}\nlayers:\n  - {name: L}\n")
    (place / "sr.yaml").write_text("observer: {device: {name: AI}}\ngroups:\n  - tracking_id: x\n    images: [1]\n"
                                   "    qualitative:\n      - {concept: 'DCM: Finding', value: 'SCT: Nodule'}\n")
    np_file = place / "f.npy"
    if not np_file.exists():
        import numpy as np

        np.save(np_file, np.zeros((1, 8, 8), np.uint8))
    main = {"sc": np_file, "pdf": place / "r.pdf", "sr": place / "sr.yaml", "gsps": place / "gsps.yaml",
            "results": example_spec_path()}[kind]
    return ["create", kind, str(main), "--source", str(source), "-o", str(out)]


@pytest.mark.parametrize("kind", ["sc", "pdf", "sr", "gsps", "results"])
@pytest.mark.parametrize("name, message", [("notes.txt", "not a DICOM file"), ("two", "2 different studies")])
def test_every_creator_refuses_a_bad_source_in_one_line(place: Path, tmp_path: Path, kind: str, name: str,
                                                        message: str) -> None:
    out = tmp_path / ("out" if kind == "results" else "out.dcm")
    proc = run_cli(*_command(kind, place, place / name, out))
    assert_clean_failure(proc, 1)
    assert message in proc.stderr and str(place / name) in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize("args", [
    ["create", "sc", "{place}/f.npy", "-o", "{place}"],
    ["create", "pdf", "{place}/r.pdf", "-o", "{place}"],
    ["extract", "{place}/doc.dcm", "-o", "{place}"],
])
def test_an_output_folder_is_a_usage_error(place: Path, args: list[str]) -> None:
    import numpy as np

    from dicomhelp.create.pdf import create_pdf
    from dicomhelp.create.results import text_pdf
    from dicomhelp.io import write_atomic

    np.save(place / "f.npy", np.zeros((1, 8, 8), np.uint8))
    (place / "r.pdf").write_bytes(text_pdf(["hello"]))
    write_atomic(create_pdf(text_pdf(["x"])), place / "doc.dcm")
    proc = run_cli(*[a.format(place=place) for a in args])
    assert_clean_failure(proc, 2)
    assert "is a directory" in proc.stderr and "internal error" not in proc.stderr


def test_a_missing_spec_names_the_file(place: Path, tmp_path: Path) -> None:
    proc = run_cli("create", "gsps", str(tmp_path / "nope.yaml"), "--source", str(place / "study"),
                   "-o", str(tmp_path / "o.dcm"))
    assert_clean_failure(proc, 2)
    assert f"{tmp_path / 'nope.yaml'}: no such spec file (check the path)" in proc.stderr
    proc = run_cli("create", "sr", str(place / "study" / "CT0001.dcm"), "--source", str(place / "study"),
                   "-o", str(tmp_path / "o.dcm"))
    assert_clean_failure(proc, 2)
    assert "CT0001.dcm: is not a text file (UTF-8) (give the YAML or JSON spec)" in proc.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("module, args, param", [
    ("create_sc", ["a.png"], "output"), ("create_pdf", ["r.pdf"], "output"), ("extract", ["d.dcm"], "output"),
    ("create_sr", ["s.yaml", "--source", "ct"], "out"), ("create_gsps", ["s.yaml", "--source", "ct"], "out"),
    ("create_results", ["s.yaml", "--source", "ct"], "out"), ("render", ["ps.dcm", "--image", "ct"], "out"),
])
def test_out_and_output_both_name_the_output(module: str, args: list[str], param: str) -> None:
    """Half the commands said --out, half --output: a newcomer's guess works either way."""
    from importlib import import_module

    command = import_module(f"dicomhelp.cli.{module}").command
    for spelling in ("-o", "--out", "--output"):
        ctx = command.make_context(module, [*args, spelling, "x.png"])
        assert ctx.params[param] == "x.png"


@pytest.mark.validators
def test_an_instance_named_twice_is_read_once(place: Path, tmp_path: Path) -> None:
    study = place / "study"
    found = read_source([study / "CT0002.dcm", study, study], priors=True)
    assert [i.path.name for i in found if i.path] == ["CT0001.dcm", "CT0002.dcm", "CT0003.dcm", "CT0004.dcm"]
    proc = run_cli("create", "sc", _npy(tmp_path), "--source", str(study / "CT0001.dcm"), "--source", str(study), "-o", str(tmp_path / "sc.dcm"))
    assert proc.returncode == 0, proc.stderr
    from pydicom import dcmread

    assert len(dcmread(tmp_path / "sc.dcm").SourceImageSequence) == 4
    assert dciodvfy(tmp_path / "sc.dcm").ok


def _npy(folder: Path) -> str:
    import numpy as np

    np.save(folder / "f.npy", np.zeros((1, 8, 8), np.uint8))
    return str(folder / "f.npy")


def test_a_copy_is_reported_and_two_objects_under_one_uid_stop(place: Path, tmp_path: Path,
                                                                capfd: pytest.CaptureFixture[str]) -> None:
    import shutil

    import pydicom

    study = tmp_path / "study"
    shutil.copytree(place / "study", study)
    shutil.copy(study / "CT0001.dcm", study / "copy.dcm")
    found = read_source([study])
    assert [i.path.name for i in found if i.path] == ["CT0001.dcm", "CT0002.dcm", "CT0003.dcm", "CT0004.dcm"]
    assert f"{study / 'copy.dcm'}: a copy of {study / 'CT0001.dcm'}" in capfd.readouterr().err
    ds = pydicom.dcmread(study / "copy.dcm")
    ds.StudyDescription = "edited copy"
    ds.save_as(study / "copy.dcm")
    with pytest.raises(InputError, match="different objects with the same SOP Instance UID") as err:
        read_source([study])
    assert str(study / "CT0001.dcm") in str(err.value) and str(study / "copy.dcm") in str(err.value)
    proc = run_cli("create", "sc", _npy(tmp_path), "--source", str(study), "-o", str(tmp_path / "sc.dcm"))
    assert_clean_failure(proc, 1)
    assert not (tmp_path / "sc.dcm").exists()
