"""render: the grayscale agrees with DCMTK's dcmp2pgm; the graphics land where the spec put them."""

from __future__ import annotations

import json
import math
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom import dcmread

from gsps.gsps_specs import full_spec
from dicomhelp.create.gsps import create_gsps
from dicomhelp.display import render_file
from dicomhelp.display.pipeline import grayscale
from support import assert_clean_failure, run_cli, tool


def dcmp2pgm(ps: Path, image: Path, out: Path) -> np.ndarray:
    proc = subprocess.run([tool("dcmp2pgm"), "-p", str(ps), str(image), str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return np.asarray(Image.open(out)).astype(int)


def annotation_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels a coloured layer drew on: grey pixels have R = G = B."""
    return (rgb[..., 0] != rgb[..., 1]) | (rgb[..., 1] != rgb[..., 2])


@pytest.mark.parametrize("spatial", [None, {"rotation": 90, "flip": True}, {"rotation": 180}])
def test_grayscale_agrees_with_dcmp2pgm(study: Path, tmp_path: Path, spatial: dict | None) -> None:
    spec = full_spec()
    if spatial:
        spec["spatial"] = spatial
    ps = create_gsps(spec, study, tmp_path / "ps.dcm")
    image = study / "CT0001.dcm"
    render_file(ps, image, tmp_path / "preview.png")
    rgb = np.asarray(Image.open(tmp_path / "preview.png").convert("RGB")).astype(int)
    reference = dcmp2pgm(ps, image, tmp_path / "ref.pgm")
    assert rgb.shape[:2] == reference.shape
    mask = annotation_mask(rgb)
    assert 0.01 < mask.mean() < 0.5  # the annotations were drawn, and not over everything
    close = np.abs(rgb[..., 0] - reference) <= 1
    assert close[~mask].mean() >= 0.99, close[~mask].mean()


def test_default_window_agrees_with_dcmp2pgm(study: Path, tmp_path: Path) -> None:
    ps = create_gsps({"label": "PLAIN"}, study, tmp_path / "ps.dcm")  # full-range window from the pixels
    image = study / "CT0002.dcm"
    ours = grayscale(dcmread(image), dcmread(ps)).astype(int)
    reference = dcmp2pgm(ps, image, tmp_path / "ref.pgm")
    assert (np.abs(ours - reference) <= 1).mean() >= 0.99


def _drawn(study: Path, tmp_path: Path, graphic: dict, units: str = "PIXEL", scale: int = 1,
           spatial: dict | None = None) -> np.ndarray:
    spec = {"window": {"center": 40, "width": 400}, "layers": [{"name": "L", "color": [255, 0, 0]}],
            "annotations": [{"layer": "L", "units": units, "graphics": [graphic]}]}
    if spatial:
        spec["spatial"] = spatial
    ps = create_gsps(spec, study, tmp_path / "g.dcm")
    render_file(ps, study / "CT0001.dcm", tmp_path / "g.png", scale=scale)
    return annotation_mask(np.asarray(Image.open(tmp_path / "g.png").convert("RGB")).astype(int))


def _centres(mask: np.ndarray, scale: int = 1) -> np.ndarray:
    rows, cols = np.nonzero(mask)
    return np.stack([(cols + 0.5) / scale, (rows + 0.5) / scale], axis=1)  # PIXEL units


def _segment_distance(p: np.ndarray, a: tuple[float, float], b: tuple[float, float]) -> np.ndarray:
    a_, b_ = np.array(a, float), np.array(b, float)
    t = np.clip(((p - a_) @ (b_ - a_)) / float((b_ - a_) @ (b_ - a_)), 0, 1)
    return np.linalg.norm(p - (a_ + t[:, None] * (b_ - a_)), axis=1)


def test_circle_pixels_lie_on_the_circle(study: Path, tmp_path: Path) -> None:
    pts = _centres(_drawn(study, tmp_path, {"type": "CIRCLE", "center": [64, 64], "radius": 20}, scale=4), 4)
    radius = np.hypot(pts[:, 0] - 64, pts[:, 1] - 64)
    assert np.all(np.abs(radius - 20) <= 1.0)
    angles = np.degrees(np.arctan2(pts[:, 1] - 64, pts[:, 0] - 64)).astype(int)
    assert len(set(angles // 10)) == 36  # the whole way round


def test_ellipse_pixels_lie_on_the_ellipse(study: Path, tmp_path: Path) -> None:
    pts = _centres(_drawn(study, tmp_path, {"type": "ELLIPSE", "center": [60, 70], "radii": [30, 12]}, scale=4), 4)
    value = ((pts[:, 0] - 60) / 30) ** 2 + ((pts[:, 1] - 70) / 12) ** 2
    assert np.all(np.abs(np.sqrt(value) - 1) <= 0.1)
    assert pts[:, 0].min() == pytest.approx(30, abs=1) and pts[:, 0].max() == pytest.approx(90, abs=1)


def test_polyline_pixels_lie_on_the_segments_after_rotation(study: Path, tmp_path: Path) -> None:
    line = [[10, 20], [100, 20], [100, 90]]
    mask = _drawn(study, tmp_path, {"type": "POLYLINE", "points": line}, spatial={"rotation": 90})
    # Rotated 90° clockwise: image (x, y) is shown at (Rows - y, x).
    shown = [(128 - y, x) for x, y in line]
    pts = _centres(mask)
    dist = np.minimum(_segment_distance(pts, shown[0], shown[1]), _segment_distance(pts, shown[1], shown[2]))
    assert np.all(dist <= 1.0) and len(pts) >= 150


def test_display_units_span_the_displayed_area(study: Path, tmp_path: Path) -> None:
    mask = _drawn(study, tmp_path, {"type": "POLYLINE", "points": [[0.25, 0.5], [0.75, 0.5]]}, units="DISPLAY")
    pts = _centres(mask)
    assert np.all(np.abs(pts[:, 1] - 64) <= 1.0)
    assert pts[:, 0].min() == pytest.approx(32, abs=1) and pts[:, 0].max() == pytest.approx(96, abs=1)


def test_text_and_point_are_drawn_near_their_anchor(study: Path, tmp_path: Path) -> None:
    spec = {"window": {"center": 40, "width": 400}, "layers": [{"name": "L", "color": [0, 0, 255]}],
            "annotations": [{"layer": "L", "texts": [{"text": "Here", "anchor": [30, 40]}],
                             "graphics": [{"type": "POINT", "points": [[100, 100]]}]}]}
    ps = create_gsps(spec, study, tmp_path / "t.dcm")
    rendering = render_file(ps, study / "CT0001.dcm", tmp_path / "t.png")
    assert rendering.annotations == 2
    pts = _centres(annotation_mask(np.asarray(rendering.image).astype(int)))
    near_point = np.hypot(pts[:, 0] - 100, pts[:, 1] - 100) <= 2.5
    assert near_point.sum() >= 5
    text = pts[~near_point]
    assert len(text) > 20 and text[:, 0].min() >= 29 and text[:, 1].min() >= 39 and math.isclose(
        text[:, 0].min(), 30, abs_tol=6)


def test_displayed_area_crops_the_image(study: Path, tmp_path: Path) -> None:
    full = create_gsps({"window": {"center": 40, "width": 400}}, study, tmp_path / "full.dcm")
    part = create_gsps({"window": {"center": 40, "width": 400},
                        "displayed_area": {"top_left": [17, 9], "bottom_right": [112, 100]}}, study, tmp_path / "p.dcm")
    image = dcmread(study / "CT0001.dcm")
    whole, cut = grayscale(image, dcmread(full)), grayscale(image, dcmread(part))
    assert cut.shape == (92, 96) and np.array_equal(cut, whole[8:100, 16:112])


def test_render_cli_and_refusals(study: Path, tmp_path: Path) -> None:
    ps = create_gsps({"images": [1], "window": {"center": 40, "width": 400}}, study, tmp_path / "ps.dcm")
    out = tmp_path / "big.png"
    proc = run_cli("render", str(ps), "--image", str(study / "CT0001.dcm"), "-o", str(out), "--scale", "3")
    assert proc.returncode == 0, proc.stderr
    assert Image.open(out).size == (384, 384)
    proc = run_cli("render", str(ps), "--image", str(study / "CT0002.dcm"), "-o", str(tmp_path / "x.png"))
    assert_clean_failure(proc, 1)
    assert "does not reference this image" in proc.stderr and not (tmp_path / "x.png").exists()
    proc = run_cli("render", str(study / "CT0001.dcm"), "--image", str(study / "CT0001.dcm"), "-o", str(out))
    assert_clean_failure(proc, 1)
    assert "not a Grayscale Softcopy Presentation State" in proc.stderr
    # The preview is PNG: another extension would hold PNG bytes under a misleading name.
    proc = run_cli("render", str(ps), "--image", str(study / "CT0001.dcm"), "-o", str(tmp_path / "x.jpg"))
    assert_clean_failure(proc, 2)
    assert "x.jpg: the preview is a PNG image: name it *.png" in proc.stderr and not (tmp_path / "x.jpg").exists()
    # A folder: the image annotated in particular (instance 3), not the first referenced one.
    spec = {"layers": [{"name": "L"}], "annotations": [
        {"layer": "L", "image": 3, "graphics": [{"type": "POINT", "points": [[5, 5]]}]},
        {"layer": "L", "units": "DISPLAY", "texts": [{"text": "all", "anchor": [0.5, 0.5]}]}]}
    ps = create_gsps(spec, study, tmp_path / "three.dcm")
    proc = run_cli("render", str(ps), "--image", str(study), "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert Path(info["image"]).name == "CT0003.dcm" and info["annotations"] == 2


def _variant(ps_path: Path, out: Path, change) -> Path:  # type: ignore[no-untyped-def]
    ds = dcmread(ps_path)
    change(ds)
    ds.save_as(out)
    return out


def test_inverse_presentation_and_voi_lut_agree_with_dcmp2pgm(study: Path, tmp_path: Path) -> None:
    from pydicom import Dataset

    base = create_gsps({"window": {"center": 40, "width": 400}}, study, tmp_path / "base.dcm")
    image = study / "CT0003.dcm"

    def inverse(ds: Dataset) -> None:
        ds.PresentationLUTShape = "INVERSE"

    def voi_lut(ds: Dataset) -> None:
        # A VOI LUT instead of the window: 2048 entries from -1024, a square-root curve, 12 bits out.
        item = ds.SoftcopyVOILUTSequence[0]
        del item.WindowCenter, item.WindowWidth
        if "WindowCenterWidthExplanation" in item:
            del item.WindowCenterWidthExplanation
        lut = Dataset()
        lut.LUTDescriptor = [2048, -1024, 12]
        lut.LUTData = struct.pack("<2048H", *(int(round(4095 * (i / 2047) ** 0.5)) for i in range(2048)))
        lut["LUTDescriptor"].VR = "SS"
        lut["LUTData"].VR = "OW"
        lut.LUTExplanation = "SQRT"
        item.VOILUTSequence = [lut]

    for name, change in (("inverse", inverse), ("voilut", voi_lut)):
        ps = _variant(base, tmp_path / f"{name}.dcm", change)
        ours = grayscale(dcmread(image), dcmread(ps)).astype(int)
        reference = dcmp2pgm(ps, image, tmp_path / f"{name}.pgm")
        assert (np.abs(ours - reference) <= 1).mean() >= 0.99, name


def test_frames_of_a_multi_frame_image(tmp_path: Path, study: Path) -> None:
    """A GSPS on frame 2 of a multi-frame grayscale image: valid, and rendered from that frame."""
    from dicomhelp.create.sc import SCOptions, build_sc
    from dicomhelp.create.base import Builder, Study
    from dicomhelp.io import write_atomic

    from support import dciodvfy, dcmpschk

    sources = [dcmread(p) for p in sorted(study.glob("*.dcm"))]
    frames = np.stack([s.pixel_array for s in sources[:3]])
    ds, _ = build_sc(frames, builder=Builder(Study.from_source(*sources)),
                     options=SCOptions(series_number=5, window=(1064.0, 400.0)))
    folder = tmp_path / "mf"
    write_atomic(ds, folder / "mf.dcm")
    spec = {"layers": [{"name": "L", "color": [255, 0, 0]}],
            "annotations": [{"layer": "L", "image": {"instance": 1, "frames": [2]},
                             "graphics": [{"type": "CIRCLE", "center": [64, 64], "radius": 8}]}]}
    ps = create_gsps(spec, folder, tmp_path / "mf-pr.dcm")
    assert dciodvfy(ps).ok, dciodvfy(ps)
    assert dcmpschk(ps).ok
    assert int(dcmread(ps).GraphicAnnotationSequence[0].ReferencedImageSequence[0].ReferencedFrameNumber) == 2
    for frame, drawn in ((1, 0), (2, 1)):
        rendering = render_file(ps, folder / "mf.dcm", tmp_path / f"f{frame}.png", frame=frame)
        assert rendering.annotations == drawn
        proc = subprocess.run([tool("dcmp2pgm"), "-f", str(frame), "-p", str(ps), str(folder / "mf.dcm"),
                               str(tmp_path / "r.pgm")], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        reference = np.asarray(Image.open(tmp_path / "r.pgm")).astype(int)
        assert (np.abs(rendering.gray.astype(int) - reference) <= 1).mean() >= 0.99, frame
    with pytest.raises(Exception, match="frame 4 does not exist: the image has 3"):
        create_gsps({**spec, "annotations": [{**spec["annotations"][0], "image": {"instance": 1, "frames": [4]}}]},
                    folder, tmp_path / "x.dcm")


def test_layer_colours_round_trip_through_cielab() -> None:
    from highdicom.color import CIELabColor

    from dicomhelp.display.draw import lab_to_rgb

    for rgb in [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (255, 64, 0), (128, 128, 128), (0, 0, 0)]:
        back = lab_to_rgb(CIELabColor.from_rgb(*rgb).value)
        assert max(abs(a - b) for a, b in zip(back, rgb)) <= 2, (rgb, back)
