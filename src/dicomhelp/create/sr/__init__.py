"""TID 1500 Structured Reports: spec (typed dataclasses) → SR, SR → spec.

- :mod:`.spec`  the spec dataclasses, loader and JSON Schema
- :mod:`.build` spec → SR dataset (highdicom templates + the base builder)
- :mod:`.read`  SR → spec, tolerant of real files
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dicomhelp.create.sr.spec import SRSpec, load_sr_spec, sr_schema, sr_spec_data

if TYPE_CHECKING:
    from dicomhelp.create.sr.build import BuildResult
    from dicomhelp.uids import UIDPolicy

__all__ = ["SRSpec", "load_sr_spec", "sr_schema", "sr_spec_data", "create_sr"]


def create_sr(spec: str | Path | SRSpec, source: Sequence[str | os.PathLike[str]], out: str | Path, *,
              uid_policy: UIDPolicy | None = None) -> BuildResult:
    """Load ``spec``, build the SR from the images under ``source`` and write it to ``out`` atomically."""
    from dicomhelp.create.sr.build import build_sr, load_source
    from dicomhelp.io import write_atomic

    typed = spec if isinstance(spec, SRSpec) else load_sr_spec(spec)
    result = build_sr(typed, load_source(source), uid_policy=uid_policy)
    write_atomic(result.dataset, out)
    return result
