"""`dump`, `dump --json` and `sr` over every file in pydicom's wheel and over damaged copies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dicomhelp.cli import main
from support import assert_clean_failure, dciodvfy, dcmdump, dsrdump, on_a_terminal, pydicom_test_files, run_cli

ALL_FILES = pydicom_test_files()
# Files of the wheel that are damaged or not DICOM: the only ones where `dump` exits 1.
BROKEN = {"MR_truncated.dcm", "rtplan_truncated.dcm", "no_meta.dcm", "README"}
SR_FILES = {"test-SR.dcm", "reportsi.dcm", "reportsi_with_empty_number_tags.dcm"}
CHARSET_DIR = next(p.parent for p in ALL_FILES if p.parent.name == "charset_files")
TEST_DIR = next(p.parent for p in ALL_FILES if p.name == "CT_small.dcm")


def invoke(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process exactly as the console script does (main maps the errors)."""
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        sys.stdout.flush()
        sys.stderr.flush()
    return code, out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace")


def assert_no_crash(code: int, out: str, err: str) -> None:
    assert code in (0, 1), (code, err[-2000:])
    assert "Traceback" not in err and "internal error" not in err, err[-2000:]


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_wheel_file_dumps_with_the_right_exit_code(path: Path) -> None:
    expected = 1 if path.name in BROKEN else 0
    code, out, err = invoke("dump", str(path))
    assert_no_crash(code, out, err)
    assert code == expected, err
    if expected:
        assert str(path) in err  # the problem line names the file
    else:
        assert out.strip(), "a readable file shows its elements"
    code, out, err = invoke("dump", "--json", str(path))
    assert_no_crash(code, out, err)
    assert code == expected
    if code == 0:
        assert isinstance(json.loads(out), dict)
    code, out, err = invoke("sr", str(path))
    assert_no_crash(code, out, err)
    assert code == (0 if path.name in SR_FILES else 1), err
    if code:
        assert err.count("\n") >= 1 and str(path) in err


def _damaged_copies(src: Path, out: Path) -> list[tuple[Path, str]]:
    data = src.read_bytes()
    copies = []
    for frac in (0.05, 0.3, 0.6, 0.9):
        cut = max(1, int(len(data) * frac))
        copies.append((data[:cut], f"cut{cut}"))
    copies.append((data[:-1], "cut-1"))
    for seed in range(3):
        buf = bytearray(data)
        for k in range(4):  # flip bytes in the header region (where element headers are)
            i = 132 + ((seed * 7919 + k * 104729) % max(1, min(len(buf), 2000) - 132))
            buf[i] ^= 0xFF
        copies.append((bytes(buf), f"flip{seed}"))
    paths = []
    for blob, tag in copies:
        p = out / f"{src.stem}.{tag}.dcm"
        p.write_bytes(blob)
        paths.append((p, tag))
    return paths


DAMAGE_SOURCES = ["CT_small.dcm", "MR_small_RLE.dcm", "test-SR.dcm", "rtplan.dcm", "JPEG2000.dcm",
                  "SC_rgb_rle_2frame.dcm", "UN_sequence.dcm", "nested_priv_SQ.dcm", "image_dfl.dcm",
                  "ExplVR_BigEnd.dcm", "reportsi.dcm", "liver_1frame.dcm", "waveform_ecg.dcm"]


@pytest.mark.parametrize("name", DAMAGE_SOURCES)
def test_damaged_copies_never_crash(name: str, tmp_path: Path) -> None:
    src = TEST_DIR / name
    if not src.exists():
        pytest.skip(f"{name} is not in this pydicom wheel")
    for path, tag in _damaged_copies(src, tmp_path):
        for args in (("dump",), ("dump", "--json"), ("sr",)):
            code, out, err = invoke(*args, str(path))
            assert_no_crash(code, out, err)
            if code:
                assert str(path) in err, (tag, err)
        if tag == "cut-1" and name != "image_dfl.dcm":
            code, out, err = invoke("dump", str(path))
            assert code == 1 and "cut short" in err, (tag, err)


def test_truncated_pixel_data_still_shows_the_header(tmp_path: Path) -> None:
    data = (TEST_DIR / "CT_small.dcm").read_bytes()
    path = tmp_path / "ct-cut.dcm"
    path.write_bytes(data[: len(data) // 2])
    code, out, err = invoke("dump", str(path))
    assert code == 1
    assert "PatientName" in out and "CompressedSamples^CT1" in out
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "cut short" in lines[0] and "(7FE0,0010)" in lines[0]


def test_truncated_sequence_drops_the_partial_element(tmp_path: Path) -> None:
    data = (TEST_DIR / "rtplan.dcm").read_bytes()
    path = tmp_path / "plan-cut.dcm"
    path.write_bytes(data[:2000])
    code, out, err = invoke("dump", str(path))
    assert code == 1 and "cut short" in err
    assert "RTPlanLabel" in out  # elements before the damage are shown


def test_directory_with_bad_files_dumps_the_others(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not DICOM at all\n" * 30)
    (tmp_path / "a.dcm").write_bytes((TEST_DIR / "CT_small.dcm").read_bytes())
    (tmp_path / "b.dcm").write_bytes((TEST_DIR / "MR_small.dcm").read_bytes()[:3000])
    code, out, err = invoke("dump", str(tmp_path))
    assert code == 1
    assert f"# {tmp_path / 'a.dcm'}" in out and f"# {tmp_path / 'b.dcm'}" in out
    assert "notes.txt" in err and "not a DICOM file" in err
    assert len([ln for ln in err.splitlines() if ln.strip()]) == 2  # one line per bad file


def test_missing_file_is_a_usage_error() -> None:
    code, out, err = invoke("dump", "/no/such/file.dcm")
    assert code == 2 and "no such file" in err and not out


def test_deeply_nested_sequences_are_reported_not_crashed(tmp_path: Path) -> None:
    import struct

    depth = 400  # far beyond pydicom's recursion limit
    body = b""
    for _ in range(depth):  # implicit VR little endian, undefined lengths
        body = (struct.pack("<HHL", 0x0008, 0x1115, 0xFFFFFFFF) + struct.pack("<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF)
                + body + struct.pack("<HHL", 0xFFFE, 0xE00D, 0) + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))
    name = b"Deep^Nest"
    data = struct.pack("<HHL", 0x0010, 0x0010, len(name) + 1) + name + b" " + body
    path = tmp_path / "deep.dcm"
    path.write_bytes(data)
    code, out, err = invoke("dump", str(path))
    assert code == 1 and "nested more than" in err and "Traceback" not in err
    assert "Deep^Nest" in out


@pytest.mark.parametrize("name,expected", [
    ("chrGerm.dcm", "Äneas^Rüdiger"),
    ("chrRuss.dcm", "Люкceмбypг"),
    ("chrGreek.dcm", "Διονυσιος"),
    ("chrH31.dcm", "Yamada^Tarou=山田^太郎=やまだ^たろう"),
    ("chrI2.dcm", "Hong^Gildong=洪^吉洞=홍^길동"),
    ("chrX2.dcm", "Wang^XiaoDong=王^小东"),
    ("chrArab.dcm", "قباني^لنزار"),
])
def test_character_sets_are_decoded_in_text_and_json(name: str, expected: str) -> None:
    path = CHARSET_DIR / name
    code, out, _ = invoke("dump", str(path))
    assert code == 0
    line = next(ln for ln in out.splitlines() if "PatientName" in ln)
    assert line.endswith(expected)
    code, out, _ = invoke("dump", "--json", str(path))
    data = json.loads(out)
    assert "=".join(v for v in data["00100010"]["Value"][0].values()) == expected


def test_options_depth_filter_paths_no_meta_no_private() -> None:
    sr = str(TEST_DIR / "test-SR.dcm")
    _, out, _ = invoke("dump", sr, "--depth", "0")
    assert "ContentSequence(5)" in out and "1.1 -----" not in out
    _, out, _ = invoke("dump", sr, "--filter", "TextValue", "--paths")
    lines = out.splitlines()
    assert lines[0].startswith("SQ (0040, a730) ContentSequence(5)")
    assert any(ln.endswith("# ContentSequence[1].ContentSequence[0].TextValue") for ln in lines)
    assert all("CodeMeaning" not in ln for ln in lines)
    ct = str(TEST_DIR / "CT_small.dcm")
    _, out, _ = invoke("dump", ct, "--no-meta", "--no-private")
    assert "(0002," not in out and "[GEMS_" not in out and "PatientName" in out
    _, out, _ = invoke("dump", ct, "--filter", "0010,0010")
    assert out.splitlines() == ["PN (0010, 0010) PatientName                                     CompressedSamples^CT1"]
    _, out, _ = invoke("dump", ct, "--max-value-length", "5", "--filter", "PatientName")
    assert out.strip().endswith("Compr... (21 chars)")


def test_private_elements_show_creator_and_name() -> None:
    _, out, _ = invoke("dump", str(TEST_DIR / "CT_small.dcm"))
    assert "LO (0009, 0010) PrivateCreator                                  GEMS_IDEN_01" in out
    assert "SH (0009, 1002) [GEMS_IDEN_01] Suite id                         CT01" in out


def test_pixel_data_summary_line() -> None:
    _, out, _ = invoke("dump", str(TEST_DIR / "MR_small_RLE.dcm"))
    line = next(ln for ln in out.splitlines() if "(7fe0, 0010)" in ln)
    assert "64 x 64 x 1 frame, 16 bits allocated, MONOCHROME2, RLE Lossless, encapsulated: 1 fragment" in line
    assert "(not loaded)" in line
    _, out, _ = invoke("dump", str(TEST_DIR / "SC_rgb_rle_2frame.dcm"))
    line = next(ln for ln in out.splitlines() if "(7fe0, 0010)" in ln)
    assert "100 x 100 x 2 frames" in line and "RGB (3 samples)" in line and "2 fragments" in line


def test_sr_view_lines() -> None:
    code, out, _ = invoke("sr", str(TEST_DIR / "test-SR.dcm"))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Comprehensive SR Storage (COMPLETE, VERIFIED)"
    assert lines[1] == "1  CONTAINER  Diagnosis"
    assert "  1.2.2  CONTAINS  NUM  Diameter = 3 Length Unit" in lines
    assert "    1.2.1.1  HAS CONCEPT MOD  CODE  Code = Sample Code 1 (2222, 99_OFFIS_DCMTK)" in lines
    assert "  1.3.2  HAS PROPERTIES  SCOORD  SCoord Code = CIRCLE, 2 points" in lines
    assert "    1.3.3.1  SELECTED FROM  -> 1.3.2 (by reference)" in lines
    assert "1.5  CONTAINS  IMAGE  (no concept name) = CT Image Storage 1.2.3.4.5.0 frames 5,2" in lines
    code, out, _ = invoke("sr", "--json", str(TEST_DIR / "test-SR.dcm"))
    items = json.loads(out)["items"]
    assert items[0]["position"] == "1" and items[-1]["position"] == "1.5.2.2"
    assert {"position", "path", "relationship", "value_type", "concept", "value"} <= set(items[1])


def test_sr_view_agrees_with_dsrdump() -> None:
    path = TEST_DIR / "test-SR.dcm"
    verdict = dsrdump(path)
    assert verdict.ok, verdict
    code, out, _ = invoke("sr", str(path))
    assert code == 0
    # dsrdump prints one line per content item, "<relationship VALUE TYPE:...>", indented by depth.
    theirs = [ln for ln in verdict.output.splitlines() if ln.lstrip().startswith("<")]
    ours = out.splitlines()[1:]
    assert len(ours) == len(theirs)
    for mine, their in zip(ours, theirs):
        assert len(mine) - len(mine.lstrip()) == max(len(their) - len(their.lstrip()) - 2, 0)
        target = their.strip().rstrip(">").split(" ")[-1]
        if "(by reference)" in mine:
            assert f"-> {target} (by reference)" in mine


def test_dump_json_round_trips_through_pydicom() -> None:
    from pydicom import Dataset

    from dicomhelp.io import read_file

    path = TEST_DIR / "test-SR.dcm"
    code, out, _ = invoke("dump", "--json", str(path))
    assert code == 0
    back = Dataset.from_json(out)
    original = read_file(path).dataset
    assert back == original  # no bulk data in this file: everything comes back


# A few true subprocess runs: the console entry point, exit codes and stderr as a user sees them.

def test_subprocess_dump_and_sr() -> None:
    proc = run_cli("dump", str(TEST_DIR / "CT_small.dcm"))
    assert proc.returncode == 0 and "PatientName" in proc.stdout and not proc.stderr
    proc = run_cli("sr", str(TEST_DIR / "test-SR.dcm"))
    assert proc.returncode == 0 and proc.stdout.startswith("Comprehensive SR Storage")


def test_subprocess_failures_are_one_line(tmp_path: Path) -> None:
    proc = run_cli("dump", str(tmp_path / "missing.dcm"))
    assert_clean_failure(proc, 2)
    bad = tmp_path / "bad.dcm"
    bad.write_bytes((TEST_DIR / "MR_small.dcm").read_bytes()[:-100])
    proc = run_cli("dump", str(bad))
    assert_clean_failure(proc, 1)
    assert len(proc.stderr.strip().splitlines()) == 1 and str(bad) in proc.stderr
    proc = run_cli("sr", str(TEST_DIR / "CT_small.dcm"))
    assert_clean_failure(proc, 1)


def test_help_does_not_import_pydicom() -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "dicomhelp", "--help"],
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0 and "dump" in proc.stdout
    imported = [ln.rsplit("|", 1)[-1].strip() for ln in proc.stderr.splitlines() if "|" in ln]
    assert "pydicom" not in imported and "numpy" not in imported and "rich" not in imported
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "dicomhelp", "dump",
                           str(TEST_DIR / "CT_small.dcm")], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"})
    imported = {ln.rsplit("|", 1)[-1].strip() for ln in proc.stderr.splitlines() if "|" in ln}
    assert "pydicom" in imported
    # numpy and PIL come with `import pydicom` itself; nothing heavier may come from us.
    assert not {"rich", "highdicom", "click.testing"} & imported


def test_colour_only_on_a_terminal(tmp_path: Path) -> None:
    proc = run_cli("dump", str(TEST_DIR / "CT_small.dcm"))
    assert "\x1b[" not in proc.stdout
    shown = on_a_terminal("dump", "--filter", "PatientName", str(TEST_DIR / "CT_small.dcm"), env={"NO_COLOR": ""})
    assert "\x1b[" in shown


def test_dump_agrees_with_dcmdump_on_the_top_level_elements() -> None:
    import re

    for name in ("CT_small.dcm", "rtplan.dcm", "MR_small_RLE.dcm"):
        path = TEST_DIR / name
        verdict = dcmdump(path)
        assert verdict.ok, verdict
        # Top-level elements only: dcmdump indents nested ones, we indent after the tag column.
        theirs = {m.group(1) + m.group(2) for m in re.finditer(r"^\(([0-9a-f]{4}),([0-9a-f]{4})\)", verdict.output, re.M)
                  if m.group(1) != "fffe"}
        _, out, _ = invoke("dump", str(path))
        ours = {ln[4:8] + ln[10:14] for ln in out.splitlines() if ln[2:4] == " (" and ln[16:17] != " "}
        assert theirs == ours, (name, theirs ^ ours)


def test_tour_writes_a_self_contained_study_and_shows_dump_and_sr(tmp_path: Path) -> None:
    from pydicom import dcmread

    cwd = tmp_path / "cwd"
    cwd.mkdir()
    proc = run_cli("tour", "--out", str(tmp_path / "t1"), cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    assert not list(cwd.iterdir())  # everything goes under --out
    headings = [ln for ln in proc.stdout.splitlines() if ln.startswith("== ")]
    assert headings[:3] == ["== 1. Copy the sample study (fresh UIDs each run) ==",
                            "== 2. dump: what is inside a CT image ==",
                            "== 3. sr: the content tree of a Structured Report =="]
    assert "SQ (0040, a730) ContentSequence" not in proc.stdout  # the SR is shown as a tree, not dumped
    assert "1.2.2  CONTAINS  NUM  Diameter = 3 Length Unit" in proc.stdout
    assert "PN (0010, 0010) PatientName" in proc.stdout
    study = sorted((tmp_path / "t1" / "study").glob("*.dcm"))
    assert len(study) >= 2
    verdict = dciodvfy(study[0])
    assert verdict.ok, verdict
    # A second run gives the copy fresh UIDs: the folders are two studies, not one twice.
    run_cli("tour", "--out", str(tmp_path / "t2"))
    again = sorted((tmp_path / "t2" / "study").glob("*.dcm"))
    assert dcmread(study[0]).StudyInstanceUID != dcmread(again[0]).StudyInstanceUID


def test_tour_output_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, out, err = invoke("tour", "--out", str(blocker / "t"))
    assert code == 2 and out == ""
    assert err.startswith(f"dicomhelp: error: {blocker / 't'}: cannot create the output folder: ")
    assert len(err.strip().splitlines()) == 1


def test_tour_steps_are_extensible(tmp_path: Path) -> None:
    from dicomhelp.tour import STEPS, Step, run_tour

    seen: list[str] = []
    extra = Step("A later feature", lambda ctx: ctx.echo(f"study has {len(ctx.study)} images"))
    ctx = run_tour(tmp_path, echo=seen.append, steps=[STEPS[0], extra])
    assert "== 2. A later feature ==" in seen and f"study has {len(ctx.study)} images" in seen


def test_big_batches_are_dumped_in_order_on_every_core(tmp_path: Path) -> None:
    from dicomhelp.cli.dump import PARALLEL_MIN_FILES

    src = (TEST_DIR / "MR_small.dcm").read_bytes()
    names = []
    for i in range(PARALLEL_MIN_FILES + 6):
        name = f"IM{i:03d}.dcm"
        (tmp_path / name).write_bytes(src if i != 40 else src[:1000])  # one damaged file in the middle
        names.append(name)
    code, out, err = invoke("dump", str(tmp_path), "--filter", "PatientName")
    assert code == 1
    headers = [ln[2:] for ln in out.splitlines() if ln.startswith("# ")]
    assert headers == [str(tmp_path / n) for n in names]
    assert out.count("PN (0010, 0010) PatientName") == len(names)  # the cut file still shows it
    assert [ln for ln in err.splitlines() if ln.strip()] == [
        f"dicomhelp: {tmp_path / 'IM040.dcm'}: the file is cut short (1000 bytes) in the value of (0018,5100) "
        "(4 bytes declared, 0 present): that element and what follows are missing"]


def test_unknown_vr_bytes_are_shown_raw_with_a_problem(tmp_path: Path) -> None:
    data = bytearray((TEST_DIR / "CT_small.dcm").read_bytes())
    at = data.index(b"\x18\x00\x50\x00DS")  # SliceThickness (0018,0050), explicit VR little endian
    data[at + 5] = 0xB0  # VR "D\xb0": not a VR at all
    path = tmp_path / "badvr.dcm"
    path.write_bytes(bytes(data))
    code, out, err = invoke("dump", str(path))
    assert_no_crash(code, out, err)
    line = next(ln for ln in out.splitlines() if "(0018, 0050)" in ln)
    assert "!! value cannot be decoded" in line
    assert "PatientName" in out and "(7fe0, 0010)" in out  # the rest is still shown
    code, out, err = invoke("dump", "--json", str(path))
    assert_no_crash(code, out, err)
    assert "SliceThickness" in err and "00100010" in json.loads(out)


def test_explain_adds_what_each_element_means() -> None:
    code, out, err = invoke("dump", "--explain", "--filter", "PatientName", str(TEST_DIR / "CT_small.dcm"))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("PN (0010, 0010) PatientName")
    assert lines[1].startswith(" " * 16 + "  -> ") and "Patient's Name" in lines[1]


def test_explain_without_the_knowledge_layer_is_a_one_line_usage_error(monkeypatch) -> None:
    from dicomhelp.cli import dump

    dump._explainer.cache_clear()
    monkeypatch.setitem(sys.modules, "dicomhelp.standard", None)  # as if the package were missing
    try:
        code, out, err = invoke("dump", "--explain", str(TEST_DIR / "CT_small.dcm"))
    finally:
        dump._explainer.cache_clear()
    assert code == 2 and not out
    assert [ln for ln in err.splitlines() if ln] == [
        "dicomhelp: error: --explain needs the standard knowledge layer (dicomhelp.standard), "
        "which is not available in this installation"]


def test_several_problems_of_one_file_are_one_line(tmp_path: Path) -> None:
    data = (TEST_DIR / "ExplVR_LitEndNoMeta.dcm").read_bytes()
    path = tmp_path / "raw-cut.dcm"
    path.write_bytes(data[: len(data) - 7])  # no preamble, and cut short
    code, out, err = invoke("dump", str(path))
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "no 128-byte preamble" in lines[0] and "cut short" in lines[0]


def test_a_filter_that_matches_nothing_says_so(tmp_path: Path) -> None:
    code, out, err = invoke("dump", str(TEST_DIR / "CT_small.dcm"), "--filter", "NoSuchThing")
    assert code == 0 and out == ""
    assert err.strip() == (f"dicomhelp: {TEST_DIR / 'CT_small.dcm'}: no element matches --filter 'NoSuchThing' "
                           "(it looks in keywords, names and tags)")
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("CT_small.dcm", "MR_small.dcm"):
        (folder / name).write_bytes((TEST_DIR / name).read_bytes())
    code, out, err = invoke("dump", str(folder), "--filter", "NoSuchThing")
    assert code == 0 and err.strip().splitlines() == [
        f"dicomhelp: {folder}: no element matches --filter 'NoSuchThing' (it looks in keywords, names and tags)"
        " in any file"]
    code, out, err = invoke("dump", str(folder), "--filter", "Rows")
    assert code == 0 and err == "" and out.count("Rows") == 2


def test_sr_of_a_folder_shows_its_reports_and_json_is_always_json(tmp_path: Path) -> None:
    (tmp_path / "ct.dcm").write_bytes((TEST_DIR / "CT_small.dcm").read_bytes())
    (tmp_path / "sr.dcm").write_bytes((TEST_DIR / "test-SR.dcm").read_bytes())
    code, out, err = invoke("sr", str(tmp_path), "--json")
    assert code == 0 and err == "", "in a folder the files that are not SRs are passed over"
    assert list(json.loads(out)) == [str(tmp_path / "sr.dcm")]
    code, out, err = invoke("sr", str(tmp_path / "ct.dcm"), "--json")
    assert code == 1 and "ct.dcm: not a Structured Report" in err and out == ""
    (tmp_path / "sr.dcm").unlink()
    code, out, err = invoke("sr", str(tmp_path), "--json")
    assert code == 1 and json.loads(out) == {}
    assert err.strip() == f"dicomhelp: {tmp_path}: no Structured Report found (other files are passed over)"
