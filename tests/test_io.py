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
