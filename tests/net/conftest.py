"""The session's Orthanc.

One Orthanc serves the whole session (starting one takes ~0.5 s; tests use
fresh UIDs and look for their own instances). Tests that kill it start their
own with :func:`net.orthanc.start_orthanc`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from net.orthanc import Orthanc, start_orthanc


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orthanc]:
    server = start_orthanc(tmp_path_factory.mktemp("orthanc"))
    try:
        yield server
    finally:
        server.stop()
