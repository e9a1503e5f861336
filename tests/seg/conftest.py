from __future__ import annotations

from pathlib import Path

import pytest

from dicomhelp.samples import make_sample_study
from dicomhelp.uids import UIDPolicy


@pytest.fixture(scope="session")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample CT series (4 single-frame slices, 128x128), shared read-only."""
    folder = tmp_path_factory.mktemp("seg-study")
    make_sample_study(folder, uid_policy=UIDPolicy(seed="seg-tests"))
    return folder


@pytest.fixture(scope="session")
def multiframe(study: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same slices as one multi-frame Legacy Converted Enhanced CT image."""
    import highdicom as hd
    from pydicom import dcmread

    folder = tmp_path_factory.mktemp("seg-multiframe")
    policy = UIDPolicy(seed="seg-tests-mf")
    slices = [dcmread(p) for p in sorted(study.glob("*.dcm"))]
    image = hd.legacy.LegacyConvertedEnhancedCTImage(slices, policy.new("series"), 5, policy.new("image"), 1)
    if "ClinicalTrialTimePointID" in image and not image.ClinicalTrialTimePointID:
        del image.ClinicalTrialTimePointID  # the converter adds it empty; the slices have none (dcentvfy warns)
    image.save_as(folder / "enhanced.dcm", enforce_file_format=True)
    return folder
