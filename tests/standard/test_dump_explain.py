"""`dump --explain` adds the knowledge layer's one-line meaning under each element."""

from __future__ import annotations

from typing import Any

from support import run_cli

from dicomhelp.io import sample_file


def test_dump_explain_adds_a_plain_line_per_public_element(k: Any) -> None:
    proc = run_cli("dump", "--explain", str(sample_file("CT_small.dcm")))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    image_type = next(i for i, ln in enumerate(lines) if "ImageType" in ln)
    assert lines[image_type + 1].strip() == "-> " + k.brief(0x00080008)
    assert "Image identification characteristics" in lines[image_type + 1]
    rows = next(i for i, ln in enumerate(lines) if ln.startswith("US (0028, 0010) Rows"))
    assert lines[rows + 1].strip().startswith("-> Rows (Unsigned Short): Number of rows in the image.")
    creator = next(i for i, ln in enumerate(lines) if ln.startswith("LO (0009, 0010) PrivateCreator"))
    assert lines[creator + 1].strip().startswith("-> Private Creator (Long String)")
