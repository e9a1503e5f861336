"""Building SRs from spec dicts in the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dicomhelp.create.sr import load_sr_spec
from dicomhelp.create.sr.build import BuildResult, build_sr, load_source
from dicomhelp.io import write_atomic
from dicomhelp.uids import UIDPolicy

POLICY = UIDPolicy(seed="dicomhelp-sr-tests")


def build(data: dict[str, Any], study: Path) -> BuildResult:
    return build_sr(load_sr_spec(data), load_source([study]), uid_policy=POLICY)


def build_file(data: dict[str, Any], study: Path, out: Path) -> tuple[BuildResult, Path]:
    result = build(data, study)
    return result, write_atomic(result.dataset, out)
