"""The validator's rules on real files and on mutants of them: each finding where it belongs."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest
from pydicom import Dataset
from pydicom.sequence import Sequence

from dicomhelp.io import sample_file
from dicomhelp.validate import Severity, validate_file
from dicomhelp.validate.report import finding_line

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import dciodvfy  # noqa: E402


def rules(report: object) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in report.findings:  # type: ignore[attr-defined]
        out.setdefault(f.rule, []).append(f)
    return out


def errors(report: object) -> list:
    return [f for f in report.findings if f.severity is Severity.ERROR]  # type: ignore[attr-defined]


# --- files that are fine --------------------------------------------------------------------

def test_the_sample_study_is_valid_and_dciodvfy_agrees(sample_study: list[Path]) -> None:
    for path in sample_study:
        report = validate_file(path)
        assert report.ok, [finding_line(f) for f in report.findings]
        assert report.iod == "ct-image" and report.sop_class_name == "CT Image Storage"
        assert dciodvfy(path).ok


def test_ct_small_has_no_error() -> None:
    report = validate_file(sample_file("CT_small.dcm"))
    assert report.ok, [finding_line(f) for f in report.findings]


# --- Part 10 encoding -----------------------------------------------------------------------

def test_media_storage_uid_mismatch(mutate) -> None:
    path = mutate("CT_small.dcm", lambda d: setattr(d.file_meta, "MediaStorageSOPInstanceUID", "1.2.3.4"))
    found = rules(validate_file(path))["encoding.meta-mismatch"]
    f = found[0]
    assert f.keyword == "MediaStorageSOPInstanceUID" and f.tag == 0x00020003
    assert "1.2.3.4" in f.message and f.fix and str(f.reference).startswith("PS3.10")


def test_no_preamble_is_reported(tmp_path: Path) -> None:
    raw = sample_file("CT_small.dcm").read_bytes()
    path = tmp_path / "nopreamble.dcm"
    path.write_bytes(raw[132:])  # meta + dataset without preamble/DICM
    found = rules(validate_file(path))
    assert "encoding.no-preamble" in found


def test_wrong_meta_group_length(tmp_path: Path) -> None:
    raw = bytearray(sample_file("CT_small.dcm").read_bytes())
    assert raw[132:136] == b"\x02\x00\x00\x00"  # (0002,0000) UL 4
    declared = struct.unpack("<L", raw[140:144])[0]
    raw[140:144] = struct.pack("<L", declared + 2)
    path = tmp_path / "grouplength.dcm"
    path.write_bytes(bytes(raw))
    f = rules(validate_file(path))["encoding.meta-group-length"][0]
    assert str(declared + 2) in f.message and f.fix == f"set it to {declared}"


def test_transfer_syntax_not_matching_the_encoding(tmp_path: Path) -> None:
    """An Implicit VR data set behind a meta group that says Explicit VR Little Endian."""
    from pydicom import dcmread
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_file_meta_info

    ds = dcmread(sample_file("CT_small.dcm"))
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2"
    implicit = tmp_path / "implicit.dcm"
    ds.save_as(implicit, enforce_file_format=True)
    raw = implicit.read_bytes()
    body = raw[144 + struct.unpack("<L", raw[140:144])[0]:]
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    meta = DicomBytesIO()
    meta.is_little_endian, meta.is_implicit_VR = True, False
    write_file_meta_info(meta, ds.file_meta, enforce_standard=True)
    path = tmp_path / "mislabelled.dcm"
    path.write_bytes(raw[:132] + meta.getvalue() + body)
    f = rules(validate_file(path))["encoding.ts-mismatch"][0]
    assert "Implicit VR Little Endian" in f.message and f.keyword == "TransferSyntaxUID"
    assert "encoding.ts-mismatch" not in rules(validate_file(implicit))


def test_odd_length_value(tmp_path: Path, mutate) -> None:
    path = mutate("CT_small.dcm", lambda d: setattr(d, "StationName", "ABCD"))
    raw = bytearray(path.read_bytes())
    # StationName (0008,1010) SH length 4 -> 3, and drop one byte of the value.
    header = b"\x08\x00\x10\x10SH\x04\x00ABCD"
    at = raw.index(header)
    raw[at:at + len(header)] = b"\x08\x00\x10\x10SH\x03\x00ABC"
    path.write_bytes(bytes(raw))
    found = rules(validate_file(path))["encoding.odd-length"]
    assert found[0].keyword == "StationName"


# --- values -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("keyword", "value", "rule"),
    [
        ("StudyDate", "2020-1-1", "values.da"),
        ("StudyDate", "20201341", "values.da"),
        ("StudyTime", "25", "values.tm"),
        ("PatientAge", "45Y", "values.as"),
        ("InstanceNumber", "1.5", "values.is"),
        ("SliceThickness", "12345678.123456789", "values.ds"),
        ("SeriesInstanceUID", "1.2.03.4", "values.ui"),
        ("SeriesInstanceUID", "9.8.7.6", "values.ui"),
        ("Modality", "ct", "values.cs"),
        ("PatientName", "a^b^c^d^e^f", "values.pn"),
        ("StationName", "X" * 20, "values.sh"),
    ],
)
def test_value_formats(mutate, keyword: str, value: str, rule: str) -> None:
    path = mutate("CT_small.dcm", lambda d: setattr(d, keyword, value))
    report = validate_file(path)
    found = rules(report).get(rule, [])
    assert any(f.keyword == keyword and f.path == keyword for f in found), [finding_line(f) for f in report.findings]
    assert all(f.severity is Severity.ERROR and f.fix for f in found)


def test_value_multiplicity(mutate) -> None:
    path = mutate("CT_small.dcm", lambda d: setattr(d, "PixelSpacing", [0.5, 0.5, 0.5]))
    f = rules(validate_file(path))["values.vm"][0]
    assert f.keyword == "PixelSpacing" and "VM 2" in f.message


def test_nested_value_is_reported_at_its_path(mutate) -> None:
    def change(d: Dataset) -> None:
        item = Dataset()
        item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        item.ReferencedSOPInstanceUID = "1.2.3.04"
        d.ReferencedImageSequence = Sequence([Dataset(), item])

    f = rules(validate_file(mutate("CT_small.dcm", change)))["values.ui"][0]
    assert f.path == "ReferencedImageSequence[1].ReferencedSOPInstanceUID"


# --- the IOD -----------------------------------------------------------------------------------

def test_type1_missing_and_empty_type2_missing(mutate) -> None:
    report = validate_file(mutate("CT_small.dcm", lambda d: (delattr(d, "SeriesInstanceUID"),
                                                              setattr(d, "Modality", ""),
                                                              delattr(d, "PatientName"))))
    found = rules(report)
    missing = found["iod.type1-missing"][0]
    assert missing.keyword == "SeriesInstanceUID" and "General Series" in str(missing.reference)
    assert "Table C.7-5a" in str(missing.reference) and "PS3.5 7.4" in str(missing.reference)
    assert found["iod.type1-empty"][0].keyword == "Modality"
    assert found["iod.type1-empty"][0].fix.startswith("give Modality a value")
    assert found["iod.type2-missing"][0].keyword == "PatientName"
    assert not report.ok


def test_enumerated_value(mutate) -> None:
    f = rules(validate_file(mutate("CT_small.dcm", lambda d: setattr(d, "PatientSex", "X"))))["iod.enumerated"][0]
    assert f.keyword == "PatientSex" and "M" in f.fix and "F" in f.fix and "O" in f.fix


def test_mandatory_module_dropped(mutate) -> None:
    def drop(d: Dataset) -> None:
        del d.FrameOfReferenceUID
        del d.PositionReferenceIndicator

    found = rules(validate_file(mutate("CT_small.dcm", drop)))
    assert "Frame of Reference" in found["iod.module-missing"][0].message
    assert {f.keyword for f in found["iod.type1-missing"]} >= {"FrameOfReferenceUID"}


def test_conditions_laterality_for_paired_body_parts(mutate) -> None:
    paired = validate_file(mutate("CT_small.dcm", lambda d: (setattr(d, "BodyPartExamined", "BREAST"),
                                                              delattr(d, "Laterality"))))
    f = rules(paired)["iod.type2c-missing"][0]
    assert f.keyword == "Laterality" and "paired" in str(f.reference)
    unpaired = validate_file(mutate("CT_small.dcm", lambda d: (setattr(d, "BodyPartExamined", "CHEST"),
                                                                delattr(d, "Laterality"))))
    assert "iod.type2c-missing" not in rules(unpaired)
    with_image_laterality = validate_file(mutate("CT_small.dcm", lambda d: (
        setattr(d, "BodyPartExamined", "BREAST"), delattr(d, "Laterality"), setattr(d, "ImageLaterality", "L"))))
    assert not any(f.keyword == "Laterality" for f in errors(with_image_laterality))


def test_conditions_patient_identity_removed(mutate) -> None:
    report = validate_file(mutate("CT_small.dcm", lambda d: setattr(d, "PatientIdentityRemoved", "YES")))
    assert {f.keyword for f in rules(report)["iod.type1c-missing"]} == {"DeidentificationMethod",
                                                                        "DeidentificationMethodCodeSequence"}
    fixed = validate_file(mutate("CT_small.dcm", lambda d: (setattr(d, "PatientIdentityRemoved", "YES"),
                                                             setattr(d, "DeidentificationMethod", "dicomhelp"))))
    assert "iod.type1c-missing" not in rules(fixed)


def test_conditions_planar_configuration(mutate) -> None:
    report = validate_file(mutate("SC_rgb.dcm" if False else "SC_rgb_small_odd.dcm",
                                  lambda d: delattr(d, "PlanarConfiguration")))
    assert any(f.keyword == "PlanarConfiguration" for f in rules(report)["iod.type1c-missing"])


def test_attribute_outside_the_iod_is_info(mutate) -> None:
    report = validate_file(mutate("CT_small.dcm", lambda d: setattr(d, "ConversionType", "WSD")))
    f = rules(report)["iod.not-in-iod"]
    assert any(x.keyword == "ConversionType" and x.severity is Severity.INFO for x in f)
    assert report.ok


def test_multi_frame_in_single_frame_iod(mutate) -> None:
    report = validate_file(sample_file("SC_rgb_rle_2frame.dcm"))
    assert rules(report)["iod.single-frame"][0].keyword == "NumberOfFrames"


# --- SR ----------------------------------------------------------------------------------------

def _num_with_uidref(d: Dataset) -> None:
    d.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.22"  # Enhanced SR
    d.file_meta.MediaStorageSOPClassUID = d.SOPClassUID
    num = next(i for i in _walk(d) if i.ValueType == "NUM")
    uid = Dataset()
    uid.RelationshipType = "HAS OBS CONTEXT"
    uid.ValueType = "UIDREF"
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "112040", "DCM", "Tracking Unique Identifier"
    uid.ConceptNameCodeSequence = Sequence([code])
    uid.UID = "1.2.3.4"
    num.ContentSequence = Sequence([uid])


def _walk(d: Dataset):
    for item in d.get("ContentSequence", []):
        yield item
        yield from _walk(item)


def test_sr_relationship_constraints_enhanced_sr(mutate) -> None:
    report = validate_file(mutate("test-SR.dcm", _num_with_uidref))
    found = rules(report)["sr.relationship-not-allowed"]
    f = found[0]
    assert "UIDREF" in f.message and "NUM" in f.message
    assert f.sr_position and f.sr_position.startswith("1.") and f.path.startswith("ContentSequence[")


def test_values_inside_the_content_tree_carry_the_sr_position(mutate) -> None:
    def bad_date(d: Dataset) -> None:
        item = d.ContentSequence[1]
        item.ObservationDateTime = "2020-01-01"

    f = rules(validate_file(mutate("test-SR.dcm", bad_date)))["values.dt"][0]
    assert f.path == "ContentSequence[1].ObservationDateTime" and f.sr_position == "1.2"


def test_sr_items_are_checked_with_positions(mutate) -> None:
    def break_text(d: Dataset) -> None:
        text = next(i for i in _walk(d) if i.ValueType == "TEXT")
        del text.TextValue

    f = rules(validate_file(mutate("test-SR.dcm", break_text)))["sr.value-missing"][0]
    assert f.keyword == "TextValue" and f.sr_position.count(".") >= 1 and f.path.endswith(".TextValue")


# --- presentation states ------------------------------------------------------------------------

def _gsps(tmp_path: Path, layer_defined: bool, image_uid: str) -> Path:
    from dicomhelp.uids import UIDPolicy

    uid = UIDPolicy.from_env().new
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.11.1"
    ds.SOPInstanceUID = uid("ps")
    ds.Modality = "PR"
    series = Dataset()
    series.SeriesInstanceUID = "1.2.3"
    image = Dataset()
    image.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    image.ReferencedSOPInstanceUID = "1.2.3.1"
    series.ReferencedImageSequence = Sequence([image])
    ds.ReferencedSeriesSequence = Sequence([series])
    layer = Dataset()
    layer.GraphicLayer = "FINDINGS"
    layer.GraphicLayerOrder = 1
    ds.GraphicLayerSequence = Sequence([layer] if layer_defined else [])
    annotation = Dataset()
    annotation.GraphicLayer = "FINDINGS"
    ref = Dataset()
    ref.ReferencedSOPClassUID = image.ReferencedSOPClassUID
    ref.ReferencedSOPInstanceUID = image_uid
    annotation.ReferencedImageSequence = Sequence([ref])
    ds.GraphicAnnotationSequence = Sequence([annotation])
    ds.file_meta = Dataset()
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    path = tmp_path / f"ps_{layer_defined}_{image_uid}.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path


def test_presentation_state_layers_and_images(tmp_path: Path) -> None:
    good = rules(validate_file(_gsps(tmp_path, True, "1.2.3.1")))
    assert "pstate.layer-undefined" not in good and "pstate.image-not-in-series" not in good
    bad = rules(validate_file(_gsps(tmp_path, False, "1.2.3.9")))
    layer = bad["pstate.layer-undefined"][0]
    assert layer.path == "GraphicAnnotationSequence[0].GraphicLayer" and "FINDINGS" in layer.fix
    image = bad["pstate.image-not-in-series"][0]
    assert image.path == "GraphicAnnotationSequence[0].ReferencedImageSequence[0].ReferencedSOPInstanceUID"


# --- bad input ----------------------------------------------------------------------------------

def test_bad_input_becomes_one_finding(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not DICOM at all\n" * 20)
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    for path in (text, empty, sample_file("rtplan_truncated.dcm")):
        report = validate_file(path)
        assert not report.ok
        assert report.findings[0].rule.startswith(("file.", "encoding.")), report.findings
    truncated = rules(validate_file(sample_file("MR_truncated.dcm")))["file.truncated"][0]
    assert "cut short" in truncated.message and truncated.severity is Severity.ERROR


def test_unknown_private_sop_class(mutate) -> None:
    report = validate_file(mutate("CT_small.dcm", lambda d: (setattr(d, "SOPClassUID", "1.3.6.1.4.1.9590.1.2"),
                                                              setattr(d.file_meta, "MediaStorageSOPClassUID",
                                                                      "1.3.6.1.4.1.9590.1.2"))))
    f = rules(report)["iod.unknown"][0]
    assert "not a standard SOP class" in f.message and f.severity is Severity.WARNING


def test_very_deep_sequences(tmp_path: Path, mutate) -> None:
    def deepen(d: Dataset) -> None:
        inner = Dataset()
        inner.CodeMeaning = "bottom"
        for _ in range(60):
            outer = Dataset()
            outer.ContentSequence = Sequence([inner])
            inner = outer
        d.ContentSequence = inner.ContentSequence

    report = validate_file(mutate("CT_small.dcm", deepen))
    assert "file.too-deep" in rules(report)


# --- the tables behind the rules ----------------------------------------------------------------

def test_highdicom_fallback_answers_with_the_same_contract(monkeypatch, sample_study: list[Path], mutate) -> None:
    """Without the knowledge layer the validator runs on highdicom's tables (no enumerated values)."""
    from dicomhelp.validate import tables as tables_module
    from dicomhelp.validate.rules import iod

    fallback = tables_module.HighdicomTables()
    monkeypatch.setattr(tables_module, "tables", lambda: fallback)
    monkeypatch.setattr(iod, "_PLANS", {})
    ct = fallback.iod_for_sop_class("1.2.840.10008.5.1.4.1.1.2")
    usage = {m.module_id: m.usage for m in ct.modules}
    assert usage["patient"] == "M" and usage["contrast-bolus"] == "C" and usage["clinical-trial-subject"] == "U"
    assert validate_file(sample_study[0]).ok
    broken = validate_file(mutate("CT_small.dcm", lambda d: delattr(d, "PatientName")))
    assert rules(broken)["iod.type2-missing"][0].keyword == "PatientName"


def test_conditions_sr_flags_and_multi_frame(mutate) -> None:
    verified = validate_file(mutate("test-SR.dcm", lambda d: delattr(d, "VerifyingObserverSequence")))
    assert rules(verified)["iod.type1c-missing"][0].keyword == "VerifyingObserverSequence"
    unverified = validate_file(mutate("test-SR.dcm", lambda d: (delattr(d, "VerifyingObserverSequence"),
                                                                 setattr(d, "VerificationFlag", "UNVERIFIED"))))
    assert "iod.type1c-missing" not in rules(unverified)
    frames = validate_file(mutate("rtdose.dcm", lambda d: delattr(d, "FrameIncrementPointer")))
    assert any(f.keyword == "FrameIncrementPointer" for f in errors(frames))
