"""The display pipeline's pieces ``dicomhelp view`` uses: one frame decoded alone, a chosen window,
colour frames, layers drawn one at a time, SR regions drawn with the presentation state's code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread

from dicomhelp.create.gsps import create_gsps
from dicomhelp.display.draw import layer_overlay, region_overlay, render
from dicomhelp.display.pipeline import colour_frame, decode_frame, grayscale, value_range, window_item
from dicomhelp.errors import InputError
from dicomhelp.io import read_file, sample_file
from gsps.gsps_specs import full_spec


@pytest.mark.parametrize("name", ["rtdose.dcm", "SC_rgb_rle_2frame.dcm", "MR_small_jp2klossless.dcm"])
def test_one_frame_decoded_alone_is_that_frame_of_the_whole(name: str) -> None:
    path = sample_file(name)
    whole = dcmread(path).pixel_array
    frames = int(dcmread(path, stop_before_pixels=True).get("NumberOfFrames", 1) or 1)
    for n in {1, frames}:
        alone = decode_frame(path, n)
        assert np.array_equal(alone, whole[n - 1] if frames > 1 else whole)


def test_a_frame_that_does_not_exist_or_a_damaged_file_is_one_line(tmp_path: Path) -> None:
    path = sample_file("MR_small.dcm")
    with pytest.raises(InputError, match="frame 2 does not exist"):
        grayscale(read_file(path).dataset, frame=2, source=path)
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(path.read_bytes()[:-4000])
    with pytest.raises(InputError, match="cannot decode frame 1"):
        decode_frame(cut, 1)


def test_a_chosen_window_replaces_the_files_own() -> None:
    path = sample_file("MR_small.dcm")
    header = read_file(path).dataset  # pixels not loaded: the frame comes from the file
    own = grayscale(header, source=path)
    same = grayscale(header, source=path, window=(float(header.WindowCenter), float(header.WindowWidth)))
    narrow = grayscale(header, source=path, window=(600, 100))
    assert np.array_equal(own, same) and np.array_equal(own, grayscale(dcmread(path)))
    assert np.abs(own.astype(int) - narrow).mean() > 20
    assert window_item(10, 0).WindowWidth == 1.0  # a width below 1 is not a window
    assert value_range(header) == (-32768.0, 32767.0)  # 16 bits stored, signed, no rescale


def test_colour_frames_come_as_8_bit_rgb() -> None:
    path = sample_file("SC_rgb_rle_16bit_2frame.dcm")
    header = read_file(path).dataset
    second = colour_frame(header, 2, source=path)
    assert second.dtype == np.uint8 and second.shape == (100, 100, 3)
    assert np.array_equal(second.astype(int), (dcmread(path).pixel_array[1] / 65535 * 255).round().astype(int))


def test_layers_drawn_one_at_a_time_add_up_to_render(study: Path, tmp_path: Path) -> None:

    ps = dcmread(create_gsps(full_spec(), study, tmp_path / "ps.dcm"))
    image = dcmread(study / "CT0001.dcm")
    bare = render(image, ps, layers=())
    assert bare.annotations == 0 and np.array_equal(np.asarray(bare.image)[..., 0], grayscale(image, ps))
    composed = bare.image.convert("RGBA")
    names = [str(item.GraphicLayer) for item in ps.GraphicLayerSequence]
    for name in names:
        overlay = layer_overlay(image, ps, name)
        assert overlay.size == bare.image.size
        composed.alpha_composite(overlay)
    full = np.asarray(render(image, ps).image).astype(int)
    assert (np.abs(np.asarray(composed.convert("RGB")).astype(int) - full).max(axis=2) <= 1).mean() > 0.995
    one = render(image, ps, layers=names[:1])
    assert 0 < one.annotations < render(image, ps).annotations


def test_an_sr_region_is_drawn_where_its_coordinates_are(study: Path) -> None:
    image = dcmread(study / "CT0001.dcm")
    circle = np.asarray(region_overlay(image, "CIRCLE", [64.0, 40.0, 74.0, 40.0]))
    drawn = np.argwhere(circle[..., 3] > 0)
    assert drawn.size and abs(drawn[:, 0].mean() - 39.5) < 1.5 and abs(drawn[:, 1].mean() - 63.5) < 1.5
    assert 9 <= (drawn[:, 1].max() - drawn[:, 1].min()) / 2 <= 11  # radius 10 pixels
    points = np.asarray(region_overlay(image, "MULTIPOINT", [10.0, 10.0, 100.0, 100.0]))
    assert points[9, 9, 3] > 0 and points[99, 99, 3] > 0 and points[50, 50, 3] == 0
