"""The tree model, the SR walker, the SR view and DICOM JSON on real files and odd trees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydicom import Dataset
from pydicom.sequence import Sequence

from dicomhelp.errors import DicomHelpError
from dicomhelp.inspect import dump_lines
from dicomhelp.inspect.dicom_json import to_dicom_json
from dicomhelp.inspect.srtree import MAX_DEPTH, iter_content_items
from dicomhelp.inspect.srview import render_sr, sr_lines
from dicomhelp.inspect.tree import build_tree, filter_tree
from dicomhelp.io import read_file, sample_file
from dicomhelp.paths import resolve
from support import dciodvfy, dsrdump, pydicom_test_files


def test_every_node_path_resolves_to_its_element():
    f = read_file(sample_file("test-SR.dcm"))
    tree = build_tree(f, meta=False)
    checked = 0
    for node in tree.walk():
        if node.kind in ("element", "sequence"):
            matches = list(resolve(f.dataset, node.path))
            assert len(matches) == 1 and matches[0].tag == node.tag, node.path
            checked += 1
    assert checked > 100


def test_sr_positions_in_the_tree_match_the_walker():
    ds = read_file(sample_file("test-SR.dcm")).dataset
    from_tree = {n.path: n.sr_position for n in build_tree(ds).walk() if n.sr_position}
    from_walker = {r.path: r.position for r in iter_content_items(ds, include_root=False)}
    assert from_tree == from_walker and len(from_walker) == 28


def test_walker_paths_resolve_and_order_is_document_order():
    ds = read_file(sample_file("test-SR.dcm")).dataset
    refs = list(iter_content_items(ds))
    assert [r.position for r in refs[:4]] == ["1", "1.1", "1.2", "1.2.1"]
    for ref in refs[1:]:
        item = next(resolve(ds, ref.path + ".ValueType")).parent
        assert item is ref.item
        assert ref.parent_position == ref.position.rsplit(".", 1)[0]
        assert ref.depth == ref.position.count(".")


def _item(value_type: str | None, meaning: str | None = None, **extra) -> Dataset:
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    if value_type is not None:
        item.ValueType = value_type
    if meaning is not None:
        name = Dataset()
        name.CodeValue, name.CodingSchemeDesignator, name.CodeMeaning = "1", "99X", meaning
        item.ConceptNameCodeSequence = [name]
    for key, value in extra.items():
        setattr(item, key, value)
    return item


def test_sr_view_is_robust_to_odd_items():
    root = _item("CONTAINER", "Report")
    del root.RelationshipType
    template = Dataset()
    template.MappingResource, template.TemplateIdentifier = "DCMR", "1500"
    root.ContentTemplateSequence = [template]
    unit = Dataset()
    unit.CodeValue, unit.CodingSchemeDesignator, unit.CodeMeaning = "mm", "UCUM", "millimeter"
    measured = Dataset()
    measured.NumericValue = "12.5"
    measured.MeasurementUnitsCodeSequence = [unit]
    by_ref = Dataset()
    by_ref.RelationshipType = "INFERRED FROM"
    by_ref.ReferencedContentItemIdentifier = [1, 9, 9]
    point = _item("SCOORD3D", "Centre", GraphicType="POINT", GraphicData=[1.0, 2.0, 3.5],
                  ReferencedFrameOfReferenceUID="1.2.3")
    root.ContentSequence = Sequence([
        _item("TEXT", None, TextValue="no concept name"),
        _item("WIDGET", "Strange"),
        _item("NUM", "Diameter", MeasuredValueSequence=[measured]),
        by_ref,
        point,
        _item("NUM", "Empty"),
    ])
    lines = list(render_sr(root))
    assert lines[1] == "1  CONTAINER  Report  [TID 1500]"
    assert lines[2] == "1.1  CONTAINS  TEXT  (no concept name) = no concept name"
    assert lines[3] == "1.2  CONTAINS  WIDGET  Strange  !! unknown value type 'WIDGET'"
    assert lines[4] == "1.3  CONTAINS  NUM  Diameter = 12.5 mm"
    assert lines[5] == "1.4  INFERRED FROM  -> 1.9.9 (broken reference: no such item) (by reference)"
    assert lines[6] == "1.5  CONTAINS  SCOORD3D  Centre = POINT (1, 2, 3.5) in frame of reference 1.2.3"
    assert lines[7] == "1.6  CONTAINS  NUM  Empty = (no value)"


def test_walker_survives_wrong_vr_and_deep_trees():
    root = Dataset()
    root.ValueType = "CONTAINER"
    root.add_new(0x0040A730, "LO", "not a sequence")
    refs = list(iter_content_items(root))
    assert len(refs) == 1 and "not SQ" in (refs[0].problem or "")

    root = Dataset()
    root.ValueType = "CONTAINER"
    node = root
    for _ in range(MAX_DEPTH + 20):
        child = _item("CONTAINER", "Level")
        node.ContentSequence = Sequence([child])
        node = child
    refs = list(iter_content_items(root))
    assert len(refs) == MAX_DEPTH + 1
    assert "deeper than" in (refs[-1].problem or "")
    assert sum(1 for line in sr_lines(root)) == MAX_DEPTH + 1


def test_filter_keeps_the_path_to_matches():
    tree = build_tree(read_file(sample_file("test-SR.dcm")), meta=False)
    kept = filter_tree(tree.nodes, "numericvalue")
    lines = [ln.strip() for ln in dump_lines(read_file(sample_file("test-SR.dcm")), pattern="NumericValue")]
    assert kept[0].keyword == "ContentSequence"
    assert sum("NumericValue" in ln for ln in lines) == 2
    assert all("CodeMeaning" not in ln for ln in lines)


def test_multi_item_sequences_are_delimited_with_their_index():
    lines = dump_lines(read_file(sample_file("test-SR.dcm")), meta=False)
    i = lines.index("SQ (0040, a073) VerifyingObserverSequence(2)")
    assert lines[i + 1].strip() == "--- item [0] of 2 ---"
    assert "--- item [1] of 2 ---" in lines[i + 2 : i + 12][-4].strip() or any(
        ln.strip() == "--- item [1] of 2 ---" for ln in lines[i + 2 : i + 12])


def test_paths_option_prints_each_element_path():
    lines = dump_lines(read_file(sample_file("rtplan.dcm")), paths=True, meta=False)
    line = next(ln for ln in lines if "BeamDose " in ln)
    assert line.endswith("# FractionGroupSequence[0].ReferencedBeamSequence[0].BeamDose")


def test_undecodable_value_is_shown_raw_with_a_problem():
    f = read_file(sample_file("badVR.dcm"))
    tree = build_tree(f)
    bad = [n for n in tree.walk() if n.problem]
    assert [(n.keyword, n.value, n.problem) for n in bad] == [("NumberOfFrames", "1A", "not a valid IS value")]
    line = next(ln for ln in dump_lines(f) if "NumberOfFrames" in ln)
    assert line.endswith("1A  !! not a valid IS value")


READABLE = [p for p in pydicom_test_files() if p.name not in {"README", "no_meta.dcm"}]


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_dicom_json_round_trips_except_bulk_data(path: Path):
    try:
        f = read_file(path)
    except DicomHelpError:
        pytest.fail(f"{path.name} should be readable")
    problems: list[str] = []
    data = to_dicom_json(f, problems=problems)
    back = Dataset.from_json(json.dumps(data), bulk_data_uri_handler=lambda *a: None)
    assert _without_bulk(back, data) == _without_bulk(f.dataset, data, skip_meta=True)
    assert len(problems) == (1 if path.name == "badVR.dcm" else 0), problems


def _without_bulk(ds: Dataset, data: dict, skip_meta: bool = False) -> Dataset:
    """``ds`` without file meta, undecodable values and the elements the JSON gives as BulkDataURI."""
    import copy

    out = Dataset()
    for tag in ds.keys():
        key = f"{int(tag):08X}"
        if (skip_meta and tag.group == 2) or key not in data or "BulkDataURI" in data[key]:
            continue
        elem = ds[tag]
        if elem.VR == "SQ":
            elem = copy.copy(elem)
            elem.value = Sequence([_without_bulk(item, sub, skip_meta)
                                   for item, sub in zip(ds[tag].value, data[key].get("Value", []))])
        out.add(elem)
    return out


def test_pixel_data_is_a_bulk_data_uri_into_the_file():
    f = read_file(sample_file("MR_small.dcm"))
    uri = to_dicom_json(f)["7FE00010"]["BulkDataURI"]
    assert uri.startswith("file:///") and f"offset={f.pixel.offset}&length=8192" in uri
    raw = f.path.read_bytes()[f.pixel.offset : f.pixel.offset + 8192]
    from pydicom import dcmread

    assert raw == dcmread(f.path).PixelData


def test_a_dataset_we_write_is_valid_and_dumps_the_same(tmp_path):
    """The seed-like SR content we build for the dump tests, written as a file the validators accept."""
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    from dicomhelp.io import write_atomic
    from dicomhelp.uids import UIDPolicy

    ds = read_file(sample_file("test-SR.dcm")).dataset
    policy = UIDPolicy.from_env()
    ds.SOPInstanceUID = policy.new("dump-test")
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    path = write_atomic(ds, tmp_path / "sr.dcm")
    assert dsrdump(path).ok
    verdict = dciodvfy(path)
    assert not [e for e in verdict.errors if "SOP Instance UID" in e]
    assert dump_lines(read_file(path), meta=False) == dump_lines(ds, meta=False)


def test_large_nested_binary_values_become_bulk_data_uris_with_their_path():
    f = read_file(sample_file("waveform_ecg.dcm"))
    data = to_dicom_json(f)
    waveform = data["54000100"]["Value"][0]["54001010"]
    assert waveform == {"vr": "OW", "BulkDataURI": f"{f.path.resolve().as_uri()}#WaveformSequence[0].WaveformData"}
    small = data["54000100"]["Value"][0]
    assert all("BulkDataURI" not in v for k, v in small.items() if k != "54001010")
    assert set(to_dicom_json(f, bulk_threshold=10**9)["54000100"]["Value"][0]["54001010"]) == {"vr", "InlineBinary"}


FAST_PATH_FILES = [p for p in pydicom_test_files() if p.parent.name == "charset_files"] + [
    sample_file(n) for n in ("CT_small.dcm", "test-SR.dcm", "rtplan.dcm", "MR_small_bigendian.dcm",
                             "MR_small_implicit.dcm", "UN_sequence.dcm", "nested_priv_SQ.dcm")]


@pytest.mark.parametrize("path", FAST_PATH_FILES, ids=lambda p: p.name)
def test_fast_value_path_shows_what_pydicom_decodes(path: Path):
    """The tree converts raw values directly (for speed); it must show exactly what pydicom's full path gives."""
    from pydicom import dcmread

    from dicomhelp.inspect.tree import value_text

    reference = dcmread(path, force=True)
    compared = 0
    for node in build_tree(read_file(path), meta=False).walk():
        if node.kind != "element" or node.tag == 0x7FE00010:
            continue
        match = next(resolve(reference, node.path))
        assert node.value == value_text(match.element), node.path
        compared += 1
    assert compared >= 2
