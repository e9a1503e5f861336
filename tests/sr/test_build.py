"""Spec → SR: every primitive, the IOD choice, the external validators, the seed's items, round trips."""

from __future__ import annotations

import re
from pathlib import Path

import pydicom
import pytest

from dicomhelp.create.sr import load_sr_spec
from dicomhelp.create.sr.build import build_sr, load_source
from dicomhelp.create.sr.read import read_sr
from dicomhelp.validate.sr_templates import check_sr_templates
import support
from sr import sr_specs as specs
from sr.sr_helpers import POLICY, build, build_file

DATA = Path(__file__).parent / "data"


def _errors(ds: pydicom.Dataset) -> list[str]:
    return [f"{f.rule} {f.sr_position}: {f.message}" for f in check_sr_templates(ds) if f.severity.value == "error"]


def _external(path: Path, *, pixelmed: bool = False) -> None:
    verdicts = [support.dciodvfy(path), support.dsrdump(path)]
    if pixelmed:
        verdicts.append(support.pixelmed_sr(path))
    for verdict in verdicts:
        assert verdict.ok, str(verdict)


CASES = {
    "qualitative": (specs.qualitative_only, "enhanced", "1501"),
    "measurements": (specs.measurements_only, "enhanced", "1501"),
    "planar-point": (lambda: specs.planar("POINT"), "enhanced", "1410"),
    "planar-polyline": (lambda: specs.planar("POLYLINE"), "enhanced", "1410"),
    "planar-circle": (lambda: specs.planar("CIRCLE"), "enhanced", "1410"),
    "planar-ellipse": (lambda: specs.planar("ELLIPSE"), "enhanced", "1410"),
    "device-algorithm": (specs.device_with_algorithm, "enhanced", "1410"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_primitive_gives_a_valid_sr(name: str, study: Path, tmp_path: Path) -> None:
    make, iod, template = CASES[name]
    result, path = build_file(make(), study, tmp_path / f"{name}.dcm")
    assert result.iod == iod
    ds = pydicom.dcmread(path)
    group = ds.ContentSequence[-1].ContentSequence[0]
    assert group.ContentTemplateSequence[0].TemplateIdentifier == template
    assert _errors(ds) == []
    _external(path)


def test_volumetric_scoord3d_is_comprehensive_3d(study: Path, study_uids: list[str], tmp_path: Path) -> None:
    result, path = build_file(specs.volumetric_3d(study_uids), study, tmp_path / "vol3d.dcm")
    assert result.iod == "comprehensive-3d"
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.34"
    surfaces = [i for i in ds.ContentSequence[-1].ContentSequence[0].ContentSequence if i.ValueType == "SCOORD3D"]
    assert len(surfaces) == 2 and surfaces[0].ReferencedFrameOfReferenceUID
    # The polygon was closed for the writer (PS3.3 C.18.9.1.2).
    assert list(surfaces[0].GraphicData[:3]) == list(surfaces[0].GraphicData[-3:])
    assert _errors(ds) == []
    _external(path, pixelmed=True)


def test_mixed_enhanced_with_every_document_option(study: Path, study_uids: list[str], tmp_path: Path) -> None:
    result, path = build_file(specs.mixed(study_uids), study, tmp_path / "mixed.dcm")
    assert result.iod == "enhanced"
    ds = pydicom.dcmread(path)
    assert ds.VerificationFlag == "VERIFIED" and ds.VerifyingObserverSequence[0].VerifyingObserverName == "Doe^Jane"
    assert ds.PredecessorDocumentsSequence[0].StudyInstanceUID == "2.25.10"
    assert ds.CodingSchemeIdentificationSequence[0].CodingSchemeDesignator == "99SHSAIRC"
    assert ds.CodingSchemeIdentificationSequence[0].CodingSchemeName == "AI-Rad codes"
    assert ds.SeriesNumber == 77 and ds.SeriesDescription == "AI results"
    # Evidence: exactly the images referenced, in the Current Requested Procedure Evidence.
    listed = {s.ReferencedSOPInstanceUID for st in ds.CurrentRequestedProcedureEvidenceSequence
              for se in st.ReferencedSeriesSequence for s in se.ReferencedSOPSequence}
    assert listed == set(study_uids[:3])
    # The base builder's common modules: same patient/study as the source, our equipment.
    source = pydicom.dcmread(sorted(study.glob("*.dcm"))[0], stop_before_pixels=True)
    assert ds.StudyInstanceUID == source.StudyInstanceUID and ds.PatientID == source.PatientID
    assert ds.Manufacturer == "dicomhelp" and ds.SpecificCharacterSet == "ISO_IR 192"
    assert _errors(ds) == []
    _external(path, pixelmed=True)


def test_measurement_tracking_makes_comprehensive(study: Path, tmp_path: Path) -> None:
    """highdicom writes a tracking id under a NUM with HAS OBS CONTEXT, which Enhanced SR forbids."""
    data = specs.measurements_only()
    data["groups"][0]["measurements"][0].update(tracking_id="d1", tracking_uid="2.25.55")
    result, path = build_file(data, study, tmp_path / "comprehensive.dcm")
    assert result.iod == "comprehensive"
    assert _errors(pydicom.dcmread(path)) == []
    _external(path, pixelmed=True)
    data["document"] = {"iod": "enhanced"}
    with pytest.raises(Exception, match="Enhanced SR does not allow tracking identifiers") as info:
        build(data, study)
    assert info.value.source == "groups[0].measurements[0].tracking_id"  # type: ignore[attr-defined]


def test_forced_iod(study: Path) -> None:
    data = specs.planar("CIRCLE")
    data["document"] = {"iod": "comprehensive-3d"}
    assert build(data, study).dataset.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.34"


def _seed_render(ds: pydicom.Dataset) -> list[str]:
    """The seed's pretty_dcmdump lines (VR, tag, keyword, value; whitespace collapsed) for ``ds``."""
    lines: list[str] = []

    def walk(d: pydicom.Dataset, position: str | None) -> None:
        for elem in d:
            tag = f"({elem.tag.group:04x}, {elem.tag.element:04x})"
            if elem.VR == "SQ":
                lines.append(f"SQ {tag} {elem.keyword}({len(elem.value)})")
                for i, item in enumerate(elem.value, start=1):
                    if elem.keyword == "ContentSequence":
                        child = f"{position}.{i}" if position else f"1.{i}"
                        lines.append(f"{child} ----------- {i}")
                        walk(item, child)
                    else:
                        walk(item, position)
            else:
                lines.append(f"{elem.VR} {tag} {elem.keyword} {elem.value}")

    walk(ds, None)
    return lines


def test_dump_contains_the_seed_items_line_for_line(study: Path) -> None:
    ds = build(specs.seed_like(), study).dataset
    mine = _seed_render(ds)
    seed = [" ".join(line.split()) for line in (DATA / "seed_sr_items.txt").read_text().splitlines() if line.strip()]
    # The seed's root has 5 children; ours has its own count: the one line compared by pattern.
    patterns = [re.escape(line) if not line.endswith("ContentSequence(5)") else re.escape(line[:-3]) + r"\(\d+\)"
                for line in seed]
    mine = [" ".join(line.split()) for line in mine]
    start = next(i for i, line in enumerate(mine) if line == seed[0])
    for offset, pattern in enumerate(patterns):
        assert re.fullmatch(pattern, mine[start + offset]), (offset, seed[offset], mine[start + offset])


def test_spec_to_sr_to_spec_is_equal(study: Path, study_uids: list[str]) -> None:
    spec = load_sr_spec(specs.mixed(study_uids))
    ds = build_sr(spec, load_source([study]), uid_policy=POLICY).dataset
    back = read_sr(ds)
    assert back.notes == []
    assert back.spec == spec


def test_sr_to_spec_to_sr_gives_the_same_content_tree(study: Path, study_uids: list[str], tmp_path: Path) -> None:
    for data in (specs.mixed(study_uids), specs.volumetric_3d(study_uids), specs.measurements_only()):
        first = build(data, study).dataset
        again = build_sr(read_sr(first).spec, load_source([study]), uid_policy=POLICY).dataset  # type: ignore[arg-type]
        assert again.ContentSequence == first.ContentSequence
        assert again.SOPClassUID == first.SOPClassUID
        assert again.CurrentRequestedProcedureEvidenceSequence == first.CurrentRequestedProcedureEvidenceSequence


def test_private_long_and_srt_codes(study: Path) -> None:
    data = specs.qualitative_only()
    data["groups"][0]["qualitative"] = [
        {"concept": ["99LONGCODEVALUE-OVER-16", "99ACME", "Long private concept"], "value": "SCT: Nodule"},
        {"concept": "DCM: Finding", "value": ["M-03010", "SRT", "Nodule"]},
    ]
    result = build(data, study)
    items = result.dataset.ContentSequence[-1].ContentSequence[0].ContentSequence
    long_item = next(i for i in items if "LongCodeValue" in i.ConceptNameCodeSequence[0])
    assert long_item.ConceptNameCodeSequence[0].LongCodeValue == "99LONGCODEVALUE-OVER-16"
    assert "CodeValue" not in long_item.ConceptNameCodeSequence[0]
    srt = items[-1]
    assert srt.ConceptCodeSequence[0].CodingSchemeDesignator == "SCT"
    assert [n.rule for n in result.notes] == ["sr.spec.srt-scheme"]
    assert result.notes[0].path == "groups[0].qualitative[1].value"
    assert [i.CodingSchemeDesignator for i in result.dataset.CodingSchemeIdentificationSequence] == ["99ACME"]


def test_ucum_units(study: Path) -> None:
    data = specs.measurements_only()
    data["groups"][0]["measurements"][0]["unit"] = "mg/dL"
    result = build(data, study)
    assert [(n.rule, n.severity.value, n.path) for n in result.notes] == [
        ("sr.spec.ucum-not-listed", "info", "groups[0].measurements[0].unit")]


def test_images_by_uid_file_name_instance_and_series(study: Path, study_uids: list[str]) -> None:
    data = specs.qualitative_only()
    data["groups"][0]["images"] = [study_uids[0], "CT0002.dcm", 3, "1/4"]
    ds = build(data, study).dataset
    listed = [s.ReferencedSOPInstanceUID for st in ds.CurrentRequestedProcedureEvidenceSequence
              for se in st.ReferencedSeriesSequence for s in se.ReferencedSOPSequence]
    assert sorted(listed) == sorted(study_uids)


def test_reading_a_foreign_sr_is_tolerant() -> None:
    """pydicom's test-SR.dcm: items without concept names, no TID 1500 (highdicom's srread fails on it)."""
    ds = pydicom.dcmread(support.pydicom_test_files()[0].parent / "test-SR.dcm")
    result = read_sr(ds)
    rules = {n.rule for n in result.notes}
    assert {"sr.read.no-concept-name", "sr.read.not-tid1500"} <= rules
    assert result.data["document"]["verification"] == "VERIFIED"
    assert list(check_sr_templates(ds)) == []  # not a TID 1500 report: no template findings


def test_priors_go_to_pertinent_other_evidence(study: Path, tmp_path: Path) -> None:
    from dicomhelp.samples import make_sample_study

    prior = make_sample_study(tmp_path / "prior", slices=2)
    prior_uid = str(pydicom.dcmread(prior[0], stop_before_pixels=True).SOPInstanceUID)
    data = specs.measurements_only()
    data["groups"].append({"tracking_id": "liver (prior)", "images": [prior_uid],
                           "measurements": [{"concept": "SCT: Diameter", "value": 11, "unit": "mm"}]})
    ds = build_sr(load_sr_spec(data), load_source([study, tmp_path / "prior"]), uid_policy=POLICY).dataset
    current = pydicom.dcmread(sorted(study.glob("*.dcm"))[0], stop_before_pixels=True).StudyInstanceUID
    assert ds.StudyInstanceUID == current  # the study with the most images is the one reported on
    assert [s.StudyInstanceUID for s in ds.CurrentRequestedProcedureEvidenceSequence] == [current]
    other = ds.PertinentOtherEvidenceSequence[0]
    assert other.StudyInstanceUID != current
    assert other.ReferencedSeriesSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID == prior_uid
    assert _errors(ds) == []


def test_an_earlier_report_in_the_source_folder_is_no_image(study: Path, tmp_path: Path) -> None:
    """Instance numbers name images: the SR written next to them (instance 1 too) is not one."""
    import shutil

    folder = tmp_path / "with-sr"
    shutil.copytree(study, folder)
    build_file(specs.planar("CIRCLE"), folder, folder / "sr.dcm")
    data = specs.planar("POINT")
    data["groups"][0]["region"]["image"] = 1
    ds = build(data, folder).dataset
    region = [i for i in ds.ContentSequence[-1].ContentSequence[0].ContentSequence if i.ValueType == "SCOORD"][0]
    ref = region.ContentSequence[0].ReferencedSOPSequence[0]
    assert ref.ReferencedSOPClassUID == "1.2.840.10008.5.1.4.1.1.2"  # CT Image Storage


def test_an_image_not_in_a_one_file_source_counts_it_right(study: Path) -> None:
    data = specs.qualitative_only()
    data["groups"][0]["images"] = [2]
    with pytest.raises(Exception, match="no image with instance number 2") as info:
        build_sr(load_sr_spec(data), load_source([study / "CT0001.dcm"]), uid_policy=POLICY)
    assert "the source has 1 instance;" in info.value.hint  # type: ignore[attr-defined]
