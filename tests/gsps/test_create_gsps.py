"""GSPS creation: validator-clean objects, and bad specs refused with the spec path."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from pydicom import dcmread

from gsps.gsps_specs import full_spec
from dicomhelp.create.gsps import create_gsps
from dicomhelp.errors import SpecError
from dicomhelp.io import sample_file
from dicomhelp.uids import UIDPolicy
from support import assert_clean_failure, dciodvfy, dcmpschk, run_cli


def test_every_graphic_type_and_text_is_valid(study: Path, tmp_path: Path) -> None:
    out = create_gsps(full_spec(), study, tmp_path / "ps.dcm")
    v = dciodvfy(out)
    assert v.ok, v
    p = dcmpschk(out)
    assert p.ok and "Test passed" in p.output, p.output
    ds = dcmread(out)
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.11.1" and ds.Modality == "PR"
    assert ds.ContentLabel == "AI_FINDINGS" and ds.ContentCreatorName == "AI^Lung"
    sources = sorted(dcmread(p).SOPInstanceUID for p in study.glob("*.dcm"))
    referenced = sorted(i.ReferencedSOPInstanceUID for s in ds.ReferencedSeriesSequence
                        for i in s.ReferencedImageSequence)
    assert referenced == sources
    assert ds.StudyInstanceUID == dcmread(next(study.glob("*.dcm"))).StudyInstanceUID
    first = ds.GraphicAnnotationSequence[0]
    kinds = [(g.GraphicType, [float(v) for v in g.GraphicData]) for g in first.GraphicObjectSequence]
    assert kinds == [
        ("POINT", [10, 10]),
        ("POLYLINE", [10, 20, 50, 20, 50, 60, 10, 20]),
        ("INTERPOLATED", [20, 80, 40, 90, 20, 100]),
        ("CIRCLE", [64, 64, 74, 64]),
        ("ELLIPSE", [88, 40, 112, 40, 100, 34, 100, 46]),  # major axis first
    ]
    assert first.GraphicObjectSequence[1].GraphicFilled == "Y"
    assert len(first.ReferencedImageSequence) == 1
    text = first.TextObjectSequence[0]
    assert text.UnformattedTextValue == "Nodule 12 mm" and [float(v) for v in text.AnchorPoint] == [64, 64]
    second = ds.GraphicAnnotationSequence[1]
    assert second.GraphicObjectSequence[0].GraphicAnnotationUnits == "DISPLAY"
    assert len(second.ReferencedImageSequence) == 4  # no image named: every referenced image
    layers = {x.GraphicLayer: x for x in ds.GraphicLayerSequence}
    assert layers["FINDINGS"].GraphicLayerRecommendedDisplayGrayscaleValue == 65535
    assert int(layers["NOTES"].GraphicLayerOrder) == 2
    voi = ds.SoftcopyVOILUTSequence[0]
    assert (float(voi.WindowCenter), float(voi.WindowWidth)) == (40.0, 400.0)
    assert "ImageRotation" not in ds  # spatial transformation only if asked


def test_some_images_displayed_area_spatial_and_default_window(study: Path, tmp_path: Path) -> None:
    spec = {
        "images": [2, "CT0003.dcm"],
        "layers": [{"name": "L"}],
        "annotations": [{"layer": "L", "image": {"file": "CT0003.dcm"},
                         "graphics": [{"type": "POINT", "points": [[0, 0]]}]}],
        "displayed_area": {"top_left": [17, 17], "bottom_right": [112, 112]},
        "spatial": {"rotation": 90, "flip": True},
    }
    out = create_gsps(spec, study, tmp_path / "ps.dcm")
    assert dciodvfy(out).ok, dciodvfy(out)
    assert dcmpschk(out).ok
    ds = dcmread(out)
    referenced = [i.ReferencedSOPInstanceUID for s in ds.ReferencedSeriesSequence for i in s.ReferencedImageSequence]
    assert referenced == [dcmread(study / n).SOPInstanceUID for n in ("CT0002.dcm", "CT0003.dcm")]
    area = ds.DisplayedAreaSelectionSequence[0]
    assert list(area.DisplayedAreaTopLeftHandCorner) == [17, 17]
    assert list(area.DisplayedAreaBottomRightHandCorner) == [112, 112]
    assert ds.ImageRotation == 90 and ds.ImageHorizontalFlip == "Y"
    # The source has no window: the full range of the referenced images' values.
    voi = ds.SoftcopyVOILUTSequence[0]
    import numpy as np

    values = np.concatenate([dcmread(study / n).pixel_array.ravel() for n in ("CT0002.dcm", "CT0003.dcm")]) - 1024
    assert float(voi.WindowCenter) == pytest.approx((values.min() + values.max() + 1) / 2)
    assert float(voi.WindowWidth) == pytest.approx(values.max() - values.min() + 1)


def test_deterministic_uids(study: Path, tmp_path: Path) -> None:
    a = dcmread(create_gsps(full_spec(), study, tmp_path / "a.dcm", uid_policy=UIDPolicy(seed="s")))
    b = dcmread(create_gsps(full_spec(), study, tmp_path / "b.dcm", uid_policy=UIDPolicy(seed="s")))
    assert (a.SOPInstanceUID, a.SeriesInstanceUID) == (b.SOPInstanceUID, b.SeriesInstanceUID)


def _refused(spec: dict, study: Path, tmp_path: Path, where: str, words: str) -> None:
    out = tmp_path / "refused.dcm"
    with pytest.raises(SpecError) as info:
        create_gsps(spec, study, out)
    assert info.value.source == where, info.value.one_line()
    assert words in info.value.message, info.value.message
    assert not out.exists() and not list(tmp_path.glob(".*tmp"))


def test_dangling_layer_is_refused(study: Path, tmp_path: Path) -> None:
    spec = full_spec()
    spec["annotations"][1]["layer"] = "NOTE"
    _refused(spec, study, tmp_path, "annotations[1].layer", "layer 'NOTE' is not defined")


def test_outside_coordinates_are_refused(study: Path, tmp_path: Path) -> None:
    spec = full_spec()
    spec["annotations"][0]["graphics"][1]["points"][2] = [50, 129]
    spec["annotations"][0]["graphics"][1]["points"][3] = [10, 20]
    _refused(spec, study, tmp_path, "annotations[0].graphics[1].points[2]", "outside the image (128 columns")
    spec = full_spec()
    spec["annotations"][0]["graphics"][3]["radius"] = 70  # the circle leaves the image
    _refused(spec, study, tmp_path, "annotations[0].graphics[3]", "outside the image")
    spec = full_spec()
    spec["annotations"][1]["texts"][0]["box"] = [0.5, 0.5, 1.2, 0.9]
    _refused(spec, study, tmp_path, "annotations[1].texts[0].box", "outside the displayed area")


def test_missing_image_and_frame_are_refused(study: Path, tmp_path: Path) -> None:
    spec = full_spec()
    spec["annotations"][0]["image"] = 9
    _refused(spec, study, tmp_path, "annotations[0].image", "no image with instance 9")
    spec = full_spec()
    spec["annotations"][0]["image"] = {"instance": 1, "frames": [2]}
    _refused(spec, study, tmp_path, "annotations[0].image.frames[0]", "frame 2 does not exist")
    spec = full_spec()
    spec["images"] = [2, 3]  # annotation 0 is on instance 1, which is not referenced
    _refused(spec, study, tmp_path, "annotations[0].image", "not among the referenced images")


def test_colour_source_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "rgb"
    src.mkdir()
    (src / "rgb.dcm").write_bytes(sample_file("SC_rgb_rle.dcm").read_bytes())
    _refused({"label": "X"}, src, tmp_path, "images (source file rgb.dcm)", "3 samples per pixel")


def test_spec_shape_errors_name_the_path(study: Path, tmp_path: Path) -> None:
    spec = full_spec()
    spec["annotations"][0]["graphics"][0]["points"] = [[1, 2], [3, 4]]
    _refused(spec, study, tmp_path, "annotations[0].graphics[0].points", "a POINT has 1 points")
    spec = full_spec()
    spec["layers"][0]["name"] = "findings"
    _refused(spec, study, tmp_path, "layers[0].name", "not a valid code string")
    spec = copy.deepcopy(full_spec())
    spec["annotations"][0]["graphics"][2]["filled"] = True
    _refused(spec, study, tmp_path, "annotations[0].graphics[2].filled", "only closed shapes")


def test_cli_writes_and_refuses(study: Path, tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(full_spec()))
    proc = run_cli("create", "gsps", str(spec), "--source", str(study), "-o", str(tmp_path / "ps.dcm"), "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["images"] == 4 and info["annotations"] == 2 and info["layers"] == ["FINDINGS", "NOTES"]
    bad = full_spec()
    bad["annotations"][1]["layer"] = "NOTE"
    spec.write_text(json.dumps(bad))
    out = tmp_path / "bad.dcm"
    proc = run_cli("create", "gsps", str(spec), "--source", str(study), "-o", str(out))
    assert_clean_failure(proc, 2)
    assert "annotations[1].layer" in proc.stderr and not out.exists()


def test_schema_describes_the_spec() -> None:
    proc = run_cli("schema", "gsps")
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    assert set(schema["properties"]) >= {"label", "images", "layers", "annotations", "window", "displayed_area",
                                         "spatial"}
    assert schema["$defs"]["Graphic"]["properties"]["type"]["enum"] == [
        "POINT", "POLYLINE", "INTERPOLATED", "CIRCLE", "ELLIPSE"]
    assert schema["$defs"]["Annotation"]["required"] == ["layer"]
    proc = run_cli("schema", "results")
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert set(results["properties"]) == {"device", "sr", "seg", "gsps", "sc", "pdf", "kos"}
    assert "GspsSpec" in results["$defs"] and "SRSpec" not in results["$defs"]  # SR inlined with its $defs


def test_a_seg_in_the_study_is_not_an_image_to_present(study: Path, tmp_path: Path) -> None:
    """A SEG has rows and columns, but a presentation state never references it."""
    import numpy as np

    from dicomhelp.create.seg import create_seg

    folder = tmp_path / "with-seg"
    shutil.copytree(study, folder)
    mask = np.zeros((4, 128, 128), bool)
    mask[1, 10:20, 10:20] = True
    seg = create_seg({"segments": [{"label": "N", "category": "SCT: MorphologicallyAbnormalStructure",
                                    "type": "SCT: Nodule"}]}, folder, folder / "seg.dcm", masks=[mask])
    spec = full_spec()
    spec.pop("images", None)
    ds = dcmread(create_gsps(spec, folder, tmp_path / "ps.dcm"))
    referenced = {str(i.ReferencedSOPInstanceUID) for s in ds.ReferencedSeriesSequence for i in s.ReferencedImageSequence}
    assert len(referenced) == 4 and str(dcmread(seg).SOPInstanceUID) not in referenced


def test_default_images_are_the_series_of_the_annotated_image(study: Path, tmp_path: Path) -> None:
    """A second series of another size in the study (a scout) is left out when not annotated."""
    import numpy as np

    from dicomhelp.io import write_atomic

    folder = tmp_path / "two-series"
    shutil.copytree(study, folder)
    scout = dcmread(study / "CT0001.dcm")
    scout.SeriesInstanceUID = scout.SOPInstanceUID + ".9"
    scout.SOPInstanceUID = scout.SOPInstanceUID + ".1"
    scout.file_meta.MediaStorageSOPInstanceUID = scout.SOPInstanceUID
    scout.Rows, scout.Columns = 64, 64
    scout.InstanceNumber = 99
    scout.PixelData = np.zeros((64, 64), np.int16).tobytes()
    write_atomic(scout, folder / "scout.dcm")
    ds = dcmread(create_gsps(full_spec(), folder, tmp_path / "ps.dcm"))
    assert sum(len(s.ReferencedImageSequence) for s in ds.ReferencedSeriesSequence) == 4
    spec = full_spec()
    del spec["annotations"][0]  # no image named: every image, of two sizes
    _refused(spec, folder, tmp_path, "images (source file scout.dcm)", "one presentation state applies to images of one size")
