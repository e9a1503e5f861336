"""Edit one element in every DICOM file of pydicom's wheel: nothing else changes.

dciodvfy runs on the original and the edited file of every file here (it is
quick: ~20 ms a run), and the edited file may have no error the original did
not have.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pydicom
import pytest
from support import dciodvfy, pydicom_test_files

from dicomhelp.edit.diff import diff_datasets
from dicomhelp.edit.files import edit_file, read_for_edit
from dicomhelp.edit.model import Edit
from dicomhelp.errors import DicomHelpError, InputError
from dicomhelp.io import PIXEL_TAGS

GROUP_LENGTH = re.compile(r"\([0-9A-F]{4},0000\)$")
NEW_NAME = "Edited^Name"


def _norm(lines: list[str]) -> set[str]:
    return {re.sub(r"(=\s*)<[^>]*>", r"\1<>", re.sub(r"\[\d+\]", "", ln)) for ln in lines}


@pytest.mark.parametrize("path", pydicom_test_files(), ids=lambda p: p.parent.name + "/" + p.name)
def test_edit_one_element_keeps_everything_else(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "edited.dcm"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            original = read_for_edit(path)
        except DicomHelpError:
            # Not DICOM (README, a raw fragment) or cut short: the edit fails with one clear error and
            # writes nothing (writing a truncated file back would silently drop its tail).
            with pytest.raises(InputError):
                edit_file(path, out, [Edit.set("PatientName", NEW_NAME)])
            assert not out.exists()
            return
        if "DirectoryRecordSequence" in original:
            with pytest.raises(InputError, match="DICOMDIR"):
                edit_file(path, out, [Edit.set("PatientName", NEW_NAME)])
            assert not out.exists()
            return
        target = "PatientName" if "PatientName" in original else "ImageComments"
        edit_file(path, out, [Edit.set(target, NEW_NAME if target == "PatientName" else "edited")])
        before = pydicom.dcmread(path, force=True)
        after = pydicom.dcmread(out, force=True)
    # Every other element equal, at every depth (retired group lengths are not written back).
    others = [d for d in diff_datasets(before, after, meta=False)
              if d.path != target and not GROUP_LENGTH.search(d.path)]
    assert others == [], [d.line() for d in others[:5]]
    assert str(after[target].value) == (NEW_NAME if target == "PatientName" else "edited")
    for tag in PIXEL_TAGS:
        if tag in before:
            assert after[tag].value == before[tag].value, "pixel data bytes must be identical"
    ts_before = before.file_meta.get("TransferSyntaxUID") if hasattr(before, "file_meta") else None
    if ts_before is not None:
        assert after.file_meta.TransferSyntaxUID == ts_before
    if "SOPClassUID" in before and path.name != "image_dfl.dcm":  # dciodvfy cannot inflate deflated files
        new_errors = _norm(dciodvfy(out).errors) - _norm(dciodvfy(path).errors)
        assert not new_errors, new_errors
