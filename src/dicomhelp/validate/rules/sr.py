"""Structured Reports: value types, relationship types and the SR IOD's constraints.

PS3.3 C.17.3 (SR Document Content: value types, relationship types, what
each content item must carry) and A.35.x (for Enhanced, Comprehensive and
Comprehensive 3D SR, the source value type / relationship / target value type
triples that are allowed, from ``knowledge().sr_relationship_constraints``).
Positions are the 1-based hierarchical numbers ``dump`` and ``sr`` print.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dicomhelp.validate.findings import Finding, error

if TYPE_CHECKING:
    from dicomhelp.validate.context import Context

SR_PREFIX = "1.2.840.10008.5.1.4.1.1.88."
CONTENT_REF = "PS3.3 C.17.3"
VALUE_TYPES = {"TEXT", "NUM", "CODE", "DATETIME", "DATE", "TIME", "UIDREF", "PNAME", "COMPOSITE", "IMAGE",
               "WAVEFORM", "SCOORD", "SCOORD3D", "TCOORD", "CONTAINER", "TABLE"}
RELATIONSHIPS = {"CONTAINS", "HAS PROPERTIES", "HAS CONCEPT MOD", "HAS OBS CONTEXT", "HAS ACQ CONTEXT",
                 "INFERRED FROM", "SELECTED FROM"}
# What each value type must carry (PS3.3 Table C.17.3-1 and its macros), attribute and type.
VALUE_ATTRIBUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "TEXT": (("TextValue", "1"),),
    "NUM": (("MeasuredValueSequence", "2"),),
    "CODE": (("ConceptCodeSequence", "1"),),
    "DATETIME": (("DateTime", "1"),),
    "DATE": (("Date", "1"),),
    "TIME": (("Time", "1"),),
    "UIDREF": (("UID", "1"),),
    "PNAME": (("PersonName", "1"),),
    "COMPOSITE": (("ReferencedSOPSequence", "1"),),
    "IMAGE": (("ReferencedSOPSequence", "1"),),
    "WAVEFORM": (("ReferencedSOPSequence", "1"),),
    "SCOORD": (("GraphicData", "1"), ("GraphicType", "1")),
    "SCOORD3D": (("GraphicData", "1"), ("GraphicType", "1"), ("ReferencedFrameOfReferenceUID", "1")),
    "TCOORD": (("TemporalRangeType", "1"),),
    "CONTAINER": (("ContinuityOfContent", "1"),),
}
# Value types whose items must name their concept (PS3.3 C.17.3, Concept Name Code Sequence 1C).
NAMED_VALUE_TYPES = {"TEXT", "NUM", "CODE", "DATETIME", "DATE", "TIME", "UIDREF", "PNAME"}
CONSTRAINED_IODS = {
    "1.2.840.10008.5.1.4.1.1.88.22": "enhanced-sr",
    "1.2.840.10008.5.1.4.1.1.88.33": "comprehensive-sr",
    "1.2.840.10008.5.1.4.1.1.88.34": "comprehensive-3d-sr",
}


@dataclass
class Item:
    dataset: Any
    position: str
    path: str
    parent: Item | None
    depth: int
    problem: str | None = None


def iter_items(root: Any, max_depth: int = 64) -> Iterator[Item]:
    """The root (position ``1``) and every content item below it, depth first.

    Uses the shared walker of :mod:`dicomhelp.inspect.srtree` when it is there
    (same positions as ``dump`` and ``sr`` print), else an equivalent one.
    """
    try:
        from dicomhelp.inspect.srtree import iter_content_items
    except ImportError:
        top = Item(root, "1", "", None, 0)
        yield top
        yield from _children(top, max_depth)
        return
    by_position: dict[str, Item] = {}
    for ref in iter_content_items(root):
        parent = by_position.get(ref.parent_position) if ref.parent_position else None
        item = Item(ref.item, ref.position, ref.path, parent, ref.depth, ref.problem)
        by_position[ref.position] = item
        yield item


def _children(parent: Item, max_depth: int) -> Iterator[Item]:
    if parent.depth >= max_depth:
        parent.problem = f"content tree deeper than {max_depth} levels: items below are not checked"
        return
    seq = parent.dataset.get("ContentSequence")
    for i, child in enumerate(seq or []):
        prefix = f"{parent.path}." if parent.path else ""
        item = Item(child, f"{parent.position}.{i + 1}", f"{prefix}ContentSequence[{i}]", parent, parent.depth + 1)
        yield item
        yield from _children(item, max_depth)


def _text(ds: Any, keyword: str) -> str | None:
    v = ds.get(keyword)
    return None if v is None else str(v).strip()


def check(ctx: Context) -> Iterator[Finding]:
    sop = ctx.sop_class_uid or ""
    if not sop.startswith(SR_PREFIX) or "ContentSequence" not in ctx.ds and "ValueType" not in ctx.ds:
        return
    allowed = _constraints(ctx, sop)
    for item in iter_items(ctx.ds, ctx.options.max_depth):
        yield from _item(item, allowed)
        if item.problem:
            yield error("sr.tree", item.problem, sr_position=item.position, path=item.path or None,
                        reference=CONTENT_REF, fix="repair the content tree at this item")


def _constraints(ctx: Context, sop: str) -> set[tuple[str, str, str]] | None:
    iod_id = CONSTRAINED_IODS.get(sop)
    if iod_id is None:
        return None
    from dicomhelp.validate.tables import tables

    try:
        triples = tables().sr_relationship_constraints(iod_id)
    except Exception:  # noqa: BLE001 - no constraint data: the check stays silent
        return None
    return {(s.upper(), r.upper(), t.upper()) for s, r, t in triples} or None


def _where(item: Item, keyword: str, tag: int | None = None) -> dict[str, Any]:
    path = f"{item.path}.{keyword}" if item.path else keyword
    return dict(sr_position=item.position, path=path, keyword=keyword, tag=tag)


def _item(item: Item, allowed: set[tuple[str, str, str]] | None) -> Iterator[Finding]:
    ds = item.dataset
    by_reference = "ReferencedContentItemIdentifier" in ds
    vt = _text(ds, "ValueType")
    if not by_reference:
        if vt is None:
            yield error("sr.value-type-missing", "the content item has no Value Type", reference=CONTENT_REF,
                        fix=f"set ValueType to one of {', '.join(sorted(VALUE_TYPES))}", **_where(item, "ValueType", 0x0040A040))
        elif vt not in VALUE_TYPES:
            yield error("sr.value-type", f"<{vt}> is not an SR value type", reference=CONTENT_REF,
                        fix=f"use one of {', '.join(sorted(VALUE_TYPES))}", **_where(item, "ValueType", 0x0040A040))
    if item.parent is not None:
        rel = _text(ds, "RelationshipType")
        if rel is None:
            yield error("sr.relationship-missing", "the content item has no Relationship Type to its parent",
                        reference=CONTENT_REF, fix=f"set RelationshipType to one of {', '.join(sorted(RELATIONSHIPS))}",
                        **_where(item, "RelationshipType", 0x0040A010))
        elif rel not in RELATIONSHIPS:
            yield error("sr.relationship", f"<{rel}> is not an SR relationship type", reference=CONTENT_REF,
                        fix=f"use one of {', '.join(sorted(RELATIONSHIPS))}", **_where(item, "RelationshipType", 0x0040A010))
        elif allowed is not None and vt in VALUE_TYPES and not by_reference:
            parent_vt = _text(item.parent.dataset, "ValueType") or ""
            if (parent_vt, rel, vt) not in allowed:
                yield error("sr.relationship-not-allowed",
                            f"a {vt} item may not be the target of {parent_vt} {rel} in this SR IOD",
                            reference="PS3.3 A.35 (relationship constraints of the SR IOD)",
                            fix=f"restructure the tree, or use an SR IOD that allows {parent_vt} {rel} {vt} "
                            "(e.g. Comprehensive 3D SR)", sr_position=item.position, path=item.path or None,
                            keyword="ValueType", tag=0x0040A040)
    if by_reference or vt not in VALUE_ATTRIBUTES:
        return
    if item.parent is not None and "ConceptNameCodeSequence" not in ds and vt in NAMED_VALUE_TYPES:
        yield error("sr.concept-name-missing", f"the {vt} item has no Concept Name (Type 1C: required for "
                    f"{vt} items)", reference="PS3.3 Table C.17.3-1",
                      fix="add ConceptNameCodeSequence with the code of what this item states",
                      **_where(item, "ConceptNameCodeSequence", 0x0040A043))
    if item.parent is None and "ConceptNameCodeSequence" not in ds:
        yield error("sr.root-concept-missing", "the document root has no Concept Name (the document title)",
                    reference="PS3.3 C.17.3.2.1", fix="add ConceptNameCodeSequence with the title code, "
                    "e.g. (126000, DCM, Imaging Measurement Report)", **_where(item, "ConceptNameCodeSequence", 0x0040A043))
    for keyword, t in VALUE_ATTRIBUTES[vt]:
        if keyword not in ds:
            yield error("sr.value-missing", f"a {vt} item must carry {keyword} (Type {t})", reference=CONTENT_REF,
                        fix=f"add {keyword}", **_where(item, keyword))
        elif t == "1" and _empty(ds, keyword):
            yield error("sr.value-empty", f"{keyword} of this {vt} item is empty (Type 1)", reference=CONTENT_REF,
                        fix=f"give {keyword} a value", **_where(item, keyword))


def _empty(ds: Any, keyword: str) -> bool:
    v = ds.get(keyword)
    if v is None:
        return True
    try:
        return len(v) == 0
    except TypeError:
        return False
