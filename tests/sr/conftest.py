"""Shared fixtures for the SR tests: the sample study with fixed UIDs."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomhelp.samples import make_sample_study
from dicomhelp.uids import UIDPolicy

SEED_POLICY = UIDPolicy(seed="dicomhelp-sr-tests")


@pytest.fixture(scope="session")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sr-study")
    make_sample_study(folder, uid_policy=SEED_POLICY)
    return folder


@pytest.fixture(scope="session")
def study_uids(study: Path) -> list[str]:
    """SOP Instance UIDs of the sample images, in instance-number order."""
    from pydicom import dcmread

    return [str(dcmread(p, stop_before_pixels=True).SOPInstanceUID) for p in sorted(study.glob("*.dcm"))]
