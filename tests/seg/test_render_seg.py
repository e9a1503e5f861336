"""``render SEG --image SRC`` and ``render GSPS --seg SEG``: the segments' colours lie exactly on the masks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dicomhelp.create.seg import create_seg
from dicomhelp.create.sources import read_source
from dicomhelp.display import render_file
from dicomhelp.display.segment import SEGMENT_PALETTE
from dicomhelp.errors import InputError
from dicomhelp.uids import UIDPolicy
from support import assert_clean_failure, run_cli

SHAPE = (4, 128, 128)


def two_masks() -> list[np.ndarray]:
    """Segment 1 on slice 2 (a rectangle), segment 2 on slices 2 and 3 (a disc), not overlapping."""
    first = np.zeros(SHAPE, bool)
    first[1, 20:50, 30:90] = True
    yy, xx = np.mgrid[:128, :128]
    disc = (yy - 90) ** 2 + (xx - 60) ** 2 < 18 ** 2
    second = np.zeros(SHAPE, bool)
    second[1:3][:, disc] = True
    return [first, second]


@pytest.fixture(scope="module")
def seg(study: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = {"algorithm": {"name": "LungAI", "version": "2.1"},
            "segments": [{"label": "Nodule", "category": "SCT: MorphologicallyAbnormalStructure",
                          "type": "SCT: Nodule"},
                         {"label": "Mass", "category": "SCT: MorphologicallyAbnormalStructure",
                          "type": "SCT: Neoplasm"}]}
    out = tmp_path_factory.mktemp("render-seg") / "seg.dcm"
    return create_seg(spec, study, out, masks=two_masks(), uid_policy=UIDPolicy(seed="render-seg"))


def coloured(path: Path) -> np.ndarray:
    """Pixels that are not gray (the image itself is grayscale: R = G = B)."""
    rgb = np.asarray(Image.open(path).convert("RGB")).astype(int)
    return (rgb[..., 0] != rgb[..., 1]) | (rgb[..., 1] != rgb[..., 2])


def slice_path(study: Path, index: int) -> Path:
    path = read_source([study])[index].path
    assert path is not None
    return path


@pytest.mark.parametrize("index", [1, 2])
def test_segment_colours_lie_exactly_on_the_masks(study: Path, seg: Path, tmp_path: Path, index: int) -> None:
    masks = two_masks()
    rendering = render_file(seg, slice_path(study, index), tmp_path / "seg.png")
    shown = coloured(tmp_path / "seg.png")
    union = masks[0][index] | masks[1][index]
    assert np.array_equal(shown, union)
    assert rendering.segments == (2 if index == 1 else 1)
    # Each segment in its own colour: red-dominant for 1, blue-dominant for 2 (the palette's first two).
    rgb = np.asarray(rendering.image).astype(int)
    assert SEGMENT_PALETTE[0][0] > SEGMENT_PALETTE[0][2] and SEGMENT_PALETTE[1][2] > SEGMENT_PALETTE[1][0]
    assert (rgb[masks[1][index]][:, 2] > rgb[masks[1][index]][:, 0]).all()
    if index == 1:
        assert (rgb[masks[0][index]][:, 0] > rgb[masks[0][index]][:, 2]).all()


def test_folder_picks_a_slice_with_a_segment_and_scale_repeats_pixels(study: Path, seg: Path, tmp_path: Path) -> None:
    rendering = render_file(seg, study, tmp_path / "big.png", scale=2)
    assert rendering.path == slice_path(study, 1)  # slice 1 (index 0) has no segment
    union = two_masks()[0][1] | two_masks()[1][1]
    assert np.array_equal(coloured(tmp_path / "big.png"), np.repeat(np.repeat(union, 2, 0), 2, 1))


def test_gsps_with_seg_keeps_the_annotations_on_top(study: Path, seg: Path, tmp_path: Path) -> None:
    from dicomhelp.create.gsps import create_gsps

    image = slice_path(study, 1)
    spec = {"layers": [{"name": "L", "color": [255, 255, 0]}],
            "annotations": [{"layer": "L", "graphics": [{"type": "POLYLINE", "points": [[10, 100], [120, 100]]}]}]}
    ps = create_gsps(spec, study, tmp_path / "pr.dcm", uid_policy=UIDPolicy(seed="render-seg-pr"))
    bare = render_file(ps, image, tmp_path / "bare.png")
    both = render_file(ps, image, tmp_path / "both.png", seg=seg)
    assert bare.segments is None and both.segments == 2 and both.annotations == bare.annotations == 1
    bare_rgb, both_rgb = np.asarray(bare.image).astype(int), np.asarray(both.image).astype(int)
    drawn = (bare_rgb != np.asarray(Image.fromarray(bare.gray).convert("RGB")).astype(int)).any(axis=-1)
    # The annotation's pixels are unchanged by the segments; elsewhere colour appears only on the masks.
    assert drawn.any() and np.array_equal(both_rgb[drawn], bare_rgb[drawn])
    union = two_masks()[0][1] | two_masks()[1][1]
    changed = (both_rgb != bare_rgb).any(axis=-1)
    assert np.array_equal(changed, union & ~drawn)
    with pytest.raises(InputError, match="not a Segmentation"):
        render_file(ps, image, tmp_path / "none.png", seg=image)
    assert not (tmp_path / "none.png").exists()


def test_cli_render_seg_json_and_bad_input(study: Path, seg: Path, tmp_path: Path) -> None:
    result = run_cli("render", str(seg), "--image", str(slice_path(study, 1)), "-o", str(tmp_path / "p.png"), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["segments"] == 2
    # An image the SEG does not reference, and --seg next to a SEG: one line, nothing written.
    other = tmp_path / "other"
    other.mkdir()
    from dicomhelp.samples import make_sample_study

    make_sample_study(other, uid_policy=UIDPolicy(seed="render-seg-other"))
    image = sorted(other.glob("*.dcm"))[0]
    proc = run_cli("render", str(seg), "--image", str(image), "-o", str(tmp_path / "x.png"))
    assert_clean_failure(proc, 1)
    assert "does not reference this image" in proc.stderr and not (tmp_path / "x.png").exists()
    proc = run_cli("render", str(seg), "--image", str(slice_path(study, 1)), "--seg", str(seg),
                   "-o", str(tmp_path / "y.png"))
    assert_clean_failure(proc, 2)
    assert "--seg goes with a presentation state" in proc.stderr and not (tmp_path / "y.png").exists()


def test_a_truncated_seg_is_named_as_damaged(study: Path, seg: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(seg.read_bytes()[:3000])  # inside the Segment Sequence
    proc = run_cli("render", str(cut), "--image", str(slice_path(study, 1)), "-o", str(tmp_path / "z.png"))
    assert_clean_failure(proc, 1)
    line = proc.stderr.strip()
    assert len(line.splitlines()) == 1 and str(cut) in line, line
    assert "past the end of the file" in line or "cut short" in line or "truncated" in line, line
    assert not (tmp_path / "z.png").exists()
