"""What every rule is given: one file being validated and the options of the run.

Its own module so that the rules depend on it and the engine on the rules,
never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydicom import Dataset

    from dicomhelp.io import DicomFile

MAX_DEPTH = 32  # sequences nested deeper than this are reported, not walked


@dataclass(frozen=True)
class ValidateOptions:
    """What to check. ``with_dciodvfy`` merges dciodvfy's findings (when installed)."""

    with_dciodvfy: bool = False
    max_depth: int = MAX_DEPTH
    info: bool = True  # keep info findings (attributes not in the IOD, ...)
    as_set: bool = False  # collect what the set checks need (identity, references)


@dataclass
class Context:
    """One file being validated: the dataset and what the rules share about it."""

    file: DicomFile
    options: ValidateOptions
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def ds(self) -> Dataset:
        return self.file.dataset

    @cached_property
    def sop_class_uid(self) -> str | None:
        value = _text(self.ds, 0x00080016) or _text(getattr(self.ds, "file_meta", None), 0x00020002)
        return value or None

    @cached_property
    def iod(self) -> Any:
        from dicomhelp.validate.tables import tables

        if not self.sop_class_uid:
            return None
        try:
            return tables().iod_for_sop_class(self.sop_class_uid)
        except Exception:  # noqa: BLE001 - an unknown class is reported by the iod rule
            return None


def _text(ds: Any, tag: int) -> str:
    if ds is None or tag not in ds:
        return ""
    try:
        value = ds[tag].value
    except Exception:  # noqa: BLE001 - a broken value reads as absent here
        return ""
    return str(value).strip("\0 ") if value is not None else ""
