"""Streamed transcoding: frames encoded while the output is written, same bytes as the in-memory path."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread

from dicomhelp.codecs import encapsulate, encode
from dicomhelp.codecs import Compression, transcode_file
from dicomhelp.create.sc import build_sc
from dicomhelp.errors import InputError
from dicomhelp.io import sample_file, write_atomic
from support import dciodvfy, on_a_terminal, run_cli


def _uid() -> str:
    return "2.25.987654321"


def _in_memory(src: Path, target: str, out: Path) -> Path:
    result = transcode_file(src, Compression(target), new_uid=_uid)
    assert result.pending is None and "PixelData" in result.dataset
    return write_atomic(result.dataset, out)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("stream")
    rng = np.random.default_rng(11)
    grey = (rng.normal(1500, 200, (5, 48, 40)).clip(0, 4095)).astype(np.uint16)  # mapped: uncompressed input
    colour = rng.integers(0, 255, (3, 36, 33, 3)).astype(np.uint8)  # odd sizes: odd fragments get padded
    return {"grey": write_atomic(build_sc(grey)[0], folder / "grey.dcm"),
            "colour": write_atomic(build_sc(colour)[0], folder / "colour.dcm"),
            "one frame, compressed input": sample_file("MR_small_RLE.dcm"),  # with trailing padding
            "no trailing elements": sample_file("SC_rgb_rle.dcm")}


@pytest.mark.parametrize("target", ["rle-lossless", "jpeg-ls-lossless", "jpeg2000-lossless"])
@pytest.mark.parametrize("name", ["grey", "colour", "one frame, compressed input", "no trailing elements"])
def test_streamed_output_is_byte_identical(inputs: dict[str, Path], name: str, target: str, tmp_path: Path) -> None:
    src = inputs[name]
    expected = _in_memory(src, target, tmp_path / "memory.dcm").read_bytes()
    result = transcode_file(src, Compression(target, workers=2), new_uid=_uid, stream=True)
    assert result.pending is not None and "PixelData" not in result.dataset
    result.write(tmp_path / "streamed.dcm")
    assert (tmp_path / "streamed.dcm").read_bytes() == expected
    assert result.report.compressed_bytes > 0 and result.report.ratio > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memory.dcm", "streamed.dcm"]


@pytest.mark.validators
def test_cli_streams_and_the_output_validates(inputs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "jls.dcm"
    proc = run_cli("transcode", str(inputs["grey"]), str(out), "--to", "jpeg-ls-lossless", "--json")
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == _in_memory(inputs["grey"], "jpeg-ls-lossless", tmp_path / "ref.dcm").read_bytes()
    assert '"compressed_bytes": 0' not in proc.stdout
    verdict = dciodvfy(out)
    assert verdict.ok, str(verdict)


def test_lossy_and_uncompressed_targets_are_not_streamed(inputs: dict[str, Path]) -> None:
    for target in ("jpeg2000", "jpeg-ls-near-lossless", "none"):
        result = transcode_file(inputs["grey"], Compression(target), new_uid=_uid, stream=True)
        assert result.pending is None and "PixelData" in result.dataset


def test_offsets_past_4_gib_fall_back_to_an_extended_offset_table(
        inputs: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(encapsulate, "MAX_BOT_OFFSET", 1000)  # as if the frames were over 4 GiB
    result = transcode_file(inputs["grey"], Compression("rle-lossless"), new_uid=_uid, stream=True)
    result.write(tmp_path / "eot.dcm")
    back = dcmread(tmp_path / "eot.dcm")
    assert len(back.ExtendedOffsetTable) == 8 * 5
    np.testing.assert_array_equal(back.pixel_array, dcmread(inputs["grey"]).pixel_array)
    assert [p.name for p in tmp_path.iterdir()] == ["eot.dcm"]


def test_an_encoder_failure_mid_stream_leaves_no_file(inputs: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    calls = {"n": 0}
    real = encode._FrameEncoder.__call__

    def fail_on_third(self, index: int):  # the first frames are already in the file when it fails
        calls["n"] += 1
        if calls["n"] == 3:
            raise ValueError("simulated encoder failure")
        return real(self, index)

    monkeypatch.setattr(encode._FrameEncoder, "__call__", fail_on_third)
    result = transcode_file(inputs["grey"], Compression("rle-lossless", workers=1), new_uid=_uid, stream=True)
    with pytest.raises(InputError, match="simulated encoder failure"):
        result.write(tmp_path / "out.dcm")
    assert list(tmp_path.iterdir()) == []


def test_pixel_data_writer_needs_a_dataset_without_pixel_data(inputs: dict[str, Path], tmp_path: Path) -> None:
    ds = dcmread(inputs["grey"])
    with pytest.raises(ValueError, match="without Pixel Data"):
        write_atomic(ds, tmp_path / "x.dcm", pixel_data=lambda fh: None)
    assert list(tmp_path.iterdir()) == []


def test_fsync_only_when_replacing_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A new file relies on the atomic rename; replacing one (edit --in-place) is also made durable."""
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    ds = dcmread(sample_file("CT_small.dcm"))
    out = write_atomic(ds, tmp_path / "ct.dcm")
    assert synced == []
    write_atomic(ds, out)
    assert len(synced) == 1
    write_atomic(ds, tmp_path / "durable.dcm", durable=True)
    assert len(synced) == 2
    assert dcmread(out).SOPInstanceUID == ds.SOPInstanceUID


@pytest.mark.parametrize("case", ["native OW", "native OB, odd length", "encapsulated", "not enforced"])
def test_big_pixel_data_is_written_as_pydicom_would(case: str, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """write_atomic writes big Pixel Data from its own bytes (no copies): the file is byte-identical."""
    import io as _io

    from dicomhelp.io import write as dio

    monkeypatch.setattr(dio, "DIRECT_PIXEL_DATA_BYTES", 16)  # the wheel's files are small
    rng = np.random.default_rng(12)
    if case == "native OB, odd length":
        ds, _ = build_sc(rng.integers(0, 255, (1, 7, 9)).astype(np.uint8))
        ds.PixelData = ds.PixelData[:63]  # odd: the writer pads it
        ds["PixelData"].VR = "OB"
    elif case == "encapsulated":
        ds, _ = build_sc(rng.integers(0, 4000, (3, 40, 40)).astype(np.uint16),
                         options=codecs_sc_options("jpeg-ls-lossless"))
    else:
        ds = dcmread(sample_file("MR_small.dcm"))  # trailing padding after Pixel Data
        ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    enforce = case != "not enforced"
    assert dio._direct_pixel_data(ds, enforce) is not None
    expected = _io.BytesIO()
    ds.save_as(expected, enforce_file_format=enforce)
    out = write_atomic(ds, tmp_path / "x.dcm", enforce_file_format=enforce)
    assert out.read_bytes() == expected.getvalue()
    assert "PixelData" in ds  # given back after the write


def codecs_sc_options(name: str):  # type: ignore[no-untyped-def]
    from dicomhelp.create.sc import SCOptions

    return SCOptions(compression=Compression(name))


# --- encoding started before the header is read (what `dicomhelp transcode` does) ---------------


@pytest.mark.parametrize("target", ["rle-lossless", "jpeg-ls-lossless", "jpeg2000-lossless"])
@pytest.mark.parametrize("name", ["grey", "colour"])
def test_an_encoding_started_from_the_header_scan_gives_the_same_file(inputs: dict[str, Path], name: str,
                                                                      target: str, tmp_path: Path) -> None:
    from dicomhelp.codecs import start_transcoding

    src = inputs[name]
    expected = _in_memory(src, target, tmp_path / "memory.dcm").read_bytes()
    compression = Compression(target, workers=2)
    started = start_transcoding(src, compression)
    assert started is not None and started.run.helpers  # helpers are encoding before pydicom reads anything
    try:
        result = transcode_file(src, compression, new_uid=_uid, stream=True, started=started)
        assert result.pending is None or result.pending.started is started
        result.write(tmp_path / "started.dcm")
        assert started.run.iterated  # its frames were the ones written
    finally:
        started.close()
    assert (tmp_path / "started.dcm").read_bytes() == expected


def test_a_started_encoding_for_other_frames_is_not_used(inputs: dict[str, Path], tmp_path: Path) -> None:
    from dicomhelp.codecs import start_transcoding

    started = start_transcoding(inputs["grey"], Compression("rle-lossless", workers=2))
    assert started is not None
    try:
        result = transcode_file(inputs["colour"], Compression("rle-lossless", workers=2), new_uid=_uid,
                                stream=True, started=started)
        helpers = list(started.run.helpers.values())
        result.write(tmp_path / "colour.dcm")
        assert not started.run.iterated
        # stopped as soon as it was known to be of no use: its helpers took no cores from the real work
        assert not started.run.helpers and all(p.exitcode is not None for p in helpers)
    finally:
        started.close()
    np.testing.assert_array_equal(dcmread(tmp_path / "colour.dcm").pixel_array, dcmread(inputs["colour"]).pixel_array)


def test_the_header_scan_starts_nothing_it_cannot_map(inputs: dict[str, Path], tmp_path: Path) -> None:
    from dicomhelp.codecs import start_transcoding

    two = Compression("rle-lossless", workers=2)
    ds = dcmread(inputs["grey"])
    ds.PhotometricInterpretation = "YBR_FULL"  # colour conversion needs pydicom
    ds.SamplesPerPixel = 1
    ybr = tmp_path / "ybr.dcm"
    ds.save_as(ybr)
    big = sample_file("MR_small_bigendian.dcm")
    text = tmp_path / "notes.txt"
    text.write_text("not DICOM at all\n")
    for path in (inputs["one frame, compressed input"], big, ybr, text, tmp_path / "missing.dcm"):
        assert start_transcoding(path, two) is None, path
    assert start_transcoding(inputs["grey"], Compression("none", workers=2)) is None  # nothing to encode
    assert start_transcoding(inputs["grey"], Compression("jpeg2000", workers=2)) is None  # pydicom encodes lossy
    assert start_transcoding(inputs["grey"], Compression("rle-lossless")) is None  # small: one process


@pytest.mark.parametrize("signal_name,code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_ctrl_c_mid_encoding_stops_everything_cleanly(signal_name: str, code: int, tmp_path: Path) -> None:
    """Interrupted while this process and its helpers encode: exit 130 (143 for SIGTERM), no file, no process left.

    JPEG 2000: slow enough to be caught mid-frame, and the codec that crashed on it.
    """
    import signal
    import subprocess
    import sys
    import time

    frames = np.random.default_rng(5).integers(0, 4096, (48, 512, 512)).astype(np.uint16)  # noise: slow to encode
    src = write_atomic(build_sc(frames)[0], tmp_path / "in.dcm")
    out = tmp_path / "out.dcm"
    proc = subprocess.Popen([sys.executable, "-m", "dicomhelp", "transcode", str(src), str(out), "--to",
                             "jpeg2000-lossless"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def helpers() -> list[str]:
        found = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
        return found.stdout.split()

    deadline = time.monotonic() + 30
    # The temporary output appears once the header is written: then this process encodes too
    # (openjpeg crashed when Ctrl-C came while it ran).
    while len(list(tmp_path.iterdir())) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None and helpers(), "finished before it could be interrupted"
    time.sleep(0.05)
    proc.send_signal(getattr(signal, signal_name))
    _stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr and "Fatal Python error" not in stderr, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.dcm"]  # no output, no temporary file
    assert not helpers()


@pytest.mark.parametrize("workers", [1, 2])
def test_frame_progress_hears_of_every_frame_in_order(workers: int) -> None:
    from dicomhelp.codecs import PixelFormat, encode_frames, frame_progress

    frames = np.random.default_rng(2).integers(0, 4096, (9, 32, 32)).astype(np.uint16)
    fmt = PixelFormat(32, 32, 1, 16, 12, 0, "MONOCHROME2")
    heard: list[tuple[int, int]] = []
    with frame_progress(lambda done, total: heard.append((done, total))):
        list(encode_frames(frames, fmt, Compression("jpeg-ls-lossless", workers=workers)))
    assert heard == [(i, 9) for i in range(1, 10)]
    list(encode_frames(frames, fmt, Compression("jpeg-ls-lossless", workers=workers)))
    assert len(heard) == 9  # outside the block nobody is told


def test_a_progress_bar_on_a_terminal_only(inputs: dict[str, Path], tmp_path: Path) -> None:
    shown = on_a_terminal("transcode", str(inputs["grey"]), str(tmp_path / "tty.dcm"), "--to", "jpeg2000-lossless")
    assert "encoding frames" in shown and "wrote " in shown
    piped = run_cli("transcode", str(inputs["grey"]), str(tmp_path / "pipe.dcm"), "--to", "jpeg2000-lossless")
    assert piped.returncode == 0 and "encoding frames" not in piped.stderr + piped.stdout
    assert (tmp_path / "tty.dcm").read_bytes() == (tmp_path / "pipe.dcm").read_bytes()
