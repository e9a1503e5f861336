"""The TID 1500 template checks: a built SR is clean; each mutation is caught by the right rule."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pydicom
import pytest

from sr import sr_specs as specs
from dicomhelp.validate.sr_templates import check_sr_templates
from sr.sr_helpers import build


@pytest.fixture(scope="module")
def mixed(study: Path, study_uids: list[str]) -> pydicom.Dataset:
    return build(specs.mixed(study_uids), study).dataset


def _root_item(ds: pydicom.Dataset, value: str) -> pydicom.Dataset:
    return ds.ContentSequence[_root_index(ds, value)]


def _root_index(ds: pydicom.Dataset, value: str) -> int:
    return next(n for n, i in enumerate(ds.ContentSequence) if i.ConceptNameCodeSequence[0].CodeValue == value)


def _remove(ds: pydicom.Dataset, value: str) -> None:
    # By index: Sequence.remove compares datasets by value and may take another item.
    del ds.ContentSequence[_root_index(ds, value)]


def _groups(ds: pydicom.Dataset) -> list[pydicom.Dataset]:
    return list(_root_item(ds, "126010").ContentSequence)


def _first_num(ds: pydicom.Dataset) -> pydicom.Dataset:
    return next(i for g in _groups(ds) for i in g.ContentSequence if i.ValueType == "NUM")


def drop_unit(ds: pydicom.Dataset) -> None:
    del _first_num(ds).MeasuredValueSequence[0].MeasurementUnitsCodeSequence


def wrong_relationship(ds: pydicom.Dataset) -> None:
    tracking = _groups(ds)[0].ContentSequence[0]
    assert tracking.ConceptNameCodeSequence[0].CodeValue == "112039"
    tracking.RelationshipType = "CONTAINS"


def region_image_not_in_evidence(ds: pydicom.Dataset) -> None:
    region = next(i for i in _groups(ds)[1].ContentSequence if i.ValueType == "SCOORD")
    region.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID = "2.25.999"


def srt_scheme(ds: pydicom.Dataset) -> None:
    finding = next(i for i in _groups(ds)[0].ContentSequence if i.ValueType == "CODE"
                   and i.ConceptNameCodeSequence[0].CodeValue == "121071")
    finding.ConceptCodeSequence[0].CodingSchemeDesignator = "SRT"
    finding.ConceptCodeSequence[0].CodeValue = "M-03010"


def no_language(ds: pydicom.Dataset) -> None:
    _remove(ds, "121049")


def no_evidence(ds: pydicom.Dataset) -> None:
    del ds.CurrentRequestedProcedureEvidenceSequence


def multipoint_region(ds: pydicom.Dataset) -> None:
    region = next(i for i in _groups(ds)[1].ContentSequence if i.ValueType == "SCOORD")
    region.GraphicType = "MULTIPOINT"


def no_device_uid(ds: pydicom.Dataset) -> None:
    _remove(ds, "121012")


def bad_laterality(ds: pydicom.Dataset) -> None:
    site = next(i for i in _groups(ds)[1].ContentSequence if i.ConceptNameCodeSequence[0].CodeValue == "363698007")
    site.ContentSequence[0].ConceptCodeSequence[0].CodeValue = "12345"


def no_tracking_uid(ds: pydicom.Dataset) -> None:
    group = _groups(ds)[2]
    group.ContentSequence = [i for i in group.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue != "112040"]


def no_procedure(ds: pydicom.Dataset) -> None:
    _remove(ds, "121058")


def undeclared_private_scheme(ds: pydicom.Dataset) -> None:
    del ds.CodingSchemeIdentificationSequence


def open_polyline(ds: pydicom.Dataset) -> None:
    region = next(i for i in _groups(ds)[1].ContentSequence if i.ValueType == "SCOORD")
    region.GraphicData = list(region.GraphicData)[:-2]


def algorithm_without_version(ds: pydicom.Dataset) -> None:
    group = _groups(ds)[1]
    group.ContentSequence = [i for i in group.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue != "111003"]


def unit_not_ucum(ds: pydicom.Dataset) -> None:
    _first_num(ds).MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0].CodingSchemeDesignator = "99UNITS"


MUTATIONS: dict[str, tuple[Callable[[pydicom.Dataset], None], str]] = {
    "undeclared private scheme": (undeclared_private_scheme, "sr.codes.private-scheme-undeclared"),
    "open polyline": (open_polyline, "sr.tid1410.polyline-open"),
    "algorithm without version": (algorithm_without_version, "sr.tid4019.version-missing"),
    "unit not UCUM": (unit_not_ucum, "sr.tid300.unit-scheme"),
    "missing unit": (drop_unit, "sr.tid300.unit-missing"),
    "wrong relationship type": (wrong_relationship, "sr.tid4108.relationship"),
    "region image not in evidence": (region_image_not_in_evidence, "sr.evidence.image-not-listed"),
    "SRT scheme": (srt_scheme, "sr.codes.srt-scheme"),
    "missing Language": (no_language, "sr.tid1204.language-missing"),
    "image-level group without evidence": (no_evidence, "sr.tid1501.evidence-missing"),
    "MULTIPOINT region": (multipoint_region, "sr.tid1410.graphic-type"),
    "device without UID": (no_device_uid, "sr.tid1004.device-uid-missing"),
    "laterality outside CID 244": (bad_laterality, "sr.cid244.laterality"),
    "missing tracking UID": (no_tracking_uid, "sr.tid4108.tracking-uid-missing"),
    "missing procedure reported": (no_procedure, "sr.tid1500.procedure-reported-missing"),
}


def test_a_built_report_has_no_findings(mixed: pydicom.Dataset) -> None:
    assert list(check_sr_templates(mixed)) == []


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_is_flagged_with_its_rule(mixed: pydicom.Dataset, name: str) -> None:
    mutate, rule = MUTATIONS[name]
    ds = copy.deepcopy(mixed)
    mutate(ds)
    findings = list(check_sr_templates(ds))
    assert rule in {f.rule for f in findings}, [f.rule for f in findings]
    hit = next(f for f in findings if f.rule == rule)
    assert hit.sr_position and hit.sr_position.startswith("1")
    assert hit.reference and hit.reference.startswith("PS3.")


def test_positions_and_paths_point_at_the_item(mixed: pydicom.Dataset) -> None:
    from dicomhelp.paths import parse

    ds = copy.deepcopy(mixed)
    drop_unit(ds)
    hit = next(f for f in check_sr_templates(ds) if f.rule == "sr.tid300.unit-missing")
    assert hit.path is not None
    item = ds
    for step in parse(hit.path):  # the element path of the item: ContentSequence[i]...
        item = item[step.tag].value[step.index]
    assert item.ValueType == "NUM"
    assert "MeasuredValueSequence" in item


def test_the_validate_command_reports_template_rules(mixed: pydicom.Dataset, tmp_path: Path) -> None:
    from support import run_cli

    ds = copy.deepcopy(mixed)
    no_language(ds)
    path = tmp_path / "nolang.dcm"
    ds.save_as(path, enforce_file_format=True)
    proc = run_cli("validate", str(path))
    assert proc.returncode == 1, proc.stderr
    assert "sr.tid1204.language-missing" in proc.stdout + proc.stderr


DAMAGE = ("ConceptNameCodeSequence", "ValueType", "RelationshipType", "ContentSequence", "ConceptCodeSequence",
          "MeasuredValueSequence", "GraphicData", "GraphicType", "ReferencedSOPSequence", "TextValue", "UID",
          "ContentTemplateSequence")


def test_damaged_reports_never_crash_the_checker_or_the_reader(study: Path) -> None:
    """Strict when writing, lenient when reading: every item with every key element removed."""
    from dicomhelp.create.sr.read import read_sr

    import io

    base = build(specs.device_with_algorithm(), study).dataset
    buffer = io.BytesIO()
    base.save_as(buffer, enforce_file_format=True)
    data = buffer.getvalue()  # re-read per damage: much faster than deepcopy
    positions = []

    def collect(items: pydicom.Sequence, prefix: tuple[int, ...]) -> None:
        for i, item in enumerate(items):
            if item.ConceptNameCodeSequence[0].CodeValue == "111028":
                continue  # the image library: many alike items, checked elsewhere
            positions.append(prefix + (i,))
            collect(item.get("ContentSequence") or [], prefix + (i,))

    collect(base.ContentSequence, ())
    assert len(positions) > 15
    checked = 0
    for position in positions:
        for keyword in DAMAGE:
            ds = pydicom.dcmread(io.BytesIO(data))
            item = ds
            for i in position:
                item = item.ContentSequence[i]
            if keyword not in item:
                continue
            delattr(item, keyword)
            list(check_sr_templates(ds))
            read_sr(ds)
            checked += 1
    assert checked > 50


def test_hand_coded_rows_agree_with_the_knowledge_layer() -> None:
    """The checker's rows (relationship, value type) against the TID tables of dicomhelp.standard."""
    from dicomhelp.standard import knowledge
    from dicomhelp.validate.sr_templates import ROWS

    k = knowledge()
    compared = 0
    for (tid, (value, scheme)), (rel, vt) in ROWS.items():
        info = k.tid(tid)
        assert info is not None, f"TID {tid} missing from the knowledge layer"
        rows = [r for r in info.rows if r.concept is not None and (r.concept.value, r.concept.scheme) == (value, scheme)]
        assert rows, f"TID {tid} has no row for ({value}, {scheme})"
        row = rows[0]
        assert row.value_type == vt, (tid, value, row)
        if row.relationship is not None:  # TID 4019: the including row gives the relationship
            assert row.relationship == rel, (tid, value, row)
        compared += 1
    assert compared == len(ROWS)


def test_binding_value_sets_agree_with_the_knowledge_layer() -> None:
    from dicomhelp.standard import knowledge
    from dicomhelp.validate.sr_templates import LATERALITIES, OBSERVER_TYPES

    k = knowledge()
    for number, hand_coded in ((244, LATERALITIES), (270, OBSERVER_TYPES)):
        cid = k.cid(number)
        assert cid is not None
        assert {(m.value, m.scheme) for m in cid.members} == hand_coded
