"""Secondary Capture: every SC class x every compression x every kind of data the class allows.

Each object is checked by dciodvfy (0 errors) and dcmdump, decoded bit-exact by
pydicom and, for lossless syntaxes, by an external decoder (DCMTK dcmdrle /
dcmdjpls, GDCM gdcmconv --raw for JPEG 2000).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread

from dicomhelp.codecs import Compression
from dicomhelp.create.base import Builder, Study
from dicomhelp.create.sc import (
    SC_GRAYSCALE_BYTE, SC_GRAYSCALE_WORD, SC_IMAGE, SC_SINGLE_BIT, SC_TRUE_COLOR, SCOptions, build_sc,
    choose_storage, create_sc,
)
from dicomhelp.create.sources import load_sources
from dicomhelp.errors import InputError, SpecError, UsageError
from dicomhelp.io import write_atomic
from dicomhelp.samples import make_sample_study
from support import assert_clean_failure, dcentvfy, dciodvfy, dcmdump, run_cli, tool

RNG = np.random.default_rng(5)


def _smooth(shape: tuple[int, ...], low: int, high: int, dtype: str) -> np.ndarray:
    """Image-like data (gradients plus noise), so compressors behave as on real images."""
    frames, rows, cols = shape[:3]
    y, x = np.mgrid[0:rows, 0:cols]
    base = np.stack([(x * (f + 1) + y * 2) % (cols * 2) for f in range(frames)]).astype(float)
    if len(shape) == 4:
        base = np.stack([base, base[:, ::-1], base.transpose(0, 2, 1)], axis=-1)
    base = low + (base / base.max()) * (high - low) + RNG.normal(0, (high - low) / 50, base.shape)
    return np.clip(base, low, high).astype(dtype)


DATA = {
    # kind -> (frames, expected SOP class, expected stored frames)
    "byte-1": _smooth((1, 64, 64), 0, 255, "uint8"),
    "word-1": _smooth((1, 64, 64), 0, 4095, "uint16"),
    "signed-1": _smooth((1, 64, 64), -1024, 2000, "int16"),
    "rgb-1": _smooth((1, 64, 64, 3), 0, 255, "uint8"),
    "mask-1": _smooth((1, 64, 64), 0, 1, "float") > 0.5,
    "byte": _smooth((3, 64, 64), 0, 255, "uint8"),
    "word": _smooth((3, 64, 64), 0, 4095, "uint16"),
    "word16": _smooth((3, 64, 64), 0, 65535, "uint16"),
    "signed": _smooth((3, 64, 64), -1024, 3000, "int16"),
    "rgb": _smooth((3, 64, 64, 3), 0, 255, "uint8"),
    "mask": _smooth((3, 64, 64), 0, 1, "float") > 0.5,
}
EXPECTED_CLASS = {
    "byte-1": SC_IMAGE, "word-1": SC_IMAGE, "signed-1": SC_IMAGE, "rgb-1": SC_IMAGE, "mask-1": SC_IMAGE,
    "byte": SC_GRAYSCALE_BYTE, "word": SC_GRAYSCALE_WORD, "word16": SC_GRAYSCALE_WORD,
    "signed": SC_GRAYSCALE_WORD, "rgb": SC_TRUE_COLOR, "mask": SC_SINGLE_BIT,
}
COMPRESSIONS = ["none", "rle-lossless", "jpeg-ls-lossless", "jpeg-ls-near-lossless", "jpeg2000-lossless", "jpeg2000"]
CASES = [(k, c) for k in DATA for c in COMPRESSIONS if k != "mask" or c == "none"]


def expected_stored(kind: str) -> np.ndarray:
    data = DATA[kind]
    if kind == "mask-1":
        return data.astype(np.uint8) * 255
    if data.dtype == bool:
        return data.astype(np.uint8)
    if data.min() < 0:
        return (data.astype(np.int64) - data.min()).astype(np.uint16)
    return data


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_sample_study(tmp_path_factory.mktemp("study") / "ct")


@pytest.fixture(scope="module")
def sources(study: list[Path]):
    return load_sources([study[0].parent])


def external_decode(path: Path, syntax: str, out: Path) -> np.ndarray | None:
    """Decode with DCMTK or GDCM into an uncompressed file; None for syntaxes they are not used for."""
    if syntax == "rle-lossless":
        args = [tool("dcmdrle"), str(path), str(out)]
    elif syntax.startswith("jpeg-ls"):
        args = [tool("dcmdjpls"), str(path), str(out)]
    elif syntax.startswith("jpeg2000"):
        args = [tool("gdcmconv"), "--raw", str(path), str(out)]
    else:
        return None
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    ds = dcmread(out)
    assert not ds.file_meta.TransferSyntaxUID.is_compressed
    return ds.pixel_array


@pytest.mark.validators
@pytest.mark.parametrize("kind,compression", CASES, ids=[f"{k}-{c}" for k, c in CASES])
def test_sc_class_compression_and_data(kind: str, compression: str, sources, tmp_path: Path) -> None:
    opts = SCOptions(compression=Compression(compression, ratio=10 if compression == "jpeg2000" else None))
    ds, report = build_sc(DATA[kind], source=sources, options=opts)
    assert ds.SOPClassUID == EXPECTED_CLASS[kind]
    out = write_atomic(ds, tmp_path / "sc.dcm")
    verdict = dciodvfy(out)
    assert verdict.ok, str(verdict)
    assert not verdict.warnings, verdict.warnings  # derived from the sample study: none (see the guide)
    assert dcmdump(out).ok

    back = dcmread(out)
    expected = expected_stored(kind)
    decoded = back.pixel_array.reshape(expected.shape)
    external = external_decode(out, compression, tmp_path / "raw.dcm")
    if report.lossy:
        assert back.LossyImageCompression == "01"
        method = "ISO_15444_1" if compression == "jpeg2000" else "ISO_14495_1"
        assert list(_multi(back.LossyImageCompressionMethod)) == [method]
        assert float(_multi(back.LossyImageCompressionRatio)[0]) == pytest.approx(report.ratio, rel=1e-3)
        assert back.ImageType[0] == "DERIVED"
        assert [c.CodeValue for c in back.DerivationCodeSequence] == ["113040"]
        error = np.abs(decoded.astype(np.int64) - expected.astype(np.int64)).max()
        assert error == report.max_error
        assert report.psnr_db is None or report.psnr_db > 20
        if compression == "jpeg-ls-near-lossless":
            assert report.max_error <= 2  # the default NEAR
            assert report.max_error > 0 or kind == "mask-1"  # two-valued masks come back exact
            assert external is not None
            assert np.abs(external.reshape(expected.shape).astype(np.int64) - expected).max() <= 2
        else:
            # openjpeg counts Bits Stored, the ratio recorded counts Bits Allocated: 12-bit data gives 10 x 16/12.
            assert 10 * 0.75 <= report.ratio <= 10 * 16 / back.BitsStored * 1.25
    else:
        assert "LossyImageCompression" not in back
        np.testing.assert_array_equal(decoded, expected)
        if external is not None:
            np.testing.assert_array_equal(external.reshape(expected.shape), expected)
    if back.SamplesPerPixel == 3 and compression.startswith("jpeg2000"):
        assert back.PhotometricInterpretation == ("YBR_RCT" if compression == "jpeg2000-lossless" else "YBR_ICT")


def _multi(value):
    return value if isinstance(value, (list, tuple)) or hasattr(value, "__iter__") and not isinstance(value, str) \
        else [value]


def test_iod_attributes_of_multiframe_grayscale(sources) -> None:
    ds, _ = build_sc(DATA["signed"], source=sources, options=SCOptions(window=(40, 400)))
    assert ds.PhotometricInterpretation == "MONOCHROME2" and ds.PixelRepresentation == 0
    assert (ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType) == (0, 1, "US")
    assert ds.PresentationLUTShape == "IDENTITY"
    shift = -int(DATA["signed"].min())
    assert float(ds.WindowCenter) == 40 + shift and float(ds.WindowWidth) == 400
    assert f"+{shift}" in ds.DerivationDescription
    assert ds.FrameIncrementPointer == 0x00182001 and list(ds.PageNumberVector) == [1, 2, 3]
    assert ds.ConversionType == "WSD" and ds.BurnedInAnnotation == "NO"
    assert "PixelSpacing" not in ds and "FrameOfReferenceUID" not in ds
    assert ds.BodyPartExamined == "CHEST" and "Laterality" not in ds  # unpaired part: no laterality


@pytest.mark.validators
def test_cine_labels_spacing_and_scratch(tmp_path: Path) -> None:
    data = DATA["byte"]
    cine, _ = build_sc(data, options=SCOptions(frame_time=40))
    assert cine.FrameIncrementPointer == 0x00181063 and float(cine.FrameTime) == 40
    labels, _ = build_sc(data, options=SCOptions(frame_labels=["a", "b", "c"], pixel_spacing=(0.5, 0.7)))
    assert list(labels.FrameLabelVector) == ["a", "b", "c"] and [float(v) for v in labels.PixelSpacing] == [0.5, 0.7]
    for i, ds in enumerate((cine, labels)):
        assert ds.Laterality == ""  # no body part: side unknown, Type 2C sent empty
        assert ds.ImageType[0] == "ORIGINAL" and "SourceImageSequence" not in ds
        verdict = dciodvfy(write_atomic(ds, tmp_path / f"{i}.dcm"))
        assert verdict.ok, str(verdict)
        assert all("Laterality" in w for w in verdict.warnings), verdict.warnings
    with pytest.raises(UsageError, match="2 frame labels given for 3 frames"):
        build_sc(data, options=SCOptions(frame_labels=["a", "b"]))


@pytest.mark.validators
def test_derived_keeps_patient_and_study_and_references_resolve(study: list[Path], sources, tmp_path: Path) -> None:
    ds, _ = build_sc(DATA["byte"], source=sources)
    out = write_atomic(ds, tmp_path / "sc.dcm")
    src = dcmread(study[0])
    for kw in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyInstanceUID", "StudyDate",
               "StudyTime", "AccessionNumber", "StudyID", "ReferringPhysicianName", "StudyDescription"):
        assert ds.get(kw) == src.get(kw), kw
    assert ds.SeriesInstanceUID != src.SeriesInstanceUID and ds.SOPInstanceUID != src.SOPInstanceUID
    source_uids = {str(dcmread(p).SOPInstanceUID) for p in study}
    refs = {str(i.ReferencedSOPInstanceUID) for i in ds.SourceImageSequence}
    assert refs == source_uids
    assert all(i.ReferencedSOPClassUID == src.SOPClassUID for i in ds.SourceImageSequence)
    assert ds.SourceImageSequence[0].PurposeOfReferenceCodeSequence[0].CodeValue == "121322"
    verdict = dcentvfy([*study, out])
    assert verdict.ok and not verdict.warnings, verdict.output


def test_parallel_workers_give_the_same_bytes() -> None:
    data = _smooth((6, 64, 64), 0, 4095, "uint16")
    serial, _ = build_sc(data, options=SCOptions(compression=Compression("jpeg-ls-lossless", workers=1)))
    forked, _ = build_sc(data, options=SCOptions(compression=Compression("jpeg-ls-lossless", workers=2)))
    from pydicom.encaps import generate_frames

    a = list(generate_frames(serial.PixelData, number_of_frames=6))
    b = list(generate_frames(forked.PixelData, number_of_frames=6))
    assert a == b and len(a) == 6


def test_choose_storage_refuses_bad_data() -> None:
    with pytest.raises(InputError, match="16-bit RGB is not allowed"):
        choose_storage(np.zeros((2, 8, 8, 3), np.uint16))
    with pytest.raises(InputError, match="convert the data to integers"):
        choose_storage(np.zeros((2, 8, 8), np.float32))
    with pytest.raises(InputError, match="more than 16 bits"):
        choose_storage(np.array([[[0, 70000]]], np.int32))
    with pytest.raises(UsageError, match="cannot be written as rle-lossless"):
        build_sc(DATA["mask"], options=SCOptions(compression=Compression("rle-lossless")))


def test_options_from_spec_name_the_key() -> None:
    opts = SCOptions.from_dict({"series_number": 5, "compression": {"name": "jpeg2000", "ratio": 20},
                                "window": [40, 400]})
    assert opts.compression.ratio == 20 and opts.window == (40.0, 400.0)
    with pytest.raises(SpecError) as err:
        SCOptions.from_dict({"compression": {"name": "jpeg2000", "ratio": 0.5}})
    assert err.value.source == "sc.compression" and "below 1" in err.value.one_line()
    with pytest.raises(SpecError) as err:
        SCOptions.from_dict({"colour": 1})
    assert err.value.source == "sc.colour"
    with pytest.raises(SpecError) as err:
        SCOptions.from_dict({"compression": "zip"})
    assert "unsupported transfer syntax 'zip'" in err.value.one_line()


def test_builder_api_places_sc_in_a_given_study() -> None:
    builder = Builder(Study.new(patient_name="Doe^Jane", patient_id="P7"))
    ds = build_sc([DATA["byte"][0], DATA["byte"][1]], builder=builder)[0]
    assert ds.PatientName == "Doe^Jane" and ds.NumberOfFrames == 2 and ds.SOPClassUID == SC_GRAYSCALE_BYTE


# --- the command line -------------------------------------------------------------------------------


@pytest.mark.validators
def test_cli_png_frames_and_multipage_tiff(study: list[Path], tmp_path: Path) -> None:
    from PIL import Image

    frames = DATA["word"]
    pngs = []
    for i, f in enumerate(frames):
        pngs.append(tmp_path / f"f{i}.png")
        Image.fromarray(f).save(pngs[-1])
    rgb = [Image.fromarray(f) for f in DATA["rgb"]]
    rgb[0].save(tmp_path / "rgb.tif", save_all=True, append_images=rgb[1:])
    Image.fromarray(DATA["rgb"][0]).save(tmp_path / "photo.jpg", quality=90)
    photo = np.asarray(Image.open(tmp_path / "photo.jpg").convert("RGB"))  # what the JPEG decodes to
    for inputs, expected, name in (([str(p) for p in pngs], frames, "png.dcm"),
                                   ([str(tmp_path / "rgb.tif")], DATA["rgb"], "tif.dcm"),
                                   ([str(tmp_path / "photo.jpg")], photo, "jpg.dcm")):
        out = tmp_path / name
        proc = run_cli("create", "sc", *inputs, "--source", str(study[0].parent), "-o", str(out),
                       "--compression", "jpeg-ls-lossless")
        assert proc.returncode == 0, proc.stderr
        assert f"jpeg-ls-lossless: {1 if name == 'jpg.dcm' else 3} frame(s)" in proc.stdout
        ds = dcmread(out)
        np.testing.assert_array_equal(ds.pixel_array, expected)
        assert dciodvfy(out).ok


@pytest.mark.parametrize("case", ["missing", "sizes", "rgb16", "ratio", "bitcompress", "not-image", "float"])
def test_cli_bad_input_fails_cleanly(case: str, study: list[Path], tmp_path: Path) -> None:
    from PIL import Image

    out = tmp_path / "out.dcm"
    Image.fromarray(DATA["byte"][0]).save(tmp_path / "a.png")
    Image.fromarray(DATA["byte"][0][:32]).save(tmp_path / "b.png")
    np.save(tmp_path / "rgb16.npy", np.zeros((2, 8, 8, 3), np.uint16))
    np.save(tmp_path / "mask.npy", DATA["mask"])
    np.save(tmp_path / "float.npy", np.zeros((2, 8, 8), np.float32))
    src = ["--source", str(study[0].parent)]
    args, code, message = {
        "missing": ([str(tmp_path / "nope.png")], 2, "no such image file"),
        "sizes": ([str(tmp_path / "a.png"), str(tmp_path / "b.png")], 1, "differs from 64x64"),
        "rgb16": ([str(tmp_path / "rgb16.npy")], 1, "16-bit RGB is not allowed"),
        "ratio": ([str(tmp_path / "a.png"), "--compression", "jpeg2000", "--ratio", "0.5"], 2, "below 1"),
        "bitcompress": ([str(tmp_path / "mask.npy"), "--compression", "rle-lossless"], 2, "1-bit"),
        "not-image": ([str(tmp_path / "a.png"), "--source", str(tmp_path / "a.png")], 1, "not a DICOM file"),
        "float": ([str(tmp_path / "float.npy")], 1, "convert the data to integers"),
    }[case]
    proc = run_cli("create", "sc", *args, *src, "-o", str(out))
    assert_clean_failure(proc, code)
    assert message in proc.stderr
    if code == 1:  # a problem with an input file names it
        assert Path(args[-1] if case == "not-image" else args[0]).name in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".out.dcm*"))


@pytest.mark.validators
def test_cli_source_that_is_not_an_image(study: list[Path], tmp_path: Path) -> None:
    from dicomhelp.create.pdf import create_pdf

    pdf = create_pdf(b"%PDF-1.4\n%%EOF\n", source=load_sources([study[0].parent]))
    write_atomic(pdf, tmp_path / "doc.dcm")
    np.save(tmp_path / "f.npy", DATA["byte"])
    proc = run_cli("create", "sc", str(tmp_path / "f.npy"), "--source", str(tmp_path / "doc.dcm"),
                   "-o", str(tmp_path / "out.dcm"))
    assert_clean_failure(proc, 1)
    assert "no images to derive" in proc.stderr and not (tmp_path / "out.dcm").exists()
    assert f"{tmp_path / 'doc.dcm'}: the source has no images" in proc.stderr  # names the --source


def test_source_paths_and_a_shared_series(study: list[Path]) -> None:
    from dicomhelp.create.pdf import create_pdf

    builder = Builder(Study.from_source(*load_sources([study[0].parent])))
    series = builder.series("results", modality="OT", number=42, description="AI results")
    first = create_sc(DATA["byte"], builder=builder, series=series, options=SCOptions(instance_number=1))
    second = create_sc(DATA["rgb"], builder=builder, series=series, options=SCOptions(instance_number=2))
    assert first.SeriesInstanceUID == second.SeriesInstanceUID == series.uid
    assert first.SOPInstanceUID != second.SOPInstanceUID and second.SeriesNumber == 42
    by_path = create_sc(DATA["byte"], source=[study[0].parent])
    assert by_path.StudyInstanceUID == first.StudyInstanceUID and len(by_path.SourceImageSequence) == 4
    doc = create_pdf(b"%PDF-1.4\n%%EOF\n", source=[str(study[0])])
    assert doc.StudyInstanceUID == first.StudyInstanceUID and len(doc.SourceInstanceSequence) == 1
