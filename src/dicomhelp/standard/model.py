"""The answers of the knowledge layer: small frozen records, tuples for lists.

These are the API contract other parts of dicomhelp code against (see
``dicomhelp.standard.Knowledge``); they are also what the compiled index pickles.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


class _Compact:
    """Pickle as a plain tuple of field values: the index holds ~100,000 of these."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))  # type: ignore[arg-type]


@dataclass(frozen=True)
class AttributeInfo(_Compact):
    tag: int
    keyword: str
    name: str
    vr: str
    vm: str
    retired: bool
    description: str | None = None


@dataclass(frozen=True)
class ModuleUsage(_Compact):
    module_id: str
    name: str
    usage: str  # "M" | "C" | "U" as printed in PS3.3 (NOT highdicom's swapped enum)
    condition: str | None = None
    information_entity: str | None = None


@dataclass(frozen=True)
class IODInfo(_Compact):
    id: str
    name: str
    modules: tuple[ModuleUsage, ...]
    description: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class ModuleAttribute(_Compact):
    path: tuple[str, ...]  # keywords of the enclosing sequences, () at top level
    keyword: str
    tag: int
    type: str  # "1" | "1C" | "2" | "2C" | "3"
    condition: str | None = None
    enumerated: tuple[str, ...] | None = None
    defined_terms: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ModuleInfo(_Compact):
    id: str
    name: str
    attributes: tuple[ModuleAttribute, ...]
    description: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class UIDInfo(_Compact):
    uid: str
    name: str
    kind: str  # "SOP Class", "Transfer Syntax", "Well-known SOP Instance", ...
    retired: bool
    keyword: str | None = None


@dataclass(frozen=True)
class VRInfo(_Compact):
    name: str
    meaning: str
    max_length: int | None
    charset: str
    rules: str
    example: str


@dataclass(frozen=True)
class CodeInfo(_Compact):
    scheme: str
    value: str
    meaning: str


@dataclass(frozen=True)
class CodeDefinition(_Compact):
    """A DCM code as PS3.16 Annex D (Table D-1) of one edition defines it."""

    edition: str  # the edition the text is from ("2015-04-20")
    meaning: str  # the Code Meaning in that edition (pydicom's current one may be reworded)
    definition: str | None  # None: that edition gives none (some retired codes)
    retired: bool = False
    replaced_by: CodeInfo | None = None  # the code a retired one is replaced by, where the edition says
    comment: str | None = None


@dataclass(frozen=True)
class CIDInfo(_Compact):
    number: int
    name: str
    members: tuple[CodeInfo, ...]
    keyword: str | None = None
    extensible: bool | None = None  # PS3.16 "Type: Extensible / Non-extensible"; None where no source says
    version: str | None = None  # the group's Context Group Version (YYYYMMDD)
    uid: str | None = None  # Context Group UID (1.2.840.10008.6.1.x)


@dataclass(frozen=True)
class CodeUse(_Compact):
    """A template row that names a code: as its concept name, its fixed value or its unit."""

    tid: int
    template: str  # the template's name
    row: str | None  # the standard's row number ("2", "13b") where the source gives it
    role: str  # "concept name" | "value" | "unit"
    relationship: str | None
    value_type: str | None
    source: str  # "dicomhelp" (templates.json, verified rows) | "PixelMed"


@dataclass(frozen=True)
class CIDUse(_Compact):
    """A template row that takes its concept names, values or units from a context group."""

    tid: int
    template: str
    row: str | None
    role: str  # "concept names" | "values" | "units"
    binding: str | None  # "B" baseline, "D" defined, "E" enumerated, None unknown
    value_type: str | None
    source: str


@dataclass(frozen=True)
class SchemeInfo(_Compact):
    """A coding scheme registered in PS3.16 Table 8-1 (Section 8)."""

    designator: str
    name: str
    uid: str | None
    organization: str | None
    resource: str | None  # where the scheme's codes can be looked up
    note: str | None = None
    retired: bool = False


@dataclass(frozen=True)
class TIDRow(_Compact):
    row: int
    nesting_level: int  # 0 = top, 1 = ">", ...
    relationship: str | None
    value_type: str | None
    concept: CodeInfo | None
    vm: str
    requirement: str  # "M" | "MC" | "U" | "UC"
    condition: str | None = None
    value_set: str | None = None
    binding: str | None = None  # "B" | "D" | None
    include_template: int | None = None
    include_params: dict[str, Any] | None = None
    concept_set: str | None = None  # concept name given as a value set or $parameter, e.g. "DCID 7021 ..."
    label: str | None = None  # the standard's row number ("3", "1b") where verified; ``row`` is the position


@dataclass(frozen=True)
class TIDInfo(_Compact):
    number: int
    name: str
    extensible: bool
    rows: tuple[TIDRow, ...]
    source: str | None = None
    root: bool = False


@dataclass(frozen=True)
class SourceInfo(_Compact):
    name: str
    version: str
    description: str


@dataclass(frozen=True)
class AttributeUse(_Compact):
    """Where an attribute appears: a module (with its sequence path and type)."""

    module_id: str
    module_name: str
    path: tuple[str, ...]
    type: str
    condition: str | None = None
