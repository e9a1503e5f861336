"""One lookup API over everything the standard says that dicomhelp needs.

``knowledge()`` returns a process-wide :class:`Knowledge`; the first call in a
fresh cache builds the index (about 3 s), later calls only open it. The
hand-written data (PS3.16 template rows, PS3.3 SR relationship constraints,
binding CIDs) is read from ``dicomhelp/data/standard/*.json`` on first use.
"""

from __future__ import annotations

import json
import re
import threading
from functools import cached_property
from importlib import resources
from typing import Any

from dicomhelp.standard.index import Index, open_index
from dicomhelp.standard.model import (
    AttributeInfo,
    AttributeUse,
    CIDInfo,
    CIDUse,
    CodeDefinition,
    CodeInfo,
    CodeUse,
    IODInfo,
    ModuleInfo,
    SchemeInfo,
    SourceInfo,
    TIDInfo,
    TIDRow,
    UIDInfo,
    VRInfo,
)

_LOCK = threading.Lock()
_INSTANCE: Knowledge | None = None


def knowledge() -> Knowledge:
    """The shared :class:`Knowledge` (built or opened on first call)."""
    global _INSTANCE
    with _LOCK:
        if _INSTANCE is None:
            _INSTANCE = Knowledge(open_index())
        return _INSTANCE


def reset() -> None:
    """Forget the shared instance (tests that switch the cache folder call this).

    The old instance is not closed: code that still holds it (e.g. a cached
    reference in the validator) keeps working with the index it opened.
    """
    global _INSTANCE
    with _LOCK:
        _INSTANCE = None


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _data(name: str) -> Any:
    with resources.files("dicomhelp").joinpath("data", "standard", name).open("r", encoding="utf-8") as fh:
        return json.load(fh)


class Knowledge:
    """Lookups by tag, keyword, name, UID, code, CID or TID; ``None`` when unknown."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._attr_cache: dict[int, AttributeInfo | None] = {}
        # Rows asked for again and again (explaining every element of a file asks for the same
        # modules' IODs hundreds of times): unpickled once per process.
        self._uses_cache: dict[int, tuple[AttributeUse, ...]] = {}
        self._module_iods_cache: dict[str, tuple[tuple[str, str], ...]] = {}

    # -- attributes ---------------------------------------------------------
    def attribute(self, tag_or_keyword: int | str) -> AttributeInfo | None:
        if isinstance(tag_or_keyword, str):
            key = self.index.get("kw", tag_or_keyword.strip())
            if key is None:
                return None
            info = self.index.get("attr", key)
            return info  # type: ignore[no-any-return]
        tag = int(tag_or_keyword)
        if tag in self._attr_cache:
            return self._attr_cache[tag]
        info = self._attribute_by_tag(tag)
        self._attr_cache[tag] = info
        return info

    def _attribute_by_tag(self, tag: int) -> AttributeInfo | None:
        key = f"{tag:08X}"
        info = self.index.get("attr", key)
        if info is not None:
            return info  # type: ignore[no-any-return]
        group, element = tag >> 16, tag & 0xFFFF
        if group % 2 == 0:
            if element == 0:
                return AttributeInfo(tag, "GenericGroupLength", "Group Length", "UL", "1", False,
                                     "The length in bytes of the rest of this group (mostly retired).")
            for mask in self.index.get("masks", "all") or ():
                if not all(m in ("X", c) for m, c in zip(mask, key)):
                    continue
                found = self.index.get("attr", mask)
                if found is not None:
                    return AttributeInfo(tag, found.keyword, found.name, found.vr, found.vm, found.retired,
                                         found.description)
            return None
        if 0x0010 <= element <= 0x00FF:
            return AttributeInfo(tag, "PrivateCreator", "Private Creator", "LO", "1", False,
                                 "Reserves a block of private elements for the organisation it names.")
        return None

    def attribute_terms(self, tag: int) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
        """(enumerated values, defined terms) the attribute has in any module (needs the prose)."""
        return self.index.get("terms", f"{tag:08X}") or (None, None)  # type: ignore[no-any-return]

    def deidentification(self, tag: int) -> str | None:
        """The PS3.15 Basic Profile action code for ``tag`` (e.g. "X", "Z", "X/Z/D").

        From the current edition's Table E.1-1 shipped with dicomhelp (the one
        ``anonymize`` applies); the 2020 prose package's table only as a fallback.
        """
        from dicomhelp.standard.ps315 import load_table

        rule = load_table().rule(tag)
        if rule is not None:
            return rule.basic
        return self.index.get("deid", f"{tag:08X}")  # type: ignore[no-any-return]

    def attribute_uses(self, tag: int) -> tuple[AttributeUse, ...]:
        """The modules that contain ``tag`` (at any sequence depth) with its type there."""
        if tag not in self._uses_cache:
            self._uses_cache[tag] = self.index.get("attr_use", f"{tag:08X}") or ()
        return self._uses_cache[tag]

    def brief(self, tag: int) -> str | None:
        """One plain line for ``dump --explain``: name, VR meaning and the standard's first sentence."""
        from dicomhelp.standard.prose import first_sentence
        from dicomhelp.standard.vrs import VRS

        info = self.attribute(tag)
        if info is None:
            return None
        vr = VRS.get(info.vr.split(" ")[0])
        what = f"{info.name} ({vr.meaning})" if vr else info.name
        if info.retired:
            what += ", retired"
        sentence = first_sentence(info.description, limit=120)
        return f"{what}: {sentence}" if sentence else what

    # -- IODs and modules ---------------------------------------------------
    def iod_for_sop_class(self, uid: str) -> IODInfo | None:
        iod_id = self.index.get("sop_iod", uid.strip())
        return self.index.get("iod", iod_id) if iod_id else None

    def iod(self, id_or_name: str) -> IODInfo | None:
        iod_id = self.index.get("iod_name", _norm(id_or_name))
        return self.index.get("iod", iod_id) if iod_id else None

    def module(self, module_id: str) -> ModuleInfo | None:
        found = self.index.get("module", module_id)
        if found is None:
            key = self.index.get("module_name", _norm(module_id))
            found = self.index.get("module", key) if key else None
        return found  # type: ignore[no-any-return]

    def iods_using_module(self, module_id: str) -> tuple[tuple[str, str], ...]:
        """(iod_id, usage) of every IOD that includes the module."""
        if module_id not in self._module_iods_cache:
            self._module_iods_cache[module_id] = self.index.get("module_iods", module_id) or ()
        return self._module_iods_cache[module_id]

    def sop_classes_for_iod(self, iod_id: str) -> tuple[str, ...]:
        return tuple(uid for uid in self.index.keys("sop_iod") if self.index.get("sop_iod", uid) == iod_id)

    # -- UIDs, VRs ------------------------------------------------------------
    def uid(self, uid: str) -> UIDInfo | None:
        text = uid.strip()
        found = self.index.get("uid", text)
        if found is None and not text[:1].isdigit():
            key = self.index.get("uid_name", _norm(text))
            found = self.index.get("uid", key) if key else None
        return found  # type: ignore[no-any-return]

    def vr(self, name: str) -> VRInfo | None:
        from dicomhelp.standard.vrs import VRS

        return VRS.get(name.strip().upper())

    # -- codes, context groups, templates ---------------------------------------
    def code(self, scheme: str, value: str) -> CodeInfo | None:
        found = self.index.get("code", f"{scheme.strip()}:{value.strip()}")
        return found[0] if found else None

    def code_definition(self, scheme: str, value: str) -> CodeDefinition | None:
        """The code's definition in the edition of PS3.16 Annex D dicomhelp has (DCM codes only)."""
        return self.index.get("code_def", f"{scheme.strip()}:{value.strip()}")  # type: ignore[no-any-return]

    def code_definitions_edition(self) -> str | None:
        """The edition of PS3.16 the definitions are from ("2015-04-20"), None if it has none."""
        source = self.index.get("meta", "dcm_definitions")
        return source["edition"] if source else None

    def code_context_groups(self, scheme: str, value: str) -> tuple[int, ...]:
        found = self.index.get("code", f"{scheme.strip()}:{value.strip()}")
        return found[2] if found else ()

    def schemes_for_code_value(self, value: str) -> tuple[str, ...]:
        return self.index.get("code_value", value.strip()) or ()

    def cid(self, n: int) -> CIDInfo | None:
        return self.index.get("cid", str(int(n)))  # type: ignore[no-any-return]

    def cid_name(self, n: int) -> str | None:
        """The context group's name without loading its members."""
        return self.index.get("cid_name", str(int(n)))  # type: ignore[no-any-return]

    def cid_binding(self, n: int) -> str | None:
        """"B" (baseline) or "D" (defined) where the hand-written data records it."""
        return self._bindings.get(int(n))

    def code_uses(self, scheme: str, value: str) -> tuple[CodeUse, ...]:
        """The template rows that name the code (as concept name, fixed value or unit)."""
        return self.index.get("code_use", f"{scheme.strip()}:{value.strip()}") or ()

    def cid_uses(self, n: int) -> tuple[CIDUse, ...]:
        """The template rows that take concept names, values or units from the context group."""
        return self.index.get("cid_use", str(int(n))) or ()

    def template_name(self, n: int) -> str | None:
        """The name of any template dicomhelp knows of (written by hand or in PixelMed's tables)."""
        return self.index.get("tid_name", str(int(n)))  # type: ignore[no-any-return]

    def template_table(self, n: int) -> tuple[str, tuple[tuple[Any, ...], ...], tuple[int, ...]] | None:
        """(name, rows, included TIDs) of a template dicomhelp does not write by hand, from PixelMed's
        generated tables; a row is laid out as ``ps316_usage.json``'s "row_fields"."""
        return self.index.get("tid_table", str(int(n)))  # type: ignore[no-any-return]

    def coding_scheme(self, designator: str) -> SchemeInfo | None:
        """A scheme of PS3.16 Table 8-1 by its designator (exact, then ignoring case)."""
        text = designator.strip()
        return self._schemes.get(text) or self._schemes_folded.get(text.lower())

    def coding_schemes(self) -> tuple[SchemeInfo, ...]:
        return tuple(self._schemes.values())

    def tid(self, n: int) -> TIDInfo | None:
        return self._templates.get(int(n))

    def tids(self) -> tuple[int, ...]:
        return tuple(sorted(self._templates))

    def sr_relationship_constraints(self, iod_id: str) -> tuple[tuple[str, str, str], ...]:
        table = self._constraints.get(iod_id)
        return table["rows"] if table else ()

    def sr_relationship_source(self, iod_id: str) -> dict[str, Any] | None:
        table = self._constraints.get(iod_id)
        return {k: v for k, v in table.items() if k != "rows"} if table else None

    # -- provenance ---------------------------------------------------------------
    def sources(self) -> tuple[SourceInfo, ...]:
        found: tuple[SourceInfo, ...] = self.index.get("meta", "sources") or ()
        templates = _data("templates.json")
        constraints = _data("sr_relationships.json")
        return found + (
            SourceInfo("dicomhelp templates", templates["edition"],
                       f"hand-written PS3.16 template rows of TID {', '.join(str(t['number']) for t in templates['templates'])}"),
            SourceInfo("dicomhelp coding schemes", _data("coding_schemes.json")["edition"],
                       f"hand-written PS3.16 Table 8-1 rows of {len(self._schemes)} registered coding schemes"),
            SourceInfo("dicomhelp SR constraints", constraints["edition"],
                       "hand-written PS3.3 SR relationship constraints (" +
                       ", ".join(t["source"] for t in constraints["iods"].values()) + ")"),
        )

    def names(self) -> tuple[str, ...]:
        """Every keyword, IOD and module name: the candidates for 'did you mean'."""
        return self.index.get("names", "all") or ()

    # -- hand-written data --------------------------------------------------------
    @cached_property
    def _templates(self) -> dict[int, TIDInfo]:
        data = _data("templates.json")
        out: dict[int, TIDInfo] = {}
        for t in data["templates"]:
            rows = tuple(_tid_row(i + 1, r) for i, r in enumerate(t["rows"]))
            out[t["number"]] = TIDInfo(t["number"], t["name"], t["extensible"], rows, t["source"],
                                       t.get("root", False))
        return out

    @cached_property
    def _schemes(self) -> dict[str, SchemeInfo]:
        data = _data("coding_schemes.json")
        return {s["designator"]: SchemeInfo(s["designator"], s["name"], s["uid"], s["organization"], s["resource"],
                                            s.get("note"), s.get("retired", False)) for s in data["schemes"]}

    @cached_property
    def _schemes_folded(self) -> dict[str, SchemeInfo]:
        return {k.lower(): v for k, v in self._schemes.items()}

    @cached_property
    def _bindings(self) -> dict[int, str]:
        data = _data("templates.json")
        return {int(k): v for k, v in data.get("cid_bindings", {}).items()}

    @cached_property
    def _constraints(self) -> dict[str, dict[str, Any]]:
        data = _data("sr_relationships.json")
        out = {}
        for iod_id, table in data["iods"].items():
            value_types = sorted({vt for row in table["table"] for vt in row["source"] + row["target"]} - {"*"})
            rows: list[tuple[str, str, str]] = []
            for row in table["table"]:
                sources = value_types if row["source"] == ["*"] else row["source"]
                rows.extend((s, row["rel"], t) for s in sources for t in row["target"])
            out[iod_id] = {**{k: v for k, v in table.items() if k != "table"},
                           "rows": tuple(dict.fromkeys(rows)), "edition": data["edition"]}
        return out

    def sr_by_reference_allowed(self, iod_id: str, source_vt: str, relationship: str, target_vt: str) -> bool:
        """Whether the IOD allows this relationship by reference (ReferencedContentItemIdentifier)."""
        table = self._constraints.get(iod_id)
        if table is None or not table["by_reference"]:
            return False
        if (source_vt, relationship, target_vt) not in table["rows"]:
            return False
        for s, r, t in table["by_value_only"]:
            if s in ("*", source_vt) and r in ("*", relationship) and t in ("*", target_vt):
                return False
        return True


_SET = re.compile(r"^(B|D)?(CID|TID)\s+(\d+)")


def _tid_row(position: int, r: list[Any]) -> TIDRow:
    """One row as written in templates.json (see its "note")."""
    label, level, relationship, value_type, concept_text, vm, requirement, condition, value_set = r[:9]
    params = r[9] if len(r) > 9 else None
    concept = concept_set = None
    if concept_text and concept_text.count("|") == 2:
        value, scheme, meaning = concept_text.split("|")
        concept = CodeInfo(scheme, value, meaning)
    else:
        concept_set = concept_text
    include = None
    binding = None
    for text in (value_set, concept_set):
        m = _SET.match(text or "")
        if m:
            if m.group(2) == "TID" and value_type == "INCLUDE":
                include = int(m.group(3))
            elif m.group(2) == "CID" and binding is None:
                binding = m.group(1)
    return TIDRow(position, level, relationship, value_type, concept, vm, requirement, condition, value_set,
                  binding, include, params, concept_set, None if label is None else str(label))
