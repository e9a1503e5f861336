"""The generic spec loader (dicomhelp.create.spec) that every creator uses."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Literal

import pytest

from dicomhelp.create.spec import from_data, json_schema, load_spec, to_data
from dicomhelp.errors import SpecError


@dataclass
class Measurement:
    name: str
    value: float
    unit: str = field(default="mm", metadata={"doc": "UCUM unit"})


@dataclass
class Group:
    measurements: list[Measurement] = field(default_factory=list)
    kind: Literal["planar", "volumetric"] = "planar"
    origin: str | None = field(default=None, metadata={"key": "from"})


@dataclass
class Doc:
    title: str
    groups: list[Group] = field(default_factory=list)
    flags: dict[str, bool] = field(default_factory=dict)


GOOD = {"title": "T", "groups": [{"measurements": [{"name": "d", "value": 3}], "from": "x"}]}


def test_builds_typed_objects() -> None:
    doc = from_data(Doc, GOOD)
    assert doc.groups[0].measurements[0].value == 3.0
    assert isinstance(doc.groups[0].measurements[0].value, float)
    assert doc.groups[0].origin == "x"


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ({"title": "T", "groups": [{}, {}, {"measurements": [{"name": "d", "value": 1, "unti": "mm"}]}]},
         "groups[2].measurements[0].unti", ["unknown key", "did you mean 'unit'"]),
        ({"title": "T", "groups": [{"measurements": [{"name": "d", "value": "three"}]}]},
         "groups[0].measurements[0].value", ["expected a number", "'three'"]),
        ({"groups": []}, "title", ["required"]),
        ({"title": "T", "groups": [{"kind": "planr"}]}, "groups[0].kind", ["not one of", "did you mean 'planar'"]),
        ({"title": "T", "groups": {"a": 1}}, "groups", ["expected a list"]),
        ({"title": "T", "flags": {"x": "yes"}}, "flags.x", ["true or false"]),
        ({"title": "T", "groups": [{"measurements": [{"name": "d", "value": True}]}]},
         "groups[0].measurements[0].value", ["expected a number"]),
    ],
)
def test_errors_name_the_spec_path(data: dict, path: str, words: list[str]) -> None:
    with pytest.raises(SpecError) as info:
        from_data(Doc, data)
    assert info.value.source == path
    text = info.value.one_line()
    assert text.startswith(path + ": ")
    for word in words:
        assert word in text
    assert "\n" not in text


def test_yaml_and_json_files(tmp_path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(GOOD))
    (tmp_path / "a.yaml").write_text("title: T\ngroups:\n  - from: x\n    measurements:\n      - {name: d, value: 3}\n")
    assert load_spec(Doc, tmp_path / "a.json") == load_spec(Doc, tmp_path / "a.yaml")
    (tmp_path / "bad.yaml").write_text("title: [unclosed\n")
    with pytest.raises(SpecError, match="not valid YAML.*line"):
        load_spec(Doc, tmp_path / "bad.yaml")


def test_round_trip_leaves_out_defaults() -> None:
    doc = from_data(Doc, GOOD)
    assert to_data(doc) == {"title": "T", "groups": [{"measurements": [{"name": "d", "value": 3.0}], "from": "x"}]}
    assert from_data(Doc, to_data(doc)) == doc


def test_schema_comes_from_the_dataclasses() -> None:
    schema = json_schema(Doc, title="doc")
    defs = schema["$defs"]
    assert schema["required"] == ["title"] and schema["additionalProperties"] is False
    assert defs["Measurement"]["properties"]["unit"] == {"type": "string", "description": "UCUM unit", "default": "mm"}
    assert defs["Group"]["properties"]["kind"]["enum"] == ["planar", "volumetric"]
    assert "from" in defs["Group"]["properties"]
    assert defs["Group"]["properties"]["from"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    # Every $ref resolves (the schema is self-contained).
    refs = set(re.findall(r'"#/\$defs/(\w+)"', json.dumps(schema)))
    assert refs and refs <= set(defs)


def test_sr_codes_in_every_form() -> None:
    from dicomhelp.create.sr.spec import Code

    liver = Code("10200004", "SCT", "Liver")
    for form in ("SCT: Liver", "SCT:10200004", "sct: liver", ["10200004", "SCT", "Liver"],
                 {"value": "10200004", "scheme": "SCT", "meaning": "Liver"}):
        assert from_data(Code, form, "c") == liver
    assert from_data(Code, [126000, "DCM", "Imaging Measurement Report"], "c").value == "126000"
    assert from_data(Code, "DCM: 126000", "c").meaning == "Imaging Measurement Report"
    for bad, words in ((["1", "SCT"], "triplet"), ("Liver", "not a code"), ("XYZ: Liver", "no scheme 'XYZ'"),
                       ({"value": "1", "scheme": "SCT"}, "'meaning' is required"), (3, "expected a code")):
        with pytest.raises(SpecError, match=words):
            from_data(Code, bad, "c")
