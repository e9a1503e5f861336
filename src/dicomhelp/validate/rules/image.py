"""Image attributes whose values the IOD tables do not constrain but the standard's prose does.

PS3.3 10.7.1.3: pixel spacing values are positive and non-zero, except the value of a
single row or column (then zero). PS3.3 C.7.6.17.1: each frame's Dimension Index Values
has as many values as the Dimension Index Sequence has items.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dicomhelp.paths import Step, format_path
from dicomhelp.validate.findings import Finding, error

if TYPE_CHECKING:
    from dicomhelp.validate.context import Context

SPACING_REF = "PS3.3 10.7.1.3"
# The pixel spacing related attributes (PS3.3 10.7.1.3 names them by that phrase).
SPACING_TAGS = {0x00280030: "PixelSpacing", 0x00181164: "ImagerPixelSpacing",
                0x00182010: "NominalScannedPixelSpacing", 0x00289520: "CompensatedImagerPixelSpacing"}
PIXEL_MEASURES = 0x00289110
FUNCTIONAL_GROUPS = (0x52009229, 0x52009230)  # Shared, Per-frame Functional Groups Sequence


def check(ctx: Context) -> Iterator[Finding]:
    ds = ctx.ds
    size = (_int(ds, "Rows"), _int(ds, "Columns"))
    seen: set[str] = set()
    for item, steps in _spacing_levels(ds):
        for finding in _zero_spacing(item, steps, size):
            if finding.message not in seen:  # one per attribute, not one per frame
                seen.add(finding.message)
                yield finding
    yield from dimension_index_values(ctx)


def _int(ds: Any, keyword: str) -> int | None:
    try:
        return int(ds.get(keyword))
    except (TypeError, ValueError):
        return None


def _items(ds: Any, tag: int) -> list[Any]:
    try:
        elem = ds.get(tag)
        return list(elem.value) if elem is not None and elem.VR == "SQ" and elem.value else []
    except Exception:  # noqa: BLE001 - an unreadable sequence is the values rule's finding
        return []


def _spacing_levels(ds: Any) -> Iterator[tuple[Any, list[Step]]]:
    """The top level, and each Pixel Measures item of the functional groups (shared and per frame)."""
    yield ds, []
    for group in FUNCTIONAL_GROUPS:
        for i, frame in enumerate(_items(ds, group)):
            for j, measures in enumerate(_items(frame, PIXEL_MEASURES)):
                yield measures, [Step(tag=group, index=i), Step(tag=PIXEL_MEASURES, index=j)]


def _zero_spacing(item: Any, steps: list[Step], size: tuple[int | None, int | None]) -> Iterator[Finding]:
    for tag, keyword in SPACING_TAGS.items():
        try:
            elem = item.get(tag)
            values = [] if elem is None or elem.value in (None, "") else list(elem.value)
        except Exception:  # noqa: BLE001 - a broken value is the values rule's finding
            continue
        if len(values) != 2:
            continue  # VM is the values rule's finding
        for position, (value, lines) in enumerate(zip(values, size)):
            try:
                zero = float(value) <= 0
            except (TypeError, ValueError):
                continue
            if not zero or (float(value) == 0 and lines == 1):
                continue
            what = "row" if position == 0 else "column"
            yield error("image.pixel-spacing", f"value {position + 1} ({what} spacing) is <{value}>: pixel spacing "
                        "must be positive and non-zero (zero only for a single "
                        f"{'row' if position == 0 else 'column'})", tag=tag, keyword=keyword,
                        path=format_path(steps + [Step(tag=tag)]), reference=SPACING_REF,
                        fix=f"set {keyword} to the physical distance between pixel centres in mm, or remove it "
                        "if unknown and not required")


DIMENSIONS_REF = "PS3.3 C.7.6.17.1"


def dimension_index_values(ctx: Context) -> Iterator[Finding]:
    """Each frame's Dimension Index Values has one value per item of the Dimension Index Sequence.

    PS3.3 C.7.6.17.1: "For each SOP Instance this Attribute has a Value Multiplicity equal to
    the number of Items in the Sequence" (Frame Content, shared or per frame).
    """
    ds = ctx.ds
    dimensions = len(_items(ds, 0x00209222))
    if not dimensions:
        return  # no dimensions declared: Dimension Index Values is then not required (the IOD rule)
    for group in FUNCTIONAL_GROUPS:
        for i, frame in enumerate(_items(ds, group)):
            for j, content in enumerate(_items(frame, 0x00209111)):
                elem = content.get(0x00209157)
                if elem is None or elem.value in (None, b"", ""):
                    continue
                value = elem.value
                count = len(value) if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue" else 1
                if count != dimensions:
                    steps = [Step(tag=group, index=i), Step(tag=0x00209111, index=j), Step(tag=0x00209157)]
                    yield error("image.dimension-index-values", f"{count} value(s), but the Dimension Index "
                                f"Sequence has {dimensions} item(s): one index per dimension is needed",
                                tag=0x00209157, keyword="DimensionIndexValues", path=format_path(steps),
                                reference=DIMENSIONS_REF, fix="give each frame one index value per item of "
                                "DimensionIndexSequence, in the same order")
                    return  # one finding: the same writer made every frame so
