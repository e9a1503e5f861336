"""UIDs that name different things must differ.

PS3.5 9.1: a UID distinguishes "different classes of objects, instances of objects and
information entities ... from one another across the DICOM universe of discourse". A
study, a series, an instance and a frame of reference are different entities, so one
UID given to two of them (a Frame of Reference UID copied from the Study Instance UID,
a Series UID reused as the Study UID) identifies neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dicomhelp.validate.findings import Finding, error

if TYPE_CHECKING:
    from dicomhelp.validate.context import Context

REF = "PS3.5 9.1"
# The top-level identifiers of distinct entities, outermost first.
ENTITY_UIDS = (
    (0x0020000D, "StudyInstanceUID"),
    (0x0020000E, "SeriesInstanceUID"),
    (0x00200052, "FrameOfReferenceUID"),
    (0x00200200, "SynchronizationFrameOfReferenceUID"),
    (0x00080018, "SOPInstanceUID"),
)


def _uid(ctx: Context, tag: int) -> str:
    try:
        value = ctx.ds[tag].value if tag in ctx.ds else None
    except Exception:  # noqa: BLE001 - a broken value is the values rule's finding
        return ""
    return "" if value is None else str(value).strip("\0 ")


def check(ctx: Context) -> Iterator[Finding]:
    first: dict[str, tuple[str, int]] = {}
    for tag, keyword in ENTITY_UIDS:
        value = _uid(ctx, tag)
        if not value:
            continue
        if value in first:
            # Named on the first of the two, as dciodvfy does ("StudyInstanceUID has same value as ...").
            outer, outer_tag = first[value]
            yield error("uids.reused", f"{outer} <{value}> is also the {keyword}: one UID names two "
                        "different entities", tag=outer_tag, keyword=outer, path=outer, reference=REF,
                        fix=f"give {keyword} a UID of its own, made for that {keyword[:-3]}")
        else:
            first[value] = (keyword, tag)
