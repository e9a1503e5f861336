"""Shared pieces of the validator's tests: real files and writing mutants of them."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from pydicom import Dataset, dcmread

from dicomhelp.io import sample_file


@pytest.fixture
def mutate(tmp_path: Path) -> Callable[..., Path]:
    """``mutate("CT_small.dcm", change)`` writes a changed copy of a pydicom sample file."""
    counter = iter(range(10_000))

    def make(name: str | Path, change: Callable[[Dataset], object], *, enforce: bool = False) -> Path:
        source = sample_file(name) if isinstance(name, str) else name
        ds = copy.deepcopy(dcmread(source))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            change(ds)
            target = tmp_path / f"m{next(counter)}_{Path(source).stem}.dcm"
            ds.save_as(target, enforce_file_format=enforce)
        return target

    return make


@pytest.fixture(scope="session")
def sample_study(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from dicomhelp.samples import make_sample_study

    return make_sample_study(tmp_path_factory.mktemp("study") / "study", slices=2)
