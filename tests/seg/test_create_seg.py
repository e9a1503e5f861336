"""SEG creation: every kind judged by dciodvfy, dcmdump, dcentvfy and read back with highdicom."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydicom import dcmread

from dicomhelp.create.base import Builder, Study
from dicomhelp.create.seg import SEG_SOP_CLASS, build_seg, create_seg, load_seg_spec, seg_schema
from dicomhelp.create.sources import read_source
from dicomhelp.errors import InputError, SpecError
from dicomhelp.uids import UIDPolicy
from dicomhelp.validate import Severity, validate_file
from support import dcentvfy, dciodvfy, dcmdump

SHAPE = (4, 128, 128)
CODES = [("SCT: MorphologicallyAbnormalStructure", "SCT: Nodule"),
         ("SCT: MorphologicallyAbnormalStructure", "SCT: Neoplasm"),
         ("SCT: Tissue", "SCT: Lung")]


def masks(count: int, fractional: bool = False) -> list[np.ndarray]:
    """``count`` non-overlapping masks; a fractional one has several levels of 1/255."""
    out = []
    for i in range(count):
        mask = np.zeros(SHAPE, np.float32 if fractional else bool)
        top = 10 + 35 * i
        if fractional:
            mask[1:3, top:top + 20, 40:70] = 128 / 255
            mask[2, top + 5:top + 10, 45:50] = 1.0
            mask[1, top, 40] = 3 / 255
        else:
            mask[1:3, top:top + 20, 40:70] = True
        out.append(mask)
    return out


def spec(count: int, **extra: Any) -> dict[str, Any]:
    segments = [{"label": f"Finding {i + 1}", "category": CODES[i][0], "type": CODES[i][1],
                 "tracking_id": f"finding-{i + 1}"} for i in range(count)]
    return {"segments": segments, "algorithm": {"name": "LungAI", "version": "2.1"}, **extra}


def judged(out: Path, sources: list[Path]) -> None:
    """0 dciodvfy errors, dcmdump parses, dcentvfy finds nothing against the source."""
    verdict = dciodvfy(out)
    assert verdict.ok, verdict
    assert dcmdump(out).ok
    entities = dcentvfy([out, *sources])
    assert entities.ok, entities
    # Other warnings would be about the SEG disagreeing with its source.
    assert not [w for w in entities.warnings if str(out) in w], entities.warnings
    # The project's own validator agrees (Patient Orientation is in the Plane Orientation functional group).
    ours = validate_file(out)
    assert not [f for f in ours.findings if f.severity is Severity.ERROR], ours.findings


def read_back(out: Path, source_dir: Path, count: int) -> np.ndarray:
    """The masks as highdicom reads them: (frames, rows, columns, segments), fractions rescaled."""
    import highdicom as hd

    seg = hd.seg.segread(out)
    instances = read_source([source_dir])
    if len(instances) == 1:
        return seg.get_pixels_by_source_frame(instances[0].uid, list(range(1, SHAPE[0] + 1)),
                                              segment_numbers=list(range(1, count + 1)), rescale_fractional=True,
                                              assert_missing_frames_are_empty=True)
    return seg.get_pixels_by_source_instance([i.uid for i in instances], segment_numbers=list(range(1, count + 1)),
                                             rescale_fractional=True)


KINDS = [(t, c, n) for t, comps in (("BINARY", ("none", "jpeg2000-lossless")),
                                    ("FRACTIONAL", ("none", "rle-lossless", "jpeg-ls-lossless", "jpeg2000-lossless")))
         for c in comps for n in (1, 3)]


@pytest.mark.parametrize(("kind", "compression", "count"), KINDS, ids=[f"{t}-{c}-{n}" for t, c, n in KINDS])
def test_every_kind_from_single_frames(study: Path, tmp_path: Path, kind: str, compression: str, count: int) -> None:
    fractional = kind == "FRACTIONAL"
    arrays = masks(count, fractional)
    out = create_seg(spec(count, type=kind, compression=compression), study, tmp_path / "seg.dcm", masks=arrays,
                     uid_policy=UIDPolicy(seed="kinds"))
    judged(out, sorted(study.glob("*.dcm")))
    ds = dcmread(out)
    assert ds.SOPClassUID == SEG_SOP_CLASS and ds.SegmentationType == kind
    assert [int(s.SegmentNumber) for s in ds.SegmentSequence] == list(range(1, count + 1))
    # Empty frames are left out: 2 slices carry each segment.
    assert int(ds.NumberOfFrames) == 2 * count
    back = read_back(out, study, count)
    expected = np.stack(arrays, axis=-1)
    if fractional:
        assert np.abs(back - expected).max() <= 0.5 / 255 + 1e-6
    else:
        assert np.array_equal(back.astype(bool), expected)


@pytest.mark.parametrize(("kind", "compression", "count"),
                         [("BINARY", "jpeg2000-lossless", 3), ("FRACTIONAL", "rle-lossless", 1)])
def test_from_a_multiframe_source(study: Path, multiframe: Path, tmp_path: Path, kind: str, compression: str,
                                  count: int) -> None:
    arrays = masks(count, kind == "FRACTIONAL")
    out = create_seg(spec(count, type=kind, compression=compression), multiframe, tmp_path / "seg.dcm",
                     masks=arrays, uid_policy=UIDPolicy(seed="mf"))
    # The enhanced image references the slices it was converted from: they complete the set.
    judged(out, [multiframe / "enhanced.dcm", *sorted(study.glob("*.dcm"))])
    back = read_back(out, multiframe, count)
    expected = np.stack(arrays, axis=-1)
    assert np.abs(back.astype(np.float32) - expected).max() <= 0.5 / 255 + 1e-6


def test_mask_files_npy_png_and_label_map(study: Path, tmp_path: Path) -> None:
    from PIL import Image

    arrays = masks(3)
    np.save(tmp_path / "one.npy", arrays[0])
    pngs = []
    for i, frame in enumerate(arrays[1]):
        Image.fromarray(frame.astype(np.uint8) * 255).save(tmp_path / f"two_{i}.png")
        pngs.append(f"two_{i}.png")
    labels = np.zeros(SHAPE, np.uint8)
    labels[arrays[2]] = 7
    np.save(tmp_path / "labels.npy", labels)
    files = spec(2)
    files["segments"][0]["mask"] = "one.npy"
    files["segments"][1]["mask"] = pngs
    (tmp_path / "seg.json").write_text(__import__("json").dumps(files))
    out = create_seg(tmp_path / "seg.json", study, tmp_path / "files.dcm")
    assert np.array_equal(read_back(out, study, 2).astype(bool), np.stack(arrays[:2], axis=-1))
    mapped = spec(1, label_map="labels.npy")
    mapped["segments"][0]["value"] = 7
    (tmp_path / "map.json").write_text(__import__("json").dumps(mapped))
    out = create_seg(tmp_path / "map.json", study, tmp_path / "map.dcm")
    assert np.array_equal(read_back(out, study, 1)[..., 0].astype(bool), arrays[2])


def test_codes_algorithm_tracking(study: Path, tmp_path: Path) -> None:
    out = create_seg(spec(1), study, tmp_path / "seg.dcm", masks=masks(1), uid_policy=UIDPolicy(seed="codes"))
    item = dcmread(out).SegmentSequence[0]
    assert item.SegmentedPropertyCategoryCodeSequence[0].CodeValue == "49755003"
    assert item.SegmentedPropertyTypeCodeSequence[0].CodeMeaning == "Nodule"
    assert item.SegmentAlgorithmType == "AUTOMATIC" and item.SegmentAlgorithmName == "LungAI"
    algorithm = item.SegmentationAlgorithmIdentificationSequence[0]
    assert algorithm.AlgorithmFamilyCodeSequence[0].CodeValue == "129465004" and algorithm.AlgorithmVersion == "2.1"
    assert item.TrackingID == "finding-1" and item.TrackingUID.startswith("2.25.")


def test_seeded_rerun_is_byte_identical(study: Path, tmp_path: Path) -> None:
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    outputs = []
    for run in ("a", "b"):
        instances = read_source([study])
        builder = Builder(Study.from_source(*(i.dataset for i in instances)), uid_policy=UIDPolicy(seed="same"),
                          now=now)
        ds = build_seg(load_seg_spec(spec(3)), instances, builder, masks=masks(3))
        path = tmp_path / f"{run}.dcm"
        ds.save_as(path, enforce_file_format=True)
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]


def bad(study: Path, tmp_path: Path, data: dict[str, Any], arrays: Any) -> Exception:
    out = tmp_path / "bad.dcm"
    with pytest.raises((SpecError, InputError)) as caught:
        create_seg(data, study, out, masks=arrays)
    assert not out.exists() and not list(tmp_path.iterdir())
    assert "\n" not in str(caught.value)
    return caught.value


def test_bad_input_names_the_place(study: Path, tmp_path: Path) -> None:
    err = bad(study, tmp_path, spec(1), [np.zeros((3, 128, 128), bool)])
    assert "does not match the source" in str(err) and "masks[0]" in str(err)
    unknown = spec(1)
    unknown["segments"][0]["type"] = "SCT: Liverr"
    assert "segments[0].type" in str(bad(study, tmp_path, unknown, masks(1)))
    outside = spec(1)
    outside["segments"][0]["category"] = "SCT: Nodule"  # a type, not a category
    err = bad(study, tmp_path, outside, masks(1))
    assert "segments[0].category" in str(err) and "CID 7150" in str(err)
    err = bad(study, tmp_path, spec(1), [np.zeros(SHAPE, bool)])
    assert "segments[0].mask" in str(err) and "empty" in str(err)
    overlap = masks(2)
    overlap[1] = overlap[0].copy()
    assert "overlap" in str(bad(study, tmp_path, spec(2), overlap))
    err = bad(study, tmp_path, spec(1, compression="rle-lossless"), masks(1))
    assert "compression" in str(err) and "BINARY" in str(err) and "JPEG 2000" in str(err)
    missing = spec(1)
    missing["segments"][0]["mask"] = "nowhere.npy"
    assert "segments[0].mask" in str(bad(study, tmp_path, missing, None))


def test_overlap_allowed_when_asked(study: Path, tmp_path: Path) -> None:
    overlap = masks(2)
    overlap[1] = overlap[0].copy()
    out = create_seg(spec(2, allow_overlap=True), study, tmp_path / "seg.dcm", masks=overlap)
    assert len(dcmread(out).SegmentSequence) == 2


def test_schema_names_the_segments() -> None:
    schema = seg_schema()
    assert "segments" in schema["properties"] or "segments" in str(schema)


def test_dump_summarises_the_segments(study: Path, tmp_path: Path) -> None:
    from dicomhelp.inspect import dump_lines
    from dicomhelp.io import read_file

    arrays = masks(3)
    arrays[2][3, 100:110, 40:50] = True  # a third slice for the third segment
    out = create_seg(spec(3), study, tmp_path / "seg.dcm", masks=arrays)
    (line,) = [ln for ln in dump_lines(read_file(out)) if "PixelData" in ln]
    assert line.endswith("; BINARY SEG, 3 segments: 1 'Finding 1' 2 frames, 2 'Finding 2' 2 frames, "
                         "3 'Finding 3' 3 frames")
    one = create_seg(spec(1), study, tmp_path / "one.dcm", masks=masks(1))
    (line,) = [ln for ln in dump_lines(read_file(one)) if "PixelData" in ln]
    assert line.endswith("; BINARY SEG, 1 segment: 1 'Finding 1' 2 frames")
