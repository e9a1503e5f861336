"""`dicomhelp explain`: every kind of term, spellings, unknown terms, --json and --sources."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support import assert_clean_failure, run_cli

from dicomhelp.errors import UsageError
from dicomhelp.standard.explain import explain, render

# The elements of the seed's sample dump (docs the project started from): tag, keyword.
SEED_ELEMENTS = [
    ("(0040, a491)", "CompletionFlag"), ("(0040, a493)", "VerificationFlag"), ("(0040, a496)", "PreliminaryFlag"),
    ("(0040, a504)", "ContentTemplateSequence"), ("(0008, 0105)", "MappingResource"),
    ("(0008, 0118)", "MappingResourceUID"), ("(0040, db00)", "TemplateIdentifier"),
    ("(0040, a730)", "ContentSequence"), ("(0040, a010)", "RelationshipType"), ("(0040, a040)", "ValueType"),
    ("(0040, a043)", "ConceptNameCodeSequence"), ("(0008, 0100)", "CodeValue"),
    ("(0008, 0102)", "CodingSchemeDesignator"), ("(0008, 0104)", "CodeMeaning"),
    ("(0040, a168)", "ConceptCodeSequence"),
]
SEED_CODES = [("DCM", "113011", "Document Title Modifier"), ("DCM", "121049", "Language of Content Item and Descendants")]


@pytest.mark.parametrize(("tag", "keyword"), SEED_ELEMENTS)
def test_every_element_of_the_seed_sample_explains(k: Any, tag: str, keyword: str) -> None:
    by_tag = explain(tag.replace(" ", ""), k)
    assert by_tag["keyword"] == keyword
    assert by_tag == {**explain(keyword, k), "term": by_tag["term"]}
    assert by_tag["description"], "dicom-standard is installed in the test environment: prose expected"
    assert by_tag["modules"], f"{keyword} is used by some module of PS3.3"
    assert k.brief(int(tag.strip("()").replace(", ", ""), 16))


@pytest.mark.parametrize(("scheme", "value", "meaning"), SEED_CODES)
def test_the_codes_of_the_seed_sample_explain(k: Any, scheme: str, value: str, meaning: str) -> None:
    assert explain(f"{scheme}:{value}", k)["meaning"] == meaning
    assert explain(value, k)["meaning"] == meaning


def test_tag_spellings_give_the_same_answer_on_the_command_line(k: Any) -> None:
    outputs = {run_cli("explain", spelling).stdout for spelling in ("(0008,0104)", "00080104", "0008,0104",
                                                                    "CodeMeaning")}
    assert len(outputs) == 1
    assert next(iter(outputs)).startswith("Code Meaning (0008,0104), keyword CodeMeaning")


@pytest.mark.parametrize(("term", "kind", "first_line"), [
    ("RelationshipType", "attribute", "Relationship Type (0040,A010), keyword RelationshipType"),
    ("CS", "vr", "CS: Code String (value representation)"),
    ("1.2.840.10008.5.1.4.1.1.88.22", "uid", "1.2.840.10008.5.1.4.1.1.88.22: Enhanced SR Storage"),
    ("1.2.840.10008.1.2.4.80", "uid", "1.2.840.10008.1.2.4.80: JPEG-LS Lossless Image Compression"),
    ("DCM:121049", "code", '(121049, DCM, "Language of Content Item and Descendants")'),
    ("SCT:118565006", "code", '(118565006, SCT, "Volume'),
    ("CID 7469", "cid", "CID 7469 Generic Intensity and Size Measurement: a context group of"),
    ("TID 1500", "tid", "TID 1500 Measurement Report (extensible, root template"),
    ("Enhanced SR", "iod", "Enhanced SR IOD (enhanced-sr)"),
    ("SR Document Content", "module", "SR Document Content module (sr-document-content)"),
    ("ContentSequence[0].ConceptNameCodeSequence[0].CodeMeaning", "attribute", "Code Meaning (0008,0104)"),
])
def test_each_kind_of_term(k: Any, term: str, kind: str, first_line: str) -> None:
    answer = explain(term, k)
    assert answer["kind"] == kind
    text = render(answer)
    assert text.splitlines()[0].startswith(first_line), text.splitlines()[0]
    assert "https://" in text  # every answer links to the standard


def test_attribute_answer_has_vr_rules_types_terms_and_links(k: Any) -> None:
    answer = explain("RelationshipType", k)
    assert answer["vr"] == "CS" and answer["vr_max_length"] == 16 and answer["vm"] == "1"
    assert "HAS OBS CONTEXT" in answer["enumerated"]
    sr = next(m for m in answer["modules"] if m["module"] == "sr-document-content")
    assert sr["places"][0] == {"path": ["ContentSequence"], "type": "1", "condition": None}
    assert {"id": "enhanced-sr", "usage": "M"} in sr["iods"]
    assert answer["links"]["Innolitics"].startswith("https://dicom.innolitics.com/ciods/")
    conditional = explain("ReferencedContentItemIdentifier", k)
    assert any(p["condition"] for m in conditional["modules"] for p in m["places"] if p["type"].endswith("C"))


def test_path_answer_names_the_enclosing_sequences(k: Any) -> None:
    answer = explain("ContentSequence[0].ConceptNameCodeSequence[0].CodeMeaning", k)
    assert answer["within"] == ["ContentSequence", "ConceptNameCodeSequence"]


def test_tid_rows_show_included_templates(k: Any) -> None:
    rows = explain("TID 1500", k)["rows"]
    assert rows[1]["include_template"] == 1204 and rows[2]["include_template"] == 1001
    assert rows[3]["concept"] == {"scheme": "DCM", "value": "121058", "meaning": "Procedure reported"}


@pytest.mark.parametrize(("term", "suggestion"), [
    ("PatientNme", "PatientName"), ("RelationshipTyp", "RelationshipType"), ("Enhanced SRR", "Enhanced SR"),
])
def test_unknown_terms_get_did_you_mean(k: Any, term: str, suggestion: str) -> None:
    with pytest.raises(UsageError) as err:
        explain(term, k)
    assert suggestion in err.value.one_line()


def test_unknown_term_on_the_command_line_is_one_line_exit_2(k: Any) -> None:
    proc = run_cli("explain", "PatientNme")
    assert_clean_failure(proc, 2)
    assert proc.stderr.strip().splitlines() == [
        "dicomhelp: error: unknown term 'PatientNme' (did you mean PatientName, patient, PatientSex?)"]
    assert proc.stdout == ""
    for bad in ("CID 999999", "TID 99999", "1.2.3.4.5", "(0009,1001)", "XYZ:123", '(0029,"NOBODY",10)'):
        assert_clean_failure(run_cli("explain", bad), 2)


def test_json_output_is_the_answer(k: Any) -> None:
    proc = run_cli("explain", "--json", "CID", "7469")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["kind"] == "cid" and data["number"] == 7469 and len(data["members"]) > 100


def test_sources_lists_each_source_with_its_version(k: Any) -> None:
    import highdicom
    import pydicom

    proc = run_cli("explain", "--sources")
    assert proc.returncode == 0, proc.stderr
    assert f"pydicom {pydicom.__version__}:" in proc.stdout
    assert f"highdicom {highdicom.__version__}:" in proc.stdout
    assert "dicom-standard 0.1.0:" in proc.stdout
    assert "dicomhelp templates PS3.16" in proc.stdout


def test_attribute_answer_has_the_ps315_basic_profile_action(k: Any) -> None:
    assert explain("PatientName", k)["deidentification"]["action"] == "Z"
    uid = explain("StudyInstanceUID", k)
    assert uid["deidentification"]["action"] == "U" and "part15" in uid["links"]["PS3.15"]
    assert explain("Rows", k)["deidentification"] is None  # not in the profile's table: kept


def test_terminal_styling_keeps_the_text(k: Any) -> None:
    """On a terminal the answer is styled with rich; the words must be exactly the plain ones."""
    import io

    from rich.console import Console

    from dicomhelp.cli.explain import styled

    text = render(explain("TID 1500", k)) + "\n[not markup] and [bold]literal[/bold]"
    buffer = io.StringIO()
    Console(file=buffer, force_terminal=True, color_system="standard", soft_wrap=True).print(styled(text))
    import re

    plain = re.sub(r"\x1b\[[0-9;]*m", "", buffer.getvalue())
    assert plain.rstrip("\n") == text
    assert "\x1b[1m" in buffer.getvalue()  # the title is bold


def test_every_keyword_uid_and_code_of_pydicom_explains(k: Any) -> None:
    """The whole dictionaries through `explain` (in process, to stay fast): no term of them is unknown."""
    from pydicom.datadict import keyword_dict
    from pydicom.sr._concepts_dict import concepts
    from pydicom.uid import UID_dictionary

    for keyword in filter(None, keyword_dict):
        answer = explain(keyword, k)
        assert (answer["kind"], answer["keyword"]) == ("attribute", keyword)
        assert render(answer)
    for uid in UID_dictionary:
        answer = explain(uid, k)
        assert (answer["kind"], answer["uid"]) == ("uid", uid)
        assert render(answer)
    for scheme, table in concepts.items():
        for values in table.values():
            for value in filter(None, values):  # pydicom lists one LOINC code with an empty value
                answer = explain(f"{scheme}:{value}", k)
                assert (answer["kind"], answer["scheme"], answer["value"]) == ("code", scheme, value)
                assert render(answer)


def test_module_answer_lists_types_with_conditions(k: Any) -> None:
    answer = explain("SR Document General", k)
    by_keyword = {(tuple(a["path"]), a["keyword"]): a for a in answer["attributes"]}
    assert by_keyword[((), "ContentDate")]["type"] == "1"
    instance = by_keyword[((), "ReferencedInstanceSequence")]
    assert instance["type"] == "1C" and instance["condition"].startswith("Required if")
    assert "Required if the identity of a CDA Document" in render(answer)
    assert {"id": "enhanced-sr", "usage": "M"} in answer["iods"]


def test_private_element_named_by_its_creator(k: Any) -> None:
    answer = explain('(0029,"SIEMENS CSA HEADER",10)', k)
    assert (answer["kind"], answer["name"], answer["vr"]) == ("private", "CSA Image Header Info", "OB")
    assert render(answer).startswith('CSA Image Header Info (0029,xx10), a private element of "SIEMENS CSA HEADER"')


@pytest.mark.parametrize("term", ["patientname", "Patient's Name", "patient name", "PATIENTNAME"])
def test_keywords_and_names_spelled_loosely_still_explain(k: Any, term: str) -> None:
    answer = explain(term, k)
    assert answer["keyword"] == "PatientName" and answer["term"] == term
