from __future__ import annotations

from pathlib import Path

import pytest

from dicomhelp.samples import make_sample_study
from dicomhelp.uids import UIDPolicy


@pytest.fixture(scope="session")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample CT study (4 slices, 128×128), shared read-only by the GSPS tests."""
    folder = tmp_path_factory.mktemp("gsps-study")
    make_sample_study(folder, uid_policy=UIDPolicy(seed="gsps-tests"))
    return folder
