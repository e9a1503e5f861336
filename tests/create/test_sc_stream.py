"""`create sc` streams lossless frames into the file: the same bytes as the in-memory path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread

from dicomhelp.codecs import Compression, write_with_pixels
from dicomhelp.create.base import Builder, Study
from dicomhelp.create.sc import SCOptions, build_sc, build_sc_streamed, create_sc
from dicomhelp.io import write_atomic
from dicomhelp.uids import UIDPolicy
from support import dcmdump, dciodvfy, run_cli

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def _builder(study: Study) -> Builder:
    # The same study, seed and clock: both paths get the same UIDs and dates.
    return Builder(study, uid_policy=UIDPolicy(seed="sc-stream"), now=NOW)


def _frames(kind: str) -> np.ndarray:
    rng = np.random.default_rng(5)
    if kind == "word":
        return rng.normal(1500, 300, (4, 40, 36)).clip(0, 4095).astype(np.uint16)
    if kind == "signed":
        return rng.integers(-1024, 2000, (3, 32, 34)).astype(np.int16)
    return rng.integers(0, 255, (3, 35, 33, 3)).astype(np.uint8)  # odd: fragments padded


@pytest.mark.parametrize("target", ["rle-lossless", "jpeg-ls-lossless", "jpeg2000-lossless"])
@pytest.mark.parametrize("kind", ["word", "signed", "colour"])
def test_streamed_sc_is_byte_identical(kind: str, target: str, tmp_path: Path) -> None:
    study = Study.new()
    frames = _frames(kind)
    options = SCOptions(compression=Compression(target, workers=2))
    ds, report = build_sc(frames, builder=_builder(study), options=options)
    expected = write_atomic(ds, tmp_path / "memory.dcm").read_bytes()
    streamed, pending_report, pending = build_sc_streamed(frames, builder=_builder(study), options=options)
    assert pending is not None and "PixelData" not in streamed
    write_with_pixels(streamed, pending, tmp_path / "streamed.dcm")
    assert (tmp_path / "streamed.dcm").read_bytes() == expected
    assert pending_report.compressed_bytes == report.compressed_bytes > 0


def test_lossy_uncompressed_and_unstreamed_calls_keep_pixel_data() -> None:
    frames = _frames("word")
    for target in ("jpeg2000", "jpeg-ls-near-lossless", "none"):
        ds, report, pending = build_sc_streamed(frames, options=SCOptions(compression=Compression(target)))
        assert pending is None and "PixelData" in ds and report.compressed_bytes > 0
    ds, _, pending = build_sc_streamed(frames, options=SCOptions(compression=Compression("rle-lossless")),
                                       stream=False)
    assert pending is None and "PixelData" in ds
    ds = create_sc(frames, options=SCOptions(compression=Compression("jpeg-ls-lossless")))
    np.testing.assert_array_equal(ds.pixel_array, frames)


@pytest.mark.validators
def test_cli_streams_an_sc_that_validates(tmp_path: Path) -> None:
    frames = _frames("word")
    np.save(tmp_path / "frames.npy", frames)
    out = tmp_path / "sc.dcm"
    proc = run_cli("create", "sc", str(tmp_path / "frames.npy"), "-o", str(out), "--compression",
                   "jpeg-ls-lossless", "--workers", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    assert '"compressed_bytes": 0' not in proc.stdout
    np.testing.assert_array_equal(dcmread(out).pixel_array, frames)
    for verdict in (dciodvfy(out), dcmdump(out)):
        assert verdict.ok, str(verdict)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames.npy", "sc.dcm"]
