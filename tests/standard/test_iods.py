"""`explain IOD` lists the modules PS3.3 lists for the IODs dicomhelp creates or reads most.

The expected lists are written from the IOD module tables of PS3.3 (2024 editions):
A.3-1 CT Image, A.35.2-1 Enhanced SR, A.35.13-1 Comprehensive 3D SR, A.33.1-1 GSPS,
A.45.1-1 Encapsulated PDF, A.8-1 SC Image and A.8-2 .. A.8-5 the multi-frame SC IODs.
"""

from __future__ import annotations

from typing import Any

import pytest

from dicomhelp.standard.explain import explain, render

COMMON_PATIENT_STUDY = [("Patient", "M"), ("Clinical Trial Subject", "U"), ("General Study", "M"),
                        ("Patient Study", "U"), ("Clinical Trial Study", "U")]
SR = COMMON_PATIENT_STUDY + [
    ("SR Document Series", "M"), ("Clinical Trial Series", "U"), ("Synchronization", "U"), ("General Equipment", "M"),
    ("SR Document General", "M"), ("SR Document Content", "M"), ("SOP Common", "M")]
MULTI_FRAME_SC_HEAD = COMMON_PATIENT_STUDY + [("General Series", "M"), ("Clinical Trial Series", "U")]
MULTI_FRAME_SC_IMAGE = [
    ("General Acquisition", "M"), ("General Image", "M"), ("General Reference", "U"),
    ("Enhanced Patient Orientation", "U"), ("Image Pixel", "M"), ("Cine", "C"), ("Multi-frame", "M"),
    ("Frame Pointers", "U"), ("Device", "U")]
MULTI_FRAME_SC_TAIL = [("Specimen", "U"), ("SC Image", "U"), ("SC Multi-frame Image", "M"),
                       ("SC Multi-frame Vector", "C")]
COMMON_TAIL = [("SOP Common", "M"), ("Common Instance Reference", "U"), ("Frame Extraction", "C")]


def _functional_groups(kind: str) -> list[tuple[str, str]]:
    return [(f"Multi Frame {kind} Secondary Capture Image Multi Frame Functional Groups", "U"),
            ("Multi-frame Dimension", "U")]


EXPECTED: dict[str, list[tuple[str, str]]] = {
    "CT Image": COMMON_PATIENT_STUDY + [
        ("General Series", "M"), ("Clinical Trial Series", "U"), ("Frame of Reference", "M"),
        ("Synchronization", "C"), ("General Equipment", "M"), ("General Acquisition", "M"), ("General Image", "M"),
        ("General Reference", "U"), ("Enhanced Patient Orientation", "U"), ("Image Plane", "M"), ("Image Pixel", "M"),
        ("Contrast/Bolus", "C"), ("Device", "U"), ("Specimen", "U"), ("CT Image", "M"),
        ("Multi-energy CT Image", "C"), ("Overlay Plane", "U"), ("VOI LUT", "U"), ("SOP Common", "M"),
        ("Common Instance Reference", "U")],
    "Enhanced SR": SR,
    "Comprehensive 3D SR": SR,
    "Grayscale Softcopy Presentation State": COMMON_PATIENT_STUDY + [
        ("General Series", "M"), ("Clinical Trial Series", "U"), ("Presentation Series", "M"),
        ("General Equipment", "M"), ("Presentation State Identification", "M"),
        ("Presentation State Relationship", "M"), ("Presentation State Shutter", "M"),
        ("Presentation State Mask", "M"), ("Mask", "C"), ("Display Shutter", "C"), ("Bitmap Display Shutter", "C"),
        ("Overlay Plane", "C"), ("Overlay Activation", "C"), ("Displayed Area", "M"), ("Graphic Annotation", "C"),
        ("Spatial Transformation", "C"), ("Graphic Layer", "C"), ("Graphic Group", "U"), ("Modality LUT", "C"),
        ("Softcopy VOI LUT", "C"), ("Softcopy Presentation LUT", "M"), ("Specimen", "U"), ("SOP Common", "M")],
    "Encapsulated PDF": COMMON_PATIENT_STUDY + [
        ("Encapsulated Document Series", "M"), ("Clinical Trial Series", "U"), ("General Equipment", "M"),
        ("SC Equipment", "M"), ("Encapsulated Document", "M"), ("SOP Common", "M")],
    "Secondary Capture Image": COMMON_PATIENT_STUDY + [
        ("General Series", "M"), ("Clinical Trial Series", "U"), ("Frame of Reference", "C"),
        ("Synchronization", "U"), ("General Equipment", "U"), ("SC Equipment", "M"), ("General Acquisition", "M"),
        ("General Image", "M"), ("General Reference", "U"), ("Enhanced Patient Orientation", "U"),
        ("Image Plane", "U"), ("Image Pixel", "M"), ("Device", "U"), ("Specimen", "U"), ("SC Image", "M"),
        ("Overlay Plane", "U"), ("Modality LUT", "U"), ("VOI LUT", "U"), ("ICC Profile", "U"), ("SOP Common", "M"),
        ("Common Instance Reference", "U")],
    "Multi-frame Single Bit Secondary Capture Image": MULTI_FRAME_SC_HEAD + [
        ("General Equipment", "U"), ("SC Equipment", "M")] + MULTI_FRAME_SC_IMAGE + MULTI_FRAME_SC_TAIL + COMMON_TAIL,
    "Multi-frame Grayscale Byte Secondary Capture Image": MULTI_FRAME_SC_HEAD + [
        ("General Equipment", "U"), ("SC Equipment", "M"), ("Frame of Reference", "C"), ("Synchronization", "U")]
        + MULTI_FRAME_SC_IMAGE + _functional_groups("Grayscale Byte") + MULTI_FRAME_SC_TAIL + [("VOI LUT", "C")]
        + COMMON_TAIL,
    "Multi-frame Grayscale Word Secondary Capture Image": MULTI_FRAME_SC_HEAD + [
        ("General Equipment", "U"), ("SC Equipment", "M"), ("Frame of Reference", "C"), ("Synchronization", "U")]
        + MULTI_FRAME_SC_IMAGE + _functional_groups("Grayscale Word") + MULTI_FRAME_SC_TAIL + [("VOI LUT", "C")]
        + COMMON_TAIL,
    "Multi-frame True Color Secondary Capture Image": MULTI_FRAME_SC_HEAD + [
        ("Frame of Reference", "C"), ("Synchronization", "U"), ("General Equipment", "U"), ("SC Equipment", "M")]
        + MULTI_FRAME_SC_IMAGE + _functional_groups("True Color") + MULTI_FRAME_SC_TAIL + [("ICC Profile", "U")]
        + COMMON_TAIL,
}

SOP_CLASS = {
    "CT Image": "1.2.840.10008.5.1.4.1.1.2",
    "Enhanced SR": "1.2.840.10008.5.1.4.1.1.88.22",
    "Comprehensive 3D SR": "1.2.840.10008.5.1.4.1.1.88.34",
    "Grayscale Softcopy Presentation State": "1.2.840.10008.5.1.4.1.1.11.1",
    "Encapsulated PDF": "1.2.840.10008.5.1.4.1.1.104.1",
    "Secondary Capture Image": "1.2.840.10008.5.1.4.1.1.7",
    "Multi-frame Single Bit Secondary Capture Image": "1.2.840.10008.5.1.4.1.1.7.1",
    "Multi-frame Grayscale Byte Secondary Capture Image": "1.2.840.10008.5.1.4.1.1.7.2",
    "Multi-frame Grayscale Word Secondary Capture Image": "1.2.840.10008.5.1.4.1.1.7.3",
    "Multi-frame True Color Secondary Capture Image": "1.2.840.10008.5.1.4.1.1.7.4",
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_explain_iod_lists_the_modules_of_the_standard_with_usage(k: Any, name: str) -> None:
    answer = explain(name, k)
    assert answer["kind"] == "iod"
    assert [(m["name"], m["usage"]) for m in answer["modules"]] == EXPECTED[name]
    assert SOP_CLASS[name] in [s["uid"] for s in answer["sop_classes"]]
    assert k.iod_for_sop_class(SOP_CLASS[name]).id == answer["id"]
    text = render(answer)
    for module, usage in EXPECTED[name]:
        assert f"  {usage}  {module}" in text


def test_conditional_modules_carry_the_standards_condition(k: Any) -> None:
    usage = {m.module_id: m for m in k.iod("ct-image").modules}
    assert usage["contrast-bolus"].condition == "Required if contrast media was used in this image"
    gsps = {m.module_id: m for m in k.iod("grayscale-softcopy-presentation-state").modules}
    assert gsps["spatial-transformation"].condition.startswith("Required if rotation or flipping")
