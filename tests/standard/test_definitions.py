"""DCM code definitions (PS3.16 Annex D, Table D-1) as explain gives them (issue 18).

The definitions are those of PS3.16 of 2015-04-20, as HL7's FHIR R4B core package
(npm hl7.fhir.r4b.core 4.3.0, CC0) carries them; scripts/build_ps316_definitions.py
makes data/standard/dcm_definitions.json from it. Codes added since have no
definition there, and explain says so instead of making one up.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support import run_cli

from dicomhelp.standard.codes import code_facts
from dicomhelp.standard.explain import explain, render

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "dicomhelp" / "data" / "standard" / "dcm_definitions.json"
SCRIPT = ROOT / "scripts" / "build_ps316_definitions.py"
EXCERPT = ROOT / "tests" / "data" / "CodeSystem-dicom-dcim.excerpt.json"
EDITION = "2015-04-20"


def table() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_ps316_definitions", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def words(text: str) -> str:
    """Letters and digits only: the PDF's copy loses spaces, later editions add full stops and commas."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def test_the_data_records_its_source_edition_and_licence() -> None:
    source = table()["source"]
    assert source["edition"] == EDITION and source["package"] == "hl7.fhir.r4b.core 4.3.0 (npm)"
    assert source["licence"].startswith("CC0-1.0") and source["generator"] == "scripts/build_ps316_definitions.py"
    assert source["counts"] == {"codes": 3156, "with_definition": 3124, "retired": 141}


def test_every_annex_d_code_of_the_edition_resolves_with_its_definition(k: Any) -> None:
    data = table()
    fields = data["fields"]
    for value, row in data["codes"].items():
        entry = dict(zip(fields, row))
        facts = code_facts(k, "DCM", value)
        assert facts is not None, value
        definition = facts["definition"]
        assert definition["edition"] == EDITION
        assert definition["text"] == entry["definition"], value
        assert definition["retired"] == entry["retired"], value
        if entry["definition"] is None:  # only retired codes lack one in that edition
            assert entry["retired"] and "retired code" in definition["missing"], value


def test_the_definition_is_printed_with_its_edition(k: Any) -> None:
    text = render(explain("DCM:121049", k))
    assert ("Definition (PS3.16 Annex D, 2015-04-20 edition): The language of the current content item "
            "(node in a tree of content) and all its descendants") in text
    proc = run_cli("explain", "DCM:111001")
    assert proc.returncode == 0, proc.stderr
    assert "Definition (PS3.16 Annex D, 2015-04-20 edition): The name assigned by a manufacturer" in proc.stdout
    data = json.loads(run_cli("explain", "--json", "DCM:111001").stdout)
    assert data["definition"]["text"].startswith("The name assigned by a manufacturer")
    assert "HL7 FHIR DCM code system 2015-04-20 edition of PS3.16" in run_cli("explain", "--sources").stdout


def test_retired_codes_say_they_are_retired(k: Any) -> None:
    addendum = explain("DCM:121078", k)  # retired without a definition, replaced by a LOINC code
    text = render(addendum)
    assert addendum["definition"]["retired"] and addendum["definition"]["text"] is None
    assert "Retired in PS3.16 (2015-04-20 edition): not for new objects; replaced by (55107-7, LN, \"Addendum\")" in text
    assert "gives this retired code a meaning but no definition" in text
    angioscopy = explain("DCM:AS", k)  # retired with a definition
    assert angioscopy["definition"]["text"] == "Angioscopy device"
    assert "Retired in PS3.16 (2015-04-20 edition)" in render(angioscopy)
    retired = [v for v, row in table()["codes"].items() if row[2]]
    assert len(retired) == 141
    assert all(code_facts(k, "DCM", v)["definition"]["retired"] for v in retired)


def test_a_code_newer_than_the_edition_says_it_has_no_definition_here(k: Any) -> None:
    from pydicom.sr._concepts_dict import concepts

    answer = explain("DCM:126029", k)  # "LWH method for volume of ellipsoid": after 2015
    definition = answer["definition"]
    assert definition["text"] is None and not definition["retired"]
    assert definition["missing"].startswith("no definition in the 2015 edition of PS3.16 this project has")
    assert "chapter_D.html#DCM_126029" in definition["missing"]
    assert "Definition: no definition in the 2015 edition of PS3.16 this project has" in render(answer)
    known = table()["codes"]
    newer = {v for by_value in concepts["DCM"].values() for v in by_value if v not in known}
    assert len(newer) > 1500  # pydicom's 4,755 DCM codes against the edition's 3,156
    for value in newer:
        facts = code_facts(k, "DCM", value)
        assert facts["definition"]["text"] is None and facts["definition"]["missing"], value


def test_a_reworded_meaning_shows_the_current_one_and_notes_the_older(k: Any) -> None:
    answer = explain("DCM:AU", k)
    assert answer["meaning"] == "Basic Voice Audio"  # pydicom's, the current edition's
    assert answer["definition"]["older_meaning"] == "Audio" and answer["definition"]["text"] == "Audio object"
    assert 'Meaning in the 2015-04-20 edition: "Audio"' in render(answer)
    assert explain("DCM:121049", k)["definition"]["older_meaning"] is None
    reworded = sum(bool(code_facts(k, "DCM", v)["definition"]["older_meaning"]) for v in table()["codes"])
    assert reworded == 113


def test_other_schemes_have_no_dcm_definition(k: Any) -> None:
    assert explain("SCT:81827009", k)["definition"] is None
    assert "Definition" not in render(explain("SCT:81827009", k))


# Spot checks against PS3.16's own text: Table D-1 of PS3.16 2020a (pages 1141 and 1271 of the PDF), rows
# that read the same as in the 2015-04-20 edition but for punctuation (2020a writes ". E.g.," for "; e.g."
# and ends each definition with a full stop). Retired rows give no definition in either edition.
SPOT_CHECKS = [
    ("FP", "Female Pseudohermaphrodite."),
    ("H", "Hermaphrodite."),
    ("IVOCT", "An acquisition device, process or method that performs intravascular optical coherence tomography"),
    ("121077", "An interpretation in the clinical context of the finding(s) on an imaging study."),
    ("121080", "A selection of composite instances that best illustrates a particular finding. E.g., an image "
               "slice at the location of the largest extent of a tumor."),
    ("121088", "A medical practitioner undergoing sub-specialty training. E.g., during the period after "
               "specialty training (residency)."),
    ("121078", None),  # Addendum: "Retired. Replaced by (55107-7, LN, "Addendum")"
    ("121081", None),  # Physician: retired
    ("121082", None),  # Nurse: retired
    ("121089", None),  # Attending [Consultant]: retired
]


@pytest.mark.parametrize(("value", "ps316"), SPOT_CHECKS)
def test_definitions_read_as_ps3_16_table_d_1(k: Any, value: str, ps316: str | None) -> None:
    definition = explain(f"DCM:{value}", k)["definition"]
    if ps316 is None:
        assert definition["retired"] and definition["text"] is None
    else:
        assert words(definition["text"]) == words(ps316)


def test_the_2015_text_is_kept_as_that_edition_wrote_it(k: Any) -> None:
    # PS3.16 2020a p. 1271 reads "Initial images used to establish a beginning condition ..."; the 2015
    # edition misspelt it, and dicomhelp shows the edition's text rather than a corrected guess.
    text = explain("DCM:121079", k)["definition"]["text"]
    assert text.startswith("Initial images used to esyablish a beginning condition that is used for comparison")
    assert 'Paraphrases NCI-PT (C1442488, UMLS, "Baseline")' in text


def test_the_parser_reads_the_fhir_code_system() -> None:
    build = script()
    raw = EXCERPT.read_bytes()
    rows = build.definitions(json.loads(raw))
    assert rows["113011"] == ["Document Title Modifier", "Document Title Modifier", False, None, None]
    assert rows["111254"] == ["Asynchronous involution", None, True,
                              ["F-8A063", "SRT", "Asynchronous involution of breast"], None]
    assert rows["AS"][1:3] == ["Angioscopy device", True]
    assert rows["CD"][3] is not None and rows["CD"][3][1] == "DCM"  # replaced by a DCM code
    assert rows["109110"][4] and rows["109110"][4].startswith("May include the patient's voice")
    table_ = build.build(raw, "excerpt")
    assert table_["source"]["edition"] == EDITION and table_["source"]["counts"]["codes"] == len(rows)
    assert json.loads(build.render(table_)) == table_
    with pytest.raises(ValueError):
        build.definitions({"url": "http://loinc.org", "concept": []})


def test_the_script_regenerates_the_committed_file() -> None:
    tarball = script().cached_tarball()
    if not tarball.exists():  # never downloaded in a test: the parser is tested on the excerpt above
        pytest.skip(f"{tarball} is not cached (run scripts/build_ps316_definitions.py once)")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--check", "--no-download"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_code_value_line_of_the_seed_sample_gives_the_definition(k: Any) -> None:
    line = "SH (0008, 0100)                 CodeValue                                       121049"
    assert line in (ROOT / "tests" / "data" / "seed_sample.txt").read_text(encoding="utf-8")
    assert ('known in DCM: "Language of Content Item and Descendants", defined by PS3.16 Annex D as "The language '
            'of the current content item (node in a tree of content) and all its descendants"') in \
        explain(line, k)["value_words"]
    # A definition that only repeats the meaning (113011's) is not repeated.
    assert "defined by" not in explain("SH (0008, 0100) CodeValue 113011", k)["value_words"]
