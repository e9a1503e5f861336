import pytest
from pydicom import dcmread

from dicomhelp.errors import InputError, UsageError
from dicomhelp.io import read_file, sample_file, write_atomic


def test_header_read_skips_pixels_but_records_them():
    f = read_file(sample_file("MR_small.dcm"))
    assert "PixelData" not in f.dataset
    assert f.pixel is not None and f.pixel.length == 64 * 64 * 2 and not f.pixel.encapsulated
    assert f.dataset.PatientName is not None and not f.problems


def test_encapsulated_pixels_are_walked_not_read():
    f = read_file(sample_file("MR_small_RLE.dcm"))
    assert f.pixel.encapsulated and f.pixel.fragments == 1


def test_missing_meta_is_a_problem_not_a_failure():
    f = read_file(sample_file("ExplVR_LitEndNoMeta.dcm"))
    assert any("preamble" in p for p in f.problems)
    assert "PatientName" in f.dataset or len(f.dataset) > 0


def test_text_file_is_refused(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello world, this is not DICOM\n" * 20)
    with pytest.raises(InputError) as exc:
        read_file(p)
    assert str(p) in exc.value.one_line()


def test_missing_file_is_usage_error(tmp_path):
    with pytest.raises(UsageError):
        read_file(tmp_path / "nope.dcm")


def test_write_atomic_leaves_no_temporary(tmp_path):
    ds = dcmread(sample_file("CT_small.dcm"))
    out = write_atomic(ds, tmp_path / "sub" / "ct.dcm")
    assert dcmread(out).SOPInstanceUID == ds.SOPInstanceUID
    assert [p.name for p in out.parent.iterdir()] == ["ct.dcm"]


# --- bad input: what pydicom passes over silently, the header scan finds ---------------------

import struct  # noqa: E402

from dicomhelp.io import MAX_NESTING, scan_structure  # noqa: E402


def _cut(tmp_path, name, size):
    data = sample_file(name).read_bytes()
    p = tmp_path / f"{name}.{size}"
    p.write_bytes(data[:size] if size >= 0 else data[:size])
    return p


def test_sound_files_have_no_problems():
    for name in ("CT_small.dcm", "MR_small_RLE.dcm", "test-SR.dcm", "rtplan.dcm", "JPEG2000.dcm",
                 "MR_small_bigendian.dcm", "MR_small_implicit.dcm", "UN_sequence.dcm", "image_dfl.dcm"):
        f = read_file(sample_file(name))
        assert not f.damaged and not f.problems, (name, f.problems)


def test_truncated_header_value_is_found_and_dropped(tmp_path):
    f = read_file(_cut(tmp_path, "rtplan.dcm", 2000))
    assert f.damaged and len(f.problems) == 1
    assert "cut short (2000 bytes)" in f.problems[0] and "(300A,00B0)" in f.problems[0]
    assert "RTPlanLabel" in f.dataset and "BeamSequence" not in f.dataset


def test_pydicom_errors_fall_back_to_what_is_complete(tmp_path):
    # pydicom raises on this cut (inside a sequence); we still show the elements before it.
    f = read_file(_cut(tmp_path, "rtplan.dcm", 2404))
    assert f.damaged and "cut short" in f.problems[0]
    assert "PatientName" in f.dataset


def test_truncated_native_pixel_data(tmp_path):
    f = read_file(sample_file("MR_truncated.dcm"))
    assert f.damaged and "(7FE0,0010)" in f.problems[0] and "8192 bytes declared" in f.problems[0]
    assert "PatientName" in f.dataset


def test_encapsulated_pixel_data_cut_short(tmp_path):
    size = sample_file("SC_rgb_rle_2frame.dcm").stat().st_size
    f = read_file(_cut(tmp_path, "SC_rgb_rle_2frame.dcm", size - 500))
    assert f.damaged and "encapsulated pixel data ends inside a fragment" in f.problems[0]
    assert f.pixel is not None and f.pixel.encapsulated
    assert f.dataset.Rows == 100  # the header is complete


def test_missing_sequence_delimiter_of_encapsulated_data(tmp_path):
    f = read_file(_cut(tmp_path, "MR_small_RLE.dcm", -8 - 126 - 12))  # drop trailer and delimiter
    assert f.damaged and "encapsulated pixel data" in f.problems[0]


def test_elements_after_the_pixel_data_are_read():
    f = read_file(sample_file("MR_small_RLE.dcm"))
    assert "DataSetTrailingPadding" in f.dataset and not f.problems


def test_stale_item_length_is_a_remark_not_damage():
    path = next(p for p in sample_file("CT_small.dcm").parent.rglob("DICOMDIR-nooffset"))
    f = read_file(path)
    assert not f.damaged and "runs past the end of the file" in f.problems[0]
    assert len(f.dataset.DirectoryRecordSequence) == 52


def test_nesting_beyond_the_limit_is_cut(tmp_path):
    body = b""
    for _ in range(MAX_NESTING + 5):
        body = (struct.pack("<HHL", 0x0008, 0x1115, 0xFFFFFFFF) + struct.pack("<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF)
                + body + struct.pack("<HHL", 0xFFFE, 0xE00D, 0) + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))
    p = tmp_path / "deep.dcm"
    p.write_bytes(struct.pack("<HHL", 0x0008, 0x0060, 2) + b"OT" + body)
    f = read_file(p)
    assert f.damaged and f"nested more than {MAX_NESTING} levels" in f.problems[1]
    assert f.dataset.Modality == "OT" and "ReferencedSeriesSequence" not in f.dataset


def test_nesting_within_the_limit_is_fine(tmp_path):
    body = b""
    for _ in range(30):
        body = (struct.pack("<HHL", 0x0008, 0x1115, 0xFFFFFFFF) + struct.pack("<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF)
                + body + struct.pack("<HHL", 0xFFFE, 0xE00D, 0) + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))
    p = tmp_path / "nest30.dcm"
    p.write_bytes(struct.pack("<HHL", 0x0008, 0x0060, 2) + b"OT" + body)
    with open(p, "rb") as fp:
        scan = scan_structure(fp, p.stat().st_size, hint=(True, True))
    assert scan.problem is None and scan.max_nesting == 30
    assert not read_file(p).damaged


def test_flipped_vr_bytes_do_not_crash(tmp_path):
    data = bytearray(sample_file("CT_small.dcm").read_bytes())
    data[0x90:0x92] = b"\x01\x02"  # the VR of the first meta element
    p = tmp_path / "flip.dcm"
    p.write_bytes(bytes(data))
    try:
        f = read_file(p)
    except InputError as exc:
        assert str(p) in exc.one_line()
    else:
        assert isinstance(f.problems, list)


def test_big_pixel_data_is_not_read(tmp_path):
    from pydicom import dcmread

    ds = dcmread(sample_file("MR_small.dcm"))
    frames = 400  # 64 x 64 x 2 bytes x 400 = 3.2 MB
    ds.NumberOfFrames = frames
    ds.PixelData = ds.PixelData * frames
    big = write_atomic(ds, tmp_path / "big.dcm")
    f = read_file(big)
    assert f.pixel.length == 64 * 64 * 2 * frames and "PixelData" not in f.dataset and not f.problems


def test_preamble_without_file_meta_is_reported(tmp_path):
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset

    ds = dcmread(sample_file("CT_small.dcm"), stop_before_pixels=True)
    del ds.file_meta
    buf = DicomBytesIO()
    buf.is_little_endian, buf.is_implicit_VR = True, True
    write_dataset(buf, ds)
    p = tmp_path / "nometa.dcm"
    p.write_bytes(b"\0" * 128 + b"DICM" + buf.getvalue())
    f = read_file(p)
    assert "file meta information (group 0002) is missing" in f.problems
    assert not f.damaged and f.dataset.PatientName == "CompressedSamples^CT1"


def test_deflated_file_gets_a_pixel_summary_without_an_offset():
    f = read_file(sample_file("image_dfl.dcm"))
    assert f.pixel is not None and f.pixel.offset == -1 and f.pixel.length == 512 * 512
    assert "PixelData" not in f.dataset and not f.problems
    full = read_file(sample_file("image_dfl.dcm"), pixels=True)
    assert len(full.dataset.PixelData) == 512 * 512


def test_an_empty_file_or_a_folder_says_what_to_do(tmp_path):
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as err:
        read_file(empty)
    assert err.value.one_line() == f"{empty}: empty file (0 bytes) (a copy or download went wrong: get it again)"
    with pytest.raises(UsageError) as err:
        read_file(tmp_path)
    assert err.value.one_line() == f"{tmp_path}: is a folder, not a file (name a file inside it)"


def test_read_header_agrees_with_read_file_before_the_pixel_data():
    from support import pydicom_test_files

    from dicomhelp.io import quiet_pydicom, read_header

    compared = 0
    for path in pydicom_test_files():
        try:
            full = read_file(path)
        except InputError:
            with pytest.raises(InputError):
                read_header(path)
            continue
        ds, has_pixels = read_header(path)
        assert has_pixels == (full.pixel is not None), path
        with quiet_pydicom():  # comparing values converts them: pydicom warns about odd ones
            before = [e.tag for e in full.dataset if e.tag < 0x7FE00008]
            assert [e.tag for e in ds if e.tag < 0x7FE00008] == before, path
            assert all(ds[t].value == full.dataset[t].value for t in before if ds[t].VR != "SQ"), path
        compared += 1
    assert compared > 50


def test_read_header_of_a_file_cut_in_its_header_drops_the_cut_element(tmp_path):
    from dicomhelp.io import read_header

    ds, has_pixels = read_header(_cut(tmp_path, "rtplan.dcm", 2000))
    assert "RTPlanLabel" in ds and "BeamSequence" not in ds and not has_pixels
    cut = _cut(tmp_path, "CT_small.dcm", 600)
    assert read_header(cut)[0] == read_file(cut).dataset
