"""The tour's main job: the example result set, its GSPS preview, its SR."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from pydicom import dcmread

from dicomhelp.tour import STEPS, run_tour


def test_tour_creates_renders_and_shows_the_result_set(tmp_path: Path) -> None:
    titles = [s.title for s in STEPS]
    mine = [s for s in STEPS if s.title.startswith(("Copy the sample", "create results", "render:"))]
    mine.append(next(s for s in STEPS if s.title == "sr: the report of the result set"))
    assert len(mine) == 4 and titles.index(mine[1].title) > titles.index(mine[0].title)
    lines: list[str] = []
    ctx = run_tour(tmp_path / "tour", echo=lines.append, steps=mine)
    assert sorted(ctx.made) == ["gsps", "kos", "pdf", "sc", "seg", "sr"]
    assert "validated 11 file(s): 0 error(s), 0 warning(s)" in lines
    preview = Image.open(tmp_path / "tour" / "preview.png")
    assert preview.size == (512, 512)
    sr_lines = lines[lines.index(next(ln for ln in lines if ln.startswith("$ dicomhelp sr"))):]
    assert any("Diameter = 20.0 mm" in ln for ln in sr_lines)
    assert dcmread(ctx.made["sc"][0]).NumberOfFrames == 2
