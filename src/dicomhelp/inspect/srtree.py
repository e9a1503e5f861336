"""Walking the content tree of a Structured Report.

:func:`iter_content_items` is the one walker the SR view, the validator and
the SR reader share. It yields every content item depth-first with its SR
position (``1`` for the document root, ``1.2.3`` below), its element path and
its depth, and never raises on a malformed tree: an item that is not a dataset,
a ContentSequence that is not a sequence or a tree deeper than
:data:`MAX_DEPTH` are skipped (the item refs carry ``problem`` where that
happens) instead of crashing the caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydicom import Dataset

CONTENT_SEQUENCE = 0x0040A730
MAX_DEPTH = 100


@dataclass
class ContentItemRef:
    """One content item and where it is in the tree."""

    position: str  # "1", "1.2", "1.2.3": 1-based, as DCMTK and the seed print them
    path: str  # element path of the item, "" for the root: ContentSequence[1].ContentSequence[0]
    item: Dataset
    depth: int  # 0 for the root, 1 for its children...
    parent_position: str | None
    problem: str | None = None  # what is wrong with the item's place in the tree, if anything

    @property
    def index(self) -> int:
        """0-based index of the item in its parent's ContentSequence (0 for the root)."""
        return int(self.position.rsplit(".", 1)[-1]) - 1 if "." in self.position else 0


def is_sr(ds: Dataset) -> bool:
    """Does ``ds`` look like an SR document (a root content item with a content tree)?"""
    return CONTENT_SEQUENCE in ds or "ValueType" in ds


def iter_content_items(ds: Dataset, *, include_root: bool = True) -> Iterator[ContentItemRef]:
    """Every content item of the SR ``ds``, depth-first, in document order.

    Iterative (no recursion), so a pathologically deep tree cannot overflow the
    stack; below :data:`MAX_DEPTH` levels the walk stops descending and the
    deepest item reports it in ``problem``.
    """
    from pydicom import Dataset as _Dataset

    root = ContentItemRef(position="1", path="", item=ds, depth=0, parent_position=None)
    stack: list[ContentItemRef] = [root]
    while stack:
        ref = stack.pop()
        children, problem = _children(ref.item)
        if problem:
            ref.problem = problem
        if ref.depth >= MAX_DEPTH and children:
            ref.problem = f"content tree deeper than {MAX_DEPTH} levels: items below are not shown"
            children = []
        if ref.depth > 0 or include_root:
            yield ref
        refs = []
        for i, child in enumerate(children):
            path = f"{ref.path}.ContentSequence[{i}]" if ref.path else f"ContentSequence[{i}]"
            position = f"{ref.position}.{i + 1}"
            if isinstance(child, _Dataset):
                refs.append(ContentItemRef(position, path, child, ref.depth + 1, ref.position))
            else:
                bad = _Dataset()
                refs.append(ContentItemRef(position, path, bad, ref.depth + 1, ref.position,
                                           problem=f"item is not a dataset ({type(child).__name__})"))
        stack.extend(reversed(refs))


def _children(item: Dataset) -> tuple[list, str | None]:
    try:
        elem = item.get(CONTENT_SEQUENCE)
    except Exception as exc:  # an undecodable ContentSequence
        return [], f"ContentSequence cannot be read: {exc}"
    if elem is None:
        return [], None
    if elem.VR != "SQ" or elem.value is None:
        return [], f"ContentSequence has VR {elem.VR}, not SQ: its content is not shown"
    return list(elem.value), None


def position_index(ds: Dataset) -> dict[str, ContentItemRef]:
    """Position -> item, for resolving by-reference relationships."""
    return {ref.position: ref for ref in iter_content_items(ds)}
