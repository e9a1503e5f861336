"""Codes, context groups, coding schemes and SR content items in plain words (issue 18).

The seed's own sample (tests/data/seed_sample.txt, a Siemens AI-Rad Companion SR)
is read line by line; every DCM code and every context group is walked; "used in"
is spot-checked against PS3.16's template tables.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import assert_clean_failure, pixelmed_jar, run_cli

from dicomhelp.errors import UsageError
from dicomhelp.standard.explain import explain, render

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "seed_sample.txt"
SEED_LINES = list(dict.fromkeys(line.rstrip("\n") for line in SAMPLE.read_text(encoding="utf-8").splitlines()))
# Words an answer uses when it does not know: none may appear for the seed's sample.
UNKNOWN = ("unknown", "not a relationship type", "not a value type", "does not know", "do not list",
           "not registered", "no registry")


def seed_codes() -> list[tuple[str, str, str]]:
    """(value, scheme, meaning) of each code of the sample: CodeValue, CodingSchemeDesignator, CodeMeaning lines."""
    values = {}
    found = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if len(words) >= 4 and words[3] in ("CodeValue", "CodingSchemeDesignator", "CodeMeaning"):
            values[words[3]] = " ".join(words[4:])
            if words[3] == "CodeMeaning":
                found.append((values["CodeValue"], values["CodingSchemeDesignator"], values["CodeMeaning"]))
    return list(dict.fromkeys(found))


@pytest.mark.parametrize("line", SEED_LINES)
def test_every_line_of_the_seed_sample_is_explained_in_plain_words(k: Any, line: str) -> None:
    answer = explain(line, k)
    assert answer["kind"] == "line"
    text = render(answer)
    assert not any(word in text.lower() for word in UNKNOWN), text
    if "-----------" in line:  # an SR content item's separator
        assert answer["value_words"].startswith("SR content item 1.")
        return
    element = answer["element"]
    assert element and element["brief"], text  # every element has its PS3.6 name and the standard's meaning
    assert element["keyword"] == line.split()[3].split("(")[0]
    keyword = element["keyword"]
    if keyword in ("RelationshipType", "ValueType", "CodingSchemeDesignator", "CodeValue", "CodeMeaning",
                   "CompletionFlag", "VerificationFlag", "PreliminaryFlag", "MappingResource", "MappingResourceUID",
                   "TemplateIdentifier") or line.endswith(")"):
        assert answer["value_words"], f"no words for the value of {line!r}"


def test_the_seed_samples_relationship_and_value_types_in_the_words_of_ps3_3(k: Any) -> None:
    rel = explain("CS (0040, a010)         RelationshipType                                HAS CONCEPT MOD", k)
    assert "PS3.3 C.17.3.2.4" in rel["value_words"] and "qualifies" in rel["value_words"]
    assert "sect_C.17.3.2.4" in rel["links"]["PS3.3 C.17.3.2.4"]
    vt = explain("CS (0040, a040)         ValueType                                       CODE", k)
    assert "coded answer" in vt["value_words"] and "PS3.3 C.17.3.2.1" in vt["value_words"]
    template = explain("CS (0040, db00)         TemplateIdentifier                              1500", k)
    assert template["value_words"].startswith("TID 1500 Measurement Report")
    mapping = explain("UI (0008, 0118)         MappingResourceUID                              1.2.840.10008.8.1.1", k)
    assert "DICOM Content Mapping Resource" in mapping["value_words"]


@pytest.mark.parametrize(("value", "scheme", "meaning"), seed_codes())
def test_every_code_and_scheme_of_the_seed_sample_explains(k: Any, value: str, scheme: str, meaning: str) -> None:
    answer = explain(f"{scheme}:{value}", k)
    assert answer["kind"] == "code" and answer["value"] == value
    text = render(answer)
    if scheme.startswith("99"):
        assert answer["private"] and "Coding Scheme Identification Sequence" in text
    elif scheme == "RFC5646":  # a language tag: the scheme explains it, the file's Code Meaning names it
        assert answer["meaning"] is None and "RFC 5646" in answer["purpose"]
    else:
        assert answer["meaning"] == meaning and answer["purpose"] and not answer["private"]
    scheme_answer = explain(scheme, k)
    assert scheme_answer["kind"] == "scheme"
    assert scheme_answer["registered"] or scheme_answer["private"]
    assert not any(word in render(scheme_answer).lower() for word in UNKNOWN)


def test_the_seed_samples_codes_are_the_ones_expected() -> None:
    assert seed_codes() == [("113011", "DCM", "Document Title Modifier"), ("CHESTCT0304", "99SHSAIRC", "AI-Rad CT Cardio"),
                            ("121049", "DCM", "Language of Content Item and Descendants"), ("eng", "RFC5646", "English")]


def test_a_private_scheme_is_explained_by_the_99_rule(k: Any) -> None:
    answer = explain("99SHSAIRC", k)
    text = render(answer)
    assert answer["private"] and not answer["registered"]
    assert "PS3.16 Section 8" in text and "PS3.3" in text and "Coding Scheme Identification Sequence" in text
    assert explain("99ANYTHING:X1", k)["private"]
    # Was "unknown term" before issue 18, now a plain answer with exit 0.
    proc = run_cli("explain", "99SHSAIRC:CHESTCT0304")
    assert proc.returncode == 0 and "a code of a private coding scheme" in proc.stdout


@pytest.mark.parametrize(("designator", "uid", "name"), [
    ("DCM", "1.2.840.10008.2.16.4", "DICOM Controlled Terminology"),  # the three DCMTK 3.6.7 headers give too
    ("SCT", "2.16.840.1.113883.6.96", "SNOMED CT"),
    ("UCUM", "2.16.840.1.113883.6.8", "Unified Code for Units of Measure"),
    ("LN", "2.16.840.1.113883.6.1", "LOINC"),
    ("RFC5646", "2.16.840.1.113883.6.316", "IETF BCP 47 language tags (RFC 5646)"),
])
def test_registered_schemes_have_name_uid_and_resource(k: Any, designator: str, uid: str, name: str) -> None:
    answer = explain(designator, k)
    assert (answer["kind"], answer["uid"], answer["name"]) == ("scheme", uid, name)
    assert answer["resource"].startswith("http") and "Table 8-1" in render(answer)


def test_every_scheme_pydicoms_codes_use_is_registered(k: Any) -> None:
    from pydicom.sr._concepts_dict import concepts

    assert sorted(s for s in concepts if k.coding_scheme(s) is None) == []


def test_every_dcm_code_resolves_with_meaning_scheme_and_use(k: Any) -> None:
    """PS3.16 Annex D as pydicom carries it (4,800 codes): each resolves, is said to be DICOM's, and gets
    a sentence on where the standard uses it (template rows, context groups, or that none known does)."""
    from pydicom.sr._concepts_dict import concepts

    from dicomhelp.standard.codes import code_facts

    values = {value for by_value in concepts["DCM"].values() for value in by_value}
    assert len(values) > 4000
    used = 0
    for value in values:
        facts = code_facts(k, "DCM", value)
        assert facts is not None and facts["meaning"] and facts["purpose"], value
        assert facts["scheme_info"]["uid"] == "1.2.840.10008.2.16.4"
        used += bool(facts["used_in"] or facts["context_groups"])
    assert used > 2500  # most DCM codes are in a template row or a context group


def test_every_context_group_lists_its_codes(k: Any) -> None:
    from pydicom.sr._cid_dict import cid_concepts, name_for_cid

    empty = []
    for number in name_for_cid:
        answer = explain(f"CID {number}", k)
        text = render(answer)
        expected = sum(len(v) for v in cid_concepts[number].values())
        assert len(answer["members"]) >= expected * 0.9, number  # pydicom's keywords may repeat a code
        for member in answer["members"][:25]:
            assert f"({member['value']}, {member['scheme']}, " in text
        if not answer["members"]:
            empty.append(number)
            assert "pydicom lists none" in text
    # The groups pydicom gives no codes for are defined by reference (languages, countries) or by other groups.
    assert len(empty) <= 12, empty


@pytest.mark.parametrize(("cid", "at_least"), [(7150, 8), (7151, 800), (7152, 6)])
def test_the_segmentation_context_groups_resolve_with_their_codes(k: Any, cid: int, at_least: int) -> None:
    info = k.cid(cid)  # issue 16's SEG builder uses these through the same lookup
    assert info is not None and len(info.members) >= at_least
    assert all(k.code(c.scheme, c.value) is not None for c in info.members)


def test_context_groups_say_whether_they_are_extensible(k: Any) -> None:
    assert k.cid(244).extensible is False  # PS3.16 CID 244 Laterality: "Type: Non-extensible"
    assert k.cid(7021).extensible is True  # CID 7021 Measurement Report Document Titles: "Type: Extensible"
    assert k.cid(244).uid == "1.2.840.10008.6.1.37"
    assert "non-extensible" in render(explain("CID 244", k))


# "Used in", checked against PS3.16 Annex A (the template tables named in each case).
USED_IN = [
    ("DCM", "113011", 2010, {"2", "3", "4"}),   # Table TID 2010 Key Object Selection, rows 2-4: Document Title Modifier
    ("DCM", "113012", 2010, {"7"}),             # Table TID 2010, row 7: Key Object Description
    ("DCM", "121049", 1204, {"1"}),             # Table TID 1204 Language of Content Item and Descendants, row 1
    ("DCM", "121046", 1204, {"2"}),             # Table TID 1204, row 2: Country of Language
    ("DCM", "121058", 1500, {"4"}),             # Table TID 1500 Measurement Report, row 4: Procedure reported
    ("DCM", "126010", 1500, {"6"}),             # Table TID 1500, row 6: Imaging Measurements
    ("DCM", "126011", 1500, {"10"}),            # Table TID 1500, row 10: Derived Imaging Measurements
    ("UMLS", "C0034375", 1500, {"12"}),         # Table TID 1500, row 12: Qualitative Evaluations
    ("DCM", "121005", 1002, {"1"}),             # Table TID 1002 Observer Context, row 1: Observer Type
    ("DCM", "111001", 4019, {"1"}),             # Table TID 4019 Algorithm Identification, row 1: Algorithm Name
]


@pytest.mark.parametrize(("scheme", "value", "tid", "rows"), USED_IN)
def test_used_in_names_the_templates_and_rows_of_ps3_16(k: Any, scheme: str, value: str, tid: int,
                                                         rows: set[str]) -> None:
    answer = explain(f"{scheme}:{value}", k)
    found = {u["row"] for u in answer["used_in"] if u["tid"] == tid and u["role"] == "concept name"}
    assert rows <= found, (answer["used_in"], rows)
    assert f"TID {tid} " in render(answer)


# A code's context groups and templates together, checked against PS3.16 Annex B (the CID tables named) and
# Annex A (the template tables).
CODE_IN = [
    ("DCM", "121071", {7002}, {1501, 1410, 1411}),  # CID 7002 Diagnostic Imaging Report Elements lists
                                                    # "Finding"; Tables TID 1501, 1410, 1411 name it as a concept
    ("DCM", "126000", {7021}, set()),               # CID 7021 Measurement Report Document Titles: its first code
    ("SCT", "81827009", {7469, 7470}, set()),       # CID 7469 Generic Intensity and Size Measurements, CID 7470
                                                    # Linear Measurements: "Diameter"
    ("DCM", "113011", set(), {2010}),               # in no context group; Table TID 2010 rows 2-4
]


@pytest.mark.parametrize(("scheme", "value", "cids", "tids"), CODE_IN)
def test_a_codes_used_in_lists_its_context_groups_and_templates(k: Any, scheme: str, value: str, cids: set[int],
                                                                tids: set[int]) -> None:
    answer = explain(f"{scheme}:{value}", k)
    text = render(answer)
    assert cids <= {g["cid"] for g in answer["context_groups"]}
    assert tids <= {u["tid"] for u in answer["used_in"]}
    for cid in cids:
        assert f"CID {cid} " in text.split("In context groups:")[1].splitlines()[0]
        assert any(m["value"] == value for m in explain(f"CID {cid}", k)["members"])  # and the group lists it
    for tid in tids:
        assert f"  TID {tid} " in text
    if not cids:
        assert "In context groups: none that dicomhelp knows" in text


@pytest.mark.parametrize(("cid", "tid", "row", "role"), [
    (7021, 1500, "1", "concept names"),  # Table TID 1500 row 1: the title is DCID 7021
    (100, 1500, "4", "values"),          # Table TID 1500 row 4: BCID 100 Quantitative Diagnostic Imaging Procedure
    (5000, 1204, "1", "values"),         # Table TID 1204 row 1: DCID 5000 Language
])
def test_a_context_groups_used_in_lists_templates(k: Any, cid: int, tid: int, row: str, role: str) -> None:
    uses = explain(f"CID {cid}", k)["used_in"]
    assert any(u["tid"] == tid and u["row"] == row and u["role"] == role for u in uses), uses


def test_a_template_dicomhelp_does_not_write_by_hand_shows_pixelmeds_rows(k: Any) -> None:
    answer = explain("TID 2010", k)
    text = render(answer)
    assert answer["name"] == "Key Object Selection" and "PixelMed" in answer["source"]
    assert '(113011, DCM, "Document Title Modifier")' in text
    assert {i["tid"] for i in answer["includes"]} >= {1204, 1002}


@pytest.mark.parametrize(("unit", "words"), [
    ("mm", "millimeter"), ("mm2", "square millimeter"), ("cm3", "cubic centimeter"), ("ml/s", "milliliter per second"),
    ("[hnsf'U]", "Hounsfield unit"), ("/cm", "per centimeter"), ("kg/m2", "kilogram per square meter"),
    ("s-1", "per second"), ("{ratio}", "ratio: no unit (UCUM's unity, annotated)"), ("%", "percent"),
])
def test_ucum_units_in_plain_words(k: Any, unit: str, words: str) -> None:
    from dicomhelp.create.sr.ucum import UCUMError, describe

    assert describe(unit) == words
    assert explain(f"UCUM:{unit}", k)["unit"] == words
    with pytest.raises(UCUMError):
        describe("mmm")


def test_an_unknown_code_of_a_registered_scheme_is_a_clear_usage_error(k: Any) -> None:
    with pytest.raises(UsageError) as err:
        explain("DCM:999999999", k)
    assert "unknown code DCM:999999999" in err.value.one_line()
    assert_clean_failure(run_cli("explain", "UCUM:mmm"), 2)


# -- a code in the context of a file --------------------------------------------------------------

@pytest.fixture(scope="module")
def vendor_sr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TID 1500 report with the seed's Siemens title modifier and its private scheme declared."""
    from dicomhelp.create.sr import create_sr, load_sr_spec
    from dicomhelp.samples import make_sample_study

    folder = tmp_path_factory.mktemp("vendor")
    make_sample_study(folder / "study")
    spec = folder / "ai.yaml"
    spec.write_text("""\
document:
  title_modifiers: [[CHESTCT0304, 99SHSAIRC, AI-Rad CT Cardio]]
  coding_schemes: {99SHSAIRC: AI-Rad product codes}
  language: {value: eng, scheme: RFC5646, meaning: English}
observer:
  device: {name: LungAI, uid: 2.25.1234567890}
groups:
  - tracking_id: candidate 1
    images: [1]
    measurements:
      - {concept: "SCT: Diameter", value: 7.9, unit: mm}
""", encoding="utf-8")
    out = folder / "ai.dcm"
    create_sr(load_sr_spec(spec), [folder / "study"], out)
    return out


def test_explain_in_a_file_gives_the_concept_and_its_value_together(k: Any, vendor_sr: Path) -> None:
    answer = explain("DCM:113011", k, in_file=str(vendor_sr))
    (item,) = answer["in_file"]["occurrences"]
    assert item["position"] == "1.1" and item["relationship"] == "HAS CONCEPT MOD"
    assert item["words"].startswith("Document Title Modifier = AI-Rad CT Cardio (CHESTCT0304, 99SHSAIRC): "
                                    "qualifies the report's title")
    assert "vendor-private code of 99SHSAIRC" in item["words"] and '"AI-Rad product codes"' in item["words"]
    scheme = explain("99SHSAIRC", k, in_file=str(vendor_sr))["in_file"]
    assert scheme["scheme_entry"]["CodingSchemeName"] == "AI-Rad product codes"
    assert [o["position"] for o in scheme["occurrences"]] == ["1.1"]
    unit = explain("SCT:81827009", k, in_file=str(vendor_sr))["in_file"]["occurrences"][0]
    assert unit["words"].startswith("Diameter = 7.9 mm") and "millimeter" in unit["words"]


def test_explain_in_on_the_command_line(k: Any, vendor_sr: Path, tmp_path: Path) -> None:
    proc = run_cli("explain", "DCM:113011", "--in", str(vendor_sr))
    assert proc.returncode == 0, proc.stderr
    assert f"In {vendor_sr}:" in proc.stdout and "1.1  HAS CONCEPT MOD  CODE  Document Title Modifier = AI-Rad" in proc.stdout
    data = json.loads(run_cli("explain", "--json", "99SHSAIRC", "--in", str(vendor_sr)).stdout)
    assert data["in_file"]["scheme_entry"]["CodingSchemeName"] == "AI-Rad product codes"
    missing = run_cli("explain", "DCM:113011", "--in", str(tmp_path / "nothere.dcm"))
    assert_clean_failure(missing, 2)
    assert "nothere.dcm: no such file" in missing.stderr
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"not dicom at all" * 10)
    assert_clean_failure(run_cli("explain", "DCM:113011", "--in", str(junk)), 1)
    assert_clean_failure(run_cli("explain", "CS", "--in", str(vendor_sr)), 2)


def test_dump_explain_says_each_content_item_in_plain_words(k: Any, vendor_sr: Path) -> None:
    proc = run_cli("dump", "--explain", "--no-meta", str(vendor_sr))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    first = lines.index("1.1 -----------    1")
    assert lines[first + 1].strip() == (
        "=> HAS CONCEPT MOD (qualifies its parent's concept): Document Title Modifier = AI-Rad CT Cardio "
        "(CHESTCT0304, 99SHSAIRC): qualifies the report's title; here a vendor-private code of 99SHSAIRC "
        "(its meaning is only what the file says); the file declares 99SHSAIRC as \"AI-Rad product codes\"")
    items = [ln for ln in lines if "-----------" in ln]
    explained = [ln for ln in lines if ln.strip().startswith("=> ")]
    assert len(items) == len(explained) > 10  # every content item has its line
    assert any("Diameter = 7.9 mm" in ln and "millimeter" in ln for ln in explained)
    # A DCM concept dicomhelp has no note for is said in the words of its PS3.16 Annex D definition.
    assert any(ln.strip() == "=> CONTAINS (part of its parent): Image Library Group: A container that groups common "
               "information about a set of images used as evidence to produce a report (PS3.16 Annex D); a heading "
               "over 1 item(s)" for ln in explained)
    assert any("Modality = Computed Tomography (CT, DCM): Type of data acquisition device (PS3.16 Annex D)" in ln
               for ln in explained)


def test_the_usage_table_is_what_its_generator_makes_from_pixelmeds_jar() -> None:
    pixelmed_jar()  # skips on a user's machine without PixelMed, fails in CI
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_ps316_usage.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((ROOT / "src" / "dicomhelp" / "data" / "standard" / "ps316_usage.json").read_text())
    assert data["source"]["generator"] == "scripts/build_ps316_usage.py" and "pixelmed" in data["source"]["taken_from"]
    assert len(data["context_groups"]) > 200 and len(data["templates"]) > 100


def test_sources_name_the_ps316_tables_and_the_schemes(k: Any) -> None:
    proc = run_cli("explain", "--sources")
    assert "PixelMed PS3.16 tables as generated into PixelMed's pixelmed-" in proc.stdout
    assert "dicomhelp coding schemes PS3.16" in proc.stdout
