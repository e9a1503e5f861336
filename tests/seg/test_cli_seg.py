"""``dicomhelp create seg`` / ``create kos`` / ``schema seg|kos``: thin layers over the API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from support import assert_clean_failure, dciodvfy, run_cli

SPEC = """\
algorithm: {name: LungAI, version: "1.0"}
segments:
  - label: Nodule 1
    category: "SCT: MorphologicallyAbnormalStructure"
    type: "SCT: Nodule"
    mask: nodule.npy
"""


def test_create_seg_then_kos(study: Path, tmp_path: Path) -> None:
    mask = np.zeros((4, 128, 128), bool)
    mask[1:3, 40:60, 50:70] = True
    np.save(tmp_path / "nodule.npy", mask)
    (tmp_path / "seg.yaml").write_text(SPEC)
    folder = tmp_path / "set"
    folder.mkdir()
    for p in study.glob("*.dcm"):
        (folder / p.name).write_bytes(p.read_bytes())
    proc = run_cli("create", "seg", str(tmp_path / "seg.yaml"), "--source", str(study), "-o",
                   str(folder / "seg.dcm"), "--json", "--uid-seed", "cli")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["segments"] == ["Nodule 1"] and info["frames"] == 2 and info["type"] == "BINARY"
    assert dciodvfy(folder / "seg.dcm").ok
    (tmp_path / "kos.yaml").write_text("images: [2, 3]\nobjects: [seg.dcm]\ndevice: {name: LungAI}\n")
    proc = run_cli("create", "kos", str(tmp_path / "kos.yaml"), "--source", str(folder), "-o", str(tmp_path / "k.dcm"))
    assert proc.returncode == 0, proc.stderr
    assert 'key object selection "Of Interest", 3 reference(s)' in proc.stdout


def test_bad_spec_is_one_line_exit_2_nothing_written(study: Path, tmp_path: Path) -> None:
    (tmp_path / "seg.yaml").write_text(SPEC.replace("SCT: Nodule", "SCT: Liverr"))
    proc = run_cli("create", "seg", str(tmp_path / "seg.yaml"), "--source", str(study), "-o", str(tmp_path / "s.dcm"))
    assert_clean_failure(proc, 2)
    assert "segments[0].type" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    (tmp_path / "seg.yaml").write_text(SPEC)
    np.save(tmp_path / "nodule.npy", np.ones((2, 128, 128), bool))
    proc = run_cli("create", "seg", str(tmp_path / "seg.yaml"), "--source", str(study), "-o", str(tmp_path / "s.dcm"))
    assert_clean_failure(proc, 1)
    assert "nodule.npy" in proc.stderr and "does not match the source" in proc.stderr
    assert not (tmp_path / "s.dcm").exists()


def test_help_and_schemas() -> None:
    for kind in ("seg", "kos"):
        proc = run_cli("create", kind, "--help")
        assert proc.returncode == 0 and f"dicomhelp create {kind} " in proc.stdout
        proc = run_cli("schema", kind)
        assert proc.returncode == 0 and json.loads(proc.stdout)["properties"]
