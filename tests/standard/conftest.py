"""The knowledge layer's tests build their index once per session in a temporary cache folder."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def k(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from dicomhelp.standard import knowledge, reset

    old = os.environ.get("DICOMHELP_CACHE_DIR")
    os.environ["DICOMHELP_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    reset()
    yield knowledge()
    reset()
    if old is None:
        os.environ.pop("DICOMHELP_CACHE_DIR", None)
    else:
        os.environ["DICOMHELP_CACHE_DIR"] = old
