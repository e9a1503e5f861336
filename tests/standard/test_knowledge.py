"""The lookup API other parts of dicomhelp code against (see the knowledge_api contract)."""

from __future__ import annotations

from typing import Any

import pytest
from pydicom.datadict import DicomDictionary, RepeatersDictionary
from pydicom.uid import UID_dictionary
from pydicom.valuerep import VR as PydicomVR

from dicomhelp.paths import parse_tag
from dicomhelp.standard import knowledge  # noqa: F401  (the public entry point)


def test_every_keyword_and_tag_of_pydicom_resolves(k: Any) -> None:
    for tag, (vr, vm, name, _retired, keyword) in DicomDictionary.items():
        info = k.attribute(tag)
        assert info is not None and info.name == name and info.vr == vr and info.vm == vm, hex(tag)
        if keyword:
            assert k.attribute(keyword).tag == tag, keyword
    for mask, (_vr, _vm, name, _retired, keyword) in RepeatersDictionary.items():
        tag = int(mask.replace("x", "2"), 16)  # a concrete member of the repeating group
        if tag in DicomDictionary:
            continue
        assert k.attribute(tag).keyword == keyword, mask


def test_every_uid_of_pydicom_resolves(k: Any) -> None:
    for uid, (name, kind, _info, retired, _keyword) in UID_dictionary.items():
        info = k.uid(uid)
        assert (info.name, info.kind, info.retired) == (name, kind, bool(retired)), uid
    assert k.uid("ExplicitVRLittleEndian").uid == "1.2.840.10008.1.2.1"


def test_all_34_vrs_have_rules_and_an_example(k: Any) -> None:
    names = [v.value for v in PydicomVR if len(v.value) == 2]
    assert len(names) == 34
    for name in names:
        info = k.vr(name)
        assert info.name == name and info.meaning and info.rules and info.example and info.charset
    assert k.vr("cs").max_length == 16 and k.vr("UI").max_length == 64 and k.vr("SQ").max_length is None


def test_every_code_of_pydicom_resolves(k: Any) -> None:
    from pydicom.sr._concepts_dict import concepts

    meanings: dict[tuple[str, str], set[str]] = {}
    for scheme, table in concepts.items():
        for values in table.values():
            for value, (meaning, _cids) in values.items():
                meanings.setdefault((scheme, value), set()).add(meaning)
    # A few codes appear under two keywords with different meanings in pydicom: either is fine.
    for (scheme, value), known in meanings.items():
        assert k.code(scheme, value).meaning in known, (scheme, value)
    assert "DCM" in k.schemes_for_code_value("121049")


def test_every_cid_resolves_with_members(k: Any) -> None:
    from pydicom.sr._cid_dict import cid_concepts

    for cid in cid_concepts:
        info = k.cid(cid)
        assert info is not None and info.number == cid
    assert k.cid(7469).name == "Generic Intensity and Size Measurement"
    assert any(c.value == "118565006" for c in k.cid(7469).members)  # Volume


@pytest.mark.parametrize("spelling", ["(0008,0104)", "00080104", "0008,0104", "( 0008 , 0104 )"])
def test_tag_spellings_give_the_same_attribute(k: Any, spelling: str) -> None:
    assert k.attribute(parse_tag(spelling)) == k.attribute("CodeMeaning")


def test_brief_is_one_plain_line(k: Any) -> None:
    line = k.brief(0x00100010)
    assert line.startswith("Patient's Name (Person Name)") and "\n" not in line
    assert k.brief(0x00090010).startswith("Private Creator")
    assert k.brief(0x00080000).startswith("Group Length")
    assert k.brief(0x00091001) is None


def test_ct_image_iod_usage_is_corrected_against_highdicom_enum(k: Any) -> None:
    """highdicom's ModuleUsageValues says CONDITIONAL='U', USER_OPTIONAL='C': the letters are what PS3.3 prints."""
    from highdicom._standard_utils import ModuleUsageValues  # type: ignore[import-untyped]

    assert ModuleUsageValues.CONDITIONAL.value == "U"  # the swap this layer corrects (pinned highdicom)
    usage = {m.module_id: m.usage for m in k.iod_for_sop_class("1.2.840.10008.5.1.4.1.1.2").modules}
    # PS3.3 Table A.3-1: Contrast/Bolus is C (required if contrast was used), Clinical Trial Subject U.
    assert usage["contrast-bolus"] == "C" and usage["clinical-trial-subject"] == "U"
    assert usage["ct-image"] == "M" and usage["synchronization"] == "C"


def test_module_attributes_have_types_paths_and_terms(k: Any) -> None:
    module = k.module("sr-document-content")
    rel = [a for a in module.attributes if a.keyword == "RelationshipType" and a.path == ("ContentSequence",)]
    assert rel and rel[0].type == "1"
    assert rel[0].enumerated and "CONTAINS" in rel[0].enumerated
    assert k.module("SR Document Content") == module
    uses = k.attribute_uses(0x0040A010)
    assert any(u.module_id == "sr-document-content" for u in uses)


def test_sources_name_their_versions(k: Any) -> None:
    import highdicom
    import pydicom

    sources = {s.name: s.version for s in k.sources()}
    assert sources["pydicom"] == pydicom.__version__ and sources["highdicom"] == highdicom.__version__
    assert sources["dicomhelp templates"].startswith("PS3.16")
