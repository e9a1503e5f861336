"""The commands: create sr, schema sr, sr --to-spec; bad specs give one line naming the spec path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pydicom
import pytest
import yaml

from sr import sr_specs as specs
from support import assert_clean_failure, dsrdump, run_cli
from dicomhelp.create.sr import load_sr_spec

EXAMPLE = Path(__file__).parents[2] / "src" / "dicomhelp" / "data" / "examples" / "sr-example.yaml"


def _write(tmp_path: Path, data: dict[str, Any], name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_create_sr_from_the_example(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "sr.dcm"
    proc = run_cli("create", "sr", str(EXAMPLE), "--source", str(study), "-o", str(out), "--uid-seed", "s", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["iod"] == "enhanced" and info["groups"] == 3
    ds = pydicom.dcmread(out)
    assert ds.SOPInstanceUID == info["sop_instance_uid"]
    assert dsrdump(out).ok
    # --uid-seed: the same inputs give the same UIDs (a re-run replaces, not duplicates).
    again = tmp_path / "again.dcm"
    run_cli("create", "sr", str(EXAMPLE), "--source", str(study), "-o", str(again), "--uid-seed", "s")
    assert pydicom.dcmread(again).SOPInstanceUID == ds.SOPInstanceUID


def _bad(data: dict[str, Any], where: list[str], change: Any) -> dict[str, Any]:
    """``data`` with the value at ``where`` (keys / indexes) replaced (or a key added)."""
    target: Any = data
    for key in where[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = where[-1]
    if isinstance(target, list):
        target[int(last)] = change
    else:
        target[last] = change
    return data


BAD_SPECS = {
    "unknown key": (["groups", "0", "measurements", "0", "unti"], "mm", "groups[0].measurements[0].unti",
                    "did you mean 'unit'"),
    "wrong type": (["groups", "0", "measurements", "0", "value"], "twelve", "groups[0].measurements[0].value",
                   "expected a number"),
    "nonexistent code": (["groups", "0", "measurements", "0", "concept"], "SCT: Diametr",
                         "groups[0].measurements[0].concept", "did you mean 'Diameter'"),
    "nonexistent DCM code": (["groups", "0", "measurements", "0", "concept"], ["999999", "DCM", "Nothing"],
                             "groups[0].measurements[0].concept", "not a code of DCM"),
    "image not in the source": (["groups", "0", "images", "0"], "2.25.424242", "groups[0].images[0]",
                                "not in the source"),
    "bad unit": (["groups", "0", "measurements", "0", "unit"], "mmm", "groups[0].measurements[0].unit",
                 "not a UCUM unit"),
}


@pytest.mark.parametrize("name", sorted(BAD_SPECS))
def test_bad_spec_gives_one_line_naming_the_path(name: str, study: Path, tmp_path: Path) -> None:
    where, value, path, words = BAD_SPECS[name]
    spec = _write(tmp_path, _bad(specs.measurements_only(), where, value))
    out = tmp_path / "out.dcm"
    proc = run_cli("create", "sr", str(spec), "--source", str(study), "-o", str(out))
    assert_clean_failure(proc, 2)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert f"{path}: " in lines[0] and words in lines[0], lines[0]
    assert not out.exists()
    assert not list(tmp_path.glob("*.dcm*"))  # no partial or temporary file either


def test_multipoint_region_is_refused(study: Path, tmp_path: Path) -> None:
    data = specs.planar("POLYLINE")
    data = {**data, "groups": [{}, {}, data["groups"][0]]}
    data["groups"][0] = specs.qualitative_only()["groups"][0]
    data["groups"][1] = specs.qualitative_only()["groups"][0]
    data["groups"][2]["region"]["type"] = "MULTIPOINT"
    spec = _write(tmp_path, data)
    proc = run_cli("create", "sr", str(spec), "--source", str(study), "-o", str(tmp_path / "o.dcm"))
    assert_clean_failure(proc, 2)
    assert "groups[2].region.type: MULTIPOINT is not a valid ROI region" in proc.stderr
    assert not (tmp_path / "o.dcm").exists()


@pytest.mark.parametrize("change,path", [
    ({"type": "POLYLINE", "image": 2, "points": [[10, 10], [500, 10], [20, 20]]}, "groups[0].region.points[1]"),
    ({"type": "CIRCLE", "image": 2, "points": [[10, 10]]}, "groups[0].region.points"),
    ({"type": "CIRCLE", "image": 9, "points": [[10, 10], [12, 10]]}, "groups[0].region.image"),
])
def test_region_errors_name_the_path(change: dict[str, Any], path: str, study: Path) -> None:
    from dicomhelp.create.sr.build import build_sr, load_source
    from dicomhelp.errors import SpecError

    data = specs.planar("CIRCLE")
    data["groups"][0]["region"] = change
    with pytest.raises(SpecError) as info:
        build_sr(load_sr_spec(data), load_source([study]))
    assert info.value.source == path


def test_schema_command_and_the_schema_accepts_the_example(tmp_path: Path) -> None:
    proc = run_cli("schema", "sr")
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    assert schema["required"] == ["observer"]
    defs = schema["$defs"]
    assert set(defs["Group"]["properties"]) >= {"tracking_id", "region", "regions", "region3d", "qualitative",
                                                 "measurements", "algorithm", "time_point", "finding_sites"}
    assert defs["Region"]["properties"]["type"]["enum"][:4] == ["POINT", "POLYLINE", "CIRCLE", "ELLIPSE"]
    # Every key of the example spec is a property of the schema (schema and loader do not drift).
    example = yaml.safe_load(EXAMPLE.read_text())
    assert set(example) <= set(schema["properties"])
    assert set(example["document"]) <= set(defs["Document"]["properties"])
    for group in example["groups"]:
        assert set(group) <= set(defs["Group"]["properties"])
    bad = run_cli("schema", "nope")
    assert_clean_failure(bad, 2)


def test_sr_to_spec_round_trip_through_the_cli(study: Path, study_uids: list[str], tmp_path: Path) -> None:
    from importlib.util import find_spec

    if find_spec("dicomhelp.cli.sr") is None:
        pytest.skip("the sr command is not installed")
    spec = _write(tmp_path, specs.mixed(study_uids))
    out = tmp_path / "sr.dcm"
    assert run_cli("create", "sr", str(spec), "--source", str(study), "-o", str(out)).returncode == 0
    proc = run_cli("sr", str(out), "--to-spec")
    assert proc.returncode == 0, proc.stderr
    back = tmp_path / "back.yaml"
    back.write_text(proc.stdout)
    assert load_sr_spec(back) == load_sr_spec(spec)
    as_json = run_cli("sr", str(out), "--to-spec", "--json")
    assert load_sr_spec(json.loads(as_json.stdout)) == load_sr_spec(spec)


def test_sr_to_spec_remarks_name_the_report_they_are_about(tmp_path: Path) -> None:
    import shutil

    from dicomhelp.io import sample_file

    first, second = tmp_path / "a.dcm", tmp_path / "b.dcm"
    shutil.copy(sample_file("test-SR.dcm"), first)  # not a TID 1500 report: the reader remarks on it
    shutil.copy(sample_file("test-SR.dcm"), second)
    proc = run_cli("sr", str(first), str(second), "--to-spec")
    remarks = [line for line in proc.stderr.splitlines() if " at 1" in line]
    assert remarks and all(line.startswith((f"dicomhelp: {first}: ", f"dicomhelp: {second}: ")) for line in remarks)
    assert {line.split(": ")[1] for line in remarks} == {str(first), str(second)}
