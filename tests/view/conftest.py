"""The files the view tests look at, made once: one folder served by every test.

- ``results/``: the tour's result set (sample study, SR, GSPS, multi-frame SC, PDF, DICOMDIR);
- ``extra/``: a multi-frame SC made with ``dicomhelp create sc`` (frames that differ), a SEG
  made with highdicom over a sample image, an HTML-injection file, damaged copies
  (truncated, garbage), a few of pydicom's wheel files, and a symlink pointing out of the tree.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread

from dicomhelp.create.results import create_results, example_spec_path
from dicomhelp.io import sample_file
from dicomhelp.samples import make_sample_study
from dicomhelp.uids import UIDPolicy
from support import run_cli

INJECTIONS = {
    "PatientName": '"><img src=x onerror=alert(1)>',
    "StudyDescription": "<script>alert(2)</script>",
    "SeriesDescription": "</template><script>alert(5)</script>",
    "TextValue": "<script>alert(3)</script> & <b>bold</b>",  # UT
}
PRIVATE_CREATOR = "EVIL<script>alert(6)</script>"
PRIVATE_VALUE = "<img src=x onerror=alert(4)>"
MULTIFRAME_FRAMES = 6
WHEEL_FILES = ("MR_small_jp2klossless.dcm", "test-SR.dcm", "SC_rgb_rle_2frame.dcm", "MR_small_bigendian.dcm")


@dataclass
class ViewData:
    root: Path
    study: Path
    outside: Path

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    @property
    def results(self) -> Path:
        return self.root / "results"

    def results_file(self, kind: str) -> Path:
        # Found by modality, not by series folder: the DICOMDIR layout numbers series as the set grows.
        modality = {"ct": "CT", "sr": "SR", "gsps": "PR", "sc": "OT", "pdf": "DOC", "seg": "SEG", "kos": "KO"}[kind]
        for folder in sorted((self.results / "PT000000" / "ST000000").iterdir()):
            files = sorted(p for p in folder.iterdir() if p.is_file())
            if dcmread(files[0], stop_before_pixels=True).Modality == modality:
                return files[1 if kind == "ct" else 0]
        raise LookupError(f"no {modality} series in the result set")

    @property
    def multiframe(self) -> Path:
        return self.root / "extra" / "multiframe.dcm"

    @property
    def seg(self) -> Path:
        return self.root / "extra" / "seg.dcm"

    @property
    def seg_source(self) -> Path:
        return self.root / "extra" / "seg-source.dcm"

    @property
    def injection(self) -> Path:
        return self.root / "extra" / "injection.dcm"

    @property
    def truncated(self) -> Path:
        return self.root / "extra" / "truncated.dcm"

    @property
    def garbage(self) -> Path:
        return self.root / "extra" / "garbage.dcm"


@pytest.fixture(scope="session")
def view_data(tmp_path_factory: pytest.TempPathFactory) -> ViewData:
    base = tmp_path_factory.mktemp("view")
    study = base / "study"
    make_sample_study(study, uid_policy=UIDPolicy(seed="view-tests"))
    root = base / "root"
    create_results(example_spec_path(), study, root / "results", uid_policy=UIDPolicy(seed="view-results"))
    extra = root / "extra"
    extra.mkdir()
    _multiframe(study, extra / "multiframe.dcm", base)
    _seg(study, extra)
    _injection(study / "CT0001.dcm", extra / "injection.dcm")
    data = (study / "CT0002.dcm").read_bytes()
    (extra / "truncated.dcm").write_bytes(data[: len(data) * 2 // 3])
    (extra / "garbage.dcm").write_bytes(os.urandom(3000))
    (extra / "notes.txt").write_text("not DICOM\n")
    for name in WHEEL_FILES:
        shutil.copy(sample_file(name), extra / name)
    outside = base / "outside.dcm"
    shutil.copy(study / "CT0003.dcm", outside)
    (extra / "link-out.dcm").symlink_to(outside)
    return ViewData(root, study, outside)


def _multiframe(study: Path, out: Path, work: Path) -> None:
    """Frames whose brightness grows with their number: stepping frames must change the picture."""
    rows, cols = 64, 80
    y, x = np.mgrid[0:rows, 0:cols]
    frames = np.stack([((x + y * 2 + i * 40) % 256) * (i + 1) for i in range(MULTIFRAME_FRAMES)]).astype(np.uint16)
    np.save(work / "frames.npy", frames)
    proc = run_cli("create", "sc", str(work / "frames.npy"), "--source", str(study), "-o", str(out),
                   "--uid-seed", "view-multiframe")
    assert proc.returncode == 0, proc.stderr


def _seg(study: Path, extra: Path) -> None:
    """A binary SEG (one segment, a square) over a copy of one sample slice, made with highdicom."""
    import highdicom as hd
    from pydicom.sr.codedict import codes

    source = dcmread(study / "CT0001.dcm")
    shutil.copy(study / "CT0001.dcm", extra / "seg-source.dcm")
    mask = np.zeros((int(source.Rows), int(source.Columns)), dtype=bool)
    mask[40:80, 30:70] = True
    description = hd.seg.SegmentDescription(
        segment_number=1, segment_label="Nodule <b>1</b>",
        segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
        segmented_property_type=codes.SCT.Nodule,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)
    seg = hd.seg.Segmentation(
        source_images=[source], pixel_array=mask, segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[description], series_instance_uid=hd.UID(), series_number=77,
        sop_instance_uid=hd.UID(), instance_number=1, manufacturer="dicomhelp tests",
        manufacturer_model_name="view", software_versions="1", device_serial_number="1")
    seg.save_as(extra / "seg.dcm")


def _injection(source: Path, out: Path) -> None:
    ds = dcmread(source)
    ds.SOPInstanceUID = UIDPolicy(seed="view-injection").new("injection")
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SeriesInstanceUID = UIDPolicy(seed="view-injection").new("injection-series")
    ds.StudyInstanceUID = UIDPolicy(seed="view-injection").new("injection-study")
    for keyword, value in INJECTIONS.items():
        setattr(ds, keyword, value)
    block = ds.private_block(0x0033, PRIVATE_CREATOR, create=True)
    block.add_new(0x01, "LO", PRIVATE_VALUE)
    ds.save_as(out)
