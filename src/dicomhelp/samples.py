"""The built-in sample study: a small CT series made from pydicom's CT_small.dcm.

The tour, the guide and the tests derive results from it. Each call gives the
study fresh UIDs (deterministic with a seeded UID policy), so an output folder
is a self-contained study that can be imported next to others.
"""

from __future__ import annotations

from pathlib import Path

from dicomhelp.io import sample_file, write_atomic
from dicomhelp.uids import UIDPolicy

SLICES = 4
SLICE_SPACING_MM = 5.0


def make_sample_study(out_dir: str | Path, *, slices: int = SLICES, uid_policy: UIDPolicy | None = None) -> list[Path]:
    """Write a CT series of ``slices`` images into ``out_dir``; return their paths in slice order."""
    from pydicom import dcmread

    policy = uid_policy or UIDPolicy.from_env()
    template = dcmread(sample_file("CT_small.dcm"))
    study_uid = policy.new("sample-study")
    series_uid = policy.new("sample-series", study_uid)
    frame_uid = policy.new("sample-frame-of-reference", study_uid)
    out = Path(out_dir)
    paths = []
    for i in range(slices):
        ds = template.copy()
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.FrameOfReferenceUID = frame_uid
        ds.SOPInstanceUID = policy.new("sample-instance", series_uid, i + 1)
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = i + 1
        ds.AccessionNumber = "DH0001"
        ds.StudyDescription = "Sample CT study (dicomhelp)"
        ds.SeriesDescription = "Sample CT series"
        ds.BodyPartExamined = "CHEST"
        # CT_small.dcm records a weight of 0 kg: an unknown weight is left out, not zero.
        ds.pop("PatientWeight", None)
        if "Laterality" in ds and not ds.Laterality:
            del ds.Laterality  # Type 2C: absent for an unpaired body part (dciodvfy flags it empty)
        x, y, z = (float(v) for v in template.ImagePositionPatient)
        # Rounded: float noise (-60.699996999999996) would exceed the 16 characters of a DS.
        ds.ImagePositionPatient = [x, y, round(z + i * SLICE_SPACING_MM, 6)]
        ds.SliceLocation = round(float(template.SliceLocation) + i * SLICE_SPACING_MM, 6)
        paths.append(write_atomic(ds, out / f"CT{i + 1:04d}.dcm"))
    return paths
