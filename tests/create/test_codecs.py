"""The compression policy and ``transcode``: round trips, lossy attributes, offset tables, bad input."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread

from dicomhelp import codecs
from dicomhelp.codecs import encapsulate, encode, policy
from dicomhelp.codecs import Compression, decode_frames, syntax_by_name, transcode
from dicomhelp.create.sc import SCOptions, build_sc
from dicomhelp.errors import DicomHelpError, InputError, SpecError, UsageError
from dicomhelp.io import read_file, sample_file, write_atomic
from support import assert_clean_failure, dciodvfy, dcmdump, pydicom_test_files, run_cli

# Files from pydicom's wheel covering signed/unsigned 16-bit, RGB, compressed sources and odd encodings.
SOURCES = ["CT_small.dcm", "MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "SC_rgb_rle.dcm",
           "SC_rgb_jpeg_dcmtk.dcm", "JPEGLSNearLossless_16.dcm",
           # other encodings of the dataset itself: big endian, implicit VR, deflated
           "MR_small_bigendian.dcm", "MR_small_implicit.dcm", "image_dfl.dcm"]
LOSSLESS = ["none", "rle-lossless", "jpeg-ls-lossless", "jpeg2000-lossless"]


def _reload(ds):
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    buf.seek(0)
    return dcmread(buf)


def _new_uid() -> str:
    return "2.25.12345678901234567890"


@pytest.mark.parametrize("name", SOURCES)
@pytest.mark.parametrize("target", LOSSLESS)
def test_lossless_round_trip_is_bit_exact(name: str, target: str) -> None:
    original = decode_frames(dcmread(sample_file(name)))
    ds = read_file(sample_file(name), pixels=True).dataset
    old_uid = ds.SOPInstanceUID
    if name == "JPEGLSNearLossless_16.dcm" and target == "jpeg2000-lossless":
        with pytest.raises(UsageError, match="too small for the JPEG 2000 encoder"):
            transcode(ds, Compression(target), new_uid=_new_uid)
        return
    result = transcode(ds, Compression(target), new_uid=_new_uid)
    back = _reload(result.dataset)
    assert back.file_meta.TransferSyntaxUID == syntax_by_name(target).uid
    assert back.SOPInstanceUID == old_uid and not result.new_instance
    np.testing.assert_array_equal(decode_frames(back), original)
    # ... and back to explicit VR little endian, still identical.
    again = transcode(back, Compression("none"), new_uid=_new_uid).dataset
    np.testing.assert_array_equal(decode_frames(_reload(again)), original)
    if name in ("SC_rgb_jpeg_dcmtk.dcm", "JPEGLSNearLossless_16.dcm"):
        # Once lossy, always lossy: lossless re-encoding keeps the flag.
        assert back.LossyImageCompression == "01"


def test_lossy_transcode_records_every_step() -> None:
    ds = read_file(sample_file("CT_small.dcm"), pixels=True).dataset
    original_uid = ds.SOPInstanceUID
    step1 = transcode(ds, Compression("jpeg2000", ratio=10), new_uid=lambda: "2.25.1")
    d1 = _reload(step1.dataset)
    assert step1.new_instance and d1.SOPInstanceUID == "2.25.1" and d1.file_meta.MediaStorageSOPInstanceUID == "2.25.1"
    assert d1.LossyImageCompression == "01"
    assert d1.LossyImageCompressionMethod == "ISO_15444_1"
    assert float(d1.LossyImageCompressionRatio) == pytest.approx(step1.report.ratio, rel=1e-3)
    assert d1.ImageType[0] == "DERIVED"
    assert [c.CodeValue for c in d1.DerivationCodeSequence] == ["113040"]
    ref = d1.SourceImageSequence[-1]
    assert ref.ReferencedSOPInstanceUID == original_uid
    assert ref.PurposeOfReferenceCodeSequence[0].CodeValue == "121320"
    assert step1.report.psnr_db is not None and step1.report.psnr_db > 30 and step1.report.max_error > 0

    # Lossless re-encoding: nothing is reset, nothing appended, same instance.
    step2 = transcode(d1, Compression("jpeg-ls-lossless"), new_uid=lambda: "2.25.2")
    d2 = _reload(step2.dataset)
    assert d2.SOPInstanceUID == "2.25.1" and d2.LossyImageCompression == "01"
    assert d2.LossyImageCompressionMethod == "ISO_15444_1"

    # A second lossy step appends its ratio and method; no new 'uncompressed predecessor'.
    step3 = transcode(d2, Compression("jpeg-ls-near-lossless", max_error=3), new_uid=lambda: "2.25.3")
    d3 = _reload(step3.dataset)
    assert list(d3.LossyImageCompressionMethod) == ["ISO_15444_1", "ISO_14495_1"]
    assert len(d3.LossyImageCompressionRatio) == 2
    assert len(d3.SourceImageSequence) == 1
    assert step3.report.max_error <= 3


@pytest.mark.validators
def test_transcoded_sc_passes_dciodvfy(tmp_path: Path) -> None:
    frames = np.random.default_rng(1).integers(0, 255, (3, 32, 32, 3)).astype(np.uint8)
    ds, _ = build_sc(frames)
    src = write_atomic(ds, tmp_path / "sc.dcm")
    for target in ("jpeg2000", "jpeg2000-lossless", "rle-lossless"):
        out = tmp_path / f"{target}.dcm"
        proc = run_cli("transcode", str(src), str(out), "--to", target)
        assert proc.returncode == 0, proc.stderr
        verdict = dciodvfy(out)
        assert verdict.ok, str(verdict)
        assert dcmdump(out).ok
    lossy = dcmread(tmp_path / "jpeg2000.dcm")
    assert lossy.PhotometricInterpretation == "YBR_ICT" and lossy.SOPInstanceUID != ds.SOPInstanceUID
    assert dcmread(tmp_path / "jpeg2000-lossless.dcm").PhotometricInterpretation == "YBR_RCT"


def test_extended_offset_table_when_offsets_overflow(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    frames = np.random.default_rng(2).integers(0, 4000, (4, 32, 32)).astype(np.uint16)
    monkeypatch.setattr(encapsulate, "MAX_BOT_OFFSET", 1000)  # as if the frames were over 4 GiB
    ds, _ = build_sc(frames, options=SCOptions(compression=Compression("rle-lossless")))
    out = write_atomic(ds, tmp_path / "eot.dcm")
    back = dcmread(out)
    assert len(back.ExtendedOffsetTable) == 8 * 4 and len(back.ExtendedOffsetTableLengths) == 8 * 4
    np.testing.assert_array_equal(back.pixel_array, frames)


def test_compression_options_are_checked() -> None:
    with pytest.raises(UsageError, match="below 1"):
        Compression("jpeg2000", ratio=0.9)
    with pytest.raises(UsageError, match="jpeg2000 only"):
        Compression("jpeg-ls-lossless", ratio=10)
    with pytest.raises(UsageError, match="either --ratio or --psnr"):
        Compression("jpeg2000", ratio=10, psnr=40)
    with pytest.raises(UsageError, match="unsupported transfer syntax 'jpeg-xl'"):
        Compression("jpeg-xl")
    assert Compression("1.2.840.10008.1.2.4.80").name == "jpeg-ls-lossless"
    with pytest.raises(SpecError) as err:
        Compression.from_dict({"name": "jpeg2000", "level": 3}, key="sc.compression")
    assert err.value.source == "sc.compression.level"


def test_psnr_target_is_met() -> None:
    frames = np.random.default_rng(3).normal(2000, 300, (2, 64, 64)).clip(0, 4095).astype(np.uint16)
    _, report = build_sc(frames, options=SCOptions(compression=Compression("jpeg2000", psnr=50)))
    assert report.psnr_db is not None and report.psnr_db >= 49


@pytest.mark.parametrize("case", ["to", "ratio", "not-image", "missing", "truncated"])
def test_transcode_bad_input_fails_cleanly(case: str, tmp_path: Path) -> None:
    pdf = tmp_path / "doc.dcm"
    if case == "not-image":
        from dicomhelp.create.pdf import create_pdf

        write_atomic(create_pdf(b"%PDF-1.4\n%%EOF\n"), pdf)
    ct = str(sample_file("CT_small.dcm"))
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(sample_file("CT_small.dcm").read_bytes()[:-5000])  # pixel data cut short
    args, code, message = {
        "to": ([ct, "--to", "jpeg-xl"], 2, "Invalid value for '--to'"),
        "ratio": ([ct, "--to", "jpeg2000", "--ratio", "0"], 2, "below 1"),
        "not-image": ([str(pdf), "--to", "rle-lossless"], 1, "it is not an image"),
        "missing": ([str(tmp_path / "nope.dcm"), "--to", "none"], 2, "no such file"),
        "truncated": ([str(cut), "--to", "jpeg-ls-lossless"], 1, "the file is cut short"),
    }[case]
    out = tmp_path / "out.dcm"
    proc = run_cli("transcode", args[0], str(out), *args[1:])
    assert_clean_failure(proc, code)
    assert message in proc.stderr and not out.exists()


WHEEL_IMAGES = [p for p in pydicom_test_files() if p.stat().st_size < 3_000_000]


@pytest.mark.parametrize("path", WHEEL_IMAGES, ids=lambda p: p.name)
def test_every_wheel_image_transcodes_or_fails_cleanly(path: Path) -> None:
    """Any file: a bit-exact lossless copy, or one clear error, never a crash."""
    try:
        ds = read_file(path, pixels=True).dataset
    except DicomHelpError:
        return
    if "PixelData" not in ds:
        return
    try:
        result = transcode(ds, Compression("rle-lossless"), new_uid=_new_uid)
    except DicomHelpError as exc:
        assert exc.one_line() and "\n" not in exc.one_line()
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        original = decode_frames(dcmread(path))
    np.testing.assert_array_equal(decode_frames(_reload(result.dataset)), original)


@pytest.mark.parametrize("high_bits", [False, True], ids=["clean", "garbage-above-bits-stored"])
def test_transcode_file_maps_uncompressed_input(high_bits: bool, tmp_path: Path) -> None:
    from dicomhelp.codecs import transcode_file

    frames = np.random.default_rng(4).integers(0, 4096, (3, 40, 40)).astype(np.uint16)
    ds, _ = build_sc(frames)
    assert ds.BitsStored == 12
    if high_bits:
        # Bits above Bits Stored are not part of the value (PS3.5 8.1.1): the copy must mask them.
        ds.PixelData = (frames | 0xF000).tobytes()
    src = write_atomic(ds, tmp_path / "in.dcm")
    result = transcode_file(src, Compression("jpeg-ls-lossless"), new_uid=_new_uid)
    out = write_atomic(result.dataset, tmp_path / "out.dcm")
    np.testing.assert_array_equal(dcmread(out).pixel_array, frames)
    again = transcode_file(out, Compression("none"), new_uid=_new_uid)  # encapsulated: read, not mapped
    np.testing.assert_array_equal(_reload(again.dataset).pixel_array, frames)


@pytest.mark.parametrize("name", ["rle-lossless", "jpeg-ls-lossless"])
def test_a_crashed_encoder_process_is_an_error_not_a_hang(name: str, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    import os
    import time

    from dicomhelp.codecs import write_with_pixels
    from dicomhelp.create.sc import build_sc_streamed

    parent = os.getpid()
    real = encode._FrameEncoder.__call__

    def crash_in_helper(self, index: int):
        if os.getpid() != parent:
            os._exit(11)  # what a segfaulting codec looks like to the parent
        time.sleep(0.3)  # the parent is slow: the helper surely takes a chunk meanwhile
        return real(self, index)

    monkeypatch.setattr(encode._FrameEncoder, "__call__", crash_in_helper)
    frames = np.zeros((4, 32, 32), np.uint8)
    options = SCOptions(compression=Compression(name, workers=2))
    with pytest.raises(InputError, match="an encoder process crashed"):
        build_sc(frames, options=options)
    ds, _, pending = build_sc_streamed(frames, options=options)
    with pytest.raises(InputError, match="an encoder process crashed"):
        write_with_pixels(ds, pending, tmp_path / "out.dcm")  # the parent's frames written when it crashes
    assert list(tmp_path.iterdir()) == []


def test_an_encoder_error_in_a_helper_process_is_the_same_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import time

    parent = os.getpid()
    real = encode._FrameEncoder.__call__

    def refuse_in_helper(self, index: int):
        if os.getpid() != parent:
            raise ValueError("frame too odd")
        time.sleep(0.3)  # the parent is slow: the helper surely takes a chunk meanwhile
        return real(self, index)

    monkeypatch.setattr(encode._FrameEncoder, "__call__", refuse_in_helper)
    frames = np.zeros((4, 32, 32), np.uint8)
    with pytest.raises(InputError, match="encoder refused the pixels: frame too odd"):
        build_sc(frames, options=SCOptions(compression=Compression("rle-lossless", workers=2)))


@pytest.mark.parametrize("name", ["rle-lossless", "jpeg-ls-lossless", "jpeg2000-lossless"])
@pytest.mark.parametrize("slot", ["shared memory", "too small: through the pipe"])
def test_parallel_encoding_gives_the_bytes_of_one_process(name: str, slot: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from dicomhelp.codecs import PixelFormat, encode_frames

    rng = np.random.default_rng(8)
    y, x = np.mgrid[0:33, 0:37]
    frames = np.stack([((x + y + i) // 4 * 40 + rng.integers(0, 2, (33, 37))) for i in range(37)]).astype(np.uint16)
    fmt = PixelFormat(33, 37, 1, 16, 12, 0, "MONOCHROME2")
    expected = [data for data, _, _ in encode_frames(frames, fmt, Compression(name, workers=1))]
    if slot == "shared memory":
        assert max(map(len, expected)) <= codecs.frame_bound(fmt)  # every frame fits its slot
    else:
        monkeypatch.setattr(encode, "frame_bound", lambda fmt: 100)
    for workers in (2, 3):
        got = [data for data, _, _ in encode_frames(frames, fmt, Compression(name, workers=workers))]
        assert got == expected


@pytest.mark.parametrize("dtype,samples", [("uint8", 1), ("uint16", 1), ("int16", 1), ("uint8", 3),
                                           ("uint16", 3), ("uint32", 1), ("uint32", 3)])
def test_fast_rle_is_byte_identical_to_pylibjpeg_rle(dtype: str, samples: int) -> None:
    from rle.rle import encode_frame

    rng = np.random.default_rng(6)
    info = np.iinfo(dtype)
    shape = (37, 23) + ((samples,) if samples > 1 else ())
    # runs and literals both: a few distinct values in blocks, plus noise
    frame = np.repeat(rng.integers(info.min, info.max, (37, 6), dtype=dtype, endpoint=True), 4, axis=1)[:, :23]
    if samples > 1:
        frame = np.stack([frame, rng.integers(info.min, info.max, (37, 23), dtype=dtype), frame[::-1]], axis=-1)
    assert frame.shape == shape
    expected = encode_frame(frame.tobytes(), 37, 23, samples, info.bits, "<")
    assert codecs.rle_encode_frame(frame) == expected


def test_fast_rle_refuses_more_than_15_planes() -> None:
    with pytest.raises(ValueError, match="at most 15 byte planes"):
        codecs.rle_encode_frame(np.zeros((4, 4, 3), np.uint64))


@pytest.mark.parametrize("name", ["jpeg-ls-lossless", "jpeg-ls-near-lossless", "jpeg2000-lossless", "jpeg2000"])
@pytest.mark.parametrize("dtype,bits_stored,samples", [("uint16", 11, 1), ("int16", 12, 1), ("int16", 16, 1),
                                                       ("uint16", 8, 1), ("uint8", 6, 1), ("uint8", 8, 3),
                                                       (">u2", 12, 1), (">i2", 16, 1)],
                         ids=["u16-11", "i16-12", "i16-16", "u16-8", "u8-6", "rgb8", "big-endian-u16", "big-endian-i16"])
def test_frames_are_encoded_to_pydicoms_bytes(name: str, dtype: str, bits_stored: int,
                                                                 samples: int) -> None:
    from pydicom.pixels.encoders.base import get_encoder

    from dicomhelp.codecs import PixelFormat, encode_frames

    rng = np.random.default_rng(3)
    signed = np.dtype(dtype).kind == "i"
    low, high = (-(1 << (bits_stored - 1)), 1 << (bits_stored - 1)) if signed else (0, 1 << bits_stored)
    shape = (2, 40, 36) + ((samples,) if samples > 1 else ())
    frames = np.clip(rng.integers(low, high, shape) // 7 * 7, low, high - 1).astype(dtype)  # runs and noise
    photometric = "RGB" if samples > 1 else "MONOCHROME2"
    fmt = PixelFormat(40, 36, samples, np.dtype(dtype).itemsize * 8, bits_stored, int(signed), photometric)
    compression = Compression(name, ratio=5 if name == "jpeg2000" else None)
    kwargs = policy.encoder_kwargs(fmt, compression)
    encoder = get_encoder(compression.syntax.uid)
    try:
        expected = [bytes(encoder.encode(frame, **kwargs)) for frame in frames]
    except ValueError as exc:  # values a lossy signed encoding could wrap: refused, never encoded wrong
        with pytest.raises(ValueError, match=str(exc)[:40]):
            list(encode_frames(frames, fmt, compression))
        return
    assert [bytes(data) for data, _, _ in encode_frames(frames, fmt, compression)] == expected


@pytest.mark.parametrize("name", ["jpeg-ls-lossless", "jpeg2000-lossless"])
def test_signed_values_beyond_bits_stored_are_refused_not_encoded_wrong(name: str) -> None:
    from dicomhelp.codecs import PixelFormat, encode_frames

    frames = np.zeros((2, 40, 36), np.int16)
    frames[1, 5, 5] = 3000  # Bits Stored 12 holds -2048..2047
    fmt = PixelFormat(40, 36, 1, 16, 12, 1, "MONOCHROME2")
    with pytest.raises(ValueError, match="outside the allowable range"):
        list(encode_frames(frames, fmt, Compression(name)))
